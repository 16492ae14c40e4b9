"""Clienteling through the real screens (pytest-qt, offscreen), without a center: Ctrl+U finds
"Mueller" as Müller, the profile opens (the offline note; a view in the audit trail), the
customer is attached, a note written, the sale paid in cash: the receipt (decoded ESC/POS from a
TCP printer on loopback) shows the points, and the outbox carries customer.sale. Ctrl+Shift+U
creates a customer and warns about an existing phone number. Screenshots under test-artifacts/."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from pos_app.store.customers import index_rows
from pos_app.store.models import AuditEntry, OutboxEvent
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE
from tests.tcp_printer import TcpPrinter
from tests.test_returns_gui import inside
from tests.test_till_gui import close_window, log_in, make_window, pay_cash, scanner_burst, type_slowly
from ui.customer_profile import CustomerProfileDialog
from ui.returns_dialog import ReturnsDialog

PEOPLE = [(7, "K-0000007", "Eva", "Müller", "Friedrichstraße 1", "10117", "Berlin", "030 5551234", "eva@example.de"),
          (8, "K-0000008", "Paul", "Schmidt", "", "", "Potsdam", "0171 2223334", "")]


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


def with_customers(store_path):  # type: ignore[no-untyped-def]
    with sqlite3.connect(store_path) as conn:
        conn.executemany("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, "
                         "email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", PEOPLE)
        index_rows(conn, [(p[0], p[2], p[3], p[7], p[8]) for p in PEOPLE])
    return store_path


def test_find_profile_attach_note_and_sell_with_points(qtbot, store_path, printer, artifacts):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, with_customers(store_path), printer.port)
    errors: list[BaseException] = []
    try:
        log_in(qtbot, window)
        glue = window.customers
        QTest.keyClick(window.till.entry, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: glue.search_dialog is not None and glue.search_dialog.isVisible(), timeout=15_000)
        search = glue.search_dialog
        type_slowly(qtbot, search.query, "Mueller")
        qtbot.waitUntil(lambda: search.results.count() == 1, timeout=15_000)
        assert "Eva Müller" in search.results.item(0).text()
        assert "1 Treffer aus dieser Filiale" in search.note.text()
        QTest.keyClick(search.query, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(glue.profile_dialog, CustomerProfileDialog)
                        and glue.profile_dialog.isVisible(), timeout=3000)
        profile = glue.profile_dialog
        assert "nur die Daten dieser Filiale" in profile.note.text()  # offline: said so
        assert "Friedrichstraße 1" in profile.tabs.widget(0).toPlainText()
        profile.grab().save(str(artifacts / "customer_profile.png"))
        profile.tabs.setCurrentIndex(3)
        profile.note_edit.setText("Sucht ein grünes Samtsofa, ruft am Freitag an")
        QTest.mouseClick(profile.note_button, Qt.MouseButton.LeftButton)
        assert profile.notes_table.item(0, 3).text() == "Sucht ein grünes Samtsofa, ruft am Freitag an"
        QTest.mouseClick(profile.attach_button, Qt.MouseButton.LeftButton)
        assert window.session.customer_id == 7 and "Eva Müller" in window.till.message.text()

        qtbot.waitUntil(lambda: not profile.isVisible(), timeout=15_000)
        window.activateWindow()
        window.till.focus_search()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=15_000)
        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: len(window.session.cart.lines) == 1, timeout=15_000)
        pay_cash(qtbot, window, "50,00")
        qtbot.waitUntil(lambda: len(printer.jobs) == 1, timeout=15_000)
        text = decode(printer.jobs[0]).text
        assert "Bonuspunkte für diesen Einkauf: +39" in text and "K-0000007" in text  # 39,99 EUR: 39 points
        assert window.session.customer_id is None  # the next sale starts without a customer
        with window.store.db.reading() as s:
            events = [(e.type, json.loads(e.payload)) for e in s.query(OutboxEvent).order_by(OutboxEvent.seq)]
            actions = [a.action for a in s.query(AuditEntry)]
        kinds = [k for k, _ in events]
        assert "customer.note_added" in kinds and "customer.sale" in kinds
        assert kinds.index("customer.sale") == kinds.index("sale.completed") + 1
        assert dict(events)["customer.sale"]["points"] == 39
        assert "customer_profile_viewed" in actions

        # the purchase from the customer's history, taken back from the profile (issue 6)
        receipt = next(p for k, p in events if k == "sale.completed")["receipt_number"]
        glue.find_customer()  # what Ctrl+U does (the key itself is driven above)
        qtbot.waitUntil(lambda: glue.search_dialog is not None and glue.search_dialog.isVisible(), timeout=15_000)
        type_slowly(qtbot, glue.search_dialog.query, "Mueller")
        qtbot.waitUntil(lambda: glue.search_dialog.results.count() == 1, timeout=15_000)
        QTest.keyClick(glue.search_dialog.query, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: glue.profile_dialog is not profile and glue.profile_dialog is not None
                        and glue.profile_dialog.isVisible(), timeout=3000)
        profile = glue.profile_dialog
        profile.tabs.setCurrentIndex(1)
        assert not profile.return_button.isEnabled()  # nothing chosen yet
        profile.purchase_table.selectRow(0)
        assert profile.selected_purchase_number() == receipt and profile.return_button.isEnabled()
        seen: dict[str, str] = {}

        def look(dialog) -> None:  # type: ignore[no-untyped-def]
            qtbot.waitUntil(lambda: dialog.purchase is not None, timeout=15_000)
            seen["number"] = dialog.number.text()
            seen["lines"] = str(dialog.table.rowCount())
            dialog.reject()
        inside(ReturnsDialog, look, errors)
        QTest.mouseClick(profile.return_button, Qt.MouseButton.LeftButton)
        if errors:
            raise errors[0]
        assert seen == {"number": receipt, "lines": "1"} and not profile.isVisible()
    finally:
        close_window(window)


def test_new_customer_warns_on_an_existing_phone_then_creates(qtbot, store_path, printer):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, with_customers(store_path), printer.port)
    try:
        log_in(qtbot, window)
        glue = window.customers
        QTest.keyClick(window.till.entry, Qt.Key.Key_U,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: glue.edit_dialog is not None and glue.edit_dialog.isVisible(), timeout=15_000)
        edit = glue.edit_dialog
        edit.edits["first_name"].setText("Eva")
        edit.edits["last_name"].setText("Mueller")
        edit.edits["phone"].setText("+49 30 555 1234")  # Eva Müller's number in another format
        edit.checks["email"].setChecked(True)
        save = edit.findChild(QPushButton, "saveCustomer")
        QTest.mouseClick(save, Qt.MouseButton.LeftButton)
        assert "Eva Müller (K-0000007)" in edit.message.text() and edit.isVisible()  # warned, nothing made
        with window.store.db.reading() as s:
            assert s.execute(__import__("sqlalchemy").text("SELECT count(*) FROM customers")).scalar() == 2
        QTest.mouseClick(save, Qt.MouseButton.LeftButton)  # the cashier confirms: a different person
        assert not edit.isVisible() and "angelegt" in window.till.message.text()
        with window.store.db.reading() as s:
            [created] = [json.loads(e.payload) for e in s.query(OutboxEvent) if e.type == "customer.created"]
        assert created["fields"]["last_name"] == "Mueller" and created["consents"][0]["channel"] == "email"
        assert len(glue.service().directory.search("Müller")) == 2
    finally:
        close_window(window)
