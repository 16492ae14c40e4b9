"""Returns in the main window: the shortcuts (Ctrl+R returns and exchange, Ctrl+Shift+R return
without a receipt, Ctrl+G voucher balance), the scanner routed to the open returns screen, the
return receipt sent to the print queue, and the outbox nudged after each return.

Thread: the UI thread. The center is asked through a fresh client per look-up (on a worker,
see ui.tasks), made from the sync worker's client; without sync set up, returns work with this
till's own data.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from hardware.print_queue import PrintJob
from hardware.receipt_printer import render_escpos
from pos_app.refunds import Purchase
from pos_app.return_receipt import layout_return
from pos_app.returns import CenterLookup, ReturnsService
from pos_app.store.returns import CompletedReturn
from pos_app.store.returns_models import Voucher
from pos_app.gift_cards.check import GiftCardCheck
from ui.blind_return_dialog import BlindReturnDialog, VoucherDialog
from ui.returns_dialog import ReturnsDialog
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class ReturnsGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: QDialog | None = None
        bind("returns", window, self.show_returns)  # keys: pos_app.till_actions
        bind("blind_return", window, self.show_blind_return)
        bind("voucher", window, self.show_voucher)

    # ---- the center ----------------------------------------------------------------------------

    def _client(self):  # type: ignore[no-untyped-def]
        worker = self.window.sync.worker
        return worker.client.copy() if worker is not None else None

    def center_lookup(self) -> CenterLookup | None:
        if self.window.sync.worker is None:
            return None
        from sync.purchases import CenterPurchases

        return CenterPurchases(self._client)

    def voucher_check(self) -> GiftCardCheck:
        """How much of a voucher or gift card a tender may use (the center's balance, or offline
        this till's for its own vouchers and the offline rule for gift cards, issue 15)."""
        if self.window.sync.worker is None:
            return GiftCardCheck(self.window.store.db)
        from sync.purchases import CenterVouchers

        return GiftCardCheck(self.window.store.db, CenterVouchers(self._client))

    def service(self) -> ReturnsService | None:
        session = self.window.session
        if session is None or self.window.stack.currentWidget() is not self.window.till:
            return None  # logged out or locked
        return ReturnsService(self.window.store, session.cashier, self.center_lookup())

    # ---- the screens -----------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        wedge = getattr(self.window, "wedge", None)
        self.dialog = dialog
        if wedge is not None:
            wedge.scanned.connect(dialog.on_scanned)  # type: ignore[attr-defined]
        try:
            dialog.exec()
        finally:
            if wedge is not None:
                wedge.scanned.disconnect(dialog.on_scanned)  # type: ignore[attr-defined]
            self.dialog = None
            self.window.activateWindow()  # keys go back to the till (not every platform does this)
            if self.window.till is not None:
                self.window.till.refresh()
                self.window.till.focus_search()

    def show_returns(self, number: str = "") -> None:
        """`number`: a receipt or order number to look up at once (from a customer's history)."""
        service = self.service()
        if service is not None:
            dialog = ReturnsDialog(service, self.window.session, self._returned, self.window, on_reprint=self.reprint,
                                   on_blind=self._blind_instead,
                                   terminal=getattr(self.window, "card_terminal", None))
            if number:
                dialog.number.setText(number)
                dialog.look_up(number)
            self._open(dialog)

    def _blind_instead(self) -> None:
        """From the returns screen (an unknown receipt): the blind return, once that screen's
        modal loop has ended."""
        QTimer.singleShot(0, self.show_blind_return)

    def show_blind_return(self) -> None:
        service = self.service()
        if service is not None:
            self._open(BlindReturnDialog(service, lambda done: self._returned(done, None), self.window))

    def show_voucher(self) -> None:
        if self.window.session is not None:
            self._open(VoucherDialog(self.voucher_text, self.window))

    def voucher_text(self, code: str) -> str:
        """Worker thread: the balance as the center knows it, else this till's record."""
        client = self._client()
        if client is not None:
            from sync.client import NotFound, SyncError

            try:
                data = client.voucher(code)
                return t("{balance_cents} (von {initial_cents}, ausgestellt in {issued_store_id})", balance_cents=format_euro(data.balance_cents), initial_cents=format_euro(data.initial_cents), issued_store_id=data.issued_store_id)
            except NotFound:
                pass
            except SyncError as exc:
                offline = t(" (Zentrale nicht erreichbar: {exc})", exc=exc)
            else:
                offline = ""
            finally:
                client.close()
        else:
            offline = t(" (ohne Zentrale)")
        with self.window.store.db.reading() as s:
            row = s.get(Voucher, code)
            if row is None:
                return t("Gutschein {code} unbekannt{value}.", code=code, value=offline if client is not None else '')
            return t("{balance_cents} laut dieser Kasse{offline}", balance_cents=format_euro(row.balance_cents), offline=offline)

    # ---- after a return ---------------------------------------------------------------------------

    def _print(self, return_id: str, original: str, open_drawer: bool, copy: bool = False) -> None:
        window = self.window
        service = ReturnsService(window.store, window.session.cashier)  # type: ignore[union-attr]
        labels = {r.code: r.label for r in service.policy.reason_codes}
        receipt = service.book.receipt(return_id, original, labels, copy=copy)
        printing = window.printing
        if printing.queue is None:
            printing.status_changed.emit(True, t("Kein Bondrucker eingerichtet: Rücknahmebeleg nicht gedruckt."))
            return
        data = render_escpos(layout_return(receipt, printing.paper), printing.settings.profile,
                             open_drawer and printing.settings.open_drawer_on_cash, paper=printing.paper)
        printing.queue.submit(PrintJob(return_id + ("-kopie" if copy else ""), data,
                                       t("Rücknahme {return_number}", return_number=receipt.return_number)))

    def reprint(self, return_id: str) -> None:
        self._print(return_id, "", open_drawer=False, copy=True)

    def _returned(self, done: CompletedReturn, purchase: Purchase | None) -> None:
        window = self.window
        self._print(done.return_id, purchase.label if purchase else t("ohne Beleg"), done.cash_cents > 0)
        if done.exchange_sale is not None:
            window.printing.print_sale(done.exchange_sale.sale_id, open_drawer=done.exchange_sale.has_cash)
        till = window.till
        if till is not None:
            parts = [t("Rücknahme {return_number}: {total_cents}", return_number=done.return_number, total_cents=format_euro(done.total_cents))]
            if done.cash_cents:
                parts.append(t("bar auszahlen {cash_cents}", cash_cents=format_euro(done.cash_cents)))
            parts += [t("Gutschein {code} über {cents}", code=code, cents=format_euro(cents)) for code, cents in done.vouchers]
            if done.exchange_sale is not None:
                parts.append(t("neuer Bon {receipt_number}", receipt_number=done.exchange_sale.receipt_number))
            if done.tse_failure:
                parts.append(t("TSE ausgefallen: Beleg ohne Signatur"))
            till.say(" · ".join(parts) + ".")
            if done.cash_cents:
                till.change.setText(t("Auszahlen\n{cash_cents}", cash_cents=format_euro(done.cash_cents)))
        window.refresh_outbox()
