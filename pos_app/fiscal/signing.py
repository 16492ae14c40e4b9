"""Signing a till transaction with the TSE, without ever blocking the sale.

KassenSichV wants the TSE transaction started when the process starts (the first item of a
sale) and finished when it ends (payment). So the till calls `begin()` at the first item,
which starts the transaction on the signer's own TSE thread and returns at once, and
`sign_receipt(amounts, pending)` at completion, which waits for that start (within the
budget) and finishes the transaction. A sale given up after its start (voided, parked) is
finished as "AVBelegabbruch" with `abort(pending, on_done)` on the TSE thread.

Without a `begin()` (a return, a paid-in/out, a drawer opened without a sale), `sign_receipt`
(processType Kassenbeleg-V1) and `sign_other` (SonstigerVorgang) start and finish at once.
Either way the result is the signed `TseResult` or a `SigningFailure` with the error: these
calls never raise and never wait longer than the budget (2.5 s by default). The caller stores
the outcome in its own write transaction (`pos_app.fiscal.records.record`). Sign first, write
second: the SQLite write lock is never held while a TSE on the network is being waited for.

After a failure the signer stays quiet for `quiet_after_failure_s` (failing at once with the
same error) so that a till whose TSE is down does not make every cashier wait out the timeout;
KassenSichV asks that the till keeps working and records the outage, which is what happens.

Threads: every TSE call runs on the signer's one TSE thread, in order (a TSE is one device:
one caller); the caller (the till: the UI thread) waits at most the budget for it.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime

from pos_app.clock import utc_now
from pos_app.fiscal.settings import DEFAULT_BUDGET_S
from pos_app.fiscal.tse import (
    FiscalAmounts, ProcessType, ReceiptKind, Tse, TseError, TseInfo, TseResult, TxHandle,
)

TSE_DOWN = "TSE ausgefallen"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SigningFailure:
    """The TSE did not sign: the transaction is recorded unsigned with this error."""

    error: str
    process_type: str
    process_data: str
    client_id: str
    at: datetime


FiscalOutcome = TseResult | SigningFailure


@dataclass(frozen=True)
class PendingTransaction:
    """A TSE transaction being started for a process that is still going on (a sale being
    scanned). `refused`: the signer knew at once that the TSE is down."""

    started: Future[TxHandle] | None
    refused: str = ""


class FiscalSigner:
    def __init__(self, tse: Tse, client_id: str, *, budget_s: float = DEFAULT_BUDGET_S,
                 quiet_after_failure_s: float = 15.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        """`monotonic` only times the quiet period after a failure (tests move it)."""
        self.tse = tse
        self.client_id = client_id
        self.budget_s = budget_s
        self.quiet_after_failure_s = quiet_after_failure_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_error = ""
        self._thread: ThreadPoolExecutor | None = None

    @property
    def last_error(self) -> str:
        return self._last_error

    def _worker(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tse")
            return self._thread

    def drain(self, timeout: float | None = None) -> None:
        """Wait until the TSE thread has done everything handed to it so far (tests, shutdown)."""
        self._worker().submit(lambda: None).result(timeout)

    def close(self, wait: bool = True) -> None:
        with self._lock:
            worker, self._thread = self._thread, None
        if worker is not None:
            worker.shutdown(wait=wait)

    # ---- a process with a start (a sale) ---------------------------------------------------

    def begin(self) -> PendingTransaction:
        """Start a transaction now, on the TSE thread; returns at once."""
        refused = self._quiet()
        if refused:
            return PendingTransaction(None, refused)
        deadline = time.monotonic() + self.budget_s
        return PendingTransaction(self._worker().submit(self.tse.start_transaction, self.client_id, deadline))

    def abort(self, pending: PendingTransaction, on_done: Callable[[FiscalOutcome], None]) -> None:
        """Finish a started transaction of a process given up (AVBelegabbruch), on the TSE
        thread; `on_done` (called there) records the outcome."""
        if pending.started is None:
            return
        amounts = FiscalAmounts(kind=ReceiptKind.AV_BELEGABBRUCH)
        data = amounts.process_data()

        def finish() -> None:
            deadline = time.monotonic() + self.budget_s
            try:
                outcome: FiscalOutcome = self._succeeded(
                    self._finish_here(pending, ProcessType.KASSENBELEG, amounts, data, deadline))
            except Exception as exc:
                outcome = self._failed(ProcessType.KASSENBELEG, data, exc)
            try:
                on_done(outcome)
            except Exception:  # recording must not kill the TSE thread
                log.exception("recording an aborted TSE transaction failed")
        self._worker().submit(finish)

    # ---- signing ---------------------------------------------------------------------------

    def sign_receipt(self, amounts: FiscalAmounts, pending: PendingTransaction | None = None) -> FiscalOutcome:
        if pending is not None:
            return self._finish(pending, ProcessType.KASSENBELEG, amounts, amounts.process_data())
        return self._sign(ProcessType.KASSENBELEG, amounts, amounts.process_data())

    def sign_other(self, process_data: str) -> FiscalOutcome:
        return self._sign(ProcessType.SONSTIGER_VORGANG, None, process_data)

    def info(self) -> TseInfo | str:
        """The TSE's data, or why it cannot be read (for the status screen)."""
        try:
            return self.tse.info(time.monotonic() + self.budget_s)
        except TseError as exc:
            return str(exc)

    def _quiet(self) -> str:
        with self._lock:
            if self._monotonic() < self._down_until:
                return f"{TSE_DOWN}: {self._last_error}"
        return ""

    def _sign(self, process_type: ProcessType, amounts: FiscalAmounts | None, data: str) -> FiscalOutcome:
        refused = self._quiet()
        if refused:
            return SigningFailure(refused, process_type.value, data, self.client_id, utc_now())

        def start_and_finish(deadline: float) -> TseResult:
            handle = self.tse.start_transaction(self.client_id, deadline)
            return self.tse.finish_transaction(handle, process_type, amounts, data, deadline)
        return self._on_tse_thread(start_and_finish, process_type, data)

    def _finish(self, pending: PendingTransaction, process_type: ProcessType, amounts: FiscalAmounts | None,
                data: str) -> FiscalOutcome:
        if pending.started is None:
            return SigningFailure(pending.refused, process_type.value, data, self.client_id, utc_now())
        return self._on_tse_thread(lambda deadline: self._finish_here(pending, process_type, amounts, data, deadline),
                                   process_type, data)

    def _finish_here(self, pending: PendingTransaction, process_type: ProcessType, amounts: FiscalAmounts | None,
                     data: str, deadline: float) -> TseResult:
        """On the TSE thread, which already ran the start (one thread, in order)."""
        assert pending.started is not None
        handle = pending.started.result(timeout=0)
        return self.tse.finish_transaction(handle, process_type, amounts, data, deadline)

    def _on_tse_thread(self, work: Callable[[float], TseResult], process_type: ProcessType,
                       data: str) -> FiscalOutcome:
        """Run one TSE step on the TSE thread and wait for it, never longer than the budget.
        The step has the same deadline, so a slow TSE ends it soon after we stop waiting."""
        deadline = time.monotonic() + self.budget_s  # the TSE measures it with time.monotonic
        future = self._worker().submit(work, deadline)
        try:
            result = future.result(timeout=max(0.0, deadline - time.monotonic()) + 0.05)
        except FutureTimeout:
            return self._failed(process_type, data, TseError("TSE nicht erreichbar (Zeitüberschreitung)."))
        except Exception as exc:  # TseError, or a bug / odd answer: neither may stop the sale
            return self._failed(process_type, data, exc)
        return self._succeeded(result)

    def _succeeded(self, result: TseResult) -> TseResult:
        with self._lock:
            self._down_until, self._last_error = 0.0, ""
        return result

    def _failed(self, process_type: ProcessType, data: str, exc: BaseException) -> SigningFailure:
        error = str(exc) if isinstance(exc, TseError) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._last_error = error[:180]
            self._down_until = self._monotonic() + self.quiet_after_failure_s
        return SigningFailure(f"{TSE_DOWN}: {error[:180]}", process_type.value, data, self.client_id, utc_now())
