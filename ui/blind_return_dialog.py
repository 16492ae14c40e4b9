"""Two small screens around returns:

- BlindReturnDialog (Ctrl+Shift+R): a return without a receipt. Customer number, the item
  (scan or type its code), quantity, condition, reason; the refund is shown at the lowest price
  of the last days, as store credit only. Booking asks for a manager's PIN (the till's approval
  dialog) and prints a voucher.
- VoucherDialog (Ctrl+G): a voucher's balance, asked at the center (in the background), with
  this till's own record when the center cannot be reached.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QSpinBox, QWidget

from pos_app.cart import ApprovalRequired
from pos_app.gtin import BarcodeError, classify
from pos_app.i18n import t, t_marked
from pos_app.i18n.formats import format_euro
from pos_app.refunds import CONDITION_LABELS, CONDITIONS, RefundError
from pos_app.returns import ReturnError, ReturnsService, customer_by_number
from pos_app.store.returns import CompletedReturn, ReturnItem
from ui.dialogs import ManagerApprovalDialog, _Form
from ui.tasks import run_in_background


class BlindReturnDialog(_Form):
    def __init__(self, service: ReturnsService, on_done: Callable[[CompletedReturn], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(t("Rücknahme ohne Beleg"), parent)
        self.service = service
        self.on_done = on_done
        self.item: ReturnItem | None = None
        policy = service.policy
        self.form.addRow(QLabel(t("Nur als Gutschein, zum niedrigsten Preis der letzten {blind_price_days} Tage; Freigabe durch die Marktleitung nötig.", blind_price_days=policy.blind_price_days)))
        self.customer = QLineEdit()
        self.customer.setPlaceholderText(t("Kundennummer"))
        self.code = QLineEdit()
        self.code.setPlaceholderText(t("Artikel scannen oder EAN/Artikelnummer eingeben"))
        self.code.editingFinished.connect(self.recalculate)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, 99)
        self.quantity.valueChanged.connect(self.recalculate)
        self.condition = QComboBox()
        for value in CONDITIONS:
            self.condition.addItem(t_marked(CONDITION_LABELS[value]), value)
        self.reason = QComboBox()
        for code in policy.reason_codes:
            self.reason.addItem(t_marked(code.label), code.code)
        self.text = QLineEdit()
        self.refund = QLabel("")
        self.refund.setObjectName("bigTotal")
        for label, widget in ((t("Kunde"), self.customer), (t("Artikel"), self.code), (t("Menge"), self.quantity),
                              (t("Zustand"), self.condition), (t("Grund"), self.reason), (t("Beschreibung"), self.text),
                              (t("Gutschein"), self.refund)):
            self.form.addRow(label, widget)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(t("Gutschein ausstellen"))
        self.customer.setFocus()

    def on_scanned(self, code: str) -> None:
        self.code.setText(code)
        self.recalculate()

    def _product_id(self) -> int:
        typed = self.code.text().strip()
        catalog = self.service.store.catalog
        try:
            product = catalog.by_barcode(classify(typed).lookup_key)
        except BarcodeError:
            product = None
        product = product or catalog.by_sku(typed)
        if product is None:
            raise RefundError(t("Kein Artikel mit dem Code {typed}.", typed=typed))
        return product.product_id

    def recalculate(self) -> None:
        self.item = None
        self.refund.setText("")
        if not self.code.text().strip():
            return
        try:
            self.item = self.service.blind_item(self._product_id(), self.quantity.value(),
                                                self.condition.currentData(), self.reason.currentData(),
                                                self.text.text())
        except ReturnError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.refund.setText(f"{self.item.name}: {format_euro(self.item.refund_cents)}")

    def validate(self) -> None:
        self.recalculate()
        if self.item is None:
            raise RefundError(self.error.text() or t("Bitte den Artikel scannen oder eingeben."))
        customer = customer_by_number(self.service.store, self.customer.text())
        if customer is None:
            raise RefundError(t("Bitte eine bekannte Kundennummer angeben (Ausweis prüfen)."))
        try:
            try:
                done = self.service.complete_blind([self.item], customer)
            except ApprovalRequired as need:
                dialog = ManagerApprovalDialog(self.service.store.staff, need.description, self)
                if dialog.exec() != QDialog.DialogCode.Accepted or dialog.approval is None:
                    raise RefundError(t("Abgebrochen: keine Freigabe.")) from None
                done = self.service.complete_blind([self.item], customer, dialog.approval)
        except ReturnError as exc:
            raise RefundError(str(exc)) from exc
        self.on_done(done)


class VoucherDialog(_Form):
    def __init__(self, look_up: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(t("Gutschein prüfen"), parent)
        self._look_up = look_up
        self.code = QLineEdit()
        self.code.setPlaceholderText(t("Gutscheincode scannen oder eingeben, Enter"))
        self.code.returnPressed.connect(self.check)
        self.answer = QLabel("")
        self.answer.setObjectName("remaining")
        self.answer.setWordWrap(True)
        self.form.addRow(t("Code"), self.code)
        self.form.addRow(t("Restwert"), self.answer)
        self.code.setFocus()

    def on_scanned(self, code: str) -> None:
        self.code.setText(code)
        self.check()

    def check(self) -> None:
        code, look_up = self.code.text().strip().upper(), self._look_up
        if not code:
            return
        self.answer.setText(t("Frage die Zentrale …"))
        run_in_background(lambda: look_up(code), self._answered)

    def _answered(self, text: str | None, error: BaseException | None) -> None:
        self.answer.setText(text if error is None else str(error))

    def validate(self) -> None:
        return None
