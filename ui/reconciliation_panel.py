"""The manager's list of open reconciliations (pos_app.reconciliations), shown under the sync
conflicts in the Abgleich dialog (Ctrl+K): what the center raised for this store with the
amount at stake, and the two actions: close one with a resolution, or count a product whose
stock went below zero. Each needs a manager's PIN and is one local transaction with its audit
entry and its outbox event; the item shows "wird abgeschlossen" until the center confirms.

UI thread; the list is a short local read, each action one local transaction.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.cart import Approval
from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import format_euro, local_display
from pos_app.reconciliation_rules import MAX_NOTE, ResolutionRefused, resolution_label
from pos_app.reconciliations import MAX_COUNT, ReconciliationDesk, ReconciliationItem

Approve = Callable[[str, QWidget], Approval | None]
STATUS_LABELS = {"open": N_("offen"), "closing": N_("wird abgeschlossen"), "closed": N_("abgeschlossen")}


class ReconciliationPanel(QWidget):
    def __init__(self, desk: ReconciliationDesk, approve: Approve, parent: QWidget | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._approve = approve
        self._on_change = on_change
        self.items: list[ReconciliationItem] = []
        title = QLabel(t("Offene Abgleiche der Zentrale (Ware oder Geld bewegt, Klärung nötig)"))
        title.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([t("Art"), t("Betreff"), t("Betrag"), t("Seit"), t("Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in (0, 2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.resolution = QComboBox()
        self.note = QLineEdit()
        self.note.setMaxLength(MAX_NOTE)
        self.note.setPlaceholderText(t("Notiz (optional)"))
        self.close_button = QPushButton(t("Abgleich abschließen"))
        self.close_button.clicked.connect(self.close_selected)
        self.counted = QSpinBox()
        self.counted.setRange(0, MAX_COUNT)
        self.count_button = QPushButton(t("Zählung buchen"))
        self.count_button.clicked.connect(self.count_selected)
        self.message = QLabel("")
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.resolution)
        actions.addWidget(self.note, 1)
        actions.addWidget(self.close_button)
        actions.addSpacing(16)
        actions.addWidget(QLabel(t("Gezählt:")))
        actions.addWidget(self.counted)
        actions.addWidget(self.count_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self.reload()

    def reload(self) -> None:
        self.items = self.desk.items()
        self.table.setRowCount(len(self.items))
        for row, it in enumerate(self.items):
            values = (it.label, it.subject, format_euro(it.amount_cents), local_display(it.opened_at),
                      t_marked(STATUS_LABELS.get(it.status, it.status))
                      + (f": {resolution_label(it.resolution)}" if it.status == "closing" else ""))
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                self.table.setItem(row, col, cell)
        if self.items:
            self.table.selectRow(0)
        else:
            self.message.setText(t("Keine offenen Abgleiche."))
        self._selection_changed()

    def selected(self) -> ReconciliationItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        item = self.selected()
        self.resolution.clear()
        if item is not None:
            for key in item.allowed:
                self.resolution.addItem(resolution_label(key), key)
        open_ = item is not None and item.status == "open"
        self.close_button.setEnabled(open_)
        countable = open_ and item is not None and item.kind == "negative_stock"
        self.count_button.setEnabled(countable)
        self.counted.setEnabled(countable)

    def close_selected(self) -> bool:
        item = self.selected()
        if item is None or item.status != "open":
            self.message.setText(t("Bitte einen offenen Abgleich auswählen."))
            return False
        resolution = str(self.resolution.currentData() or "")
        approval = self._approve(t("{label} ({subject}, {amount_cents}) abschließen: {resolution_label}.", label=item.label, subject=item.subject, amount_cents=format_euro(item.amount_cents), resolution_label=resolution_label(resolution)), self)
        if approval is None:
            self.message.setText(t("Abgebrochen: keine Freigabe."))
            return False
        try:
            self.desk.close(item.id, resolution, self.note.text(), approval.manager_id, approval.manager_name)
        except ResolutionRefused as exc:
            self.message.setText(str(exc))
            self.reload()
            return False
        self.note.clear()
        self.reload()
        self.message.setText(t("{label}: {resolution_label} (Freigabe {manager_name}); wird an die Zentrale gesendet.", label=item.label, resolution_label=resolution_label(resolution), manager_name=approval.manager_name))
        if self._on_change is not None:
            self._on_change()
        return True

    def count_selected(self) -> bool:
        item = self.selected()
        product_id = item.details.get("product_id") if item is not None else None
        if item is None or item.kind != "negative_stock" or not product_id:
            self.message.setText(t("Zählen geht für einen negativen Bestand."))
            return False
        counted = self.counted.value()
        approval = self._approve(t("Bestand {subject}: gezählt {counted} buchen.", subject=item.subject, counted=counted), self)
        if approval is None:
            self.message.setText(t("Abgebrochen: keine Freigabe."))
            return False
        try:
            delta = self.desk.count_stock(int(product_id), counted, approval.manager_id, approval.manager_name)
        except ResolutionRefused as exc:
            self.message.setText(str(exc))
            return False
        self.reload()
        self.message.setText(t("Zählung gebucht ({delta:+d}); die Zentrale schließt den Abgleich, sobald der Bestand nicht mehr negativ ist.", delta=delta))
        if self._on_change is not None:
            self._on_change()
        return True
