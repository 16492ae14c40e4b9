"""The pickup queue (Ctrl+Shift+P) and the picking screen. Both work from the local copy of this
store's orders (pos_app.pickups.PickupDesk): offline they show the last sync.

Thread: the UI thread; PickupDesk's reads and writes are small local transactions.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from pos_app.i18n import N_, t, t_marked, tn
from pos_app.i18n.formats import format_euro, local_display
from pos_app.pickups import STATE_NAMES, PickupDesk, PickupError, PickupOrder

FILTERS = ((N_("Alle offenen"), None), (N_("Neu"), "new"), (N_("In Kommissionierung"), "picking"), (N_("Abholbereit"), "ready"),
           (N_("Überfällig"), "overdue"))
NEW_BACKGROUND = QColor("#fff3c4")
LATE = QColor("#b00020")


def duration_text(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    text = t("{minutes} h {minutes2:02d} min", minutes=minutes // 60, minutes2=minutes % 60) if minutes >= 60 else t("{minutes} min", minutes=minutes)
    if minutes >= 48 * 60:
        text = tn("{n} Tag", "{n} Tage", minutes // 1440)
    return ("-" if delta.total_seconds() < 0 else "") + text


def _cell(text: str, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class PickupQueueDialog(QDialog):
    """This store's open pickup orders: state, age, time left against the SLA; new ones stand out."""

    COLUMNS = (N_("Auftrag"), N_("Art"), N_("Kunde"), N_("Status"), N_("Alter"), "SLA", N_("Abholen bis"), N_("Pos."), N_("Betrag"))

    def __init__(self, desk: PickupDesk, on_print_slip: Callable[[PickupOrder], None], picker: str,
                 on_handover: Callable[[str], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.on_print_slip, self.picker, self.on_handover = desk, on_print_slip, picker, on_handover
        self.setWindowTitle(t("Abholaufträge (Click & Collect)"))
        self.resize(1100, 560)
        self.filter = QComboBox()
        for label, _ in FILTERS:
            self.filter.addItem(t_marked(label))
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.counts = QLabel()
        self.counts.setObjectName("pickupCounts")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([t_marked(c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(lambda _i: self.pick())
        self.table.itemSelectionChanged.connect(self._enable_actions)  # a tap selects; the actions follow
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.pick_button = QPushButton(t("Kommissionieren"))
        self.pick_button.clicked.connect(self.pick)
        self.slip_button = QPushButton(t("Abholschein drucken"))
        self.slip_button.clicked.connect(self.print_slip)
        self.hand_button = QPushButton(t("Übergeben (Strg+H)"))
        self.hand_button.clicked.connect(self.hand_over)
        self.return_button = QPushButton(t("Zurück ins Lager"))
        self.return_button.clicked.connect(self.return_to_stock)
        close = QPushButton(t("Schließen"))
        close.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(QLabel(t("Filter:")))
        top.addWidget(self.filter)
        top.addWidget(self.counts, 1)
        buttons = QHBoxLayout()
        for b in (self.pick_button, self.slip_button, self.hand_button, self.return_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.orders: list[PickupOrder] = []
        self.refresh()
        self._enable_actions()

    def _enable_actions(self) -> None:
        """Picking, the slip and back-to-stock need an order chosen; the hand-over works by
        scanning the customer's code too, so it stays."""
        chosen = self.selected() is not None and bool(self.table.selectedItems())
        for button in (self.pick_button, self.slip_button, self.return_button):
            button.setEnabled(chosen)

    def refresh(self) -> None:
        """Read the queue again (called after each sync too)."""
        selected = self.selected()
        view = self.desk.queue(FILTERS[self.filter.currentIndex()][1])
        self.orders = view.orders
        c = view.counts
        self.counts.setText(t("Neu {new} · In Kommissionierung {picking} · Abholbereit {ready} · Überfällig {overdue}", new=c.get('new', 0), picking=c.get('picking', 0), ready=c.get('ready', 0), overdue=c.get('overdue', 0)))
        now = self.desk.clock()
        self.table.setRowCount(len(self.orders))
        bold = QFont()
        bold.setBold(True)
        for row, o in enumerate(self.orders):
            left = o.sla_left(now, self.desk.sla)
            cells = [_cell(o.number), _cell(t("Reservierung") if o.kind == "reservation" else t("Bestellung")),
                     _cell(o.customer_name), _cell(o.state_name + ("" if o.confirmed else " *")),
                     _cell(duration_text(o.age(now))),
                     _cell("–" if left is None else (t("noch ") if left.total_seconds() >= 0 else t("überfällig "))
                           + duration_text(left).lstrip("-")),
                     _cell(local_display(o.pickup_by)), _cell(str(len(o.lines)), True),
                     _cell(format_euro(o.total_cents), True)]
            for col, item in enumerate(cells):
                if o.is_new:
                    item.setBackground(QBrush(NEW_BACKGROUND))
                    item.setFont(bold)
                if (col == 5 and left is not None and left.total_seconds() < 0) or (col == 6 and o.overdue(now)):
                    item.setForeground(QBrush(LATE))
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        for col in range(len(self.COLUMNS)):
            if col != 2:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        if not self.orders:  # an empty queue says why and what to do, not just an empty table
            self.message.setText(t("Keine offenen Abholaufträge. Web-Bestellungen erscheinen hier nach dem "
                                   "Abgleich mit der Zentrale (Strg+S); eine Reservierung für einen Kunden "
                                   "legt Strg+Umschalt+H an."))
        elif self.message.text().startswith(t("Keine offenen Abholaufträge.")):
            self.message.setText("")
        if selected is not None:  # no selection by default: a new order's highlight stays visible
            for row, o in enumerate(self.orders):
                if o.number == selected:
                    self.table.selectRow(row)

    def selected(self) -> str | None:
        row = self.table.currentRow()
        return self.orders[row].number if 0 <= row < len(self.orders) else None

    def _chosen(self) -> PickupOrder | None:
        number = self.selected()
        if number is None:
            self.message.setText(t("Bitte einen Auftrag auswählen."))
            return None
        return self.desk.get(number)

    def pick(self) -> None:
        order = self._chosen()
        if order is not None:
            PickingDialog(self.desk, order.number, self.picker, self.on_print_slip, self).exec()
            self.refresh()

    def print_slip(self) -> None:
        order = self._chosen()
        if order is not None:
            self.on_print_slip(order)
            self.message.setText(t("Abholschein {number} wird gedruckt.", number=order.number))

    def hand_over(self) -> None:
        number = self.selected()
        if self.on_handover is not None:
            self.accept()
            self.on_handover(number or "")

    def return_to_stock(self) -> None:
        order = self._chosen()
        if order is None:
            return
        try:
            self.desk.return_to_stock(order.number, self.picker)
        except PickupError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(t("{number} zurück ins Lager gebucht; die Zentrale storniert den Auftrag.", number=order.number))
        self.refresh()


class PickingDialog(QDialog):
    """Scan each item of one order; short-pick what is not found, with a reason."""

    def __init__(self, desk: PickupDesk, number: str, picker: str,
                 on_print_slip: Callable[[PickupOrder], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.number, self.picker, self.on_print_slip = desk, number, picker, on_print_slip
        desk.mark_seen(number)
        self.setWindowTitle(t("Kommissionieren {number}", number=number))
        self.resize(760, 440)
        from ui.elided import ElidedLabel

        self.header = ElidedLabel()  # a long customer name: "…" and the whole header as tooltip
        bold = self.header.font()
        bold.setBold(True)
        self.header.setFont(bold)
        self.scan = QLineEdit()
        self.scan.setPlaceholderText(t("Artikel scannen (EAN oder Artikelnummer), Enter"))
        self.scan.returnPressed.connect(self.scanned)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels((t("Artikel"), t("Art.-Nr."), t("Gescannt"), t("Fehlmenge / Grund")))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):  # as wide as the headings ("Fehlmenge / Grund" was cut at 1024 px)
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(t("Grund der Fehlmenge (z. B. nicht im Regal)"))
        self.short_button = QPushButton(t("Rest als Fehlmenge"))
        self.short_button.clicked.connect(self.short)
        self.finish_button = QPushButton(t("Fertig: abholbereit melden"))
        self.finish_button.clicked.connect(self.finish)
        self.message = QLabel()
        self.message.setWordWrap(True)
        short_row = QHBoxLayout()
        short_row.addWidget(self.reason, 1)
        short_row.addWidget(self.short_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.finish_button)
        layout = QVBoxLayout(self)
        for w in (self.header, self.scan, self.table):
            layout.addWidget(w)
        layout.addLayout(short_row)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.refresh()
        self.scan.setFocus()

    def refresh(self) -> None:
        order = self.desk.get(self.number)
        self.order = order
        self.header.setText(f"{order.number} · {order.customer_name} · {STATE_NAMES.get(order.state)}")
        self.table.setRowCount(len(order.lines))
        for row, ln in enumerate(order.lines):
            short = ln.quantity - ln.picked
            for col, text in enumerate((ln.name, ln.sku, f"{ln.picked} / {ln.quantity}",
                                        f"{short}: {ln.short_reason}" if ln.short_reason and short else "")):
                self.table.setItem(row, col, _cell(text))

    def on_scanned(self, code: str) -> None:
        """A code from the wedge scanner while this screen is open (ui.pickup_glue routes it)."""
        self.scanned(code)

    def scanned(self, code: str | None = None) -> None:
        code = code if code is not None else self.scan.text()
        self.scan.clear()
        try:
            result = self.desk.pick_scan(self.number, code)
        except PickupError as exc:
            self.message.setText(f"⚠ {exc}")
            self.message.setProperty("error", True)
            return
        self.message.setText(f"✓ {result.line.name}: {result.picked} / {result.line.quantity}"
                             + (t(" – alles gescannt.") if result.complete else ""))
        self.refresh()

    def short(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.order.lines):
            self.message.setText(t("Bitte die Position wählen, die fehlt."))
            return
        try:
            self.desk.short(self.number, self.order.lines[row].line_no, self.reason.text())
        except PickupError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        self.reason.clear()
        self.refresh()

    def finish(self) -> None:
        try:
            order = self.desk.finish_picking(self.number, self.picker)
        except PickupError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        if self.on_print_slip is not None and order.state == "ready":
            self.on_print_slip(order)
        self.accept()
