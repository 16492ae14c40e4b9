"""A refused goods receipt acknowledged by the manager (issue 14), against the real center on
loopback: a delivery is booked with an item only this device knows, the center refuses the
stock.received event (unknown product), the manager takes note. Then what physically happened
is booked (the known items as stock.adjusted events the center books with a reconciliation,
the unknown one left out), the delivery no longer shows as "booked here", its draft is
"refused", it cannot be booked a second time here, and the consistency checks find nothing."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pos_app.stock.receiving import GoodsReceiving
from pos_app.stock.rules import StockRuleError
from pos_app.store.models import Price
from pos_app.store.staff import StaffMember
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, HamTill, open_ham_till
from tests.sync_helpers import statuses

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
FINN = StaffMember(1, "Lena Schmidt", "cashier")
LOCAL_ONLY = 999_001


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def test_an_acknowledged_refused_receipt_is_booked_as_what_happened(ham: HamTill, center: BackendServer) -> None:
    center.admin("POST", "/v1/admin/stock/deliveries", json={
        "store_id": "HAM", "supplier": "Zentrallager", "number": "LS-REF-1", "lines": [{"product_id": CUSHION,
                                                                                       "quantity": 2}]})
    ham.sync()
    with ham.store.db.writing() as s:  # an item only this device knows: the center refuses the receipt
        s.execute(text("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                       "VALUES (:p, 'LOCAL-1', 'Nur lokal bekannt', 'Test', 19, 1)"), {"p": LOCAL_ONLY})
        s.execute(text("INSERT INTO barcodes (code, product_id, symbology) VALUES ('LOCAL-1', :p, 'CODE128')"),
                  {"p": LOCAL_ONLY})
        s.add(Price(product_id=LOCAL_ONLY, store_id="HAM", gross_cents=500))
    cushions = ham.center_stock(CUSHION)[0]
    receiving = GoodsReceiving(ham.store)
    draft = receiving.open("LS-REF-1", FINN.name)
    receiving.scan(draft.draft_id, ham.barcode(CUSHION), quantity=2)
    receiving.scan(draft.draft_id, "LOCAL-1")
    receiving.set_line(draft.draft_id, LOCAL_ONLY, 1, 0, "zu viel geliefert")
    booked = receiving.book(draft.draft_id, FINN)
    ham.sync()
    assert statuses(ham.store)[booked.event_id] == "conflict"
    [conflict] = ham.store.conflicts()
    assert "unknown product id 999001" in conflict.reason
    assert any("LS-REF-1 booked here" in d for d in stock_operation_differences(center.database_url, ham.store))

    ham.store.decide_conflict(booked.event_id, resend=False, manager_id=2, manager_name="Jonas Weber")
    assert [d.status for d in receiving.deliveries() if d.number == "LS-REF-1"] == ["expected"]
    with pytest.raises(StockRuleError, match="schon eingegangen"):
        receiving.open("LS-REF-1", FINN.name)  # not a second time: the goods are booked already
    with ham.store.db.reading() as s:
        assert s.execute(text("SELECT status FROM receiving_drafts WHERE id = :d"), {"d": draft.draft_id}).scalar() \
            == "refused"
    ham.sync()
    ham.sync()
    assert ham.store.conflicts() == []
    assert ham.center_stock(CUSHION)[0] == cushions + 2  # the two cushions are on the shelf: booked
    recs = center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
    assert any(r["status"] == "open" and r["kind"] != "negative_stock" for r in recs)  # and reconciled
    assert stock_operation_differences(center.database_url, ham.store) == []
    assert differences(center.database_url, ham.store) == []
