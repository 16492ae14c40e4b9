"""Transfers and the endless aisle through the real screens (pytest-qt, offscreen) of a Hamburg
till against the real center, with a Berlin and a München device as the other stores.

- Ctrl+I "stock in every store" -> "Transfer anfragen" for Berlin -> the request dialog; Berlin
  accepts, picks and ships; Ctrl+Shift+F in Hamburg: the parcel is scanned in one unit short and
  booked; the discrepancy is open for both stores.
- Ctrl+Shift+K at the till: the blue sofa Hamburg does not have, from München to the customer;
  paid at the till; the printed receipt says where it goes; München's Ctrl+Shift+V queue is
  driven through its dialog (pick by scan, carrier and tracking number, ship).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from pos_app.stock.fulfilment import FulfilmentDesk

from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, transit_and_reserved_differences
from tests.escpos_decode import decode
from tests.tcp_printer import TcpPrinter
from tests.test_scenario_1 import close, open_ham_window, shortcut
from tests.test_till_gui import log_in
from tests.transfer_helpers import BLUE_SOFA, CUSHION, StoreTill, open_till
from ui import tasks
from ui.fulfilment_dialogs import ShipFromStoreDialog
from ui.transfer_dialogs import TOUCH

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


@pytest.fixture
def other(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[dict[str, StoreTill]]:
    tills = {sid: open_till(center, store_path, tmp_path / f"{sid.lower()}.db", sid, f"{sid}-K1")
             for sid in ("BER", "MUC")}  # before the window turns the store file into Hamburg's
    yield tills
    for till in tills.values():
        till.store.close()


def sync_window(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    before = window.sync.worker.status
    window.sync.sync_now()
    qtbot.waitUntil(lambda: window.sync.worker.status is not before and window.store.outbox_summary().pending == 0,
                    timeout=30_000)


def test_transfer_requested_from_the_stock_view_and_received_one_short(qtbot, store_path, center, printer,  # type: ignore[no-untyped-def]
                                                                      other, artifacts) -> None:
    ber = other["BER"]
    window = open_ham_window(qtbot, store_path, center, printer)
    tasks.set_synchronous(True)
    try:
        log_in(qtbot, window)
        shortcut(qtbot, window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
        stock = window.customers.stock_dialog
        qtbot.waitUntil(lambda: stock is not None and stock.isVisible(), timeout=15_000)
        stock.show_stock(CUSHION)
        qtbot.waitUntil(lambda: stock.table.rowCount() > 0, timeout=10_000)
        ask = stock.findChild(QPushButton, "transferAskBER")
        assert ask is not None and stock.findChild(QPushButton, "transferAskHAM") is None  # not from oneself
        ask.click()
        dialog = window.transfers.request_dialog
        qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=15_000)
        dialog.quantity.setValue(9999)
        dialog.send()
        assert "verfügbar" in dialog.message.text()  # more than Berlin has: refused, nothing queued
        dialog.quantity.setValue(3)
        dialog.send()
        assert dialog.requested is not None and not dialog.isVisible()
        number = dialog.requested.number
        stock.close()
        sync_window(qtbot, window)

        ber.sync()
        ber.desk.accept(number, "Mia")
        for _ in range(3):
            ber.desk.pick_scan(number, ber.barcode(CUSHION))
        ber.desk.finish_picking(number, "Mia")
        ber.desk.ship(number, "Mia", "DHL", "JJD000390007")
        ber.sync()
        sync_window(qtbot, window)
        on_hand = window.pickups.desk.on_hand(CUSHION)

        shortcut(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        queue = window.transfers.queue
        qtbot.waitUntil(lambda: queue is not None and queue.isVisible(), timeout=15_000)
        assert queue.width() <= 1024 and queue.height() <= 768 and queue.receive_button.height() >= TOUCH
        queue.select(number)
        assert queue.selected_number() == number and queue.receive_button.isEnabled()
        code = ber.barcode(CUSHION)
        for _ in range(2):  # one unit is missing in the parcel
            queue.scan.setText(code)
            QTest.keyClick(queue.scan, Qt.Key.Key_Return)
        assert "2 gescannt" in queue.message.text()
        queue.receive_button.click()
        assert "Differenz" in queue.message.text()
        queue.grab().save(str(artifacts / "transfer_queue.png"))
        assert window.pickups.desk.on_hand(CUSHION) == on_hand + 2
        queue.findChild(QPushButton, "transferClose").click()
        assert not queue.isVisible()
        qtbot.waitUntil(lambda: window.till.entry.hasFocus(), timeout=15_000)  # back to the scan field
        sync_window(qtbot, window)
        ber.sync()
        sync_window(qtbot, window)
        assert differences(center.database_url, window.store, ber.store) == []
        assert transit_and_reserved_differences(center.database_url, window.store, ber.store) == []
    finally:
        tasks.set_synchronous(False)
        close(window)


def test_endless_aisle_at_the_till_and_ship_from_muenchen(qtbot, store_path, center, printer, other,  # type: ignore[no-untyped-def]
                                                          artifacts) -> None:
    muc = other["MUC"]
    window = open_ham_window(qtbot, store_path, center, printer)
    tasks.set_synchronous(True)
    try:
        log_in(qtbot, window)
        shortcut(qtbot, window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        aisle = window.fulfilment.dialog
        qtbot.waitUntil(lambda: aisle is not None and aisle.isVisible(), timeout=15_000)
        assert aisle.width() <= 1024 and aisle.height() <= 768
        aisle.show_product(BLUE_SOFA, "Samtsofa blau")
        assert "online" in aisle.source.text()
        row = next(n for n, p in enumerate(aisle.availability.places) if p.store_id == "MUC")
        aisle.places.selectRow(row)
        add = aisle.findChild(QPushButton, "aisleAdd")
        assert add.height() >= TOUCH
        add.click()
        assert "Anschrift" in aisle.message.text()  # delivery needs the address
        aisle.name.setText("Anna Becker")
        aisle.street.setText("Hofweg 5")
        aisle.zip_code.setText("22085")
        aisle.city.setText("Hamburg")
        aisle.grab().save(str(artifacts / "endless_aisle.png"))
        aisle.add_to_cart()
        assert not aisle.isVisible() and len(window.session.cart.lines) == 1
        window.session.pay_cash(window.session.cart.totals().total_cents)
        done = window.session.complete()
        window.till.sale_completed.emit(done)
        qtbot.waitUntil(lambda: len(printer.jobs) >= 1, timeout=15_000)
        job = printer.jobs[-1]
        printed = decode(job).text.replace("\n", " ")
        number = window.fulfilment.aisle.last_orders[0]
        assert "Wird geliefert an Anna Becker" in printed and number[:10] in printed
        sync_window(qtbot, window)

        muc.sync()
        muc_desk = FulfilmentDesk(muc.store)  # München's screen (its own device and store file)
        dialog = ShipFromStoreDialog(muc_desk, lambda: "Theresa")
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.selected_number() == number
        dialog.scan.setText(muc.barcode(BLUE_SOFA))
        QTest.keyClick(dialog.scan, Qt.Key.Key_Return)
        assert "1 von 1" in dialog.message.text()
        dialog.grab().save(str(artifacts / "ship_from_store.png"))
        dialog.carrier.setText("DHL")
        dialog.tracking.setText("00340434161094042557")
        for name in ("shipPicked", "shipShip"):
            dialog.findChild(QPushButton, name).click()
        assert muc_desk.get(number).state == "shipped" and dialog.table.rowCount() == 0
        muc.sync()
        sync_window(qtbot, window)
        assert differences(center.database_url, window.store, muc.store) == []
        assert transit_and_reserved_differences(center.database_url, window.store, muc.store) == []
    finally:
        tasks.set_synchronous(False)
        close(window)
