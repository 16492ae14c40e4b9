"""Cancelling a count before approval (issue 14, count.cancelled), against the real center on
loopback: a manager cancels on one tablet, the center closes the count without booking
anything, the other tablet sees it closed through the feed, a figure it counted offline
meanwhile is refused onto the conflict list (counts move no goods). A cashier cannot cancel,
a cancel without a reason writes nothing; a booked count cannot be cancelled."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.stock.counts import StockCounts
from pos_app.stock.rules import StockRuleError
from pos_app.store.models import OutboxEvent
from pos_app.store.staff import StaffMember
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till

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


def events(till: HamTill) -> int:
    with till.store.db.reading() as s:
        return s.query(OutboxEvent).count()


def test_a_count_cancelled_before_approval_books_nothing(tablets: tuple[HamTill, HamTill],
                                                         center: BackendServer) -> None:
    tab1, tab2 = tablets
    cushions = tab1.center_stock(CUSHION)[0]
    counts, other = StockCounts(tab1.store), StockCounts(tab2.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION, THROW))
    tab1.sync()
    tab2.sync()
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=cushions + 5)
    tab1.sync()

    before = events(tab1)
    with pytest.raises(StockRuleError, match="Marktleitung"):
        counts.cancel(started.count_id, FINN, "falsch gestartet")
    with pytest.raises(StockRuleError, match="Grund"):
        counts.cancel(started.count_id, JONAS, "  ")
    with pytest.raises(StockRuleError, match="zu lang"):
        counts.cancel(started.count_id, JONAS, "x" * 201)
    assert events(tab1) == before and counts.get(started.count_id).status == "open"

    counts.cancel(started.count_id, JONAS, "falscher Bereich")
    assert counts.counts() == [] and counts.get(started.count_id).status == "cancelled"
    with pytest.raises(StockRuleError, match="abgeschlossen"):
        counts.scan(started.count_id, tab1.barcode(CUSHION), FINN)
    with pytest.raises(StockRuleError, match="abgeschlossen"):
        counts.approve(started.count_id, JONAS)
    other.scan(started.count_id, tab2.barcode(THROW), FINN)  # tablet 2 has not heard yet (offline)
    tab1.sync()
    report = center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()
    assert report["status"] == "cancelled"
    assert tab1.center_stock(CUSHION)[0] == cushions  # nothing booked
    assert counts.get(started.count_id).status == "cancelled"  # the feed confirmed it

    tab2.sync()
    assert other.counts() == [] and other.get(started.count_id).status == "cancelled"
    [conflict] = tab2.store.conflicts()
    assert conflict.type == "count.counted" and "cancelled" in conflict.reason
    tab2.store.decide_conflict(conflict.event_id, resend=False, manager_id=2, manager_name=JONAS.name)
    for till in (tab1, tab2, tab1, tab2):
        till.sync()
    stores = [tab1.store, tab2.store]
    assert differences(center.database_url, *stores) == []
    assert stock_operation_differences(center.database_url, *stores) == []


def test_a_booked_count_cannot_be_cancelled(tablets: tuple[HamTill, HamTill], center: BackendServer) -> None:
    tab1, tab2 = tablets
    counts, other = StockCounts(tab1.store), StockCounts(tab2.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION,))
    tab1.sync()
    tab2.sync()
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=3)
    counts.approve(started.count_id, JONAS)
    other.cancel(started.count_id, JONAS, "doch nicht")  # tablet 2 has not heard of the approval
    tab1.sync()
    tab2.sync()
    assert center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()["status"] == "booked"
    assert other.get(started.count_id).status == "booked"  # the center's word: the approval came first
    [conflict] = tab2.store.conflicts()
    assert conflict.type == "count.cancelled" and "booked already" in conflict.reason
