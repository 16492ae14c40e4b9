"""The sync worker in its own process, so that it never holds the till's GIL.

Why: in a thread, the worker shares the interpreter lock with the UI thread. Parsing a feed page
(json.loads of a 5,000-change page is one C call that keeps the lock for its whole length,
100 ms and more on a busy machine) and applying it in Python made the UI thread wait for the
lock after its own short database reads: the till froze for 60-190 ms at a time while syncing.
A process has its own interpreter; the till's process only receives small status values.

`SyncProcess` offers what the UI uses of a SyncWorker (start, wake, nudge, stop, running,
status, on_status), so ui/sync_glue.py drives either. Inside the child a plain SyncWorker runs
as before, on the store file (SQLite in WAL mode: the till and the child are two connections to
one file, as the till and its worker thread were; writers queue on BEGIN IMMEDIATE), so every
guarantee of sync/worker.py holds unchanged, crash safety included: killing the child is a
SIGKILL of a syncing process, which the crash tests cover.

Two one-way pipes: commands from the till ("wake", "nudge", "stop"), and SyncStatus values from
the child (pickled frozen dataclasses). The child is started with the "spawn" method (no fork
of a process with Qt and threads in it); a PyInstaller build needs multiprocessing's
freeze_support() at the top of main (ui/app.py calls it). When the till dies, the child sees
its command pipe close and stops.

Logging: the child's log records (INFO and up: every sync round's outcome, see sync.worker) go
through the status pipe too and are handled by the till's own loggers, so they land in the
till's log file (pos_app.till_log) with the child's process name; only the till's process
writes that file.

Threads in the till's process: start/wake/nudge/stop from the UI thread; `on_status` is called
on this object's listener thread (as SyncWorker calls it on its worker thread): a UI must
marshal it (ui/sync_glue.py does).
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from sync.status import State, SyncStatus

if TYPE_CHECKING:
    from sync.client import CenterClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    """Everything the child needs to build its SyncWorker (picklable; the token goes through
    the pipe to the child, never on a command line)."""

    db_path: str
    device_id: str
    backend_url: str
    token: str
    batch_size: int = 200
    interval_s: float = 15.0
    page_size: int | None = None
    timeout: tuple[float, float] | None = None
    backoff_base: float | None = None  # None: sync.worker's defaults
    backoff_cap: float | None = None
    clock_skew_warn_s: float | None = None  # None: pos_app.trusted_time's default


class SyncProcess:
    """A SyncWorker in a child process, driven like one."""

    def __init__(self, settings: WorkerSettings,
                 on_status: Callable[[SyncStatus], None] | None = None) -> None:
        self.settings = settings
        self.on_status = on_status  # set before start(); called on the listener thread
        self._status = SyncStatus(State.SYNCING)
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._commands: Connection | None = None
        self._listener: threading.Thread | None = None
        self._client: CenterClient | None = None

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def client(self) -> "CenterClient":
        """A client of the till's own, for its online look-ups (purchases, vouchers, stock in
        other stores); callers take `.copy()` per thread. The syncing itself is the child's."""
        from sync.client import DEFAULT_TIMEOUT, CenterClient

        if self._client is None:
            self._client = CenterClient(self.settings.backend_url, self.settings.token,
                                        timeout=self.settings.timeout or DEFAULT_TIMEOUT)
        return self._client

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("the sync process runs already")
        command_out, command_in = self._context.Pipe(duplex=False)  # (receiving end, sending end)
        status_out, status_in = self._context.Pipe(duplex=False)
        self._process = self._context.Process(target=child_main, args=(self.settings, command_out, status_in),
                                              name="omnipos-sync", daemon=True)
        self._process.start()
        command_out.close()  # the child's ends: closed here, so each side sees the other go away
        status_in.close()
        self._commands = command_in
        self._listener = threading.Thread(target=self._listen, args=(status_out,), name="sync-status", daemon=True)
        self._listener.start()

    def wake(self) -> None:
        """Sync now (also after 401/403 and during a backoff)."""
        self._send("wake")

    def nudge(self) -> None:
        """New local events: a round soon if the center is reachable."""
        self._send("nudge")

    def stop(self, timeout: float = 5.0) -> bool:
        """Let the child end after the step it is in; True when it ended within `timeout`.
        Otherwise it is killed: a request in flight is sent again next time (crash-safe)."""
        if self._process is None:
            return True
        self._send("stop")
        self._process.join(timeout)
        ended = not self._process.is_alive()
        if not ended:
            self._process.kill()
            self._process.join(5)
        if self._commands is not None:
            self._commands.close()
            self._commands = None
        if self._listener is not None:
            self._listener.join(2)
        if self._client is not None:
            self._client.close()
        return ended

    def _send(self, command: str) -> None:
        if self._commands is None or not self.running:
            return
        try:
            self._commands.send(command)
        except (BrokenPipeError, OSError):  # the child ended; `running` tells
            log.warning("the sync process is gone; %r not delivered", command)

    def _listen(self, statuses: Connection) -> None:
        """Listener thread: statuses from the child, until it ends."""
        with statuses:
            while True:
                try:
                    status = statuses.recv()
                except (EOFError, OSError):
                    return
                if isinstance(status, logging.LogRecord):  # the child's log, into the till's handlers
                    logging.getLogger(status.name).handle(status)
                    continue
                with self._lock:
                    self._status = status
                receiver = self.on_status
                if receiver is not None:
                    try:
                        receiver(status)
                    except Exception:  # noqa: BLE001 - a broken receiver must not stop the reports
                        log.exception("sync status receiver failed")


class _PipeHandler(logging.Handler):
    """In the child: hands each record, made picklable (message formatted, traceback as
    text), to the till's process through the status pipe."""

    def __init__(self, send: Callable[[object], None]) -> None:
        super().__init__(logging.INFO)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.exc_info:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.msg, record.args, record.exc_info = record.getMessage(), None, None
            self._send(record)
        except Exception:  # noqa: BLE001 - logging must never stop the sync
            self.handleError(record)


def _log_through(send: Callable[[object], None]) -> None:
    root = logging.getLogger()
    root.handlers[:] = [_PipeHandler(send)]
    root.setLevel(logging.INFO)


def child_main(settings: WorkerSettings, commands: Connection, statuses: Connection) -> None:
    """The child process: a SyncWorker on its thread; this thread relays commands to it."""
    from pos_app.store.db import Database
    from sync.client import DEFAULT_TIMEOUT, CenterClient
    from sync.worker import SyncWorker

    send_lock = threading.Lock()

    def report(status: object) -> None:  # a SyncStatus or a LogRecord
        with send_lock:
            try:
                statuses.send(status)
            except (BrokenPipeError, OSError):  # the till is gone; its pipe's EOF stops us
                pass

    _log_through(report)
    try:
        db = Database(Path(settings.db_path))
        client = CenterClient(settings.backend_url, settings.token, timeout=settings.timeout or DEFAULT_TIMEOUT)
        kwargs = {name: getattr(settings, name) for name in ("page_size", "backoff_base", "backoff_cap",
                                                                 "clock_skew_warn_s")
                  if getattr(settings, name)}
        worker = SyncWorker(db, client, batch_size=settings.batch_size, interval_s=settings.interval_s,
                            on_status=report, device_id=settings.device_id, **kwargs)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - tell the till why there is no sync
        report(SyncStatus(State.ERROR, last_error=f"Abgleich konnte nicht starten: {exc}"))
        return
    worker.start()
    try:
        while True:
            try:
                command = commands.recv()
            except (EOFError, OSError):  # the till ended
                break
            if command == "wake":
                worker.wake()
            elif command == "nudge":
                worker.nudge()
            elif command == "stop":
                break
    finally:
        worker.stop(timeout=30)
        client.close()
        db.close()
        statuses.close()
