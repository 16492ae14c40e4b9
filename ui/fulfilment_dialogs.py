"""The endless aisle on screen (Ctrl+Shift+K at the till): find an item, see where it can be had
(the center when online, else the last answer kept, saying so), choose delivery to the customer
or pickup here, and put it in the cart; and the ship-from-store queue (Ctrl+Shift+V) where the
fulfilling store picks by scan, packs and ships with a carrier and tracking number, or sends an
order for pickup to the selling store.

Thread: the UI thread; the availability look-up runs in the background (ui.tasks).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QSpinBox, QTableWidget, QVBoxLayout, QWidget)
from shiboken6 import isValid

from pos_app import limits
from pos_app.clock import local_display, parse_iso
from pos_app.i18n import t
from pos_app.stock.fulfilment import (Address, Availability, EndlessAisle, FulfilmentDesk, FulfilmentError,
                                      FulfilmentOrder)
from pos_app.stock.transfer_rules import PICKUP_CARRIER
from ui.tasks import run_in_background
from ui.transfer_dialogs import TOUCH, _button, _cell


class EndlessAisleDialog(QDialog):
    """Sell an item this store does not have: from another store or the web warehouse."""

    def __init__(self, aisle: EndlessAisle, till: Any, find_product: Callable[[str], list[tuple[int, str]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.aisle, self.till, self.find_product = aisle, till, find_product
        self.setWindowTitle(t("Bestellen aus anderer Filiale (Endless Aisle)"))
        self.resize(900, 640)
        self.query = QLineEdit()
        self.query.setObjectName("aisleQuery")
        self.query.setMinimumHeight(TOUCH)
        self.query.setPlaceholderText(t("Artikel scannen oder Namen eingeben, Enter"))
        self.query.returnPressed.connect(self.look_up)
        self.product = QLabel()
        self.product_id: int | None = None
        self.availability: Availability | None = None
        self.places = QTableWidget(0, 3)
        self.places.setObjectName("aislePlaces")
        self.places.setHorizontalHeaderLabels([t("Filiale / Lager"), t("Verfügbar"), t("Unterwegs")])
        self.places.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):  # as wide as the headings ("Unterwegs" was cut at 1024 px)
            self.places.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.places.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.places.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.places.verticalHeader().setVisible(False)
        self.source = QLabel()
        self.source.setObjectName("aisleSource")
        self.source.setWordWrap(True)
        self.delivery = QComboBox()
        self.delivery.setObjectName("aisleDelivery")
        self.delivery.addItem(t("Lieferung an den Kunden"), "ship")
        self.delivery.addItem(t("Abholung in dieser Filiale"), "pickup")
        self.delivery.setMinimumHeight(TOUCH)
        self.quantity = QSpinBox()
        self.quantity.setObjectName("aisleQuantity")
        self.quantity.setRange(1, limits.MAX_QUANTITY)
        self.quantity.setMinimumHeight(TOUCH)
        self.name, self.street, self.zip_code, self.city = (QLineEdit() for _ in range(4))
        for field, name, length in ((self.name, "aisleName", 120), (self.street, "aisleStreet", 120),
                                    (self.zip_code, "aisleZip", 10), (self.city, "aisleCity", 80)):
            field.setObjectName(name)
            field.setMaxLength(length)
            field.setMinimumHeight(TOUCH)
        form = QFormLayout()
        form.addRow(t("Menge"), self.quantity)
        form.addRow(t("Zustellung"), self.delivery)
        form.addRow(t("Name"), self.name)
        form.addRow(t("Straße"), self.street)
        form.addRow(t("PLZ"), self.zip_code)
        form.addRow(t("Ort"), self.city)
        self.message = QLabel()
        self.message.setObjectName("aisleMessage")
        self.message.setWordWrap(True)
        add = _button(t("In den Bon"), self.add_to_cart, "aisleAdd")
        close = _button(t("Schließen"), self.reject, "aisleClose")
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.product)
        layout.addWidget(self.places, 1)
        layout.addWidget(self.source)
        layout.addLayout(form)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.query.setFocus()

    def look_up(self) -> None:
        typed = self.query.text().strip()
        found = self.find_product(typed) if typed else []
        if not found:
            self.message.setText(t("Kein Artikel gefunden."))
            return
        self.show_product(*found[0])

    def show_product(self, product_id: int, name: str) -> None:
        self.product_id = product_id
        self.product.setText(name)
        self.source.setText(t("Frage die Zentrale …"))
        aisle = self.aisle
        run_in_background(lambda: aisle.where(product_id), self._shown)

    def _shown(self, view: Availability | None, error: BaseException | None) -> None:
        if not isValid(self.places):
            return  # closed meanwhile
        self.places.setRowCount(0)
        if error is not None or view is None:
            self.source.setText(str(error))
            return
        self.availability = view
        for n, p in enumerate(view.places):
            self.places.insertRow(n)
            for col, value in enumerate((f"{p.store_name} ({p.store_id})", str(p.available), str(p.in_transit))):
                self.places.setItem(n, col, _cell(value))
        first = next((n for n, p in enumerate(view.places) if p.available > 0), None)
        if first is not None:
            self.places.selectRow(first)
        if view.online:
            self.source.setText(t("Bestand laut Zentrale (online)."))
        elif view.as_of:
            self.source.setText(t("Offline: Bestand vom letzten Abgleich ({when}); die Zentrale prüft nach.",
                                  when=local_display(parse_iso(view.as_of))))
        else:
            self.source.setText(t("Offline und für diesen Artikel noch kein Bestand bekannt."))

    def chosen_store(self) -> str | None:
        rows = self.places.selectionModel().selectedRows() if self.places.selectionModel() else []
        if not rows or self.availability is None:
            return None
        return self.availability.places[rows[0].row()].store_id

    def add_to_cart(self) -> None:
        store = self.chosen_store()
        if self.product_id is None or store is None:
            self.message.setText(t("Bitte Artikel und Filiale wählen."))
            return
        delivery = str(self.delivery.currentData())
        typed = (self.name.text(), self.street.text(), self.zip_code.text(), self.city.text())
        address = Address(*typed) if delivery == "ship" and any(x.strip() for x in typed) else None
        try:
            self.aisle.sell_from(self.till, self.product_id, self.quantity.value(), store, delivery, address,
                                 availability=self.availability)
        except FulfilmentError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class ShipFromStoreDialog(QDialog):
    """Orders this store ships for another store's sale: pick by scan, pack, ship."""

    def __init__(self, desk: FulfilmentDesk, who: Callable[[], str], on_change: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.who, self.on_change = desk, who, on_change or (lambda: None)
        self.setWindowTitle(t("Versand aus der Filiale"))
        self.resize(1000, 640)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("shipTable")
        self.table.setHorizontalHeaderLabels([t("Bestellung"), t("Verkauft in"), t("Zustellung"), t("Status"),
                                              t("Artikel")])
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.scan = QLineEdit()
        self.scan.setObjectName("shipScan")
        self.scan.setMinimumHeight(TOUCH)
        self.scan.setPlaceholderText(t("Artikel scannen zum Kommissionieren, Enter"))
        self.scan.returnPressed.connect(lambda: self.on_scanned(self.scan.text()))
        self.carrier = QLineEdit()
        self.carrier.setObjectName("shipCarrier")
        self.carrier.setMaxLength(40)
        self.carrier.setPlaceholderText(t("Versanddienst (z. B. DHL)"))
        self.tracking = QLineEdit()
        self.tracking.setObjectName("shipTracking")
        self.tracking.setMaxLength(limits.REFERENCE)
        self.tracking.setPlaceholderText(t("Sendungsnummer (tippen oder scannen)"))
        self.reason = QLineEdit()
        self.reason.setObjectName("shipReason")
        self.reason.setMaxLength(limits.REASON_TEXT)
        self.reason.setPlaceholderText(t("Grund (Storno)"))
        for field in (self.carrier, self.tracking, self.reason):
            field.setMinimumHeight(TOUCH)
        self.message = QLabel()
        self.message.setObjectName("shipMessage")
        self.message.setWordWrap(True)
        picked = _button(t("Kommissionierung fertig"), lambda: self._do(
            lambda n: self.desk.finish_picking(n, self.who())), "shipPicked")
        ship = _button(t("Versenden"), lambda: self._do(
            lambda n: self.desk.ship(n, self.who(), self.carrier.text(), self.tracking.text())), "shipShip")
        to_pickup = _button(t("An Abholfiliale senden"), lambda: self._do(
            lambda n: self.desk.ship(n, self.who(), self.carrier.text() or PICKUP_CARRIER, self.tracking.text())),
            "shipToPickup")
        cancel = _button(t("Stornieren"), lambda: self._do(
            lambda n: self.desk.cancel(n, self.who(), self.reason.text())), "shipCancel")
        close = _button(t("Schließen"), self.accept, "shipClose")
        fields = QHBoxLayout()
        for field in (self.carrier, self.tracking, self.reason):
            fields.addWidget(field)
        buttons = QHBoxLayout()
        for b in (picked, ship, to_pickup, cancel):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.scan)
        layout.addLayout(fields)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.shown: list[FulfilmentOrder] = []
        self.refresh()
        self.scan.setFocus()

    def refresh(self, keep: str | None = None) -> None:
        keep = keep or self.selected_number()
        self.shown = self.desk.queue()
        self.table.setRowCount(0)
        for n, o in enumerate(self.shown):
            self.table.insertRow(n)
            where = t("an Kunden") if o.delivery == "ship" else t("Abholung in {store}", store=o.store_id)
            items = ", ".join(f"{ln.scanned}/{ln.quantity} {ln.name}" for ln in o.lines)
            state = o.state_name + ("" if o.confirmed else " *")
            for col, value in enumerate((o.number, o.store_id, where, state, items)):
                self.table.setItem(n, col, _cell(value))
            if o.number == keep:
                self.table.selectRow(n)
        if self.shown and self.selected_number() is None:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

    def selected_number(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.shown[rows[0].row()].number if rows and rows[0].row() < len(self.shown) else None

    def on_scanned(self, code: str) -> None:
        self.scan.clear()
        number = self.selected_number()
        if number is None or not code.strip():
            self.message.setText(t("Bitte zuerst eine Bestellung wählen."))
            return
        try:
            line = self.desk.pick_scan(number, code)
        except FulfilmentError as exc:
            self.message.setText(str(exc))
        else:
            self.message.setText(t("{name}: {scanned} von {quantity} gescannt", name=line.name,
                                   scanned=line.scanned, quantity=line.quantity))
        self.refresh(keep=number)
        self.scan.setFocus()

    def _do(self, step: Callable[[str], FulfilmentOrder]) -> None:
        number = self.selected_number()
        if number is None:
            self.message.setText(t("Bitte zuerst eine Bestellung wählen."))
            return
        try:
            order = step(number)
        except FulfilmentError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(t("Bestellung {number}: {state}", number=order.number, state=order.state_name))
        self.on_change()
        self.refresh(keep=number)
        self.scan.setFocus()

