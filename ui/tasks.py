"""Background work for the UI, in one place (after Picard's run_task and Anki's CollectionOp).

`run_in_background(work, on_done)` runs `work()` on a thread pool and calls
`on_done(result, error)` on the UI thread. Widgets never start threads themselves. Hand the
work copies or ids, not widgets or live SQLAlchemy objects; the callback should re-check that
what it updates still exists.

Tests can make it synchronous with `set_synchronous(True)`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

Done = Callable[[Any, BaseException | None], None]

_synchronous = False
_pool: QThreadPool | None = None
_live: set["_Task"] = set()


def set_synchronous(value: bool) -> None:
    global _synchronous
    _synchronous = value


class _Relay(QObject):
    """Lives on the UI thread; a signal emitted from the worker reaches `deliver` queued, on
    the UI thread (the receiver must be a QObject for Qt to queue the call)."""

    finished = Signal(object, object)

    def __init__(self, task: "_Task", on_done: Done) -> None:
        super().__init__()
        self._task = task
        self._on_done = on_done
        self.finished.connect(self.deliver)

    @Slot(object, object)
    def deliver(self, result: Any, error: BaseException | None) -> None:  # UI thread
        _live.discard(self._task)
        self._on_done(result, error)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], on_done: Done) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._work = work
        self.relay = _Relay(self, on_done)  # created on the UI thread

    def run(self) -> None:  # worker thread
        try:
            result, error = self._work(), None
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread, never lost
            result, error = None, exc
        self.relay.finished.emit(result, error)


def run_in_background(work: Callable[[], Any], on_done: Done) -> None:
    global _pool
    if _synchronous:
        try:
            result, error = work(), None
        except BaseException as exc:  # noqa: BLE001
            result, error = None, exc
        on_done(result, error)
        return
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    task = _Task(work, on_done)
    _live.add(task)
    _pool.start(task)


def wait_for_background(msecs: int = 5000) -> bool:
    """Wait for queued work to finish (used at shutdown and in tests)."""
    return _pool.waitForDone(msecs) if _pool is not None else True


def pending() -> int:
    """How many background tasks have not delivered their answer yet (ui.dialog_release waits
    for none before it deletes a closed dialog, so no answer meets a deleted widget)."""
    return len(_live)
