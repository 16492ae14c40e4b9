"""Bestandskorrektur (Ctrl+Shift+B): write off damaged, stolen or own-use units, or book found
ones, by scanning the item; above the value limit the manager's PIN is asked
(pos_app.stock.adjustments). UI thread; one short local transaction per booking.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from pos_app.cart import Approval
from pos_app.gtin import BarcodeError, classify
from pos_app.i18n import t
from pos_app.stock.adjustments import REASONS, ApprovalNeeded, StockAdjustments
from pos_app.stock.rules import MAX_UNITS, StockRuleError, adjustment_label
from pos_app.store.staff import StaffMember
from ui.till_actions_qt import bind

Approve = Callable[[str, QWidget], Approval | None]
TOUCH = 44


class AdjustmentDialog(QDialog):
    def __init__(self, adjustments: StockAdjustments, person: StaffMember, approve: Approve,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.adjustments, self.person, self._approve = adjustments, person, approve
        self.product_id: int | None = None
        self.setWindowTitle(t("Bestandskorrektur"))
        self.resize(640, 360)
        self.scan = QLineEdit()
        self.scan.setPlaceholderText(t("Artikel scannen, Enter"))
        self.scan.returnPressed.connect(self.scanned)
        self.product = QLabel(t("Noch kein Artikel."))
        self.reason = QComboBox()
        for reason in REASONS:
            self.reason.addItem(adjustment_label(reason), reason)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, MAX_UNITS)
        self.quantity.setPrefix(t("Menge "))
        self.note = QLineEdit()
        self.note.setPlaceholderText(t("Notiz (optional)"))
        self.book_button = QPushButton(t("Buchen"))
        self.book_button.clicked.connect(self.book)
        self.close_button = QPushButton(t("Schließen"))
        self.close_button.clicked.connect(self.reject)
        self.message = QLabel()
        self.message.setWordWrap(True)
        for w in (self.scan, self.reason, self.quantity, self.note, self.book_button, self.close_button):
            w.setMinimumHeight(TOUCH)
        for button in (self.book_button, self.close_button):
            button.setAutoDefault(False)  # Enter in the scan field is a scan, never a button
        row = QHBoxLayout()
        row.addWidget(self.reason, 1)
        row.addWidget(self.quantity)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for w in (self.scan, self.product):
            layout.addWidget(w)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        bind("close_dialog", self, self.reject)
        self.scan.setFocus()

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(("⚠ " if error else "") + text)

    def on_scanned(self, code: str) -> None:
        self.scanned(code)

    def scanned(self, code: str | None = None) -> None:
        code = (code if code is not None else self.scan.text()).strip()
        self.scan.clear()
        try:
            key = classify(code).lookup_key
        except BarcodeError as exc:
            self.say(str(exc), error=True)
            return
        store = self.adjustments.store
        with store.db.reading() as s:
            hit = s.connection().exec_driver_sql(
                "SELECT p.id, p.name FROM barcodes b JOIN products p ON p.id = b.product_id WHERE b.code = ?",
                (key,)).first()
        if hit is None:
            self.product_id = None
            self.say(t("Unbekannter Artikel: {code}.", code=key), error=True)
            return
        self.product_id = int(hit[0])
        self.product.setText(t("{name} · Bestand hier {on_hand}", name=hit[1],
                               on_hand=self._on_hand(self.product_id)))
        self.say("")

    def _on_hand(self, product_id: int) -> int:
        store = self.adjustments.store
        with store.db.reading() as s:
            return int(s.connection().exec_driver_sql(
                "SELECT COALESCE(SUM(quantity), 0) FROM stock WHERE product_id = ? AND store_id = ?",
                (product_id, store.store_id)).scalar())

    def book(self) -> None:
        if self.product_id is None:
            self.say(t("Bitte zuerst den Artikel scannen."), error=True)
            return
        reason, units = str(self.reason.currentData()), self.quantity.value()
        approver = None
        if self.adjustments.needs_approval(self.product_id, units):
            approval = self._approve(t("Bestandskorrektur über der Wertgrenze: Freigabe der Marktleitung."), self)
            self.scan.setFocus()
            if approval is None:
                self.say(t("Nicht gebucht: keine Freigabe."), error=True)
                return
            approver = StaffMember(approval.manager_id, approval.manager_name, "manager")
        try:
            done = self.adjustments.adjust(self.product_id, reason, units, self.person, approver, self.note.text())
        except (ApprovalNeeded, StockRuleError) as exc:
            self.say(str(exc), error=True)
            return
        self.say(t("Gebucht: {label} {delta:+d}, Bestand hier {on_hand}.", label=done.label, delta=done.delta,
                   on_hand=done.on_hand))
        self.quantity.setValue(1)
        self.note.clear()
        self.scan.setFocus()
