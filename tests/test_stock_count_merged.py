"""The merged count variance on the manager's tablet (issue 14), against the real center on
loopback: two tablets count, the Inventur screen on one of them shows every device's figures
(GET /v1/stock/counts/{id} with the device token, CenterClient.count_report) with units, value
at cost and at retail; offline, or before the center knows the count, it shows this device's own
figures and says so. The endpoint is store-scoped: another store's device gets 404."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import Qt

from pos_app.stock.count_merged import count_variance
from pos_app.stock.counts import StockCounts
from pos_app.store.staff import StaffMember
from sync.client import CenterClient, SyncError
from tests.backend_server import BackendServer, backend_database_url
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till
from tests.test_stock_gui import screen_rules
from tests.transfer_helpers import open_till
from ui.conflicts_dialog import ask_manager
from ui.stock_count import CountDialog

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
FINN = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def tablets(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[tuple[HamTill, HamTill]]:
    tab1 = open_ham_till(center, store_path, tmp_path / "tab1.db", "HAM-T1")
    tab2 = open_ham_till(center, store_path, tmp_path / "tab2.db", "HAM-T2")
    yield tab1, tab2
    for d in (tab1, tab2):
        d.store.close()


def fetch_of(till: HamTill, url: str | None = None):  # type: ignore[no-untyped-def]
    """What ui.stock_glue passes the dialog: the center's report, ConnectionError without one."""
    def fetch(count_id: str) -> dict[str, Any]:
        client = CenterClient(url or till.center.url, till.token, timeout=(1, 5))
        try:
            return client.count_report(count_id)
        except SyncError as exc:
            raise ConnectionError(str(exc)) from exc
        finally:
            client.close()
    return fetch


def test_the_manager_sees_every_devices_figures_before_approving(qtbot, tablets: tuple[HamTill, HamTill],
                                                                center: BackendServer, store_path: Path,
                                                                tmp_path: Path) -> None:
    tab1, tab2 = tablets
    counts = StockCounts(tab1.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION, THROW))
    # before the center knows the count: this device's own figures, and it says so
    assert count_variance(counts, started.count_id, fetch_of(tab1)).merged is False
    tab1.sync()
    tab2.sync()
    cushions = tab1.center_stock(CUSHION)[0]
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=3)
    StockCounts(tab2.store).scan(started.count_id, tab2.barcode(CUSHION), FINN, quantity=4)
    tab1.sync()
    tab2.sync()

    own = counts.variance(started.count_id)
    assert {ln.product_id: ln.counted for ln in own.lines}.get(CUSHION) == 3  # only tablet 1's
    merged = count_variance(counts, started.count_id, fetch_of(tab1))
    assert merged.merged
    line = {ln.product_id: ln for ln in merged.variance.lines}[CUSHION]
    assert line.counted == 7 and line.expected == cushions and line.variance == 7 - cushions
    assert line.value_cost_cents == line.variance * line.cost_cents and line.cost_cents
    assert merged.variance.units == 7 - cushions  # the throws: nobody counted them yet

    dialog = CountDialog(counts, FINN, ask_manager(tab1.store), fetch_report=fetch_of(tab1))
    qtbot.addWidget(dialog)
    dialog.show()
    screen_rules(dialog)
    dialog.choice.setCurrentIndex(max(dialog.choice.findData(started.count_id), 0))
    qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.variance_button, Qt.MouseButton.LeftButton)
    assert "aller Geräte" in dialog.summary.text() and "Einkaufspreis" in dialog.summary.text()
    assert dialog.table.columnCount() == 6 and dialog.table.item(0, 2).text() == "7"
    dialog.close()

    offline = CountDialog(counts, FINN, ask_manager(tab1.store), fetch_report=fetch_of(tab1, "http://127.0.0.1:9"))
    qtbot.addWidget(offline)
    offline.show()
    offline.choice.setCurrentIndex(max(offline.choice.findData(started.count_id), 0))
    qtbot.mouseClick(offline.join_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(offline.variance_button, Qt.MouseButton.LeftButton)
    assert "nur dieses Geräts (offline" in offline.summary.text()
    counted = sorted(offline.table.item(r, 2).text() for r in range(offline.table.rowCount()))
    assert counted == ["0", "3"]  # its own 3 cushions, and the throws nobody counted here
    offline.close()

    # store-scoped: a Berlin device does not see Hamburg's count; an unknown count is 404
    ber = open_till(center, store_path, tmp_path / "ber.db", "BER", "BER-K1")
    try:
        for token, count_id in ((ber.token, started.count_id), (tab1.token, "no-such-count")):
            answer = requests.get(f"{center.url}/v1/stock/counts/{count_id}", timeout=30,
                                  headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 404, answer.text
        assert requests.get(f"{center.url}/v1/stock/counts/{started.count_id}", timeout=30).status_code == 401
    finally:
        ber.store.close()
