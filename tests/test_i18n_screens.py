"""Every main screen and dialog in English: no German text may be left on any widget.

Each screen is opened offscreen, every visible text of every widget is collected (labels,
buttons, window titles, table and tree headers, placeholders, tooltips, combo items, tab
titles, group titles, list items) and checked by a small German-word detector: umlauts/ß and
common German UI words. Names from the store's data (products, people, stores, customers) are
proper names and taken out first. Receipt previews and X/Z reports (QPlainTextEdit) are the
store's legal language (German) and not checked. The same walk in German checks that German
users still see the German texts.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QComboBox, QGroupBox, QLabel,
                               QLineEdit, QListWidget, QPlainTextEdit, QTabWidget, QTextBrowser, QTextEdit, QWidget)
from sqlalchemy import select

from pos_app.config import PrinterSettings, Settings
from pos_app.i18n import set_language, t
from pos_app.store.models import Customer, Device, Product, Staff, Store
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import CASHIER_PIN, EAN_DECKE
from ui.i18n_qt import install_qt_translator, remove_qt_translator

GERMAN_WORDS = {
    "und", "der", "die", "das", "nicht", "bitte", "kein", "keine", "mit", "ohne", "für", "oder", "ist", "wird",
    "kasse", "bon", "bons", "artikel", "menge", "summe", "abbrechen", "schließen", "speichern", "zahlung",
    "gutschein", "kunde", "kunden", "filiale", "marktleitung", "rücknahme", "beleg", "belege", "drucker",
    "anmeldung", "eingeben", "zentrale", "abgleich", "bestand", "preis", "rabatt", "grund", "betrag", "strg",
    "umschalt", "entf", "suchen", "neu", "alle", "offen", "gesperrt", "bereit", "drucken", "fertig", "zurück",
    "hilfe", "parken", "sperren", "protokoll", "karte", "bar", "gegeben", "rückgeld", "zu", "von", "bis",
    "auftrag", "übergeben", "einstellungen", "geräte", "status", "zeitpunkt", "aktion", "person", "art",
    "abholung", "lager", "telefon", "straße", "ort", "plz", "vorname", "nachname", "kommissionieren", "wählen", "datei", "vorschau", "einlage", "entnahme", "tagesabschluss",
    "mwst", "lieferung", "lieferant", "inventur", "bestellung", "etiketten", "wareneingang", "versand", "gescannt",
    "seite", "taste", "tasten", "wo", "versenden", "stornieren", "annehmen", "ablehnen", "anfragen", "stück",
    "schnelltaste", "schnelltasten", "geschenkgutschein", "gutscheincode", "leerzeichen", "aktionen", "überall",
    "kommissioniert", "unterwegs", "angefragt", "angenommen", "abgelehnt", "storniert", "versandt", "empfangen",
    "jetzt", "abgleichen", "auf", "ein", "eine", "den", "dem", "im", "zum", "zur", "nach", "noch", "schon", "hier",
}
ALLOWED = {"status", "person", "art"}  # the same word in English (or a name the check cannot tell apart)


def german_words(text: str) -> list[str]:
    """The German-looking words of `text` ([] for English)."""
    words = re.findall(r"[A-Za-zÄÖÜäöüß]+", text) + re.findall(r"\bz\. ?B\.", text)
    return [w for w in words if w.startswith("z") and "." in w or re.search(r"[ÄÖÜäöüß]", w) or (w.lower() in GERMAN_WORDS and w.lower() not in ALLOWED)]


def visible_texts(root: QWidget) -> list[str]:
    """Every text a person can read on `root` and its visible children."""
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if isinstance(widget, QTextBrowser):
            texts.append(widget.toPlainText())  # the customer profile's pages
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            continue  # receipts and reports: the store's legal language
        texts.append(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        if isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, top = widget.model(), QModelIndex()
            try:
                columns = model.columnCount(top)
            except TypeError:  # a list model: one column
                columns = 1
            texts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(columns)]
            for row in range(min(model.rowCount(top), 20)):
                texts += [str(model.data(model.index(row, c)) or "") for c in range(columns)]
    return [text for text in texts if text]


@pytest.fixture
def data_names(store) -> set[str]:  # type: ignore[no-untyped-def]
    """Proper names from the store's data: they stay as they are in every language."""
    with store.db.reading() as s:
        names = {*s.execute(select(Product.name)).scalars(), *s.execute(select(Staff.name)).scalars(),
                 *s.execute(select(Store.name)).scalars(), *s.execute(select(Customer.last_name)).scalars(),
                 *s.execute(select(Customer.city)).scalars(), *s.execute(select(Device.name)).scalars()}
    return {n for n in names if n}


def leftovers(texts: list[str], names: set[str]) -> list[str]:
    found = []
    for text in texts:
        stripped = text
        for name in sorted(names, key=len, reverse=True):
            stripped = stripped.replace(name, "")
        if german_words(stripped):
            found.append(f"{text!r} ({', '.join(german_words(stripped))})")
    return found


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    install_qt_translator("en")
    yield
    set_language("de")
    remove_qt_translator()


def open_dialogs(store, window, settings_path, qtbot):  # type: ignore[no-untyped-def]
    """Every dialog that can be built without a center: (name, widget)."""
    from pos_app.returns import ReturnsService
    from ui.audit_dialog import AuditDialog
    from pos_app.cart import Approval
    from ui.blind_return_dialog import BlindReturnDialog, VoucherDialog
    from pos_app.clienteling import Profile
    from pos_app.store.customers import CustomerHit
    from ui.customer_display import CustomerDisplay
    from ui.customer_profile import CustomerProfileDialog
    from ui.devices_view import DevicesDialog
    from ui.dsfinvk_dialog import DsfinvkExportDialog
    from ui.conflicts_dialog import ConflictsDialog
    from ui.customer_dialogs import CustomerEditDialog, CustomerSearchDialog, StockDialog
    from ui.dialogs import DiscountDialog, ManagerApprovalDialog, PriceDialog, QuantityDialog
    from ui.journal_dialog import JournalDialog, ParkedDialog
    from ui.no_sale_dialog import NoSaleDialog
    from ui.payment_dialog import PaymentDialog
    from ui.pickup_dialogs import PickupQueueDialog
    from ui.pickup_handover import HandoverDialog
    from ui.returns_dialog import ReturnsDialog
    from ui.shift_dialogs import CashMovementDialog, CloseDayDialog, OpenShiftDialog, ReportDialog
    from ui.tse_dialog import TseStatusDialog as TseDialog

    manager = next(m for m in store.staff.members() if m.is_manager)
    session = window.session
    yield "payment", PaymentDialog(session)
    yield "journal", JournalDialog(store, lambda *_: None)
    yield "parked", ParkedDialog(store)
    yield "audit", AuditDialog(store)
    yield "conflicts", ConflictsDialog(store)
    yield "no sale", NoSaleDialog()
    yield "discount", DiscountDialog(t("Positionsrabatt"))
    yield "price", PriceDialog("Kaffee", "4,99 €")
    yield "quantity", QuantityDialog("Kaffee", 2)
    yield "approval", ManagerApprovalDialog(store.staff, t("Bon stornieren"))
    yield "customer search", CustomerSearchDialog(lambda _q: None)
    yield "customer edit", CustomerEditDialog(None)
    yield "stock", StockDialog(lambda _q: [], lambda _p: [], None)
    yield "voucher", VoucherDialog(lambda _c: "")
    yield "open till", OpenShiftDialog(store.cashbook, manager)
    yield "cash movement", CashMovementDialog(store.cashbook, manager)
    yield "x report", ReportDialog(store.cashbook.x_report(), lambda *_: None)
    yield "close day", CloseDayDialog(store.cashbook, manager, pending_events=0, sale_in_progress=False,
                                      print_report=lambda *_: None)
    yield "tse", TseDialog(store)
    yield "returns", ReturnsDialog(ReturnsService(store, session.cashier), session, lambda *_: None)
    yield "pickup queue", PickupQueueDialog(window.pickups.desk, lambda _o: None, "Lena")
    yield "pickup handover", HandoverDialog(window.pickups.desk, "Lena", lambda *_: None)
    yield "blind return", BlindReturnDialog(ReturnsService(store, session.cashier), lambda *_: None)
    yield "dsfinvk", DsfinvkExportDialog(store, Approval(manager.id, manager.name))
    yield "devices", DevicesDialog(window, settings_path, manager)
    yield "customer display", CustomerDisplay(session, "Wohnen & Mode Berlin")
    eva = CustomerHit(7, "K-0000007", "Eva", "Müller", "Hauptstraße 1", "10115", "Berlin", "030 123", "eva@example.org", "BER")
    profile = Profile(eva, {
        "consents": {"email": {"granted": True, "recorded_at": "2026-12-01T10:00:00+00:00", "source": "Filiale BER",
                               "method": "mündlich"}},
        "loyalty": {"tier": "Gold", "points": 120, "rule": "1 Punkt je Euro"},
        "purchases": [{"created_at": "2026-12-01T10:00:00+00:00", "kind": "order", "number": "W-1", "total_cents": 3999,
                       "points": 39, "status": "delivered", "lines": []}],
        "service_cases": [{"id": "c1", "case_number": "S-1", "subject": "Sofa", "status": "open", "steps": []}],
        "notes": [], "cart": [], "wishlist": [], "returns": [], "receipts": []}, online=True)
    yield "customer profile", CustomerProfileDialog(profile)
    yield from new_screens(store, window, qtbot)


def new_screens(store, window, qtbot):  # type: ignore[no-untyped-def]
    """The screens of stock operations, transfers, the endless aisle, promotions, gift cards,
    shelf labels, quick keys, the help overlay and the tablet keyboard: (name, widget)."""
    from pos_app.quick_keys.store import QuickTile
    from ui.conflicts_dialog import ask_manager
    from ui.fulfilment_dialogs import EndlessAisleDialog, ShipFromStoreDialog
    from ui.gift_card_dialog import GiftCardDialog
    from ui.help_overlay import HelpOverlay
    from ui.label_dialog import LabelDialog
    from ui.onscreen_keyboard import OnScreenKeyboard
    from ui.product_grid import ProductGrid
    from ui.promotion_coupon import CouponDialog
    from ui.stock_adjustment import AdjustmentDialog
    from ui.stock_count import CountDialog
    from ui.stock_receiving import ReceivingDialog
    from ui.transfer_dialogs import TransferQueueDialog, TransferRequestDialog

    import json

    from pos_app.store.transfer_models import LocalFulfilment, LocalTransfer

    manager = next(m for m in store.staff.members() if m.is_manager)
    session, stock = window.session, window.stock_ops
    line = {"line_no": 1, "product_id": 1, "sku": "K-1", "name": "Kaffee", "requested": 2, "quantity": 2}
    with store.db.writing() as s:  # one open transfer and one order to ship, as a sync leaves them
        s.add(LocalTransfer(number="TR-1", id="t-1", from_store_id=store.store_id, to_store_id="MUC", state="picked",
                            doc=json.dumps({"lines": [line]}), updated_at="2026-12-07T09:00:00+00:00"))
        s.add(LocalFulfilment(number="FO-1", id="f-1", store_id="MUC", fulfil_from=store.store_id, state="new",
                              doc=json.dumps({"delivery": "ship", "lines": [line]}),
                              updated_at="2026-12-07T09:00:00+00:00"))
    yield "help overlay", HelpOverlay(window.till, manager=False)  # F1, with the manager marks
    tiles = [QuickTile(1, "Favoriten", 0, "Kaffee", "#2d6cdf", "", 499, 5, True),
             QuickTile(2, "Favoriten", 1, "Tee", "#2d6cdf", "", 299, 0, True),  # out of stock
             QuickTile(3, "Favoriten", 2, "Saft", "#2d6cdf", "", None, None, True),  # no price here
             QuickTile(4, "Favoriten", 3, "Alt", "#2d6cdf", "", 199, 1, False)]  # not in the range
    grid = ProductGrid(lambda: tiles)
    qtbot.addWidget(grid)
    grid.show()
    grid.reload()  # read off the UI thread
    qtbot.waitUntil(lambda: grid.pages() == ["Favoriten"], timeout=20000)
    yield "product grid", grid
    yield "goods receipt", ReceivingDialog(stock.receiving, manager, ask_manager(store))
    yield "stock adjustment", AdjustmentDialog(stock.adjustments, manager, ask_manager(store))
    yield "stock count", CountDialog(stock.counts, manager, ask_manager(store))
    yield "transfer queue", TransferQueueDialog(window.transfers.desk, lambda: "Lena")
    yield "transfer request", TransferRequestDialog(window.transfers.desk, 1, "Kaffee", "MUC", 3, lambda: "Lena")
    yield "endless aisle", EndlessAisleDialog(window.fulfilment.aisle, session, lambda _q: [(1, "Kaffee")])
    yield "ship from store", ShipFromStoreDialog(window.fulfilment.desk, lambda: "Lena")
    yield "gift card sale", GiftCardDialog(store, session.cashier)
    yield "shelf labels", LabelDialog(store, lambda _labels: "")
    yield "coupon", CouponDialog(session)
    yield "on-screen keyboard", OnScreenKeyboard()  # tablet mode's keyboard


def walk(qtbot, store, store_path, language: str):  # type: ignore[no-untyped-def]
    """Log in through the real window, then open every screen; returns {screen: texts}."""
    from ui.app import open_window

    settings = Settings(language=language, printer=PrinterSettings(kind="none"))
    window = open_window(QApplication.instance(), store_path, settings)
    qtbot.addWidget(window)
    window.show()
    seen = {"login": visible_texts(window)}
    window.login.pin.setText(CASHIER_PIN)
    window.login.submit()
    qtbot.waitUntil(lambda: window.till is not None and window.stack.currentWidget() is window.till, timeout=20000)
    window.session.scan(EAN_DECKE)
    window.till.refresh()
    seen["till"] = visible_texts(window)
    for name, dialog in open_dialogs(window.store, window, store_path.parent / "pos.toml", qtbot):
        qtbot.addWidget(dialog)
        dialog.show()
        seen[name] = visible_texts(dialog)
        dialog.close()
    app = QApplication.instance()
    app.removeEventFilter(window.wedge)
    app.removeEventFilter(window.activity)
    window.printing.stop()
    window.sync.stop(timeout=5.0)
    window.store.close()
    return seen


def test_every_screen_in_english_has_no_german_left(qtbot, store_path, store, data_names, english, artifacts):  # type: ignore[no-untyped-def]
    seen = walk(qtbot, store, store_path, "en")
    (artifacts / "english-texts.txt").write_text(  # every text seen, to be read by a person
        "\n".join(f"[{name}] {text!r}" for name, texts in seen.items() for text in dict.fromkeys(texts)), encoding="utf-8")
    names = data_names | {"Eva Müller", "Müller", "Hauptstraße 1", "mündlich", "Filiale BER", "1 Punkt je Euro"}  # the profile's data
    # the on-screen keyboard's key caps are the letters it types (QWERTZ with ä ö ü ß), not words
    seen["on-screen keyboard"] = [text for text in seen["on-screen keyboard"] if len(text) > 1]
    problems = {name: leftovers(texts, names) for name, texts in seen.items()}
    problems = {name: found for name, found in problems.items() if found}
    if problems:
        pytest.fail("German left on English screens:\n" + "\n".join(f"{name}: {found}" for name, found in problems.items()))
    assert any(text.endswith("Scan items.") for text in seen["till"])  # "Ready." or "Logged in: …"


def test_german_users_see_the_german_texts(qtbot, store_path, store):  # type: ignore[no-untyped-def]
    set_language("de")
    seen = walk(qtbot, store, store_path, "de")
    assert any(text.endswith("Artikel scannen.") for text in seen["till"]) or \
        any("Hinzugefügt." in text for text in seen["till"])  # "Bereit. …" or "Angemeldet: … Artikel scannen."
    assert "Zahlung" in seen["payment"]
    assert any(text.startswith("Bar") for text in seen["payment"])
    assert "Wer meldet sich an? (Pfeiltasten)" in seen["login"]


def test_every_row_of_the_help_overlay_in_english(english):  # type: ignore[no-untyped-def]
    """All rows of the F1 table (the screen walk reads only the first 20): labels, keys in
    English key words (Ctrl, Shift, Del), places and descriptions."""
    from pos_app.till_actions import ACTIONS, help_rows, key_label

    rows = help_rows(manager=False)
    assert len(rows) == len(ACTIONS)
    problems = [row for row in rows if german_words(" ".join(row))]
    assert not problems, problems
    assert key_label("Ctrl+Shift+Del") == "Ctrl+Shift+Del" and key_label("Ins") == "Ins"
    assert any(row[3].endswith("(manager approval)") for row in rows)
    set_language("de")
    assert key_label("Ctrl+Shift+Del") == "Strg+Umschalt+Entf"
    assert help_rows("hilfe")[0][2] == "Kasse"


def test_the_detector_sees_german_and_passes_english():
    assert german_words("Bitte die PIN eingeben.") and german_words("Schließen")
    assert not german_words("Please enter the PIN.") and not german_words("Close")


def test_a_person_keeps_the_language_chosen_at_log_in(qtbot, store_path, store):  # type: ignore[no-untyped-def]
    from ui.app import open_window

    set_language("de")
    window = open_window(QApplication.instance(), store_path, Settings(printer=PrinterSettings(kind="none")))
    qtbot.addWidget(window)
    window.show()
    try:
        login = window.login
        login.language.setCurrentIndex(login.language.findData("en"))  # the toggle re-labels the log-in at once
        assert login.who.text() == "Who is logging in? (arrow keys)"
        login.pin.setText(CASHIER_PIN)
        login.submit()
        qtbot.waitUntil(lambda: window.till is not None and window.stack.currentWidget() is window.till, timeout=20000)
        assert window.till.entry.placeholderText().startswith("Enter item code")
        member = next(m for m in window.store.staff.members() if m.name == login.people.item(0).text().split(" · ")[0])
        assert member.language == "en"  # remembered in the staff record
        window.lock()
        login.language.setCurrentIndex(login.language.findData("de"))
        login.pin.setText(CASHIER_PIN)
        login.submit()  # the till view is rebuilt in German, the cart stays
        qtbot.waitUntil(lambda: window.till is not None and window.till.entry.placeholderText().startswith("Artikelcode"),
                        timeout=20000)
    finally:
        set_language("de")
        app = QApplication.instance()
        app.removeEventFilter(window.wedge)
        app.removeEventFilter(window.activity)
        window.printing.stop()
        window.sync.stop(timeout=5.0)
        window.store.close()


def test_staff_language_survives_a_restart(store):  # type: ignore[no-untyped-def]
    first = store.staff.members()[0]
    store.staff.set_language(first.id, "en")
    assert store.staff.members()[0].language == "en"
    with pytest.raises(Exception, match="Sprache"):
        store.staff.set_language(first.id, "xx")
    assert isinstance(first, StaffMember) and TillSession is not None


def test_an_english_till_prints_a_german_receipt(store, english):  # type: ignore[no-untyped-def]
    """The person's language is for screens; the receipt (real ESC/POS bytes, decoded) keeps
    the store's legal language and German amounts."""
    from hardware.receipt_printer import render_escpos
    from pos_app.receipt import PAPER_80MM, layout
    from tests.escpos_decode import decode

    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier", "en"))
    session.scan(EAN_DECKE)
    session.pay_cash(5000)
    done = session.complete()
    text = decode(render_escpos(layout(store.sales.receipt(done.sale_id), PAPER_80MM), open_drawer=False)).text
    assert "Rückgeld" in text and "Bar" in text and "Summe" in text.replace("SUMME", "Summe")
    assert "39,99" in text and "39.99" not in text  # German amounts
    assert "Change" not in text and "Cash" not in text


def test_qt_own_buttons_follow_the_language(qtbot):  # type: ignore[no-untyped-def]
    """Standard dialog buttons come from Qt's qtbase catalogs (shipped with PySide6)."""
    from PySide6.QtWidgets import QDialogButtonBox

    try:
        assert install_qt_translator("de")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Abbrechen"
        install_qt_translator("en")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"
    finally:
        remove_qt_translator()
