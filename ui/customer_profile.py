"""The customer profile on one screen: a header (name, number, tier and points, the offline
note) and tabs: Übersicht (contact, addresses, consents with when/where/how, preferences,
dates), Einkäufe (every channel, with the items of the selected purchase), Service (cases with
their timeline across channels), Notizen, Warenkorb & Wunschliste, Rückgaben.

Only shows what pos_app.clienteling.Profile holds; the actions are buttons whose handlers the
owner (ui.customer_glue) connects. Every control is a visible button: nothing hover-only, so it
works the same on the tablet. UI thread only.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from pos_app.clienteling import CONSENT_CHANNELS, Profile
from pos_app.clock import local_display
from pos_app.money import format_euro
from pos_app.i18n import t
from pos_app.stock.transfer_rules import FULFILMENT_STATE_NAMES

CHANNEL_NAMES = {"email": "E-Mail", "phone": "Telefon", "chat": "Chat", "store": "Filiale", "web": "Webshop"}


def _day(value: Any) -> str:
    """The store's local time (the center and the outbox speak UTC)."""
    try:
        return local_display(str(value))
    except (TypeError, ValueError):
        return str(value or "")


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeColumnsToContents()
    return table


class CustomerProfileDialog(QDialog):
    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        data, c = profile.data, profile.customer
        self.setWindowTitle(f"Kundenprofil – {c.name} ({c.number})")
        self.resize(1100, 720)
        loyalty = data.get("loyalty") or {}
        head = QLabel(f"<b style='font-size:18pt'>{c.name}</b>&nbsp;&nbsp;{c.number}"
                      + (f"&nbsp;&nbsp;·&nbsp;&nbsp;{loyalty.get('tier')}: {loyalty.get('points')} Punkte"
                         if loyalty else ""))
        head.setObjectName("profileHeader")
        self.note = QLabel(profile.note)
        self.note.setObjectName("error" if profile.note else "hint")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(profile.note))

        self.tabs = QTabWidget()
        self.tabs.addTab(self._overview(), "Übersicht")
        self.purchases = self._purchases()
        self.tabs.addTab(self.purchases, "Einkäufe")
        self.cases = self._cases()
        self.tabs.addTab(self.cases, "Service")
        self.tabs.addTab(self._notes(), "Notizen")
        self.tabs.addTab(self._cart(), "Warenkorb && Wunschliste")
        self.tabs.addTab(self._returns(), "Rückgaben")
        self.receipts = self._receipts()
        self.tabs.addTab(self.receipts, "Digitale Belege")

        self.attach_button = QPushButton("An Bon anhängen")
        self.cart_button = QPushButton("Web-Warenkorb übernehmen (Strg+Umschalt+W)")
        self.cart_button.setEnabled(bool(data.get("cart")))
        self.edit_button = QPushButton("Kontaktdaten && Einwilligungen …")
        self.export_button = QPushButton("Datenexport (Marktleitung)")
        self.erase_button = QPushButton("Löschantrag (Marktleitung)")
        close = QPushButton("Schließen")
        close.clicked.connect(self.reject)
        buttons = QGridLayout()
        for n, b in enumerate((self.attach_button, self.cart_button, self.edit_button, self.export_button,
                               self.erase_button, close)):
            b.setMinimumHeight(40)
            buttons.addWidget(b, n // 3, n % 3)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    # ---- tabs ----------------------------------------------------------------------------

    def _overview(self) -> QWidget:
        data, c = self.profile.data, self.profile.customer
        consents = data.get("consents") or {}
        rows = []
        for key, label in CONSENT_CHANNELS.items():
            given = consents.get(key)
            if given is None:
                rows.append(f"<tr><td>{label}</td><td>nicht erfasst</td><td></td></tr>")
            else:
                rows.append(f"<tr><td>{label}</td><td>{'erteilt' if given['granted'] else 'widerrufen'}</td>"
                            f"<td>{_day(given['recorded_at'])} · {given['source']} · {given['method']}"
                            f"{' · ' + given['recorded_by'] if given.get('recorded_by') else ''}</td></tr>")
        prefs = data.get("preferences") or {}
        dates = ", ".join(f"{d.get('label', '')} {d.get('date', '')}" for d in data.get("important_dates") or [])
        html = (f"<h3>Kontakt</h3><p>{c.street}<br>{c.zip_code} {c.city}<br>Telefon: {c.phone or '–'}<br>"
                f"E-Mail: {c.email or '–'}<br>Stammfiliale: {c.home_store_id or '–'}</p>"
                f"<h3>Einwilligungen</h3><table cellpadding='3'>{''.join(rows)}</table>"
                f"<h3>Vorlieben</h3><p>{', '.join(f'{k}: {v}' for k, v in prefs.items()) or '–'}</p>"
                f"<h3>Wichtige Daten</h3><p>{dates or '–'}</p>")
        open_orders = data.get("open_orders") or []
        if open_orders:  # pickups and reservations still to be collected (click and collect)
            kinds = {"reservation": "Reservierung", "order": "Abholbestellung"}
            html += "<h3>Offene Abholungen und Reservierungen</h3><ul>" + "".join(
                f"<li>{kinds.get(o['kind'], o['kind'])} {o['number']} in {o['store_id']}, abholen bis "
                f"{_day(o['pickup_by'])}: " + ", ".join(f"{i['quantity']} × {i['name']}" for i in o["items"])
                + "</li>" for o in open_orders) + "</ul>"
        shipped = data.get("fulfilment_orders") or []
        if shipped:  # sold in a store, shipped from another (the endless aisle, issue 14)
            html += "<h3>" + t("Bestellungen aus anderen Filialen") + "</h3><ul>" + "".join(
                "<li>" + t("{number} aus {source}: {state}, {delivery}", number=o["number"], source=o["fulfil_from"],
                           state=t(FULFILMENT_STATE_NAMES.get(o["state"], o["state"])),
                           delivery=t("Lieferung") if o["delivery"] == "ship" else t("Abholung in {store}",
                                                                                      store=o["store_id"]))
                + (f" ({o['carrier']} {o['tracking']})" if o.get("tracking") else "") + ": "
                + ", ".join(f"{ln['quantity']} × {ln['name']}" for ln in o["lines"]) + "</li>" for o in shipped) + "</ul>"
        loyalty = data.get("loyalty")
        if loyalty:
            html += (f"<h3>Bonusprogramm</h3><p>{loyalty['tier']}, {loyalty['points']} Punkte "
                     f"({loyalty.get('rule', '')})</p>")
        view = QTextBrowser()
        view.setObjectName("profileOverview")
        view.setHtml(html)
        return view

    def _purchases(self) -> QWidget:
        box = QWidget()
        purchases = list(self.profile.data.get("purchases") or [])
        if not purchases:  # offline: this till's own sales with the customer
            purchases = [{"kind": "sale", "channel": "store", "number": s["receipt_number"], "created_at": s["created_at"],
                          "total_cents": s["total_cents"], "points": s["points"], "items": []}
                         for s in self.profile.local_sales]
        self._purchase_rows = purchases
        self.purchase_table = _table(["Datum", "Kanal", "Beleg / Bestellung", "Betrag", "Punkte", "Status"], [
            [_day(p["created_at"]), "Webshop" if p["kind"] == "order" else f"Filiale {p.get('store_id') or ''}".strip(),
             p["number"], format_euro(p["total_cents"]), str(p.get("points", "")), p.get("status", "")]
            for p in purchases])
        self.items = QTextBrowser()
        self.purchase_table.itemSelectionChanged.connect(self._show_items)
        # a return from the customer's history: the returns screen looks the number up (issue 6)
        self.return_button = QPushButton("Zurücknehmen (Rücknahme / Umtausch)")
        self.return_button.setEnabled(False)
        self.purchase_table.itemSelectionChanged.connect(
            lambda: self.return_button.setEnabled(self.selected_purchase_number() is not None))
        layout = QVBoxLayout(box)
        layout.addWidget(self.purchase_table, 2)
        layout.addWidget(QLabel("Artikel des gewählten Einkaufs:"))
        layout.addWidget(self.items, 1)
        layout.addWidget(self.return_button)
        return box

    def selected_purchase_number(self) -> str | None:
        """The receipt or order number of the chosen purchase, for the returns screen."""
        row = self.purchase_table.currentRow()
        if 0 <= row < len(self._purchase_rows):
            return str(self._purchase_rows[row]["number"])
        return None

    def _show_items(self) -> None:
        row = self.purchase_table.currentRow()
        if 0 <= row < len(self._purchase_rows):
            p = self._purchase_rows[row]
            self.items.setHtml("<br>".join(f"{i['quantity']} × {i['name']} ({i['sku']}) – {format_euro(i['total_cents'])}"
                                           for i in p.get("items") or []) or "–")

    def _cases(self) -> QWidget:
        self.case_rows = list(self.profile.data.get("service_cases") or [])
        html = []
        for case in self.case_rows:
            state = "offen" if case["status"] == "open" else f"abgeschlossen ({CHANNEL_NAMES.get(case['closed_channel'], '')})"
            html.append(f"<h3>{case['case_number']}: {case['subject']} – {state}</h3><ul>")
            html += [f"<li>{_day(s['created_at'])} · <b>{CHANNEL_NAMES.get(s['channel'], s['channel'])}</b> · "
                     f"{s['author']}: {s['text']}</li>" for s in case["steps"]]
            html.append("</ul>")
        view = QTextBrowser()
        view.setObjectName("caseTimeline")
        view.setHtml("".join(html) or ("Keine Servicefälle." if self.profile.online else "Nur online sichtbar."))
        self.case_combo = QComboBox()
        for case_id, label in self.open_case_ids():
            self.case_combo.addItem(label, case_id)
        self.step_edit = QLineEdit()
        self.step_edit.setPlaceholderText("Was im Laden geschehen ist (z. B. Ersatzteil ausgehändigt)")
        self.step_button = QPushButton("Schritt speichern")
        self.close_case_button = QPushButton("Schritt speichern und Fall abschließen")
        has_open = self.case_combo.count() > 0
        for w in (self.case_combo, self.step_edit, self.step_button, self.close_case_button):
            w.setEnabled(has_open)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addWidget(view, 1)
        row = QHBoxLayout()
        row.addWidget(self.case_combo)
        row.addWidget(self.step_edit, 1)
        row.addWidget(self.step_button)
        row.addWidget(self.close_case_button)
        layout.addLayout(row)
        return box

    def _notes(self) -> QWidget:
        notes = self.profile.data.get("notes") or []
        self.notes_table = _table(["Datum", "Kanal", "Von", "Notiz"], [
            [_day(n["created_at"]), CHANNEL_NAMES.get(n["channel"], n["channel"]), n["author"], n["text"]] for n in notes])
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Neue Notiz für alle Kanäle")
        self.note_button = QPushButton("Notiz speichern")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addWidget(self.notes_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.note_edit, 1)
        row.addWidget(self.note_button)
        layout.addLayout(row)
        return box

    def add_note_row(self, author: str, text: str) -> None:
        """A note just written here (on its way to the center through the outbox)."""
        self.notes_table.insertRow(0)
        for col, value in enumerate(["jetzt", "Filiale", author, text]):
            self.notes_table.setItem(0, col, QTableWidgetItem(value))

    def _cart(self) -> QWidget:
        box = QWidget()
        cart = self.profile.data.get("cart") or []
        wish = self.profile.data.get("wishlist") or []
        layout = QHBoxLayout(box)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel("Web-Warenkorb"))
        left.addWidget(_table(["Menge", "Artikel", "Preis online"], [
            [str(i["quantity"]), i["name"], format_euro(i["web_price_cents"]) if i.get("web_price_cents") is not None else "–"]
            for i in cart]))
        right.addWidget(QLabel("Wunschliste"))
        right.addWidget(_table(["Artikel", "seit"], [[i["name"], _day(i["added_at"])] for i in wish]))
        layout.addLayout(left)
        layout.addLayout(right)
        return box

    def _returns(self) -> QWidget:
        rows = self.profile.data.get("returns") or []
        return _table(["Datum", "Rückgabe", "Zum Beleg", "Erstattet"], [
            [_day(r["created_at"]), r["return_number"], r.get("original_number") or "ohne Beleg",
             format_euro(r["total_cents"])] for r in rows])

    def _receipts(self) -> QTableWidget:
        """The customer's digital receipts (every store, the center's list: backend.receipts),
        each with its link, as the web shop and the contact center see them too."""
        rows = self.profile.data.get("receipts") or []
        mailed = {"sent": "per E-Mail gesendet", "due": "E-Mail ausstehend", "sending": "E-Mail ausstehend",
                  "failed": "E-Mail fehlgeschlagen"}
        return _table(["Datum", "Beleg", "Art", "Betrag", "E-Mail", "Link"], [
            [_day(r["created_at"]), r["number"], "Rücknahme" if r["kind"] == "return" else "Kauf",
             format_euro(r["total_cents"]), mailed.get(r.get("email_status", ""), "–"), r.get("link") or r["path"]]
            for r in rows])

    def open_case_ids(self) -> list[tuple[str, str]]:
        return [(c["id"], f"{c['case_number']}: {c['subject']}") for c in self.case_rows if c["status"] == "open"]
