"""Tablet mode ([ui] layout = "tablet"): log in on the on-screen number pad, the associate's big
buttons over the till (customer, stock in every store, quantity on the pad), no center needed.
Screenshots of the log-in and the till in the touch layout under test-artifacts/."""
from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pos_app.config import PrinterSettings, Settings, UiSettings
from pos_app.store.customers import index_rows
from tests.store_fixture import CASHIER_PIN, EAN_DECKE
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, scanner_burst
from ui.app import open_window
from ui.tablet import resolve_layout


def test_layout_choice() -> None:
    assert resolve_layout("tablet", 1920, 1080, touch=False) == "tablet"
    assert resolve_layout("till", 800, 1280, touch=True) == "till"
    assert resolve_layout("auto", 800, 1280, touch=True) == "tablet"  # a portrait tablet
    assert resolve_layout("auto", 1024, 768, touch=True) == "tablet"
    assert resolve_layout("auto", 1920, 1080, touch=True) == "till"  # a till with a touch monitor
    assert resolve_layout("auto", 800, 600, touch=False) == "till"  # no touch screen: keyboard and scanner


@pytest.fixture
def tablet(qtbot, store_path):  # type: ignore[no-untyped-def]
    with sqlite3.connect(store_path) as conn:
        conn.execute("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, email) "
                     "VALUES (7, 'K-0000007', 'Eva', 'Müller', '', '10117', 'Berlin', '030 5551234', '')")
        index_rows(conn, [(7, "Eva", "Müller", "030 5551234", "")])
    app = QApplication.instance()
    before = app.styleSheet()
    with TcpPrinter() as printer:
        settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0),
                            ui=UiSettings(layout="tablet"))
        window = open_window(app, store_path, settings)
        window.resize(1024, 768)
        window.show()
        qtbot.addWidget(window)
        try:
            yield window
        finally:
            close_window(window)
            app.setStyleSheet(before)  # the touch style must not leak into other tests


def test_pin_on_the_pad_then_big_buttons_for_the_associate(qtbot, tablet, artifacts):  # type: ignore[no-untyped-def]
    window = tablet
    pad = window.login.pad
    assert pad.buttons["5"].height() >= 56  # big targets
    window.login.grab().save(str(artifacts / "tablet_login.png"))
    for digit in CASHIER_PIN:
        QTest.mouseClick(pad.buttons[digit], Qt.MouseButton.LeftButton)
    QTest.mouseClick(pad.buttons["⌫"], Qt.MouseButton.LeftButton)
    QTest.mouseClick(pad.buttons[CASHIER_PIN[-1]], Qt.MouseButton.LeftButton)
    QTest.mouseClick(pad.buttons["OK"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.till is not None and window.stack.currentWidget() is window.till, timeout=15_000)
    bar = window.till.tablet_bar
    assert set(bar.buttons) == {"customer", "new", "stock", "cart", "quantity", "receiving", "count"}

    window.activateWindow()
    window.till.focus_search()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=15_000)
    scanner_burst(qtbot, EAN_DECKE)
    qtbot.waitUntil(lambda: len(window.session.cart.lines) == 1, timeout=15_000)
    window.till.table.selectRow(0)
    QTest.mouseClick(bar.buttons["quantity"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.dialog is not None and bar.dialog.isVisible(), timeout=15_000)
    bar.dialog.field.clear()
    QTest.mouseClick(bar.dialog.pad.buttons["0"], Qt.MouseButton.LeftButton)
    QTest.mouseClick(bar.dialog.pad.buttons["OK"], Qt.MouseButton.LeftButton)
    assert "zwischen 1 und 9999" in bar.dialog.message.text() and window.session.cart.lines[0].quantity == 1
    QTest.mouseClick(bar.dialog.pad.buttons["⌫"], Qt.MouseButton.LeftButton)
    QTest.mouseClick(bar.dialog.pad.buttons["3"], Qt.MouseButton.LeftButton)
    QTest.mouseClick(bar.dialog.pad.buttons["OK"], Qt.MouseButton.LeftButton)
    assert window.session.cart.lines[0].quantity == 3
    window.grab().save(str(artifacts / "tablet_till.png"))

    QTest.mouseClick(bar.buttons["stock"], Qt.MouseButton.LeftButton)
    stock = window.customers.stock_dialog
    qtbot.waitUntil(lambda: stock is not None and stock.isVisible(), timeout=15_000)
    stock.query.setText("samtsofa grün")
    stock.look_up()
    qtbot.waitUntil(lambda: "nur online" in stock.note.text(), timeout=15_000)  # no center: said so
    assert stock.products.count() == 1 and "grün" in stock.products.item(0).text()
    stock.reject()

    QTest.mouseClick(bar.buttons["customer"], Qt.MouseButton.LeftButton)
    search = window.customers.search_dialog
    qtbot.waitUntil(lambda: search is not None and search.isVisible(), timeout=15_000)
    search.query.setText("muller")
    search.run_search()
    qtbot.waitUntil(lambda: search.results.count() == 1, timeout=15_000)
    QTest.mouseClick(search.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.customers.profile_dialog is not None
                    and window.customers.profile_dialog.isVisible(), timeout=3000)
    window.customers.profile_dialog.grab().save(str(artifacts / "tablet_profile.png"))
