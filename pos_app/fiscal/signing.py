"""Signing a till transaction with the TSE, without ever blocking the sale.

`FiscalSigner.sign_receipt(amounts)` (a sale, a return, a paid-in/out: processType
Kassenbeleg-V1) and `FiscalSigner.sign_other(data)` (SonstigerVorgang, e.g. a drawer opened
without a sale) run start + finish on the TSE and return either the signed `TseResult` or a
`SigningFailure` with the error: they never raise and never take longer than the budget
(2.5 s by default). The caller then stores the outcome in its own write transaction with
`pos_app.fiscal.records.record(...)`. Sign first, write second: the SQLite write lock must
never be held while a TSE on the network is being waited for.

After a failure the signer stays quiet for `quiet_after_failure_s` (failing at once with the
same error) so that a till whose TSE is down does not make every cashier wait out the timeout;
KassenSichV asks that the till keeps working and records the outage, which is what happens.

Thread: the caller's (the till calls it on the UI thread: the budget bounds the wait).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pos_app.clock import utc_now
from pos_app.fiscal.tse import FiscalAmounts, ProcessType, Tse, TseError, TseInfo, TseResult

from pos_app.fiscal.settings import DEFAULT_BUDGET_S  # noqa: F401  (re-exported)
TSE_DOWN = "TSE ausgefallen"


@dataclass(frozen=True)
class SigningFailure:
    """The TSE did not sign: the transaction is recorded unsigned with this error."""

    error: str
    process_type: str
    process_data: str
    client_id: str
    at: datetime


FiscalOutcome = TseResult | SigningFailure


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

    @property
    def last_error(self) -> str:
        return self._last_error

    def sign_receipt(self, amounts: FiscalAmounts) -> FiscalOutcome:
        return self._sign(ProcessType.KASSENBELEG, amounts, amounts.process_data())

    def sign_other(self, process_data: str) -> FiscalOutcome:
        return self._sign(ProcessType.SONSTIGER_VORGANG, None, process_data)

    def info(self) -> TseInfo | str:
        """The TSE's data, or why it cannot be read (for the status screen)."""
        try:
            return self.tse.info(time.monotonic() + self.budget_s)
        except TseError as exc:
            return str(exc)

    def _sign(self, process_type: ProcessType, amounts: FiscalAmounts | None, data: str) -> FiscalOutcome:
        now = self._monotonic()
        with self._lock:
            if now < self._down_until:
                return SigningFailure(f"{TSE_DOWN}: {self._last_error}", process_type.value, data,
                                      self.client_id, utc_now())
        deadline = time.monotonic() + self.budget_s  # the TSE measures it with time.monotonic
        try:
            handle = self.tse.start_transaction(self.client_id, deadline)
            result = self.tse.finish_transaction(handle, process_type, amounts, data, deadline)
        except TseError as exc:
            return self._failed(process_type, data, str(exc))
        except Exception as exc:  # a bug or an unexpected answer must not stop the sale either
            return self._failed(process_type, data, f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._down_until, self._last_error = 0.0, ""
        return result

    def _failed(self, process_type: ProcessType, data: str, error: str) -> SigningFailure:
        with self._lock:
            self._last_error = error[:180]
            self._down_until = self._monotonic() + self.quiet_after_failure_s
        return SigningFailure(f"{TSE_DOWN}: {error[:180]}", process_type.value, data, self.client_id, utc_now())
