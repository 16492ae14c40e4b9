"""Wareneingang (Ctrl+Shift+L): receive an expected delivery by scanning, or one without a
notice (manager's PIN). The screen shows expected vs scanned per line; a quantity field takes
multiples, "Beschädigt" counts the next scan as damaged, a reason goes to the selected line;
"Buchen" books it (pos_app.stock.receiving). A scan of the delivery note's code while no
delivery is open opens that delivery. Wedge scans reach the screen through ui.stock_glue.

UI thread; every action is one short local transaction (no network: the booking reaches the
center through the outbox).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.cart import Approval
from pos_app.i18n import t
from pos_app.stock.receiving import GoodsReceiving, ReceivingView
from pos_app.stock.rules import MAX_UNITS, StockRuleError
from pos_app.store.staff import StaffMember
from ui.till_actions_qt import bind

Approve = Callable[[str, QWidget], Approval | None]
TOUCH = 44


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class ReceivingDialog(QDialog):
    def __init__(self, receiving: GoodsReceiving, person: StaffMember, approve: Approve,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.receiving, self.person, self._approve = receiving, person, approve
        self.draft: ReceivingView | None = None
        self.setWindowTitle(t("Wareneingang"))
        self.resize(980, 640)
        self.deliveries = QTableWidget(0, 3)
        self.deliveries.setHorizontalHeaderLabels((t("Lieferung"), t("Lieferant"), t("Stück")))
        self.deliveries.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.deliveries.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.deliveries.setMaximumHeight(150)
        self.open_button = QPushButton(t("Lieferung öffnen"))
        self.open_button.clicked.connect(self.open_selected)
        self.supplier = QLineEdit()
        self.supplier.setPlaceholderText(t("Lieferant (Lieferung ohne Avis)"))
        self.unexpected_button = QPushButton(t("Ohne Avis annehmen …"))
        self.unexpected_button.clicked.connect(self.open_unexpected)
        self.header = QLabel(t("Lieferung wählen oder Lieferschein scannen."))
        self.scan = QLineEdit()
        self.scan.setPlaceholderText(t("Artikel oder Lieferschein scannen, Enter"))
        self.scan.returnPressed.connect(self.scanned)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, MAX_UNITS)
        self.quantity.setPrefix(t("Menge "))
        self.damaged = QCheckBox(t("Beschädigt"))
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels((t("Artikel"), t("Erwartet"), t("Gescannt"), t("Beschädigt"),
                                              t("Abweichung"), t("Grund")))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):  # the numbers as wide as their headings ("Beschädigt" was cut)
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(t("Grund der Abweichung für die gewählte Zeile"))
        self.reason_button = QPushButton(t("Grund setzen"))
        self.reason_button.clicked.connect(self.set_reason)
        self.book_button = QPushButton(t("Buchen"))
        self.book_button.clicked.connect(self.book)
        self.close_button = QPushButton(t("Schließen"))
        self.close_button.clicked.connect(self.reject)
        self.message = QLabel()
        self.message.setWordWrap(True)
        for w in (self.open_button, self.unexpected_button, self.reason_button, self.book_button, self.close_button,
                  self.scan, self.quantity, self.damaged, self.supplier, self.reason):
            w.setMinimumHeight(TOUCH)
        for button in (self.open_button, self.unexpected_button, self.reason_button, self.book_button, self.close_button):
            button.setAutoDefault(False)  # Enter in the scan field is a scan, never a button

        top = QHBoxLayout()
        top.addWidget(self.deliveries, 1)
        side = QVBoxLayout()
        side.addWidget(self.open_button)
        side.addWidget(self.supplier)
        side.addWidget(self.unexpected_button)
        top.addLayout(side)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.quantity)
        scan_row.addWidget(self.damaged)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason, 1)
        reason_row.addWidget(self.reason_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.book_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addLayout(scan_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(reason_row)
        layout.addLayout(bottom)
        bind("close_dialog", self, self.reject)
        bind("book_delivery", self, self.book)
        self.refresh_deliveries()
        drafts = receiving.open_drafts()
        if drafts:  # what a killed app left: carry on with it
            self.show_draft(drafts[0])
            self.say(t("Angefangener Wareneingang wieder geöffnet."))
        self.scan.setFocus()

    # ---- showing ---------------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(("⚠ " if error else "") + text)
        self.message.setProperty("error", error)

    def refresh_deliveries(self) -> None:
        self.expected = self.receiving.deliveries()
        self.deliveries.setRowCount(len(self.expected))
        for row, d in enumerate(self.expected):
            status = d.number if d.status == "expected" else t("{number} (gebucht)", number=d.number)
            for col, text in enumerate((status, d.supplier, str(d.units))):
                self.deliveries.setItem(row, col, _cell(text))

    def show_draft(self, view: ReceivingView) -> None:
        self.draft = view
        title = view.delivery_number or t("ohne Avis")
        self.header.setText(t("<b>{title}</b> · {supplier}", title=title, supplier=view.supplier))
        self.table.setRowCount(len(view.lines))
        for row, line in enumerate(view.lines):
            diff = line.difference
            parts = ([t("{n} fehlen", n=diff.short)] if diff.short else []) + (
                [t("{n} zu viel", n=diff.over)] if diff.over else [])
            for col, text in enumerate((line.name, str(line.expected), str(line.received), str(line.damaged),
                                        ", ".join(parts), line.reason)):
                self.table.setItem(row, col, _cell(text))

    # ---- actions ---------------------------------------------------------------------------

    def open_selected(self) -> None:
        row = self.deliveries.currentRow()
        if 0 <= row < len(self.expected):
            self.open_delivery(self.expected[row].number)
        else:
            self.say(t("Bitte eine Lieferung wählen."), error=True)

    def open_delivery(self, number: str) -> None:
        try:
            self.show_draft(self.receiving.open(number, self.person.name))
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.say(t("Lieferung {number} geöffnet: Artikel scannen.", number=number))
        self.scan.setFocus()

    def open_unexpected(self) -> None:
        approval = self._approve(t("Lieferung ohne Avis annehmen: Freigabe der Marktleitung."), self)
        self.scan.setFocus()
        if approval is None:
            return
        manager = StaffMember(approval.manager_id, approval.manager_name, "manager")
        try:
            self.show_draft(self.receiving.open_unexpected(self.supplier.text(), self.person.name, manager))
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.say(t("Lieferung ohne Avis: Artikel scannen."))

    def on_scanned(self, code: str) -> None:
        """A code from the wedge scanner while this screen is open (ui.stock_glue routes it)."""
        self.scanned(code)

    def scanned(self, code: str | None = None) -> None:
        code = (code if code is not None else self.scan.text()).strip()
        self.scan.clear()
        if not code:
            return
        if self.draft is None or any(d.number == code for d in self.expected):
            self.open_delivery(code)
            return
        try:
            line = self.receiving.scan(self.draft.draft_id, code, self.quantity.value(), self.damaged.isChecked())
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.quantity.setValue(1)
        self.damaged.setChecked(False)
        self.show_draft(self.receiving.view(self.draft.draft_id))
        self.say(t("✓ {name}: {received} / {expected}", name=line.name, received=line.received,
                   expected=line.expected))

    def set_reason(self) -> None:
        row = self.table.currentRow()
        if self.draft is None or not 0 <= row < len(self.draft.lines):
            self.say(t("Bitte die Zeile wählen."), error=True)
            return
        line = self.draft.lines[row]
        try:
            self.receiving.set_line(self.draft.draft_id, line.product_id, line.received, line.damaged,
                                    self.reason.text())
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.reason.clear()
        self.show_draft(self.receiving.view(self.draft.draft_id))
        self.scan.setFocus()

    def book(self) -> None:
        if self.draft is None:
            self.say(t("Keine Lieferung geöffnet."), error=True)
            return
        try:
            booked = self.receiving.book(self.draft.draft_id, self.person)
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        units = sum(booked.moved.values())
        self.draft = None
        self.table.setRowCount(0)
        self.header.setText(t("Lieferung wählen oder Lieferschein scannen."))
        self.refresh_deliveries()
        self.say(t("Gebucht: {units} Stück im Bestand, {differences} Abweichungen an die Marktleitung.",
                   units=units, differences=len(booked.differences)))
        self.scan.setFocus()
