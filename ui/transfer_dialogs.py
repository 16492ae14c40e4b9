"""Transfers between stores on screen: the queue (Ctrl+Shift+F) of requests to and from this
store, where the sender accepts or declines, picks by scan and ships, and the receiver scans in
what arrived; and the request from the "stock in every store" view. Both work from the local
copy (pos_app.stock.transfers.TransferDesk): offline they show the last sync.

Thread: the UI thread; TransferDesk's reads and writes are small local transactions.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from pos_app import limits
from pos_app.i18n import t
from pos_app.stock.transfers import Transfer, TransferDesk, TransferError

TOUCH = 44  # px: the smallest touch target


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _button(label: str, slot: Callable[[], object], name: str = "") -> QPushButton:
    button = QPushButton(label)
    button.setMinimumHeight(TOUCH)
    button.setAutoDefault(False)  # Enter in the scan field scans; it never presses a button
    if name:
        button.setObjectName(name)
    button.clicked.connect(lambda _c=False: slot())
    return button


class TransferQueueDialog(QDialog):
    """This store's open transfers, both ways, and the step each one waits for here."""

    def __init__(self, desk: TransferDesk, who: Callable[[], str], on_change: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.who, self.on_change = desk, who, on_change or (lambda: None)
        self.setWindowTitle(t("Transfers zwischen Filialen"))
        self.resize(1000, 640)
        self.filter = QComboBox()
        for label in (t("Alle offenen"), t("Ausgehend (wir liefern)"), t("Eingehend (wir erhalten)"),
                      t("Alle, auch erledigte")):
            self.filter.addItem(label)
        self.filter.setMinimumHeight(TOUCH)
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("transferTable")
        self.table.setHorizontalHeaderLabels([t("Transfer"), t("Von"), t("An"), t("Status"), t("Pos."), t("Stück")])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self.show_lines)
        self.lines = QTableWidget(0, 5)
        self.lines.setObjectName("transferLines")
        self.lines.setHorizontalHeaderLabels([t("Artikel"), t("Angefragt"), t("Kommiss."), t("Versandt"),
                                              t("Gescannt")])
        self.lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lines.verticalHeader().setVisible(False)
        self.scan = QLineEdit()
        self.scan.setObjectName("transferScan")
        self.scan.setMinimumHeight(TOUCH)
        self.scan.setPlaceholderText(t("Artikel scannen (Kommissionieren oder Wareneingang), Enter"))
        self.scan.returnPressed.connect(lambda: self.on_scanned(self.scan.text()))
        self.reason = QLineEdit()
        self.reason.setObjectName("transferReason")
        self.reason.setMaxLength(limits.REASON_TEXT)
        self.reason.setPlaceholderText(t("Grund (Ablehnen, Storno)"))
        self.carrier = QLineEdit()
        self.carrier.setObjectName("transferCarrier")
        self.carrier.setMaxLength(40)
        self.carrier.setPlaceholderText(t("Versanddienst"))
        self.tracking = QLineEdit()
        self.tracking.setObjectName("transferTracking")
        self.tracking.setMaxLength(limits.REFERENCE)
        self.tracking.setPlaceholderText(t("Sendungsnummer (tippen oder scannen)"))
        for field in (self.reason, self.carrier, self.tracking):
            field.setMinimumHeight(TOUCH)
        self.message = QLabel()
        self.message.setObjectName("transferMessage")
        self.message.setWordWrap(True)
        self.accept_button = _button(t("Annehmen"), lambda: self._do(lambda n: self.desk.accept(n, self.who())))
        self.decline_button = _button(t("Ablehnen"), lambda: self._do(
            lambda n: self.desk.decline(n, self.who(), self.reason.text())))
        self.picked_button = _button(t("Kommissionierung fertig"), lambda: self._do(
            lambda n: self.desk.finish_picking(n, self.who())))
        self.ship_button = _button(t("Versenden"), lambda: self._do(
            lambda n: self.desk.ship(n, self.who(), self.carrier.text(), self.tracking.text())))
        self.receive_button = _button(t("Eingang buchen"), lambda: self._do(
            lambda n: self.desk.book_receipt(n, self.who())))
        self.cancel_button = _button(t("Stornieren"), lambda: self._do(
            lambda n: self.desk.cancel(n, self.who(), self.reason.text())))
        close = _button(t("Schließen"), self.accept, "transferClose")
        top = QHBoxLayout()
        top.addWidget(QLabel(t("Anzeigen:")))
        top.addWidget(self.filter, 1)
        fields = QHBoxLayout()
        for field in (self.reason, self.carrier, self.tracking):
            fields.addWidget(field)
        from ui.screen_fit import available_geometry

        # six actions in one row need about 1000 px: on a portrait tablet they stand three by two
        per_row = 6 if available_geometry(self).width() >= 1000 else 3
        actions = QGridLayout()
        for i, b in enumerate((self.accept_button, self.decline_button, self.picked_button, self.ship_button,
                               self.receive_button, self.cancel_button)):
            actions.addWidget(b, i // per_row, i % per_row)
        buttons = QHBoxLayout()
        buttons.addLayout(actions)
        buttons.addStretch(1)
        buttons.addWidget(close, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.lines, 2)
        layout.addWidget(self.scan)
        layout.addLayout(fields)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.shown: list[Transfer] = []
        self.refresh()
        self.scan.setFocus()

    def refresh(self, keep: str | None = None) -> None:
        direction = (None, "outgoing", "incoming", None)[self.filter.currentIndex()]
        keep = keep or self.selected_number()
        self.shown = self.desk.queue(direction, include_closed=self.filter.currentIndex() == 3)
        self.table.setRowCount(0)
        for n, tr in enumerate(self.shown):
            self.table.insertRow(n)
            state = tr.state_name + ("" if tr.confirmed else " *")
            for col, value in enumerate((tr.number, tr.from_store_id, tr.to_store_id, state, str(len(tr.lines)),
                                         str(sum(ln.requested for ln in tr.lines)))):
                self.table.setItem(n, col, _cell(value))
            if tr.number == keep:
                self.table.selectRow(n)
        if self.shown and self.selected_number() is None:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.show_lines()

    def selected_number(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.shown[rows[0].row()].number if rows and rows[0].row() < len(self.shown) else None

    def select(self, number: str) -> None:
        self.refresh(keep=number)

    def show_lines(self) -> None:
        number = self.selected_number()
        self.lines.setRowCount(0)
        for b in (self.accept_button, self.decline_button, self.picked_button, self.ship_button, self.receive_button):
            b.setEnabled(False)
        if number is None:
            return
        tr = self.desk.get(number)
        for n, ln in enumerate(tr.lines):
            self.lines.insertRow(n)
            for col, value in enumerate((ln.name, str(ln.requested), "" if ln.picked is None else str(ln.picked),
                                         str(ln.shipped), str(ln.scanned))):
                self.lines.setItem(n, col, _cell(value))
        side = tr.side(self.desk.store.store_id)
        self.accept_button.setEnabled(side == "from" and tr.state == "requested")
        self.decline_button.setEnabled(side == "from" and tr.state == "requested")
        self.picked_button.setEnabled(side == "from" and tr.state in ("accepted", "picked"))
        self.ship_button.setEnabled(side == "from" and tr.state == "picked")
        self.receive_button.setEnabled(side == "to" and tr.state == "shipped")

    def on_scanned(self, code: str) -> None:
        """A scan (wedge or typed): picking at the sender, receiving at the receiver."""
        self.scan.clear()
        number = self.selected_number()
        if number is None or not code.strip():
            self.message.setText(t("Bitte zuerst einen Transfer wählen."))
            return
        tr = self.desk.get(number)
        try:
            if tr.side(self.desk.store.store_id) == "to":
                result = self.desk.receive_scan(number, code)
            else:
                result = self.desk.pick_scan(number, code)
        except TransferError as exc:
            self.message.setText(str(exc))
        else:
            done = t(" – alles gescannt") if result.complete else ""
            self.message.setText(t("{name}: {scanned} gescannt{done}", name=result.line.name,
                                   scanned=result.line.scanned, done=done))
        self.refresh(keep=number)
        self.scan.setFocus()

    def _do(self, step: Callable[[str], Transfer]) -> None:
        number = self.selected_number()
        if number is None:
            self.message.setText(t("Bitte zuerst einen Transfer wählen."))
            return
        try:
            tr = step(number)
        except TransferError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(t("Transfer {number}: {state}", number=tr.number, state=tr.state_name))
        self.on_change()
        self.refresh(keep=number)
        self.scan.setFocus()


class TransferRequestDialog(QDialog):
    """Ask another store for units of one product (from the "stock in every store" view)."""

    def __init__(self, desk: TransferDesk, product_id: int, product_name: str, from_store_id: str, available: int,
                 who: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.product_id, self.from_store_id, self.available, self.who = (
            desk, product_id, from_store_id, available, who)
        self.setWindowTitle(t("Transfer anfragen"))
        self.resize(560, 300)
        self.requested: Transfer | None = None
        self.quantity = QSpinBox()
        self.quantity.setObjectName("transferQuantity")
        self.quantity.setRange(1, limits.MAX_QUANTITY)
        self.quantity.setMinimumHeight(TOUCH)
        self.note = QLineEdit()
        self.note.setObjectName("transferNote")
        self.note.setMaxLength(limits.REASON_TEXT)
        self.note.setMinimumHeight(TOUCH)
        self.note.setPlaceholderText(t("Notiz (optional)"))
        self.message = QLabel()
        self.message.setObjectName("transferRequestMessage")
        self.message.setWordWrap(True)
        send = _button(t("Anfragen"), self.send, "transferSend")
        send.setDefault(True)
        close = _button(t("Schließen"), self.reject, "transferRequestClose")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(t("{name} aus {store} anfragen (verfügbar: {free})", name=product_name,
                                  store=from_store_id, free=available)))
        layout.addWidget(self.quantity)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(send)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.quantity.setFocus()

    def send(self) -> None:
        try:
            self.requested = self.desk.request(self.from_store_id, [(self.product_id, self.quantity.value())],
                                               self.who(), available={self.product_id: self.available},
                                               note=self.note.text())
        except TransferError as exc:
            self.message.setText(str(exc))
            return
        self.accept()
