"""Scenario 6, end to end: return an online order in the Berlin store.

A customer buys two items in the web shop (the real center's API, channel "web"). In Berlin
the cashier opens the returns screen (Ctrl+R) at the till (the real screens, pytest-qt), the
order's QR code is scanned (a keyboard-wedge burst), the till finds the web order at the center
over HTTP, allows one item back (not more than was bought), refunds it to the original tender
(the card; the terminal is outside the system, the cashier confirms), prints the return receipt
(a TCP printer on loopback, decoded), and the sync puts the item back into Berlin's stock at the
center. Then the center changes the policy to store credit; after the next pull the second item
comes back as a voucher. A third attempt finds nothing left to return.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from pos_app.config import PrinterSettings, Settings, SyncSettings
from pos_app.store.policies import load_return_policy
from sync.status import State
from sync.token import token_path, write_token
from tests.backend_server import BackendServer, backend_database_url
from tests.escpos_decode import decode
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import log_in, scanner_burst
from ui.app import open_window, resources_dir, shut_down
from ui.returns_dialog import ReturnsDialog

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
CUSHION, THROW = 30, 40  # two small items of the demo retailer's catalog


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


def place_order(center: BackendServer, lines: list[dict]) -> dict:
    """The web shop places an order at its prices, paid by card."""
    engine = create_engine(center.database_url)
    with engine.connect() as conn:
        web = dict(conn.execute(text("SELECT product_id, gross_cents FROM prices WHERE store_id = 'WEB' "
                                     "AND product_id IN (:a, :b)"), {"a": CUSHION, "b": THROW}).all())
    engine.dispose()
    total = sum(web[line["product_id"]] * line["quantity"] for line in lines)
    return center.admin("POST", "/v1/channel/orders", json={
        "channel": "web", "customer_id": 1, "lines": lines,
        "tenders": [{"kind": "card", "amount_cents": total, "reference": "VISA 4711"}]}).json()


def ber_stock(center: BackendServer, product_id: int) -> int:
    rows = center.admin("GET", "/v1/admin/stock", params={"product_id": [product_id], "store_id": "BER"}).json()
    return rows[0]["quantity"] if rows else 0


def open_till(qtbot, store_path: Path, center: BackendServer, printer: TcpPrinter):  # type: ignore[no-untyped-def]
    with sqlite3.connect(store_path) as conn:  # the center's catalog comes with the first pull
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
    write_token(token_path(store_path.parent), center.register_device("BER-K1", "BER", "Kasse 1"))
    settings = Settings(sync=SyncSettings(backend_url=center.url, interval_s=60),
                        printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0))
    app = QApplication.instance()
    app.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))
    window = open_window(app, store_path, settings)
    window.confirm_quit = lambda pending: True
    window.resize(1280, 800)
    window.show()
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.sync.worker.status.state is State.ONLINE, timeout=60_000)  # first pull done
    assert window.store.catalog.product(CUSHION) is not None
    return window


def close(window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    app.removeEventFilter(window.wedge)
    app.removeEventFilter(window.activity)
    shut_down(window)


def in_returns_dialog(qtbot, window, steps: Callable[[ReturnsDialog], None]) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+R at the till, then `steps` inside the returns screen. The screen is modal: the key
    press returns only when it closes, so the steps run from a timer inside its event loop; a
    failing step closes it and fails the test (instead of leaving it open for ever)."""
    errors: list[BaseException] = []
    ran: list[bool] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ReturnsDialog):
            if not ran:
                QTimer.singleShot(10, run)
            return
        ran.append(True)
        try:
            steps(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, on the test's own stack
            errors.append(exc)
            dialog.reject()

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)  # shortcuts need it
    QTimer.singleShot(0, run)
    QTest.keyClick(window.till.entry, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    if not ran:
        ran.append(False)  # stops the polling
        raise AssertionError("Ctrl+R did not open the returns screen")
    if errors:
        raise errors[0]


def found(qtbot, dialog: ReturnsDialog) -> None:  # type: ignore[no-untyped-def]
    try:
        qtbot.waitUntil(lambda: dialog.purchase is not None, timeout=10_000)
    except Exception:
        raise AssertionError(f"no purchase shown: {dialog.message.text()!r}, field {dialog.number.text()!r}") from None


def test_an_online_order_is_returned_at_the_berlin_till(qtbot, store_path, center, printer, artifacts):  # type: ignore[no-untyped-def]
    web = requests.get(f"{center.url}/v1/admin/return-policy", timeout=5)
    assert web.status_code == 401  # operator endpoints need the admin token
    lines = [{"product_id": CUSHION, "quantity": 1}, {"product_id": THROW, "quantity": 1}]  # at web prices
    window = open_till(qtbot, store_path, center, printer)
    try:
        order = place_order(center, lines)
        prices = {line["product_id"]: line["total_cents"] for line in order["lines"]}
        before = ber_stock(center, CUSHION)
        log_in(qtbot, window)

        def take_back_the_cushion(dialog: ReturnsDialog) -> None:
            dialog.number.setFocus()
            qtbot.wait(50)
            scanner_burst(qtbot, order["qr_payload"])  # the order's QR code, read by the wedge scanner
            found(qtbot, dialog)
            assert dialog.number.text() == order["qr_payload"]
            assert "Online-Bestellung" in dialog.header.text() and order["order_number"] in dialog.header.text()
            assert dialog.table.rowCount() == 2
            assert dialog.table.cellWidget(0, 3).maximum() == 1  # not more than was bought
            dialog.set_quantity(1, 1)
            cents = prices[CUSHION]
            assert dialog.refund_fields["card"].text() == f"{cents // 100},{cents % 100:02d}"
            assert dialog.refund_fields["cash"].text() == ""  # nothing was paid in cash
            dialog.book_button.click()
            assert "Terminal" in dialog.message.text()  # the card credit needs the cashier's confirmation
            dialog.card_done.setChecked(True)
            qtbot.wait(50)
            dialog.grab().save(str(artifacts / "returns-dialog-web-order.png"))
            dialog.book_button.click()
            assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()

        in_returns_dialog(qtbot, window, take_back_the_cushion)
        assert "Rücknahme BER-K1-000001" in window.till.message.text()

        [job] = printer.wait_for_jobs(1, timeout=10)
        receipt = decode(job)
        assert "RÜCKNAHME / GUTSCHRIFT" in receipt.text and order["order_number"] in receipt.text
        assert receipt.barcodes == [("CODE128", "BER-K1-000001")] and not receipt.drawer_kicks

        # the sync takes it to the center: Berlin's stock is one up
        qtbot.waitUntil(lambda: ber_stock(center, CUSHION) == before + 1, timeout=20_000)
        [recorded] = center.admin("GET", "/v1/admin/returns").json()
        assert (recorded["store_id"], recorded["original_number"]) == ("BER", order["order_number"])
        assert [(t["kind"], t["amount_cents"]) for t in recorded["tenders"]] == [("card", prices[CUSHION])]

        # the center switches to store credit; the till learns it with the next pull
        policy = center.admin("GET", "/v1/admin/return-policy").json()
        center.admin("PUT", "/v1/admin/return-policy", json={**policy, "refund_as_store_credit": True})
        window.sync.sync_now()
        qtbot.waitUntil(lambda: load_return_policy(window.store.db).refund_as_store_credit, timeout=20_000)

        def take_back_the_throw(dialog: ReturnsDialog) -> None:
            dialog.number.setText(order["order_number"])  # typed in this time
            QTest.keyClick(dialog.number, Qt.Key.Key_Return)
            found(qtbot, dialog)
            assert dialog.table.cellWidget(0, 3).maximum() == 0  # the cushion is back already
            dialog.set_quantity(2, 1)
            assert dialog.refund_fields["card"].text() == "" and dialog.refund_fields["voucher"].text()
            dialog.grab().save(str(artifacts / "returns-dialog-store-credit.png"))
            dialog.book_button.click()
            assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()

        in_returns_dialog(qtbot, window, take_back_the_throw)
        assert "Gutschein GS-" in window.till.message.text()
        jobs = printer.wait_for_jobs(2, timeout=10)
        voucher_receipt = decode(jobs[1])
        assert "GUTSCHEIN" in voucher_receipt.text and len(voucher_receipt.barcodes) == 2

        qtbot.waitUntil(lambda: len(center.admin("GET", "/v1/admin/returns").json()) == 2, timeout=20_000)
        def nothing_left(dialog: ReturnsDialog) -> None:
            dialog.look_up(order["qr_payload"])
            found(qtbot, dialog)
            assert "alles schon zurückgenommen" in dialog.message.text()
            dialog.reject()

        in_returns_dialog(qtbot, window, nothing_left)
    finally:
        close(window)
