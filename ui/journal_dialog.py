"""The receipt journal (F9): this till's recent receipts with an on-screen preview (the same
layout the printer gets) and reprint; and the list of parked sales (F8)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import format_euro, local_display
from pos_app.receipt import PAPER_80MM, PaperWidth, preview_text
from pos_app.store.local import LocalStore
from ui.till_actions_qt import bind

STATUS = {"printed": N_("gedruckt"), "failed": N_("NICHT gedruckt"), "pending": N_("nicht gedruckt")}


def monospace() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class ReceiptPreview(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(monospace())
        self.setObjectName("receiptPreview")
        self.setMinimumWidth(420)


class JournalDialog(QDialog):
    def __init__(self, store: LocalStore, reprint, paper: PaperWidth = PAPER_80MM,  # type: ignore[no-untyped-def]
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Belege"))
        self.resize(900, 600)
        self._store = store
        self._reprint = reprint
        self._paper = paper
        self.list = QListWidget()
        self.preview = ReceiptPreview()
        self.info = QLabel("")
        print_button = QPushButton(t("Drucken  [Enter]"))
        print_button.setAutoDefault(False)  # Enter is the list's (itemActivated), not a second print
        print_button.clicked.connect(self.print_selected)
        for sale in store.sales.recent(200):
            item = QListWidgetItem(f"{sale.receipt_number}  {local_display(sale.shown_at)}  "
                                   f"{format_euro(sale.total_cents)}  {t_marked(STATUS.get(sale.print_status, ''))}")
            item.setData(Qt.ItemDataRole.UserRole, sale.sale_id)
            item.setToolTip(item.text())  # the whole line when the list is narrower
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._show)
        self.list.itemActivated.connect(lambda _i: self.print_selected())
        left = QVBoxLayout()
        left.addWidget(self.list)
        left.addWidget(print_button)
        left.addWidget(self.info)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.preview, 1)
        bind("close_dialog", self, self.reject)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.info.setText(t("Noch keine Belege an dieser Kasse."))
        self.list.setFocus()

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _show(self) -> None:
        sale_id = self._selected()
        if sale_id:
            self.preview.setPlainText(preview_text(self._store.sales.receipt(sale_id), self._paper))

    def print_selected(self) -> None:
        sale_id = self._selected()
        if sale_id:
            self._reprint(sale_id)
            self.info.setText(t("An den Drucker geschickt."))


class ParkedDialog(QDialog):
    """Choose a parked sale to recall; Enter recalls, Esc closes."""

    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Geparkte Bons"))
        self.resize(520, 360)
        self.chosen: int | None = None
        self.list = QListWidget()
        for parked in store.parked.list():
            item = QListWidgetItem(f"{local_display(parked.created_at)}  {parked.label}  ({parked.cashier_name})")
            item.setData(Qt.ItemDataRole.UserRole, parked.id)
            self.list.addItem(item)
        self.list.itemActivated.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(t("Enter holt den gewählten Bon zurück.") if self.list.count()
                                else t("Keine geparkten Bons.")))
        layout.addWidget(self.list)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def _choose(self, item: QListWidgetItem) -> None:
        self.chosen = int(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
