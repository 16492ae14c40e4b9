"""Qt glue for the card terminal: owns its worker thread (hardware.zvt.worker) and re-emits the
worker's handler calls on the UI thread as signals, so dialogs never wait on the terminal.

At start it asks the terminal about any command the till never saw answered (a crash during a
payment) and gives back a payment whose sale was lost (pos_app.card_payments.recover); the
outcome goes to the status bar and the audit log.

Thread: the UI thread, except `status`/`done`, which the worker calls and which only emit.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from hardware.zvt.client import ZvtClient, ZvtSettings
from hardware.zvt.worker import TerminalWorker
from pos_app import card_payments
from pos_app.card_payments import CardLedger
from pos_app.card_terminal import CardTerminal
from pos_app.config import TerminalSettings
from pos_app.i18n import t
from pos_app.store.local import LocalStore

log = logging.getLogger(__name__)
RECOVER = "recover"


class CardTerminalGlue(QObject):
    status_text = Signal(str)  # an intermediate status for the cashier (UI thread)
    finished = Signal(str, object, object)  # job name, result, error (UI thread)
    _status = Signal(str)  # emitted on the worker thread
    _done = Signal(str, object, object)

    def __init__(self, store: LocalStore, terminal: CardTerminal, description: str,
                 parent: QObject | None = None, recover_at_start: bool = True) -> None:
        super().__init__(parent)
        self.store = store
        self.ledger = CardLedger(store.db)
        self.description = description
        self.last_recovery: list[card_payments.Recovery] | None = None
        self.recovery_error = ""
        self._callbacks: dict[str, Callable[[Any, BaseException | None], None]] = {}
        self._status.connect(self.status_text)  # queued: self lives on the UI thread
        self._done.connect(self._on_done)
        self.worker = TerminalWorker(terminal, self)
        if recover_at_start and (not self.ledger.is_clear() or self.ledger.unused_payments()):
            self.run(RECOVER, lambda t, cb: card_payments.recover(self.ledger, t, cb), self._recovered)

    @classmethod
    def from_settings(cls, store: LocalStore, settings: TerminalSettings,
                      parent: QObject | None = None) -> CardTerminalGlue | None:
        if settings.kind != "zvt":
            return None
        client = ZvtClient(ZvtSettings(settings.host, settings.port, settings.password,
                                       answer_timeout_s=settings.answer_timeout_s))
        return cls(store, client, f"ZVT {settings.host}:{settings.port}", parent)

    # ---- TerminalHandler (worker thread) -------------------------------------------------

    def status(self, text: str) -> None:
        self._status.emit(text)

    def done(self, job: str, result: Any, error: BaseException | None) -> None:
        self._done.emit(job, result, error)

    # ---- UI thread -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.worker.busy

    def run(self, job: str, work: Callable[[CardTerminal, Callable[[str], None]], Any],
            on_done: Callable[[Any, BaseException | None], None] | None = None) -> None:
        """Queue `work(terminal, on_status)` on the terminal's thread; `on_done(result, error)`
        is called on the UI thread. One callback per job name at a time."""
        if on_done is not None:
            self._callbacks[job] = on_done
        self.worker.submit(job, work)

    def pay(self, amount_cents: int, on_done: Callable[[Any, BaseException | None], None]) -> None:
        self.run("pay", lambda t, cb: card_payments.pay(self.ledger, t, amount_cents, cb), on_done)

    def refund(self, amount_cents: int, on_done: Callable[[Any, BaseException | None], None]) -> None:
        self.run("refund", lambda t, cb: card_payments.refund(self.ledger, t, amount_cents, cb), on_done)

    def reverse(self, receipt_no: int, amount_cents: int,
                on_done: Callable[[Any, BaseException | None], None]) -> None:
        self.run("reverse", lambda t, cb: card_payments.reverse(self.ledger, t, receipt_no, amount_cents, cb),
                 on_done)

    def settle_pending(self, on_done: Callable[[Any, BaseException | None], None]) -> None:
        self.run("settle", lambda t, cb: card_payments.settle_pending(self.ledger, t, cb), on_done)

    def end_of_day(self, on_done: Callable[[Any, BaseException | None], None]) -> None:
        self.run("end_of_day", lambda t, cb: t.end_of_day(cb), on_done)

    def request_abort(self) -> bool:
        """The cashier cancels the running terminal command (ZVT 06 B0); UI thread. The final
        answer still comes through `done` (usually: aborted)."""
        abort = getattr(self.worker.terminal, "request_abort", None)
        return bool(abort()) if abort is not None else False

    def stop(self) -> None:
        self.worker.stop()

    def _on_done(self, job: str, result: Any, error: BaseException | None) -> None:
        callback = self._callbacks.pop(job, None)
        if callback is not None:
            callback(result, error)
        self.finished.emit(job, result, error)

    def _recovered(self, result: Any, error: BaseException | None) -> None:
        if error is not None:
            self.recovery_error = str(error)
            self.status_text.emit(t("Kartenterminal: {error}", error=error))
            return
        self.last_recovery = list(result or [])
        for item in self.last_recovery:
            self.store.record(None, "Kasse", "card.recovered",
                              {"authorisation": item.authorisation_id, "kind": item.kind,
                               "amount_cents": item.amount_cents, "charged": item.charged,
                               "reversed": item.reversed, "message": item.message})
        if self.last_recovery:
            self.status_text.emit(t("Kartenterminal nach Neustart geklärt: ")
                                  + "; ".join(r.message for r in self.last_recovery))
