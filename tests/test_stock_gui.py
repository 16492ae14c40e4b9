"""The Wareneingang and Bestandskorrektur screens (issue 14), driven like an associate would,
against the real center on loopback: a delivery scanned in with a short item and booked, an
unknown barcode refused on screen, a write-off above the limit approved with the manager's PIN.
The screens fit 1024x768, have a close button, 44 px touch targets."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from pos_app.gtin import with_check_digit
from pos_app.stock.adjustments import StockAdjustments
from pos_app.stock.receiving import GoodsReceiving
from pos_app.store.staff import StaffMember
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till
from tests.test_reconciliation_gui import with_manager_pin
from ui.conflicts_dialog import ask_manager
from ui.stock_adjustment import AdjustmentDialog
from ui.stock_receiving import ReceivingDialog

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
LENA = StaffMember(1, "Lena Schmidt", "cashier")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def type_scan(dialog, code: str) -> None:  # type: ignore[no-untyped-def]
    dialog.scan.setFocus()
    QTest.keyClicks(dialog.scan, code)
    QTest.keyClick(dialog.scan, Qt.Key.Key_Return)


def screen_rules(dialog) -> None:  # type: ignore[no-untyped-def]
    assert dialog.width() <= 1024 and dialog.height() <= 768
    assert dialog.close_button.isVisible()
    for button in dialog.findChildren(QPushButton):
        assert button.minimumHeight() >= 44, button.text()


def test_a_delivery_scanned_in_on_screen_with_a_short_item(qtbot, ham: HamTill, center: BackendServer) -> None:
    center.admin("POST", "/v1/admin/stock/deliveries", json={
        "store_id": "HAM", "supplier": "Zentrallager", "number": "LS-1001",
        "lines": [{"product_id": CUSHION, "quantity": 2}, {"product_id": THROW, "quantity": 2}]})
    ham.sync()
    cushions, throws = ham.desk.on_hand(CUSHION), ham.desk.on_hand(THROW)
    dialog = ReceivingDialog(GoodsReceiving(ham.store), LENA, ask_manager(ham.store))
    qtbot.addWidget(dialog)
    dialog.show()
    screen_rules(dialog)
    assert dialog.deliveries.rowCount() == 1 and dialog.deliveries.item(0, 0).text() == "LS-1001"

    type_scan(dialog, "LS-1001")  # the delivery note's barcode opens it
    assert dialog.draft is not None and dialog.table.rowCount() == 2
    dialog.quantity.setValue(2)
    type_scan(dialog, ham.barcode(CUSHION))
    type_scan(dialog, ham.barcode(THROW))
    type_scan(dialog, with_check_digit("400000000001"))
    assert "Unbekannter Artikel" in dialog.message.text()
    assert [dialog.table.item(r, 2).text() for r in range(2)] == ["2", "1"]
    assert dialog.table.item(1, 4).text() == "1 fehlen"
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert "Grund" in dialog.message.text() and ham.desk.on_hand(THROW) == throws  # nothing booked

    dialog.table.selectRow(1)
    dialog.reason.setText("Beschädigt angeliefert, zurück")
    qtbot.mouseClick(dialog.reason_button, Qt.MouseButton.LeftButton)
    assert dialog.table.item(1, 5).text() == "Beschädigt angeliefert, zurück"
    assert dialog.scan.hasFocus() or not dialog.isActiveWindow()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert "Gebucht: 3 Stück" in dialog.message.text() and "1 Abweichungen" in dialog.message.text()
    assert (ham.desk.on_hand(CUSHION), ham.desk.on_hand(THROW)) == (cushions + 2, throws + 1)
    assert "gebucht" in dialog.deliveries.item(0, 0).text()
    dialog.close()
    ham.sync()

    assert ham.center_stock(CUSHION)[0] == cushions + 2 and ham.center_stock(THROW)[0] == throws + 1
    [item] = center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
    assert item["kind"] == "delivery_discrepancy"
    assert differences(center.database_url, ham.store) == []
    assert stock_operation_differences(center.database_url, ham.store) == []


def test_a_write_off_above_the_limit_asks_the_managers_pin(qtbot, ham: HamTill, center: BackendServer) -> None:
    throws = ham.desk.on_hand(THROW)
    dialog = AdjustmentDialog(StockAdjustments(ham.store, pin_limit_cents=100_00), LENA, ask_manager(ham.store))
    qtbot.addWidget(dialog)
    dialog.show()
    screen_rules(dialog)
    type_scan(dialog, ham.barcode(THROW))
    assert dialog.product_id == THROW and f"Bestand hier {throws}" in dialog.product.text()
    dialog.reason.setCurrentIndex(dialog.reason.findData("damaged"))
    dialog.quantity.setValue(2)  # 2 x 89.99 > 100.00
    with_manager_pin()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert f"Bestand hier {throws - 2}" in dialog.message.text()
    dialog.reason.setCurrentIndex(dialog.reason.findData("found"))
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)  # 1 x 89.99: no PIN
    assert f"Gefunden +1, Bestand hier {throws - 1}" in dialog.message.text()
    dialog.close()
    ham.sync()
    assert ham.center_stock(THROW)[0] == throws - 1
    assert differences(center.database_url, ham.store) == []


def test_a_count_on_screen_started_scanned_recounted_and_approved(qtbot, ham: HamTill, center: BackendServer) -> None:
    from pos_app.stock.counts import StockCounts
    from ui.stock_count import CountDialog

    dialog = CountDialog(StockCounts(ham.store), LENA, ask_manager(ham.store))
    qtbot.addWidget(dialog)
    dialog.show()
    screen_rules(dialog)
    with ham.store.db.reading() as s:
        category = s.connection().exec_driver_sql("SELECT category FROM products WHERE id = ?", (THROW,)).scalar()
    dialog.category.setText(category)
    with_manager_pin()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.count is not None and dialog.count.categories == (category,)
    dialog.quantity.setValue(3)
    type_scan(dialog, ham.barcode(THROW))
    type_scan(dialog, ham.barcode(THROW))
    assert dialog.table.item(0, 1).text() == "4"
    dialog.table.selectRow(0)
    dialog.recount_to.setValue(6)
    qtbot.mouseClick(dialog.recount_button, Qt.MouseButton.LeftButton)
    assert dialog.table.item(0, 1).text() == "6"
    ham.sync()  # the figure reaches the center: its snapshot
    qtbot.mouseClick(dialog.variance_button, Qt.MouseButton.LeftButton)
    assert "Differenzen" in dialog.summary.text()
    with_manager_pin()
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert "Freigegeben" in dialog.message.text()
    dialog.close()
    ham.sync()
    assert ham.center_stock(THROW)[0] == 6 == ham.desk.on_hand(THROW)
    assert differences(center.database_url, ham.store) == []


def test_the_stock_screens_are_on_the_till_and_get_the_wedges_scans(qtbot, store_path: Path) -> None:
    from PySide6.QtGui import QKeySequence, QShortcut

    from tests.tcp_printer import TcpPrinter
    from tests.test_till_gui import close_window, log_in, make_window
    from ui.conflicts_dialog import ask_manager as approve
    from ui.stock_count import CountDialog

    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            log_in(qtbot, window)
            keys = {s.key().toString() for s in window.findChildren(QShortcut)}
            assert {"Ctrl+Shift+L", "Ctrl+Shift+B", "Ctrl+Shift+N"} <= keys
            glue, person = window.stock_ops, window.session.cashier
            for dialog in (ReceivingDialog(glue.receiving, person, approve(window.store), window),
                           AdjustmentDialog(glue.adjustments, person, approve(window.store), window),
                           CountDialog(glue.counts, person, approve(window.store), window)):
                glue._connect_wedge()  # noqa: SLF001 - what show_* does before exec()
                dialog.open()  # window-modal, as exec() makes it, without blocking the test
                qtbot.waitUntil(lambda: dialog.isVisible(), timeout=15_000)
                window.wedge.scanned.emit(with_check_digit("400000000001"))  # a scan from the wedge
                reached = dialog.message.text() or (isinstance(dialog, AdjustmentDialog)
                                                    and dialog.product.text() != "Noch kein Artikel.")
                assert reached, type(dialog).__name__  # it reached the open screen
                qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
                assert not dialog.isVisible()
                glue._done()  # noqa: SLF001 - after the screen closes: back to the scan field
                assert window.till.entry.hasFocus() or not window.isActiveWindow()
            assert QKeySequence("Ctrl+Shift+L").toString() == "Ctrl+Shift+L"
        finally:
            close_window(window)
