"""The manager's Abgleich dialog (Ctrl+K) with reconciliations from the real center: the list
shows what is open with the amount at stake; a count with the manager's PIN clears a negative
stock, a resolution closes a late pickup handover; the center confirms through the feed."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till, web_pickup_order
from tests.store_fixture import MANAGER_PIN
from tests.sync_helpers import sell
from ui.conflicts_dialog import ConflictsDialog
from ui.dialogs import ManagerApprovalDialog

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def with_manager_pin(pin: str = MANAGER_PIN) -> None:
    """Type the PIN into the next manager approval dialog once it is open."""
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ManagerApprovalDialog):
            QTimer.singleShot(10, attempt)
            return
        dialog.pin.setText(pin)
        QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
    QTimer.singleShot(0, attempt)


def open_items(center: BackendServer) -> list[dict]:
    return center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()


def test_negative_stock_is_listed_and_a_count_clears_it(qtbot, ham: HamTill, center: BackendServer,
                                                        artifacts: Path) -> None:
    center.admin("POST", "/v1/admin/stock/adjustments", json={
        "store_id": "HAM", "product_id": THROW, "counted": 1, "adjusted_by": "Inventur"})
    ham.sync()
    sell(ham.store, ham.barcode(THROW), ham.barcode(THROW))  # offline: two sold, one was booked
    ham.sync()
    assert [i["kind"] for i in open_items(center)] == ["negative_stock"]

    dialog = ConflictsDialog(ham.store)
    qtbot.addWidget(dialog)
    dialog.show()
    panel = dialog.reconciliations
    assert panel.table.rowCount() == 1
    kind, subject, amount = (panel.table.item(0, c).text() for c in range(3))
    assert kind == "Negativer Bestand" and "Bestand -1" in subject and amount.endswith("€")
    assert panel.count_button.isEnabled()
    qtbot.wait(20)
    dialog.grab().save(str(artifacts / "reconciliations.png"))
    panel.counted.setValue(0)
    with_manager_pin()
    QTest.mouseClick(panel.count_button, Qt.MouseButton.LeftButton)
    assert "Zählung gebucht (+1)" in panel.message.text()
    ham.sync()
    panel.reload()
    assert panel.table.rowCount() == 0 and open_items(center) == []
    assert ham.center_stock(THROW) == (0, 0) and differences(center.database_url, ham.store) == []


def test_late_handover_closed_from_the_dialog(qtbot, ham: HamTill, center: BackendServer) -> None:
    number = web_pickup_order(center, (CUSHION, 1))["order_number"]
    ham.sync()
    ham.desk.pick_scan(number, ham.barcode(CUSHION))
    ham.desk.finish_picking(number, "Finn")
    ham.sync()
    center.admin("POST", f"/v1/channel/pickups/{number}/cancel")
    ham.desk.hand_over(number, ham.desk.get(number).customer_name, "id_check", "Lena")
    ham.sync()

    dialog = ConflictsDialog(ham.store)
    qtbot.addWidget(dialog)
    panel = dialog.reconciliations
    assert dialog.table.rowCount() == 0 and panel.table.rowCount() == 1  # no conflict: booked
    assert panel.table.item(0, 1).text() == f"Auftrag {number}" and panel.table.item(0, 2).text() == "25,00 €"
    assert not panel.count_button.isEnabled()
    panel.resolution.setCurrentIndex(panel.resolution.findData("goods_given"))
    panel.note.setText("Kulanz")
    with_manager_pin()
    QTest.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    assert panel.table.item(0, 4).text() == "wird abgeschlossen: Ware als überlassen gebucht"
    assert not panel.close_button.isEnabled()
    ham.sync()
    panel.reload()
    assert panel.table.rowCount() == 0
    [closed] = center.admin("GET", "/v1/admin/reconciliations", params={"status": "closed"}).json()
    assert (closed["resolution"], closed["note"]) == ("goods_given", "Kulanz")
    assert differences(center.database_url, ham.store) == []
