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
from PySide6.QtWidgets import (QCheckBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from pos_app.clienteling import CONSENT_CHANNELS, CONTACT_FIELDS, SearchResult
from pos_app.i18n import t
from pos_app.store.customers import CustomerHit
from ui.tasks import run_in_background

FIELD_LABELS = {"first_name": "Vorname", "last_name": "Nachname", "street": "Straße", "zip_code": "PLZ",
                "city": "Ort", "phone": "Telefon", "email": "E-Mail"}


class CustomerSearchDialog(QDialog):
    """Type or scan (name, phone, e-mail, customer number, customer card); Enter opens the
    selected customer (signal `chosen`)."""

    chosen = Signal(object)  # CustomerHit

    def __init__(self, search: Callable[[str], SearchResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Kunde suchen")
        self.resize(720, 520)
        self._search = search
        self._seq = 0
        self.query = QLineEdit()
        self.query.setObjectName("customerQuery")
        self.query.setPlaceholderText("Name, Telefon, E-Mail, Kundennummer oder Kundenkarte scannen")
        self.results = QListWidget()
        self.results.setObjectName("customerResults")
        self.note = QLabel("")
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.open_button = QPushButton("Profil öffnen")
        self.open_button.setMinimumHeight(40)
        self.open_button.clicked.connect(self._open_current)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self.timer.start())
        self.query.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(lambda item: self._choose(item))
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.open_button)

    def run_search(self) -> None:
        typed = self.query.text().strip()
        self._seq += 1
        seq = self._seq
        if not typed:
            self.results.clear()
            return
        self.note.setText("Suche …")
        run_in_background(lambda: self._search(typed), lambda result, error: self._show(seq, result, error))

    def _show(self, seq: int, result: SearchResult | None, error: BaseException | None) -> None:
        if not isValid(self.results) or seq != self._seq:
            return  # the dialog is gone, or an older search, overtaken by typing
        self.results.clear()
        if error is not None or result is None:
            self.note.setText(f"Suche fehlgeschlagen: {error}")
            return
        for hit in result.hits:
            item = QListWidgetItem(f"{hit.name}  ·  {hit.number}  ·  {hit.zip_code} {hit.city}  ·  {hit.phone}  ·  {hit.email}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.results.addItem(item)
        if result.hits:
            self.results.setCurrentRow(0)
        source = {"local": "aus dieser Filiale", "center": "von der Zentrale"}.get(result.source, "")
        self.note.setText(result.note or (f"{len(result.hits)} Treffer {source}" if result.hits else "Kein Kunde gefunden."))

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
        self.setWindowTitle("Neuer Kunde" if customer is None else f"Kunde bearbeiten – {customer.name}")
        self.customer = customer
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for key in CONTACT_FIELDS:
            edit = QLineEdit(getattr(customer, key) if customer else "")
            edit.setObjectName(f"field_{key}")
            self.edits[key] = edit
            form.addRow(FIELD_LABELS[key], edit)
        self.before: dict[str, bool] = {}
        self.checks: dict[str, QCheckBox] = {}
        current = consents or {}
        for key, label in CONSENT_CHANNELS.items():
            box = QCheckBox(f"Werbung per {label} erlaubt")
            box.setObjectName(f"consent_{key}")
            given = current.get(key)
            box.setChecked(bool(given and given.get("granted")))
            self.before[key] = box.isChecked()
            self.checks[key] = box
            form.addRow("", box)
        self.method = QLineEdit("mündlich an der Kasse")
        form.addRow("Einwilligung eingeholt:", self.method)
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        save = QPushButton("Speichern")
        save.setObjectName("saveCustomer")
        save.setMinimumHeight(40)
        save.clicked.connect(self._save)
        cancel = QPushButton("Abbrechen")
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
        consents = [{"channel": k, "granted": b.isChecked(), "method": self.method.text().strip() or "an der Kasse"}
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
        self.setWindowTitle("Bestand in allen Filialen")
        self._request = request  # ask that store for units: a transfer (issue 14)
        self.own_store = ""  # the app sets it: no transfer from the own store
        self.resize(760, 520)
        self._find, self._stock, self._reserve = find_product, stock, reserve
        self.query = QLineEdit()
        self.query.setObjectName("stockQuery")
        self.query.setPlaceholderText("Artikel scannen oder Namen eingeben, Enter")
        self.query.returnPressed.connect(self.look_up)
        self.products = QListWidget()
        self.products.itemActivated.connect(lambda item: self.show_stock(item.data(Qt.ItemDataRole.UserRole)))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("stockTable")
        self.table.setHorizontalHeaderLabels(["Filiale", "Verfügbar", ""])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.product_id: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.products, 1)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.note)

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
            self.note.setText(f"Kein Artikel gefunden{': ' + str(error) if error else '.'}")
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
        self.note.setText("Frage die Zentrale …")
        run_in_background(lambda: self._stock(product_id), self._show)

    def _show(self, rows: list[tuple[str, str, int]] | None, error: BaseException | None) -> None:
        if not isValid(self.table):
            return  # closed while the center answered
        self.table.setRowCount(0)
        if error is not None or rows is None:
            self.note.setText(f"Bestand anderer Filialen nur online: {error}")
            return
        self.note.setText("")
        for n, (store_id, name, quantity) in enumerate(rows):
            self.table.insertRow(n)
            self.table.setItem(n, 0, QTableWidgetItem(f"{name} ({store_id})"))
            self.table.setItem(n, 1, QTableWidgetItem(str(quantity)))
            buttons = []
            if self._reserve is not None and quantity > 0:
                button = QPushButton("Reservieren")
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
