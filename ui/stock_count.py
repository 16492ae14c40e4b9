"""Inventur (Ctrl+Shift+N): count with the scanner (pos_app.stock.counts). A manager starts a
count (PIN) for the whole store or one category; any associate joins an open count, scans (a
quantity field for multiples), recounts the selected line; "Differenzen" shows the center's
merged variance list of every device (GET /v1/stock/counts/{id}; offline: this device's own,
and it says so) (units, value at cost and at the store's prices, the biggest first); "Freigeben" (PIN)
sends the approval, the center books it by its snapshot rule (docs/stock.md). "Inventur abbrechen"
asks first, then a manager's PIN, and cancels the open count (StockCounts.cancel, count.cancelled):
its figures are discarded, nothing is booked, the other devices see it closed through the feed.

UI thread; each action is one short local transaction. The variance list is one SQL query
(well under 2 s on a 1,000,000-product store, tests/perf/bench_counts.py).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.cart import Approval
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.stock.count_merged import Fetch, count_variance
from pos_app.stock.counts import MAX_COUNTED, CountView, StockCounts
from pos_app.stock.rules import StockRuleError
from pos_app.store.staff import StaffMember
from ui.confirm import confirm
from ui.till_actions_qt import bind

Approve = Callable[[str, QWidget], Approval | None]
TOUCH = 44


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _manager(approval: Approval) -> StaffMember:
    return StaffMember(approval.manager_id, approval.manager_name, "manager")


class CountDialog(QDialog):
    def __init__(self, counts: StockCounts, person: StaffMember, approve: Approve,
                 parent: QWidget | None = None, fetch_report: Fetch | None = None) -> None:
        super().__init__(parent)
        self.counts, self.person, self._approve = counts, person, approve
        self._fetch_report = fetch_report  # the center's merged report (None: this device's figures only)
        self.count: CountView | None = None
        self.lines: list[tuple[int, str, int]] = []  # this device's: product, name, figure
        self.setWindowTitle(t("Inventur"))
        self.resize(980, 660)
        self.choice = QComboBox()
        self.join_button = QPushButton(t("Teilnehmen"))
        self.join_button.clicked.connect(self.join)
        self.category = QLineEdit()
        self.category.setPlaceholderText(t("Warengruppe (leer: ganze Filiale)"))
        self.start_button = QPushButton(t("Inventur starten …"))
        self.start_button.clicked.connect(self.start)
        self.header = QLabel(t("Inventur wählen oder starten."))
        self.scan = QLineEdit()
        self.scan.setPlaceholderText(t("Artikel scannen, Enter"))
        self.scan.returnPressed.connect(self.scanned)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, MAX_COUNTED)
        self.quantity.setPrefix(t("Menge "))
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels((t("Artikel"), t("Gezählt (dieses Gerät)")))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # the count's column as wide as its heading (the default width cut it from the left)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.recount_to = QSpinBox()
        self.recount_to.setRange(0, MAX_COUNTED)
        self.recount_button = QPushButton(t("Zeile neu gezählt"))
        self.recount_button.clicked.connect(self.recount)
        self.variance_button = QPushButton(t("Differenzen"))
        self.variance_button.clicked.connect(self.show_variance)
        self.approve_button = QPushButton(t("Freigeben …"))
        self.approve_button.clicked.connect(self.approve)
        self.cancel_button = QPushButton(t("Inventur abbrechen"))
        self.cancel_button.setObjectName("cancelCount")
        self.cancel_button.clicked.connect(self.cancel_count)
        self.close_button = QPushButton(t("Schließen"))
        self.close_button.clicked.connect(self.reject)
        self.summary = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = (self.join_button, self.start_button, self.recount_button, self.variance_button,
                   self.approve_button, self.cancel_button, self.close_button)
        for w in (*buttons, self.choice, self.category, self.scan, self.quantity, self.recount_to):
            w.setMinimumHeight(TOUCH)
        for button in buttons:
            button.setAutoDefault(False)  # Enter in the scan field is a scan, never a button
        top = QHBoxLayout()
        for w in (self.choice, self.join_button, self.category, self.start_button):
            top.addWidget(w)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.quantity)
        recount_row = QHBoxLayout()
        recount_row.addWidget(self.recount_to)
        recount_row.addWidget(self.recount_button)
        recount_row.addStretch(1)
        recount_row.addWidget(self.variance_button)
        recount_row.addWidget(self.approve_button)
        recount_row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        header_row = QHBoxLayout()
        header_row.addWidget(self.header, 1)
        header_row.addWidget(self.cancel_button)
        layout.addLayout(header_row)
        layout.addLayout(scan_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(recount_row)
        layout.addWidget(self.message)
        bind("close_dialog", self, self.reject)
        self.refresh_counts()
        self.show_count_state()
        self.scan.setFocus()

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(("⚠ " if error else "") + text)

    def refresh_counts(self) -> None:
        self.open_counts = self.counts.counts()
        self.choice.clear()
        for c in self.open_counts:
            what = t("ganze Filiale") if c.scope == "store" else ", ".join(c.categories) or t("Zählliste")
            self.choice.addItem(t("{what} (von {who})", what=what, who=c.started_by), c.count_id)
        if self.count is None and len(self.open_counts) == 1:
            self.use(self.open_counts[0])

    def show_count_state(self) -> None:
        """Cancel only an open count (not one being approved or closed)."""
        self.cancel_button.setEnabled(self.count is not None and self.count.status == "open")

    def use(self, count: CountView) -> None:
        self.count = count
        self.show_count_state()
        what = t("ganze Filiale") if count.scope == "store" else ", ".join(count.categories) or t("Zählliste")
        self.header.setText(t("<b>Inventur</b> · {what} · {status}", what=what, status=count.status))
        self.show_lines()

    def show_lines(self) -> None:
        assert self.count is not None
        with self.counts.store.db.reading() as s:
            rows = s.connection().exec_driver_sql(
                "SELECT l.product_id, COALESCE(p.name, ''), l.quantity FROM count_lines l "
                "LEFT JOIN products p ON p.id = l.product_id WHERE l.count_id = ? ORDER BY l.position DESC LIMIT 500",
                (self.count.count_id,)).all()
        self.lines = [(int(r[0]), str(r[1]), int(r[2])) for r in rows]
        self.table.setRowCount(len(self.lines))
        for row, (_, name, figure) in enumerate(self.lines):
            self.table.setItem(row, 0, _cell(name))
            self.table.setItem(row, 1, _cell(str(figure)))

    def join(self) -> None:
        index = self.choice.currentIndex()
        if 0 <= index < len(self.open_counts):
            self.use(self.open_counts[index])
            self.scan.setFocus()

    def start(self) -> None:
        approval = self._approve(t("Inventur starten: Freigabe der Marktleitung."), self)
        self.scan.setFocus()
        if approval is None:
            return
        category = self.category.text().strip()
        try:
            count = (self.counts.start("category", self.person, _manager(approval), categories=(category,))
                     if category else self.counts.start("store", self.person, _manager(approval)))
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.refresh_counts()
        self.use(count)
        self.say(t("Inventur gestartet: Artikel scannen."))

    def on_scanned(self, code: str) -> None:
        """A code from the wedge scanner while this screen is open (ui.stock_glue routes it)."""
        self.scanned(code)

    def scanned(self, code: str | None = None) -> None:
        code = (code if code is not None else self.scan.text()).strip()
        self.scan.clear()
        if not code:
            return
        if self.count is None:
            self.say(t("Bitte zuerst eine Inventur wählen."), error=True)
            return
        try:
            line = self.counts.scan(self.count.count_id, code, self.person, self.quantity.value())
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.quantity.setValue(1)
        self.show_lines()
        self.say(t("✓ {name}: {quantity}", name=line.name, quantity=line.quantity))

    def recount(self) -> None:
        row = self.table.currentRow()
        if self.count is None or not 0 <= row < len(self.lines):
            self.say(t("Bitte die Zeile wählen."), error=True)
            return
        try:
            line = self.counts.recount(self.count.count_id, self.lines[row][0], self.recount_to.value(), self.person)
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.show_lines()
        self.say(t("Neu gezählt: {name} {quantity}", name=line.name, quantity=line.quantity))
        self.scan.setFocus()

    def show_variance(self) -> None:
        if self.count is None:
            return
        found = count_variance(self.counts, self.count.count_id, self._fetch_report, limit=200)
        v = found.variance
        if found.merged:
            self.summary.setText(t("Differenzen aller Geräte (Zentrale): {differing} von {products} gezählten "
                                   "Artikeln, {units:+d} Stück, {cost} zum Einkaufspreis, {value} zum "
                                   "Verkaufspreis; nicht gezählte Artikel zählen bei der Freigabe als 0",
                                   differing=v.differing, products=v.products, units=v.units,
                                   cost=format_euro(v.value_cost_cents), value=format_euro(v.value_cents)))
        else:
            self.summary.setText(t("Differenzen nur dieses Geräts (offline, vorläufig): {differing} von {products} "
                                   "Artikeln, {units:+d} Stück, {cost} zum Einkaufspreis, {value} zum "
                                   "Verkaufspreis", differing=v.differing, products=v.products, units=v.units,
                                   cost=format_euro(v.value_cost_cents), value=format_euro(v.value_cents)))
        self.table.setColumnCount(6)
        self.table.setHorizontalHeaderLabels((t("Artikel"), t("Soll"), t("Gezählt"), t("Differenz"),
                                              t("Wert EK"), t("Wert VK")))
        self.table.setRowCount(len(v.lines))
        for row, line in enumerate(v.lines):
            cost = "–" if line.value_cost_cents is None else format_euro(line.value_cost_cents)
            for col, text in enumerate((line.name, str(line.expected), str(line.counted), f"{line.variance:+d}",
                                        cost, format_euro(line.value_cents))):
                self.table.setItem(row, col, _cell(text))
        self.lines = [(line.product_id, line.name, line.counted) for line in v.lines]

    def approve(self) -> None:
        if self.count is None:
            return
        approval = self._approve(t("Inventur freigeben und buchen: Freigabe der Marktleitung."), self)
        self.scan.setFocus()
        if approval is None:
            return
        try:
            self.counts.approve(self.count.count_id, _manager(approval))
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.use(self.counts.get(self.count.count_id))
        self.say(t("Freigegeben: die Zentrale bucht die Differenzen, der Bestand kommt mit dem nächsten Abgleich."))

    def cancel_count(self) -> None:
        """Ask, then the manager's PIN; the count's figures are discarded and nothing is booked.
        No (or no approval) changes nothing."""
        if self.count is None:
            self.say(t("Bitte zuerst eine Inventur wählen."), error=True)
            return
        count_id = self.count.count_id
        if not confirm(self, t("Inventur abbrechen"),
                       t("Diese Inventur abbrechen? Die gezählten Mengen aller Geräte werden verworfen, "
                         "nichts wird gebucht."), t("Inventur abbrechen"), t("Weiter zählen")):
            self.scan.setFocus()
            return
        approval = self._approve(t("Inventur abbrechen: Freigabe der Marktleitung."), self)
        self.scan.setFocus()
        if approval is None:
            return
        try:
            self.counts.cancel(count_id, _manager(approval),
                               t("An der Kasse abgebrochen ({name})", name=self.person.name))
        except StockRuleError as exc:
            self.say(str(exc), error=True)
            return
        self.count, self.lines = None, []
        self.table.setRowCount(0)
        self.summary.clear()
        self.header.setText(t("Inventur wählen oder starten."))
        self.refresh_counts()
        self.show_count_state()
        self.say(t("Inventur abgebrochen: nichts gebucht."))
