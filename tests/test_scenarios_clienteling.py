"""Scenarios 2 and 3 through the till's real screens (pytest-qt, offscreen) against the real
backend over HTTP on loopback (tests/backend_server.py), with the sync process's client.

2. A service case starts by e-mail and continues by phone (the center's channel API, a note
   added); in the store the associate finds the customer (Ctrl+U), sees the whole history on
   the profile, adds the in-store resolution and closes the case.
3. A cart filled on the phone (channel API) is pulled into the till (profile button), a
   quantity changed, paid; the web cart is then empty and the sale is in the customer's history.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from tests.backend_server import BackendServer, backend_database_url
from tests.escpos_decode import decode
from tests.tcp_printer import TcpPrinter
from tests.test_scenario_6 import CUSHION, THROW, close, open_till
from tests.test_till_gui import log_in, pay_cash, type_slowly
from ui.customer_profile import CustomerProfileDialog

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
CUSTOMER, NUMBER = 7, "K-0000007"


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


def open_profile(qtbot, window, typed: str) -> CustomerProfileDialog:  # type: ignore[no-untyped-def]
    glue = window.customers
    glue.profile_dialog = None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
    QTest.keyClick(window.till.entry, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: glue.search_dialog is not None and glue.search_dialog.isVisible(), timeout=15_000)
    type_slowly(qtbot, glue.search_dialog.query, typed)
    qtbot.waitUntil(lambda: glue.search_dialog.results.count() >= 1, timeout=15_000)
    QTest.keyClick(glue.search_dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: glue.profile_dialog is not None and glue.profile_dialog.isVisible(), timeout=10_000)
    return glue.profile_dialog


def center_profile(center: BackendServer) -> dict:
    return center.admin("GET", f"/v1/channel/customers/{CUSTOMER}/profile").json()


def test_scenario_2_service_without_repetition(qtbot, store_path, center, printer, artifacts):  # type: ignore[no-untyped-def]
    window = open_till(qtbot, store_path, center, printer)
    try:
        case = center.admin("POST", f"/v1/channel/customers/{CUSTOMER}/cases", json={
            "subject": "Lampe flackert", "channel": "email", "text": "Die Stehlampe flackert seit gestern.",
            "author": "Kundin (E-Mail)"}).json()
        center.admin("POST", f"/v1/channel/cases/{case['id']}/steps", json={
            "channel": "phone", "text": "Anruf: bitte Lampe in die Filiale bringen, Tausch vor Ort.",
            "author": "Contact Center"})
        center.admin("POST", f"/v1/channel/customers/{CUSTOMER}/notes", json={
            "text": "Kundin möchte per SMS informiert werden", "channel": "phone", "author": "Contact Center"})
        log_in(qtbot, window)
        profile = open_profile(qtbot, window, NUMBER)
        assert profile.profile.online and not profile.note.isVisible()
        profile.tabs.setCurrentIndex(2)
        timeline = profile.findChild(type(profile.tabs.widget(0)), "caseTimeline").toPlainText()
        assert "Lampe flackert" in timeline and "E-Mail" in timeline and "Telefon" in timeline
        assert "Tausch vor Ort" in timeline  # nothing has to be asked twice
        profile.grab().save(str(artifacts / "customer_profile_online.png"))
        profile.step_edit.setText("Lampe getauscht, Kundin zufrieden")
        QTest.mouseClick(profile.close_case_button, Qt.MouseButton.LeftButton)
        assert "Fall abgeschlossen" in profile.note.text()
        window.sync.sync_now()
        qtbot.waitUntil(lambda: center_profile(center)["service_cases"][0]["status"] == "closed", timeout=20_000)
        [closed] = center_profile(center)["service_cases"]
        assert [s["channel"] for s in closed["steps"]] == ["email", "phone", "store"]
        assert closed["steps"][-1]["text"] == "Lampe getauscht, Kundin zufrieden"
    finally:
        close(window)


def test_scenario_3_one_cart_several_devices(qtbot, store_path, center, printer):  # type: ignore[no-untyped-def]
    window = open_till(qtbot, store_path, center, printer)
    try:
        r = center.admin("PUT", f"/v1/channel/customers/{CUSTOMER}/cart",
                         json={"items": [{"product_id": CUSHION, "quantity": 2}, {"product_id": THROW, "quantity": 1}]})
        assert r.status_code == 200, r.text
        log_in(qtbot, window)
        profile = open_profile(qtbot, window, NUMBER)
        assert profile.cart_button.isEnabled()
        QTest.mouseClick(profile.cart_button, Qt.MouseButton.LeftButton)
        session, till = window.session, window.till
        assert sorted((ln.product.product_id, ln.quantity) for ln in session.cart.lines) == [(CUSHION, 2), (THROW, 1)]
        assert session.customer_id == CUSTOMER
        row = [ln.product.product_id for ln in session.cart.lines].index(CUSHION)
        till.table.selectRow(row)
        till.bump_quantity(-1)  # one cushion, not two
        assert sorted((ln.product.product_id, ln.quantity) for ln in session.cart.lines) == [(CUSHION, 1), (THROW, 1)]
        total = session.cart.totals().total_cents
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        pay_cash(qtbot, window, f"{(total // 100) + 1},00")
        qtbot.waitUntil(lambda: len(printer.jobs) == 1, timeout=15_000)
        assert f"Bonuspunkte für diesen Einkauf: +{total // 100}" in decode(printer.jobs[0]).text
        window.sync.sync_now()

        def synced() -> bool:
            p = center_profile(center)
            return p["cart"] == [] and any(x["kind"] == "sale" for x in p["purchases"])
        qtbot.waitUntil(synced, timeout=20_000)
        [sale] = [x for x in center_profile(center)["purchases"] if x["kind"] == "sale"]
        assert sale["total_cents"] == total and sale["store_id"] == "BER"
        assert sorted((i["product_id"], i["quantity"]) for i in sale["items"]) == [(CUSHION, 1), (THROW, 1)]
    finally:
        close(window)


def test_stock_in_every_store_with_the_reserve_hook(qtbot, store_path, center, printer):  # type: ignore[no-untyped-def]
    """Ctrl+I: the item's stock in every store from the center; "Reservieren" calls the
    window's reserve_item (the click-and-collect reservation dialog) with the attached customer."""
    window = open_till(qtbot, store_path, center, printer)
    try:
        log_in(qtbot, window)
        glue = window.customers
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        QTest.keyClick(window.till.entry, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
        stock = glue.stock_dialog
        qtbot.waitUntil(lambda: stock is not None and stock.isVisible(), timeout=15_000)
        stock.show_stock(CUSHION)
        qtbot.waitUntil(lambda: stock.table.rowCount() >= 3, timeout=10_000)
        stores = [stock.table.item(r, 0).text() for r in range(stock.table.rowCount())]
        assert any("(HAM)" in s for s in stores) and any("(BER)" in s for s in stores)
        # the window offers reserve_item (click and collect): a store with stock has the button
        assert any(stock.table.cellWidget(r, 2) is not None for r in range(stock.table.rowCount()))
        stock.reject()

        asked: list[tuple] = []
        window.reserve_item = lambda product_id, store_id, customer_id: asked.append((product_id, store_id, customer_id))
        profile = open_profile(qtbot, window, NUMBER)
        QTest.mouseClick(profile.attach_button, Qt.MouseButton.LeftButton)
        glue.show_stock()
        stock = glue.stock_dialog
        stock.show_stock(CUSHION)
        qtbot.waitUntil(lambda: stock.table.rowCount() >= 3, timeout=10_000)
        rows = {stock.table.item(r, 0).text(): r for r in range(stock.table.rowCount())}
        ham = next(r for text, r in rows.items() if "(HAM)" in text)
        cell = stock.table.cellWidget(ham, 2)  # the button sits in a holder sized to the row
        button = cell if isinstance(cell, QPushButton) else cell.findChild(QPushButton)
        assert button is not None and button.text() == "Reservieren"
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        assert asked == [(CUSHION, "HAM", CUSTOMER)]
    finally:
        close(window)
