"""One print worker thread per printer: a FIFO of finished ESC/POS jobs, retries, and a list of
jobs that failed and wait for the cashier ("Erneut drucken" / "Verwerfen").

Threads: submit/retry/discard/failed_jobs/pending_jobs/status/stop may be called from any
thread (the UI thread, typically). Sending, the back-off waits and the `on_result` callback run
ON THE WORKER THREAD; a Qt caller must marshal the result to the UI thread itself (e.g. emit a
signal with a queued connection). Nothing here imports Qt.

Why a failed job is kept: a receipt the customer is owed must never vanish because the printer
was off for a minute; it stays in failed_jobs() until it is printed (retry) or thrown away on
purpose (discard). A failed job does not block the jobs behind it: each gets its own attempts.
"""
from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hardware import printer_connection
from hardware.printer_connection import PrinterUnavailable
from pos_app.config import PrinterSettings

log = logging.getLogger(__name__)

Status = Literal["online", "offline", "idle"]
STOPPED_MESSAGE = "Druck abgebrochen: die Kasse wurde beendet."


@dataclass(frozen=True)
class PrintJob:
    job_id: str
    data: bytes  # finished ESC/POS (hardware.receipt_printer.render_escpos)
    description: str = ""  # for the cashier: "Bon BER-K1-000042"


@dataclass(frozen=True)
class PrintResult:
    job_id: str
    ok: bool
    error: str  # "" when ok; else the message of the last attempt, for the cashier
    attempts: int


class PrintQueue:
    """FIFO print jobs for one printer, sent on one dedicated worker thread."""

    def __init__(
        self,
        settings: PrinterSettings | None = None,
        on_result: Callable[[PrintResult], None] | None = None,
        *,
        send: Callable[[bytes], None] | None = None,
        attempts: int = 3,
        backoff_s: Sequence[float] = (0.5, 1.0),
        name: str = "drucker",
    ) -> None:
        """`send(data)` defaults to printer_connection.send(settings, data); it must raise
        PrinterUnavailable (or any exception) when the job did not get through.
        `backoff_s[i]` is the wait after failed attempt i+1 (the last value repeats)."""
        if send is None:
            if settings is None:
                raise ValueError("PrintQueue needs printer settings or a send function")
            fixed = settings

            def send(data: bytes) -> None:
                printer_connection.send(fixed, data)

        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._send = send
        self._on_result = on_result
        self._attempts = attempts
        self._backoff = tuple(backoff_s) or (0.0,)
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._pending: collections.deque[PrintJob] = collections.deque()
        # other work that talks to this printer (status queries): before the next job
        self._calls: collections.deque[tuple[Callable[[], Any], Callable[[Any, BaseException | None], None]]] = \
            collections.deque()
        self._failed: dict[str, tuple[PrintJob, str]] = {}  # insertion order = failure order
        self._current: PrintJob | None = None
        self._status: Status = "idle"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"print-{name}", daemon=True)
        self._thread.start()

    # ---- any thread -------------------------------------------------------------------------

    @property
    def thread(self) -> threading.Thread:
        """The worker thread (the one `on_result` is called on)."""
        return self._thread

    def submit(self, job: PrintJob) -> None:
        """Queue a job behind the others. A job id that is in failed_jobs() is taken out of it."""
        with self._wakeup:
            self._enqueue_locked(job)

    def retry(self, job_id: str) -> bool:
        """Send a failed job again (at the end of the queue); False if there is no such job."""
        with self._wakeup:
            entry = self._failed.get(job_id)
            if entry is None:
                return False
            self._enqueue_locked(entry[0])
            return True

    def _enqueue_locked(self, job: PrintJob) -> None:
        if self._stopping.is_set():
            raise RuntimeError("the print queue has been stopped")
        self._failed.pop(job.job_id, None)
        self._pending.append(job)
        self._wakeup.notify()

    def call(self, work: Callable[[], Any], on_done: Callable[[Any, BaseException | None], None]) -> None:
        """Run `work()` on the worker thread before the next job (one writer per printer: a
        status query never talks to the printer while a job is being sent). `on_done(result,
        error)` runs on the worker thread too."""
        with self._wakeup:
            if self._stopping.is_set():
                raise RuntimeError("the print queue has been stopped")
            self._calls.append((work, on_done))
            self._wakeup.notify()

    def discard(self, job_id: str) -> bool:
        """Forget a failed job on purpose; False if there is no such job."""
        with self._lock:
            return self._failed.pop(job_id, None) is not None

    def failed_jobs(self) -> list[PrintJob]:
        """Jobs whose attempts all failed, oldest first, until retry() or discard()."""
        with self._lock:
            return [job for job, _ in self._failed.values()]

    def failure(self, job_id: str) -> str | None:
        """The last error message of a failed job (None if the job is not failed)."""
        with self._lock:
            entry = self._failed.get(job_id)
        return entry[1] if entry else None

    def pending_jobs(self) -> list[PrintJob]:
        """Jobs waiting to be sent (the one being sent right now included, first)."""
        with self._lock:
            current = [self._current] if self._current else []
            return current + list(self._pending)

    def status(self) -> Status:
        """"online": the last attempt got through; "offline": it failed; "idle": none yet."""
        with self._lock:
            return self._status

    def stop(self, timeout: float = 2.0) -> bool:
        """Stop the worker: it starts no new job and no new attempt (a back-off wait ends at
        once); an attempt already running finishes (bounded by the connection timeout).
        Jobs not yet sent stay in pending_jobs(); a job cut short goes to failed_jobs() without
        a callback. Returns True when the thread has ended within `timeout`."""
        with self._wakeup:
            self._stopping.set()
            self._wakeup.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # ---- the worker thread ------------------------------------------------------------------

    def _assert_worker(self) -> None:
        assert threading.current_thread() is self._thread, "must run on the print worker thread"

    def _run(self) -> None:
        self._assert_worker()
        while True:
            with self._wakeup:
                while not self._pending and not self._calls and not self._stopping.is_set():
                    self._wakeup.wait()
                if self._stopping.is_set():
                    return
                call = self._calls.popleft() if self._calls else None
                job = None if call else self._pending.popleft()
                self._current = job
            if call is not None:
                self._run_call(*call)
                continue
            assert job is not None
            try:
                self._print(job)
            finally:
                with self._lock:
                    self._current = None

    def _print(self, job: PrintJob) -> None:
        """All attempts for one job, then one result."""
        self._assert_worker()
        error = ""
        attempt = 0
        while attempt < self._attempts:
            if attempt and self._stopping.wait(self._backoff[min(attempt - 1, len(self._backoff) - 1)]):
                with self._lock:
                    self._failed[job.job_id] = (job, error or STOPPED_MESSAGE)
                return  # stopping: keep the job, report nothing (the UI may be gone)
            attempt += 1
            error = self._attempt(job)
            with self._lock:
                self._status = "offline" if error else "online"
            if not error:
                break
            log.warning("Druckauftrag %s, Versuch %d/%d: %s", job.job_id, attempt, self._attempts, error)
        if error:
            with self._lock:
                self._failed[job.job_id] = (job, error)
        self._report(PrintResult(job.job_id, not error, error, attempt))

    def _run_call(self, work: Callable[[], Any], on_done: Callable[[Any, BaseException | None], None]) -> None:
        self._assert_worker()
        try:
            result, error = work(), None
        except Exception as exc:  # handed to on_done, the worker keeps running
            result, error = None, exc
        try:
            on_done(result, error)
        except Exception:
            log.exception("Rückruf einer Druckeranfrage fehlgeschlagen")

    def _attempt(self, job: PrintJob) -> str:
        """One try; returns "" on success, else the message for the cashier."""
        self._assert_worker()
        try:
            self._send(job.data)
        except PrinterUnavailable as exc:
            return exc.message
        except Exception as exc:  # a bug or an unexpected driver error: report, keep running
            log.exception("Druckauftrag %s: unerwarteter Fehler", job.job_id)
            return f"Druckfehler: {exc}" if str(exc) else f"Druckfehler: {type(exc).__name__}"
        return ""

    def _report(self, result: PrintResult) -> None:
        self._assert_worker()
        if self._on_result is None:
            return
        try:
            self._on_result(result)
        except Exception:  # the callback's bug must not kill the printer's thread
            log.exception("on_result für Druckauftrag %s ist fehlgeschlagen", result.job_id)
