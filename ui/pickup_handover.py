"""The handover at the till (Ctrl+H) and the reservation dialog (Ctrl+Shift+H).

Handover: find the order by scanning the customer's pickup QR, by order number or by name;
verify the person (name + last digits of the phone, or an ID check; the second person named on
the order may collect); mark refused items; then either hand over at once (prepaid) or leave
with `to_charge` set so the till takes the payment through the normal sale path
(ui.pickup_glue finishes the handover when that sale completes).

Thread: the UI thread; the reservation goes to the center on a worker (ui.tasks).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QListWidget, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from pos_app.i18n import t
from pos_app.i18n.formats import format_euro, local_date
from pos_app.pickups import HandoverResult, PickupDesk, PickupError, PickupOrder
from ui.tasks import run_in_background


@dataclass(frozen=True)
class ToCharge:
    order: PickupOrder
    refused: dict[int, int]
    collector: str
    verification: str


class HandoverDialog(QDialog):
    def __init__(self, desk: PickupDesk, handed_by: str, on_handed: Callable[[PickupOrder, HandoverResult, str], None],
                 query: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.handed_by, self.on_handed = desk, handed_by, on_handed
        self.order: PickupOrder | None = None
        self.to_charge: ToCharge | None = None
        self.found: list[PickupOrder] = []
        self.setWindowTitle(t("Abholung übergeben"))
        self.resize(820, 560)
        self.query = QLineEdit(query)
        self.query.setPlaceholderText(t("Abholcode scannen, Auftragsnummer oder Name, Enter"))
        self.query.returnPressed.connect(self.search)
        self.results = QListWidget()
        self.results.setMaximumHeight(90)
        self.results.currentRowChanged.connect(self._chose)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.lines = QTableWidget(0, 4)
        self.lines.setHorizontalHeaderLabels((t("Artikel"), t("Menge"), t("Preis"), t("Zurückgewiesen")))
        self.lines.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):  # as wide as the headings ("Zurückgewiesen" was cut at 1024 px)
            self.lines.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.lines.verticalHeader().setVisible(False)
        self.name = QLineEdit()
        self.name.setPlaceholderText(t("Name der abholenden Person"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(t("letzte Ziffern der Telefonnummer"))
        self.id_checked = QCheckBox(t("Ausweis geprüft"))
        form = QFormLayout()
        form.addRow(t("Abholer:"), self.name)
        form.addRow(t("Telefon (Ende):"), self.phone)
        form.addRow("", self.id_checked)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.hand_button = QPushButton(t("Übergeben"))
        self.hand_button.clicked.connect(self.hand_over)
        cancel = QPushButton(t("Abbrechen"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.hand_button)
        layout = QVBoxLayout(self)
        for w in (self.query, self.results, self.header, self.lines):
            layout.addWidget(w)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.query.setFocus()
        if query:
            self.search()

    def on_scanned(self, code: str) -> None:
        """The customer's pickup QR from the wedge scanner (ui.pickup_glue routes it)."""
        self.query.setText(code)
        self.search()

    def search(self) -> None:
        try:
            self.found = self.desk.find(self.query.text())
        except PickupError as exc:
            self.message.setText(str(exc))
            return
        self.results.clear()
        for o in self.found:
            self.results.addItem(f"{o.number} · {o.customer_name} · {o.state_name}")
        if not self.found:
            self.message.setText(t("Kein Abholauftrag zu „{strip}“.", strip=self.query.text().strip()))
            self.order = None
            return
        self.results.setCurrentRow(0)
        self.name.setFocus()

    def _chose(self, row: int) -> None:
        if not 0 <= row < len(self.found):
            return
        o = self.order = self.found[row]
        pay = {"prepaid": t("online bezahlt"), "in_store": t("im Laden zu bezahlen"),
               "none": t("Reservierung: bei Abholung zu bezahlen")}[o.payment]
        self.header.setText(f"<b>{o.number}</b> · {o.customer_name}"
                            + (t(" (auch: {second_person})", second_person=o.second_person) if o.second_person else "")
                            + f" · {o.state_name} · {pay}")
        self.lines.setRowCount(len(o.lines))
        for r, ln in enumerate(o.lines):
            self.lines.setItem(r, 0, QTableWidgetItem(ln.name))
            self.lines.setItem(r, 1, QTableWidgetItem(str(ln.held)))
            self.lines.setItem(r, 2, QTableWidgetItem(format_euro(ln.unit_price_cents)))
            spin = QSpinBox()
            spin.setRange(0, ln.held)
            self.lines.setCellWidget(r, 3, spin)
        self.message.setText("")

    def set_refused(self, row: int, quantity: int) -> None:
        widget = self.lines.cellWidget(row, 3)
        assert isinstance(widget, QSpinBox)
        widget.setValue(quantity)

    def hand_over(self) -> None:
        o = self.order
        if o is None:
            self.message.setText(t("Bitte zuerst den Auftrag suchen (Abholcode scannen)."))
            return
        refused = {}
        for r, ln in enumerate(o.lines):
            spin = self.lines.cellWidget(r, 3)
            if isinstance(spin, QSpinBox) and spin.value():
                refused[ln.line_no] = spin.value()
        try:
            self.desk.collectable(o.number)
            how = PickupDesk.verify(o, self.name.text(), self.phone.text(), self.id_checked.isChecked())
            if o.payment in ("in_store", "none"):
                self.to_charge = ToCharge(o, refused, self.name.text().strip(), how)
                self.accept()
                return
            result = self.desk.hand_over(o.number, self.name.text().strip(), how,  # type: ignore[arg-type]
                                         self.handed_by, refused)
        except PickupError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        self.on_handed(o, result, self.name.text().strip())
        self.accept()


class ReservationDialog(QDialog):
    """Reserve an item for a customer in any store (the center checks what is available there)."""

    def __init__(self, store: Any, reserve: Callable[..., Any], product_id: int | None = None,
                 store_id: str = "", customer_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.reserve = store, reserve
        self.made: Any = None
        self.setWindowTitle(t("Artikel reservieren"))
        self.product = QLineEdit("" if product_id is None else str(product_id))
        self.product.setPlaceholderText(t("Artikel-ID, EAN oder Artikelnummer"))
        self.store_box = QComboBox()
        with store.db.reading() as s:
            from sqlalchemy import text
            stores = s.execute(text("SELECT id, name FROM stores WHERE kind = 'store' ORDER BY id")).all()
        for sid, name in stores:
            self.store_box.addItem(f"{sid} – {name}", sid)
        self.store_box.setCurrentIndex(max(0, self.store_box.findData(store_id or store.store_id)))
        self.customer = QLineEdit("" if customer_id is None else str(customer_id))
        self.customer.setPlaceholderText(t("Kundennummer"))
        self.quantity = QSpinBox()
        self.quantity.setRange(1, 99)
        form = QFormLayout()
        form.addRow(t("Artikel:"), self.product)
        form.addRow(t("Filiale:"), self.store_box)
        form.addRow(t("Kunde:"), self.customer)
        form.addRow(t("Menge:"), self.quantity)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.ok = QPushButton(t("Reservieren"))
        self.ok.clicked.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.ok)

    def _product_id(self) -> int:
        raw = self.product.text().strip()
        from sqlalchemy import text
        with self.store.db.reading() as s:
            key = "0" + raw if len(raw) == 12 and raw.isdigit() else raw
            pid = s.execute(text("SELECT product_id FROM barcodes WHERE code = :c"), {"c": key}).scalar()
            if pid is None:
                pid = s.execute(text("SELECT id FROM products WHERE sku = :c OR CAST(id AS TEXT) = :c"),
                                {"c": raw}).scalar()
        if pid is None:
            raise PickupError(t("Artikel „{raw}“ unbekannt.", raw=raw))
        return int(pid)

    def _customer_id(self) -> int | None:
        raw = self.customer.text().strip()
        if not raw:
            raise PickupError(t("Bitte die Kundennummer angeben: eine Reservierung gilt für einen Kunden."))
        from sqlalchemy import text
        with self.store.db.reading() as s:
            cid = s.execute(text("SELECT id FROM customers WHERE number = :c OR CAST(id AS TEXT) = :c"),
                            {"c": raw}).scalar()
        if cid is None:
            raise PickupError(t("Kunde „{raw}“ unbekannt.", raw=raw))
        return int(cid)

    def submit(self) -> None:
        try:
            pid, cid = self._product_id(), self._customer_id()
        except PickupError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        sid = self.store_box.currentData()
        self.ok.setEnabled(False)
        self.message.setText(t("Reserviere …"))

        def done(result: Any, error: BaseException | None) -> None:
            self.ok.setEnabled(True)
            if error is not None:
                self.message.setText(t("⚠ Nicht reserviert: {error}", error=error))
                return
            self.made = result
            self.message.setText(t("Reserviert: {order_number} in {store_id}, abholbereit bis {local_date}.", order_number=result.order_number, store_id=result.store_id, local_date=local_date(result.pickup_by)))

        run_in_background(lambda: self.reserve(pid, sid, self.quantity.value(), cid), done)
