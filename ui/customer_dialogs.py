"""Small dialogs of clienteling: find a customer (as you type, here first then the center), a
customer's contact data and consents (new or edit), and the stock of an item in every store.

All non-blocking for their callers (open(), signals), every action a visible button (tablet).
Look-ups run through ui.tasks.run_in_background. UI thread only.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from shiboken6 import isValid
from PySide6.QtWidgets import (QCheckBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from pos_app.clienteling import CONSENT_CHANNELS, CONTACT_FIELDS, SearchResult
from pos_app.i18n import N_, t, t_marked, tn
from pos_app.store.customers import CustomerHit
from ui.tasks import run_in_background

FIELD_LABELS = {"first_name": N_("Vorname"), "last_name": N_("Nachname"), "street": N_("Straße"), "zip_code": N_("PLZ"),
                "city": N_("Ort"), "phone": N_("Telefon"), "email": N_("E-Mail")}


def with_close_button(dialog: QDialog, *buttons: QPushButton) -> QHBoxLayout:
    """A row with `buttons` on the left and a visible "Schließen" on the right (Esc does the
    same; on a tablet there is no Esc)."""
    from pos_app.i18n import t

    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    close = QPushButton(t("Schließen"))
    close.setObjectName("closeButton")
    close.setMinimumHeight(44)
    close.setAutoDefault(False)
    close.clicked.connect(dialog.reject)
    row.addWidget(close)
    dialog.close_button = close  # type: ignore[attr-defined]
    return row


class CustomerSearchDialog(QDialog):
    """Type or scan (name, phone, e-mail, customer number, customer card); Enter opens the
    selected customer (signal `chosen`)."""

    chosen = Signal(object)  # CustomerHit

    def __init__(self, search: Callable[[str], SearchResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Kunde suchen"))
        self.resize(720, 520)
        self._search = search
        self._seq = 0
        self.query = QLineEdit()
        self.query.setObjectName("customerQuery")
        self.query.setPlaceholderText(t("Name, Telefon, E-Mail, Kundennummer oder Kundenkarte scannen"))
        self.results = QListWidget()
        self.results.setObjectName("customerResults")
        self.note = QLabel("")
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.open_button = QPushButton(t("Profil öffnen"))
        self.open_button.setMinimumHeight(40)
        self.open_button.clicked.connect(self._open_current)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self.timer.start())
        self.query.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(lambda item: self._choose(item))
        self.results.itemClicked.connect(lambda item: self._choose(item))  # one tap opens the profile
        self.results.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long e-mail addresses: "…", tooltip
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.note)
        layout.addLayout(with_close_button(self, self.open_button))

    def run_search(self) -> None:
        typed = self.query.text().strip()
        self._seq += 1
        seq = self._seq
        if not typed:
            self.results.clear()
            return
        self.note.setText(t("Suche …"))
        run_in_background(lambda: self._search(typed), lambda result, error: self._show(seq, result, error))

    def _show(self, seq: int, result: SearchResult | None, error: BaseException | None) -> None:
        if not isValid(self.results) or seq != self._seq:
            return  # the dialog is gone, or an older search, overtaken by typing
        self.results.clear()
        if error is not None or result is None:
            self.note.setText(t("Suche fehlgeschlagen: {error}", error=error))
            return
        for hit in result.hits:
            item = QListWidgetItem(f"{hit.name}  ·  {hit.number}  ·  {hit.zip_code} {hit.city}  ·  {hit.phone}  ·  {hit.email}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            item.setToolTip(item.text())
            self.results.addItem(item)
        if result.hits:
            self.results.setCurrentRow(0)
        count = len(result.hits)
        found = {"local": tn("{n} Treffer aus dieser Filiale", "{n} Treffer aus dieser Filiale", count),
                 "center": tn("{n} Treffer von der Zentrale", "{n} Treffer von der Zentrale", count)}.get(
                     result.source, tn("{n} Treffer", "{n} Treffer", count))
        self.note.setText(result.note or (found if result.hits else t("Kein Kunde gefunden.")))

    def _enter(self) -> None:
        if self.timer.isActive():  # typed and pressed Enter at once (a scanner): search first
            self.timer.stop()
            self.run_search()
        self._open_current()

    def _open_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        self.accept()


class CustomerEditDialog(QDialog):
    """New customer (customer None) or contact data and consents of one. `saved` carries
    (fields, consents); the owner writes them (pos_app.clienteling) and closes or says why not."""

    saved = Signal(object, object)

    def __init__(self, customer: CustomerHit | None, consents: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Neuer Kunde") if customer is None else t("Kunde bearbeiten – {name}", name=customer.name))
        self.customer = customer
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for key in CONTACT_FIELDS:
            edit = QLineEdit(getattr(customer, key) if customer else "")
            edit.setObjectName(f"field_{key}")
            self.edits[key] = edit
            form.addRow(t_marked(FIELD_LABELS[key]), edit)
        self.before: dict[str, bool] = {}
        self.checks: dict[str, QCheckBox] = {}
        current = consents or {}
        for key, label in CONSENT_CHANNELS.items():
            box = QCheckBox(t("Werbung per {label} erlaubt", label=t_marked(label)))
            box.setObjectName(f"consent_{key}")
            given = current.get(key)
            box.setChecked(bool(given and given.get("granted")))
            self.before[key] = box.isChecked()
            self.checks[key] = box
            form.addRow("", box)
        self.method = QLineEdit(t("mündlich an der Kasse"))
        form.addRow(t("Einwilligung eingeholt:"), self.method)
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        save = QPushButton(t("Speichern"))
        save.setObjectName("saveCustomer")
        save.setMinimumHeight(40)
        save.clicked.connect(self._save)
        cancel = QPushButton(t("Abbrechen"))
        cancel.setMinimumHeight(40)
        cancel.clicked.connect(self.reject)
        self.allow_duplicate = False
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(row)

    def _save(self) -> None:
        fields = {k: e.text() for k, e in self.edits.items()}
        consents = [{"channel": k, "granted": b.isChecked(), "method": self.method.text().strip() or t("an der Kasse")}
                    for k, b in self.checks.items() if b.isChecked() != self.before[k]]
        self.saved.emit(fields, consents)

    def refuse(self, text: str) -> None:
        self.message.setText(text)


class StockDialog(QDialog):
    """The stock of one item in every store (Ctrl+I): scan or search the item; the center
    answers (online only). A "Reservieren" button per store when the app offers reservations."""

    def __init__(self, find_product: Callable[[str], list[tuple[int, str]]],
                 stock: Callable[[int], list[tuple[str, str, int]]],
                 reserve: Callable[[int, str], None] | None, parent: QWidget | None = None,
                 request: Callable[[int, str, int], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Bestand in allen Filialen"))
        self._request = request  # ask that store for units: a transfer (issue 14)
        self.own_store = ""  # the app sets it: no transfer from the own store
        self.resize(760, 520)
        self._find, self._stock, self._reserve = find_product, stock, reserve
        self.query = QLineEdit()
        self.query.setObjectName("stockQuery")
        self.query.setPlaceholderText(t("Artikel scannen oder Namen eingeben, Enter"))
        self.query.returnPressed.connect(self.look_up)
        self.products = QListWidget()
        self.products.itemActivated.connect(lambda item: self.show_stock(item.data(Qt.ItemDataRole.UserRole)))
        self.products.itemClicked.connect(lambda item: self.show_stock(item.data(Qt.ItemDataRole.UserRole)))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("stockTable")
        self.table.setHorizontalHeaderLabels([t("Filiale"), t("Verfügbar"), ""])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.product_id: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.products, 1)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.note)
        layout.addLayout(with_close_button(self))

    def look_up(self) -> None:
        typed = self.query.text().strip()
        if not typed:
            return
        run_in_background(lambda: self._find(typed), self._found)

    def _found(self, found: list[tuple[int, str]] | None, error: BaseException | None) -> None:
        if not isValid(self.products):
            return  # closed while the look-up ran
        self.products.clear()
        if error is not None or not found:
            self.note.setText(t("Kein Artikel gefunden{value}", value=': ' + str(error) if error else '.'))
            return
        for pid, name in found:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.products.addItem(item)
        self.products.setCurrentRow(0)
        if len(found) == 1:
            self.show_stock(found[0][0])

    def show_stock(self, product_id: int) -> None:
        self.product_id = product_id
        self.note.setText(t("Frage die Zentrale …"))
        run_in_background(lambda: self._stock(product_id), self._show)

    def _show(self, rows: list[tuple[str, str, int]] | None, error: BaseException | None) -> None:
        if not isValid(self.table):
            return  # closed while the center answered
        self.table.setRowCount(0)
        if error is not None or rows is None:
            self.note.setText(t("Bestand anderer Filialen nur online: {error}", error=error))
            return
        self.note.setText("")
        for n, (store_id, name, quantity) in enumerate(rows):
            self.table.insertRow(n)
            self.table.setItem(n, 0, QTableWidgetItem(f"{name} ({store_id})"))
            self.table.setItem(n, 1, QTableWidgetItem(str(quantity)))
            buttons = []
            if self._reserve is not None and quantity > 0:
                button = QPushButton(t("Reservieren"))
                button.clicked.connect(lambda _c=False, s=store_id: self._reserve(self.product_id, s))  # type: ignore[misc]
                buttons.append(button)
            if self._request is not None and quantity > 0 and store_id != self.own_store:
                ask = QPushButton(t("Transfer anfragen"))
                ask.setObjectName(f"transferAsk{store_id}")
                ask.clicked.connect(lambda _c=False, s=store_id, q=quantity:  # type: ignore[misc]
                                    self._request(self.product_id, s, q))  # type: ignore[arg-type]
                buttons.append(ask)
            if len(buttons) == 1:
                self.table.setCellWidget(n, 2, buttons[0])
            elif buttons:
                cell = QWidget()
                row = QHBoxLayout(cell)
                row.setContentsMargins(0, 0, 0, 0)
                for b in buttons:
                    row.addWidget(b)
                self.table.setCellWidget(n, 2, cell)
        self.table.resizeColumnsToContents()
        # rows as tall as their buttons (with the touch style the buttons overlapped, cut off)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()
