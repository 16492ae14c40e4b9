"""One dedicated worker thread per card terminal (like hardware.print_queue for a printer).

A terminal serves one command at a time and its driver is not thread-safe, so every command to
it runs here, in order. The worker talks to the rest of the till only through an abstract
handler (Electrum's hardware-wallet pattern): `status(text)` while a command runs and
`done(job, result, error)` at its end, BOTH ON THE WORKER THREAD; the Qt glue (ui/card_terminal.py)
re-emits them on the UI thread. Nothing here imports Qt.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pos_app.card_terminal import CardTerminal

log = logging.getLogger(__name__)


class TerminalHandler(Protocol):
    def status(self, text: str) -> None: ...

    def done(self, job: str, result: Any, error: BaseException | None) -> None: ...


Work = Callable[[CardTerminal, Callable[[str], None]], Any]


@dataclass(frozen=True)
class _Job:
    name: str
    work: Work


class TerminalWorker:
    """FIFO of terminal jobs on one thread. `submit` may be called from any thread."""

    def __init__(self, terminal: CardTerminal, handler: TerminalHandler, name: str = "kartenterminal") -> None:
        self.terminal = terminal
        self._handler = handler
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._busy = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._busy.is_set() or not self._jobs.empty()

    def submit(self, name: str, work: Work) -> None:
        """Run `work(terminal, on_status)` on the worker; its result or exception goes to
        handler.done(name, ...)."""
        self._jobs.put(_Job(name, work))

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self._busy.set()
            result: Any = None
            error: BaseException | None = None
            try:
                result = job.work(self.terminal, self._handler.status)
            except Exception as exc:  # handed to the handler; the worker carries on
                log.warning("Terminal-Auftrag %s: %s", job.name, exc)
                error = exc
            finally:
                self._busy.clear()
            try:
                self._handler.done(job.name, result, error)
            except Exception:  # a broken handler must not kill the terminal's thread
                log.exception("handler for %s failed", job.name)
