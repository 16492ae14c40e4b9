"""Scenario 1, end to end: click and collect with correct stock, and scenario 4's reservation
through the screens.

A customer orders online (the real center's API, channel "web") for pickup in Hamburg: the
last green sofa and a cushion, prepaid. After sync the order is in Hamburg's pickup queue
(Ctrl+Shift+P, the real screens, pytest-qt), marked new. An associate picks it by scanning each
item (a wrong item is refused) and the pickup slip with the order's QR code is printed (a TCP
printer on loopback, decoded). The center records the "ready" notification. Meanwhile a walk-in
customer cannot buy the reserved sofa at the till. At the till (Ctrl+H) the customer's pickup
QR is scanned, the name and the phone's last digits verified, the order handed over and the
handover receipt printed. Stock is checked at the center and in the store at every step.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pos_app.config import PrinterSettings, Settings, SyncSettings
from sync.status import State
from sync.token import token_path, write_token
from tests.backend_server import BackendServer, backend_database_url
from tests.escpos_decode import decode
from tests.pickup_helpers import CUSHION, GREEN_SOFA, make_ham_store, web_pickup_order
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import log_in, scanner_burst
from ui.app import open_window, resources_dir, shut_down
from ui.pickup_dialogs import PickingDialog, PickupQueueDialog
from ui.pickup_handover import HandoverDialog, ReservationDialog

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


def open_ham_window(qtbot, store_path: Path, center: BackendServer, printer: TcpPrinter):  # type: ignore[no-untyped-def]
    make_ham_store(store_path, store_path)
    write_token(token_path(store_path.parent), center.register_device("HAM-K1", "HAM", "Kasse 1"))
    settings = Settings(device_id="HAM-K1", sync=SyncSettings(backend_url=center.url, interval_s=60),
                        printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0))
    app = QApplication.instance()
    app.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))
    window = open_window(app, store_path, settings)
    window.confirm_quit = lambda pending: True
    window.resize(1280, 800)
    window.show()
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.sync.worker.status.state is State.ONLINE, timeout=60_000)
    return window


def close(window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    app.removeEventFilter(window.wedge)
    app.removeEventFilter(window.activity)
    shut_down(window)


def when_open(kind: type, steps: Callable, errors: list[BaseException]) -> None:  # type: ignore[type-arg]
    """Run `steps(dialog)` once a modal `kind` is open (dialogs block in exec())."""
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, run)
            return
        try:
            steps(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test's stack
            errors.append(exc)
            dialog.reject()
    QTimer.singleShot(0, run)


def shortcut(qtbot, window, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
    QTest.keyClick(window.till.entry, key, modifiers)


def center_stock(window, product_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    client = window.sync.worker.client.copy()
    try:
        row = next(s for s in client.stock(product_id).stores if s.store_id == "HAM")
    finally:
        client.close()
    return row.quantity, row.reserved


def test_scenario_1_click_and_collect_in_hamburg(qtbot, store_path, center, printer, artifacts):  # type: ignore[no-untyped-def]
    window = open_ham_window(qtbot, store_path, center, printer)
    desk = window.pickups.desk
    errors: list[BaseException] = []
    try:
        sofa_on_hand, cushion_on_hand = desk.on_hand(GREEN_SOFA), desk.on_hand(CUSHION)
        assert sofa_on_hand == 1 and center_stock(window, GREEN_SOFA) == (1, 0)  # the last green sofa
        order = web_pickup_order(center, (GREEN_SOFA, 1), (CUSHION, 1), customer_id=1, second_person="Jan Muster")
        number = order["order_number"]
        assert center_stock(window, GREEN_SOFA) == (1, 1)  # reserved at the center when placed
        window.sync.sync_now()
        qtbot.waitUntil(lambda: any(o.number == number for o in desk.queue().orders), timeout=20_000)
        assert desk.available(GREEN_SOFA) == 0 and desk.on_hand(GREEN_SOFA) == 1
        log_in(qtbot, window)

        # a walk-in customer wants the sofa: the till refuses the reserved unit
        window.till.scan(window.pickups.desk.store.catalog.product(GREEN_SOFA).sku)
        assert "Reserviert" in window.till.message.text() and window.session.cart.is_empty()

        def picking(dialog: PickingDialog) -> None:
            dialog.scan.setFocus()
            qtbot.wait(20)
            dialog.scanned(str(_barcode(window, 40)))  # a throw is not in this order
            assert "Falscher Artikel" in dialog.message.text()
            for pid in (GREEN_SOFA, CUSHION):
                scanner_burst(qtbot, _barcode(window, pid))
            assert "alles gescannt" in dialog.message.text(), dialog.message.text()
            dialog.grab().save(str(artifacts / "pickup-picking.png"))
            dialog.finish_button.click()

        def queue(dialog: PickupQueueDialog) -> None:
            qtbot.waitUntil(lambda: dialog.isVisible(), timeout=15_000)
            assert dialog.orders[0].number == number and dialog.orders[0].is_new
            assert dialog.table.item(0, 0).font().bold() and "Neu 1" in dialog.counts.text()
            dialog.grab().save(str(artifacts / "pickup-queue.png"))
            dialog.table.selectRow(0)
            when_open(PickingDialog, picking, errors)
            dialog.pick_button.click()
            assert dialog.orders[0].state == "ready" and not dialog.orders[0].is_new
            dialog.grab().save(str(artifacts / "pickup-queue-ready.png"))
            dialog.accept()

        when_open(PickupQueueDialog, queue, errors)
        shortcut(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        if errors:
            raise errors[0]
        [slip_job] = printer.wait_for_jobs(1, timeout=10)
        slip = decode(slip_job)
        assert slip.qrcodes == [order["qr_payload"]] and number in slip.text and "ABHOLAUFTRAG" in slip.text

        window.sync.sync_now()
        qtbot.waitUntil(lambda: bool(center.admin("GET", f"/v1/channel/pickups/{number}/notifications").json()),
                        timeout=20_000)
        [note] = center.admin("GET", f"/v1/channel/pickups/{number}/notifications").json()
        assert note["kind"] == "ready" and number in note["text"]
        assert center_stock(window, GREEN_SOFA) == (1, 1) and desk.on_hand(GREEN_SOFA) == 1  # still on the shelf

        def handover(dialog: HandoverDialog) -> None:
            assert dialog.query.text() == order["qr_payload"]  # scanned at the till, found at once
            assert dialog.order is not None and dialog.order.number == number
            dialog.name.setText("Jemand Anderes")
            dialog.phone.setText("4567")
            dialog.hand_button.click()
            assert "Name passt nicht" in dialog.message.text()
            dialog.name.setText("Jan Muster")  # the second person named on the order collects
            dialog.phone.setText("999")
            dialog.hand_button.click()
            assert "Telefonnummer" in dialog.message.text()
            dialog.phone.setText("4567")
            dialog.grab().save(str(artifacts / "pickup-handover.png"))
            dialog.hand_button.click()

        when_open(HandoverDialog, handover, errors)
        window.activateWindow()
        window.till.entry.setFocus()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        scanner_burst(qtbot, order["qr_payload"])  # the customer's pickup QR, at the till's main screen
        qtbot.waitUntil(lambda: "übergeben" in window.till.message.text() or bool(errors), timeout=10_000)
        if errors:
            raise errors[0]
        jobs = printer.wait_for_jobs(2, timeout=10)
        receipt = decode(jobs[1])
        assert "ÜBERGABE" in receipt.text and "Jan Muster" in receipt.text and number in receipt.text
        assert desk.on_hand(GREEN_SOFA) == 0 and desk.on_hand(CUSHION) == cushion_on_hand - 1
        window.sync.sync_now()
        qtbot.waitUntil(lambda: center.admin("GET", f"/v1/channel/pickups/{number}").json()["state"] == "collected",
                        timeout=20_000)
        assert center_stock(window, GREEN_SOFA) == (0, 0)
        assert center_stock(window, CUSHION) == (cushion_on_hand - 1, 0)
        qtbot.waitUntil(lambda: desk.get(number).confirmed, timeout=20_000)
        assert desk.on_hand(GREEN_SOFA) == 0  # the feed's figure, not counted twice
    finally:
        close(window)


def _barcode(window, product_id: int) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    with window.store.db.reading() as s:
        return str(s.execute(text("SELECT MIN(code) FROM barcodes WHERE product_id = :p"), {"p": product_id}).scalar())


def test_scenario_4_reserved_through_the_dialog_then_paid_at_pickup(qtbot, store_path, center, printer):  # type: ignore[no-untyped-def]
    """Reservation dialog (Ctrl+Shift+H / MainWindow.reserve_item) for the last green sofa in
    Hamburg; it shows in the queue; later picked, paid at the till and handed over."""
    from ui import tasks
    window = open_ham_window(qtbot, store_path, center, printer)
    desk = window.pickups.desk
    errors: list[BaseException] = []
    tasks.set_synchronous(True)
    try:
        log_in(qtbot, window)

        def reserve(dialog: ReservationDialog) -> None:
            assert dialog.product.text() == str(GREEN_SOFA) and dialog.store_box.currentData() == "HAM"
            dialog.customer.setText("")
            dialog.ok.click()
            assert "Kundennummer" in dialog.message.text()
            dialog.customer.setText("5")
            dialog.ok.click()
            assert "Reserviert: R" in dialog.message.text(), dialog.message.text()
            dialog.accept()

        when_open(ReservationDialog, reserve, errors)
        window.reserve_item(GREEN_SOFA, "HAM", None)
        if errors:
            raise errors[0]
        number = window.pickups.last_reservation.order_number
        qtbot.waitUntil(lambda: any(o.number == number for o in desk.queue().orders), timeout=20_000)
        assert center_stock(window, GREEN_SOFA) == (1, 1)
        window.till.scan(window.store.catalog.product(GREEN_SOFA).sku)  # not for anyone else
        assert "Reserviert" in window.till.message.text()
        desk.pick_scan(number, _barcode(window, GREEN_SOFA))
        desk.finish_picking(number, "Finn")
        o = desk.get(number)

        def hand(dialog: HandoverDialog) -> None:
            dialog.query.setText(o.customer_name.split()[-1])  # found by name this time
            QTest.keyClick(dialog.query, Qt.Key.Key_Return)
            assert dialog.order is not None and dialog.order.number == number
            dialog.name.setText(o.customer_name)
            dialog.id_checked.setChecked(True)
            dialog.hand_button.click()

        when_open(HandoverDialog, hand, errors)
        shortcut(qtbot, window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
        if errors:
            raise errors[0]
        assert len(window.session.cart.lines) == 1 and "kassieren" in window.till.message.text()
        due = window.session.cart.totals().total_cents
        window.session.pay_cash(due)
        window.till.sale_completed.emit(window.session.complete())
        assert desk.get(number).state == "collected" and desk.on_hand(GREEN_SOFA) == 0
        window.sync.sync_now()
        qtbot.waitUntil(lambda: center.admin("GET", f"/v1/channel/pickups/{number}").json()["state"] == "collected",
                        timeout=20_000)
        assert center_stock(window, GREEN_SOFA) == (0, 0)
    finally:
        tasks.set_synchronous(False)
        close(window)
