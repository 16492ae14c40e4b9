"""Counts with the scanner (issue 14) against the real center on loopback: a count on two
tablets of one store while the till sells, merged at the center by its snapshot rule; a recount
replaces a line; a product below zero is counted back and its alert closes; bad input counts
nothing; a resent scan changes nothing; a scan after booking is refused onto the conflict list.
A consistency check after each story: zero differences."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.gtin import with_check_digit
from pos_app.stock.counts import StockCounts
from pos_app.stock.rules import StockRuleError
from pos_app.store.models import OutboxEvent
from pos_app.store.staff import StaffMember
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, GREEN_SOFA, THROW, HamTill, open_ham_till
from tests.sync_helpers import sell

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
FINN = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def devices(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[tuple[HamTill, HamTill, HamTill]]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    tab1 = open_ham_till(center, store_path, tmp_path / "tab1.db", "HAM-T1")
    tab2 = open_ham_till(center, store_path, tmp_path / "tab2.db", "HAM-T2")
    yield till, tab1, tab2
    for d in (till, tab1, tab2):
        d.store.close()


def open_alerts(center: BackendServer) -> list[dict]:
    return [i for i in center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
            if i["kind"] == "negative_stock"]


def all_consistent(center: BackendServer, *devices: HamTill) -> None:
    for d in devices:
        d.sync()
    stores = [d.store for d in devices]
    assert differences(center.database_url, *stores) == []
    assert stock_operation_differences(center.database_url, *stores) == []


def test_a_count_on_two_tablets_while_the_till_sells(devices: tuple[HamTill, HamTill, HamTill],
                                                     center: BackendServer) -> None:
    till, tab1, tab2 = devices
    # THROW goes below zero first: the center thinks 0, the till sells one (offline truth: one was there)
    center.admin("POST", "/v1/admin/stock/adjustments", json={
        "store_id": "HAM", "product_id": THROW, "counted": 0, "adjusted_by": "Zentrale"})
    till.sync()
    sell(till.store, till.barcode(THROW))
    till.sync()
    assert till.center_stock(THROW)[0] == -1 and len(open_alerts(center)) == 1

    counts = StockCounts(tab1.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION, THROW))
    tab1.sync()
    tab2.sync()
    [joined] = StockCounts(tab2.store).counts()  # the second tablet joins through the feed
    assert joined.count_id == started.count_id and joined.product_ids == (CUSHION, THROW)

    # both tablets count offline: cushions on two shelves, throws on one, then recounted
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=3)
    other = StockCounts(tab2.store)
    other.scan(started.count_id, tab2.barcode(CUSHION), FINN)
    assert other.scan(started.count_id, tab2.barcode(CUSHION), FINN).quantity == 2
    other.scan(started.count_id, tab2.barcode(THROW), FINN, quantity=5)
    other.recount(started.count_id, THROW, 4, FINN)  # five was wrong: four on the shelf
    with pytest.raises(StockRuleError, match="Zählliste"):
        other.scan(started.count_id, tab2.barcode(GREEN_SOFA), FINN)  # not on the list: nothing counted
    with pytest.raises(StockRuleError, match="Unbekannter Artikel"):
        other.scan(started.count_id, with_check_digit("400000000001"), FINN)
    with pytest.raises(StockRuleError):
        other.scan(started.count_id, tab2.barcode(THROW), FINN, quantity=-1)
    with pytest.raises(StockRuleError, match="Höchstens"):
        other.recount(started.count_id, THROW, 1_000_000, FINN)
    tab1.sync()
    tab2.sync()  # the counts arrive: the snapshots are the center's figures now
    cushions_at_snapshot = till.center_stock(CUSHION)[0]

    sell(till.store, till.barcode(CUSHION))  # the till sells during the count, after the snapshot
    till.sync()
    preview = counts.variance(started.count_id)  # tablet 1's own figures only: a preview
    assert preview.products == 2 and preview.lines[0].product_id in (CUSHION, THROW)

    report = center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()
    lines = {line["product_id"]: line for line in report["line_items"]}
    assert lines[CUSHION]["counted"] == 5 and lines[CUSHION]["devices"] == 2
    assert lines[CUSHION]["snapshot"] == cushions_at_snapshot
    assert lines[THROW]["counted"] == 4 and lines[THROW]["devices"] == 1 and lines[THROW]["snapshot"] == -1

    StockCounts(tab1.store).approve(started.count_id, JONAS)
    assert StockCounts(tab1.store).get(started.count_id).status == "approving"
    tab1.sync()
    booked = center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()
    assert booked["status"] == "booked"
    # the shelf had 5 cushions when counted, one was sold after: 4; the throws are 4
    assert till.center_stock(CUSHION)[0] == 4 and till.center_stock(THROW)[0] == 4
    assert open_alerts(center) == []  # counting cleared the negative stock
    all_consistent(center, till, tab1, tab2)
    assert till.desk.on_hand(CUSHION) == 4 and tab2.desk.on_hand(THROW) == 4
    assert StockCounts(tab2.store).counts() == []  # booked: no longer open anywhere

    # a late scan after booking is refused onto the manager's conflict list, nothing moves
    with tab2.store.db.writing() as s:  # as if tab2 had been offline: its copy still open
        s.connection().exec_driver_sql("UPDATE stock_counts SET status = 'open' WHERE count_id = ?",
                                       (started.count_id,))
    other.scan(started.count_id, tab2.barcode(CUSHION), FINN)
    tab2.sync()
    [conflict] = tab2.store.conflicts()
    assert conflict.type == "count.counted" and "booked already" in conflict.reason
    assert till.center_stock(CUSHION)[0] == 4


def test_a_resent_scan_changes_nothing(devices: tuple[HamTill, HamTill, HamTill], center: BackendServer) -> None:
    till, tab1, _ = devices
    counts = StockCounts(tab1.store)
    started = counts.start("store", FINN, JONAS)
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=7)
    tab1.sync()
    with tab1.store.db.writing() as s:  # every event sent again (answers lost): applied once
        s.query(OutboxEvent).update({"status": "pending"})
    tab1.sync()
    report = center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()
    valuation = ("value_cost_cents", "value_retail_cents", "price_cents", "cost_cents")  # tests/test_stock_costs.py
    assert [{k: v for k, v in line.items() if k not in valuation} for line in report["line_items"]] == [
        {"product_id": CUSHION, "snapshot": report["line_items"][0]["snapshot"],
         "counted": 7, "variance": 7 - report["line_items"][0]["snapshot"], "booked_delta": None, "devices": 1}]
    preview = counts.variance(started.count_id)
    assert preview.products >= 1 and any(line.product_id == CUSHION and line.counted == 7 for line in preview.lines)
    all_consistent(center, till, tab1)
