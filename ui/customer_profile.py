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
from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import format_euro, local_display
from pos_app.stock.transfer_rules import FULFILMENT_STATE_NAMES

CHANNEL_NAMES = {"email": N_("E-Mail"), "phone": N_("Telefon"), "chat": N_("Chat"), "store": N_("Filiale"), "web": N_("Webshop")}


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
        self.setWindowTitle(t("Kundenprofil – {name} ({number})", name=c.name, number=c.number))
        self.resize(1100, 720)
        loyalty = data.get("loyalty") or {}
        head = QLabel(f"<b style='font-size:18pt'>{c.name}</b>&nbsp;&nbsp;{c.number}"
                      + (t("&nbsp;&nbsp;·&nbsp;&nbsp;{tier}: {points} Punkte", tier=loyalty.get('tier'), points=loyalty.get('points'))
                         if loyalty else ""))
        head.setObjectName("profileHeader")
        self.note = QLabel(profile.note)
        self.note.setObjectName("error" if profile.note else "hint")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(profile.note))

        self.tabs = QTabWidget()
        self.tabs.addTab(self._overview(), t("Übersicht"))
        self.purchases = self._purchases()
        self.tabs.addTab(self.purchases, t("Einkäufe"))
        self.cases = self._cases()
        self.tabs.addTab(self.cases, t("Service"))
        self.tabs.addTab(self._notes(), t("Notizen"))
        self.tabs.addTab(self._cart(), t("Warenkorb && Wunschliste"))
        self.tabs.addTab(self._returns(), t("Rückgaben"))
        self.receipts = self._receipts()
        self.tabs.addTab(self.receipts, t("Digitale Belege"))

        self.attach_button = QPushButton(t("An Bon anhängen"))
        self.cart_button = QPushButton(t("Web-Warenkorb übernehmen (Strg+Umschalt+W)"))
        self.cart_button.setEnabled(bool(data.get("cart")))
        self.edit_button = QPushButton(t("Kontaktdaten && Einwilligungen …"))
        self.export_button = QPushButton(t("Datenexport (Marktleitung)"))
        self.erase_button = QPushButton(t("Löschantrag (Marktleitung)"))
        close = QPushButton(t("Schließen"))
        close.clicked.connect(self.reject)
        buttons = QGridLayout()
        from ui.screen_fit import available_geometry

        if available_geometry(self).width() >= 1000:
            places = ((0, 0, 1), (0, 1, 1), (0, 2, 1), (1, 0, 1), (1, 1, 1), (1, 2, 1))
        else:  # a portrait tablet: two a row, the long web-cart button across both
            places = ((0, 0, 1), (1, 0, 2), (0, 1, 1), (2, 0, 1), (2, 1, 1), (3, 1, 1))
        for b, (row, column, span) in zip((self.attach_button, self.cart_button, self.edit_button,
                                           self.export_button, self.erase_button, close), places):
            b.setMinimumHeight(40)
            buttons.addWidget(b, row, column, 1, span)
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
        for key, label in ((k, t_marked(v)) for k, v in CONSENT_CHANNELS.items()):
            given = consents.get(key)
            if given is None:
                rows.append(t("<tr><td>{label}</td><td>nicht erfasst</td><td></td></tr>", label=label))
            else:
                rows.append(t("<tr><td>{label}</td><td>{value}</td><td>{recorded_at} · {source} · {method}{value2}</td></tr>", label=label, value=t('erteilt') if given['granted'] else t('widerrufen'), recorded_at=_day(given['recorded_at']), source=given['source'], method=given['method'], value2=' · ' + given['recorded_by'] if given.get('recorded_by') else ''))
        prefs = data.get("preferences") or {}
        dates = ", ".join(f"{d.get('label', '')} {d.get('date', '')}" for d in data.get("important_dates") or [])
        html = (t("<h3>Kontakt</h3><p>{street}<br>{zip_code} {city}<br>Telefon: {value}<br>E-Mail: {value2}<br>Stammfiliale: {value3}</p><h3>Einwilligungen</h3><table cellpadding='3'>{join}</table><h3>Vorlieben</h3><p>{value4}</p><h3>Wichtige Daten</h3><p>{value5}</p>", street=c.street, zip_code=c.zip_code, city=c.city, value=c.phone or '–', value2=c.email or '–', value3=c.home_store_id or '–', join=''.join(rows), value4=', '.join(f'{k}: {v}' for k, v in prefs.items()) or '–', value5=dates or '–'))
        open_orders = data.get("open_orders") or []
        if open_orders:  # pickups and reservations still to be collected (click and collect)
            kinds = {"reservation": t("Reservierung"), "order": t("Abholbestellung")}
            html += t("<h3>Offene Abholungen und Reservierungen</h3><ul>") + "".join(
                f"<li>{kinds.get(o['kind'], o['kind'])} {o['number']} in {o['store_id']}, abholen bis "
                f"{_day(o['pickup_by'])}: " + ", ".join(f"{i['quantity']} × {i['name']}" for i in o["items"])
                + "</li>" for o in open_orders) + "</ul>"
        shipped = data.get("fulfilment_orders") or []
        if shipped:  # sold in a store, shipped from another (the endless aisle, issue 14)
            html += "<h3>" + t("Bestellungen aus anderen Filialen") + "</h3><ul>" + "".join(
                "<li>" + t("{number} aus {source}: {state}, {delivery}", number=o["number"], source=o["fulfil_from"],
                           state=t_marked(FULFILMENT_STATE_NAMES.get(o["state"], o["state"])),
                           delivery=t("Lieferung") if o["delivery"] == "ship" else t("Abholung in {store}",
                                                                                      store=o["store_id"]))
                + (f" ({o['carrier']} {o['tracking']})" if o.get("tracking") else "") + ": "
                + ", ".join(f"{ln['quantity']} × {ln['name']}" for ln in o["lines"]) + "</li>" for o in shipped) + "</ul>"
        loyalty = data.get("loyalty")
        if loyalty:
            html += (t("<h3>Bonusprogramm</h3><p>{tier}, {points} Punkte ({rule})</p>", tier=loyalty['tier'], points=loyalty['points'], rule=loyalty.get('rule', '')))
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
        self.purchase_table = _table([t("Datum"), t("Kanal"), t("Beleg / Bestellung"), t("Betrag"), t("Punkte"), t("Status")], [
            [_day(p["created_at"]), t("Webshop") if p["kind"] == "order" else t("Filiale {store}", store=p.get('store_id') or '').strip(),
             p["number"], format_euro(p["total_cents"]), str(p.get("points", "")), p.get("status", "")]
            for p in purchases])
        self.items = QTextBrowser()
        self.purchase_table.itemSelectionChanged.connect(self._show_items)
        # a return from the customer's history: the returns screen looks the number up (issue 6)
        self.return_button = QPushButton(t("Zurücknehmen (Rücknahme / Umtausch)"))
        self.return_button.setEnabled(False)
        self.purchase_table.itemSelectionChanged.connect(
            lambda: self.return_button.setEnabled(self.selected_purchase_number() is not None))
        layout = QVBoxLayout(box)
        layout.addWidget(self.purchase_table, 2)
        layout.addWidget(QLabel(t("Artikel des gewählten Einkaufs:")))
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
            state = t("offen") if case["status"] == "open" else t("abgeschlossen ({channel})", channel=t_marked(CHANNEL_NAMES.get(case['closed_channel'], '')))
            html.append(t("<h3>{case_number}: {subject} – {state}</h3><ul>", case_number=case['case_number'], subject=case['subject'], state=state))
            html += [t("<li>{created_at} · <b>{channel}</b> · {author}: {text}</li>", created_at=_day(s['created_at']), channel=t_marked(CHANNEL_NAMES.get(s['channel'], s['channel'])), author=s['author'], text=s['text']) for s in case["steps"]]
            html.append("</ul>")
        view = QTextBrowser()
        view.setObjectName("caseTimeline")
        view.setHtml("".join(html) or (t("Keine Servicefälle.") if self.profile.online else t("Nur online sichtbar.")))
        self.case_combo = QComboBox()
        for case_id, label in self.open_case_ids():
            self.case_combo.addItem(label, case_id)
        self.step_edit = QLineEdit()
        self.step_edit.setPlaceholderText(t("Was im Laden geschehen ist (z. B. Ersatzteil ausgehändigt)"))
        self.step_button = QPushButton(t("Schritt speichern"))
        self.close_case_button = QPushButton(t("Schritt speichern und Fall abschließen"))
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
        self.notes_table = _table([t("Datum"), t("Kanal"), t("Von"), t("Notiz")], [
            [_day(n["created_at"]), t_marked(CHANNEL_NAMES.get(n["channel"], n["channel"])), n["author"], n["text"]] for n in notes])
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(t("Neue Notiz für alle Kanäle"))
        self.note_button = QPushButton(t("Notiz speichern"))
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
        for col, value in enumerate([t("jetzt"), t("Filiale"), author, text]):
            self.notes_table.setItem(0, col, QTableWidgetItem(value))

    def _cart(self) -> QWidget:
        box = QWidget()
        cart = self.profile.data.get("cart") or []
        wish = self.profile.data.get("wishlist") or []
        layout = QHBoxLayout(box)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel(t("Web-Warenkorb")))
        left.addWidget(_table([t("Menge"), t("Artikel"), t("Preis online")], [
            [str(i["quantity"]), i["name"], format_euro(i["web_price_cents"]) if i.get("web_price_cents") is not None else "–"]
            for i in cart]))
        right.addWidget(QLabel(t("Wunschliste")))
        right.addWidget(_table([t("Artikel"), t("seit")], [[i["name"], _day(i["added_at"])] for i in wish]))
        layout.addLayout(left)
        layout.addLayout(right)
        return box

    def _returns(self) -> QWidget:
        rows = self.profile.data.get("returns") or []
        return _table([t("Datum"), t("Rückgabe"), t("Zum Beleg"), t("Erstattet")], [
            [_day(r["created_at"]), r["return_number"], r.get("original_number") or t("ohne Beleg"),
             format_euro(r["total_cents"])] for r in rows])

    def _receipts(self) -> QTableWidget:
        """The customer's digital receipts (every store, the center's list: backend.receipts),
        each with its link, as the web shop and the contact center see them too."""
        rows = self.profile.data.get("receipts") or []
        mailed = {"sent": t("per E-Mail gesendet"), "due": t("E-Mail ausstehend"), "sending": t("E-Mail ausstehend"),
                  "failed": t("E-Mail fehlgeschlagen")}
        return _table([t("Datum"), t("Beleg"), t("Art"), t("Betrag"), t("E-Mail"), t("Link")], [
            [_day(r["created_at"]), r["number"], t("Rücknahme") if r["kind"] == "return" else t("Kauf"),
             format_euro(r["total_cents"]), mailed.get(r.get("email_status", ""), "–"), r.get("link") or r["path"]]
            for r in rows])

    def open_case_ids(self) -> list[tuple[str, str]]:
        return [(c["id"], f"{c['case_number']}: {c['subject']}") for c in self.case_rows if c["status"] == "open"]
