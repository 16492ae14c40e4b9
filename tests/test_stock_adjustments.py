"""Stock adjustments with reasons (issue 14): damaged, theft, own use, found; a manager's PIN
above the value limit; each one an outbox event booked once at the center, audited, on the
change feed. Against the real center on loopback; a consistency check after each."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.stock.adjustments import ApprovalNeeded, StockAdjustments
from pos_app.stock.rules import ADJUSTMENT_SIGNS, StockRuleError, adjustment_delta, line_difference
from pos_app.store.models import AuditEntry, OutboxEvent
from pos_app.store.staff import LoginError, StaffMember
from sync.protocol_reconciliations import ADJUSTMENT_SIGNS as WIRE_SIGNS, StockAdjustedV1
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till
from tests.store_fixture import MANAGER_PIN
from tests.sync_helpers import statuses

backend_db = pytest.fixture(backend_database_url)
LENA = StaffMember(1, "Lena Schmidt", "cashier")


def test_the_rules_are_the_protocols() -> None:
    assert ADJUSTMENT_SIGNS == WIRE_SIGNS
    assert adjustment_delta("damaged", 2) == -2 and adjustment_delta("found", 3) == 3
    for bad in (0, -1, 100_000):
        with pytest.raises(StockRuleError):
            adjustment_delta("theft", bad)
    with pytest.raises(StockRuleError):
        adjustment_delta("lost_in_space", 1)
    assert line_difference(5, 3, 1).short == 1 and line_difference(2, 3, 0).over == 1
    with pytest.raises(ValueError):  # the wire refuses a write-off that adds stock
        StockAdjustedV1.model_validate({
            "adjustment_id": "3f1c1d9e-2a53-4a8e-9c61-0c2f6e7b5d11", "store_id": "HAM", "product_id": 1, "delta": 2,
            "reason": "theft", "adjusted_by": "x", "adjusted_at": "2026-12-07T10:00:00+00:00"})


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def on_hand(till: HamTill, product_id: int) -> int:
    return till.desk.on_hand(product_id)


@pytest.mark.slow
def test_adjustments_with_and_without_pin(ham: HamTill, center: BackendServer) -> None:
    desk = StockAdjustments(ham.store, pin_limit_cents=100_00)  # one cushion 79.99, three throws 269.97
    cushions, throws = on_hand(ham, CUSHION), on_hand(ham, THROW)
    cheap = desk.adjust(CUSHION, "damaged", 1, LENA)  # under the limit: no PIN
    assert (cheap.delta, cheap.approved_by, cheap.on_hand) == (-1, None, cushions - 1)
    assert desk.value_of(THROW, 3) > 100_00
    before = adjusted_events(ham)
    with pytest.raises(ApprovalNeeded, match="Freigabe"):
        desk.adjust(THROW, "theft", 3, LENA)
    with pytest.raises(LoginError):
        ham.store.staff.log_in(2, "0000", "approval")  # a wrong PIN approves nothing
    assert adjusted_events(ham) == before and on_hand(ham, THROW) == throws  # nothing booked (the failed PIN is audited)
    manager = ham.store.staff.log_in(2, MANAGER_PIN, "approval")
    approved = desk.adjust(THROW, "theft", 3, LENA, approver=manager, note="Regal leer")
    found = desk.adjust(CUSHION, "found", 2, LENA, approver=manager)
    own = desk.adjust(CUSHION, "own_use", 1, LENA)
    assert on_hand(ham, THROW) == throws - 3 and on_hand(ham, CUSHION) == cushions - 1 + 2 - 1
    with pytest.raises(StockRuleError):
        desk.adjust(CUSHION, "found", -4, LENA)  # negative quantity
    with pytest.raises(StockRuleError):
        desk.adjust(999_999, "found", 1, LENA)  # unknown product
    with ham.store.db.reading() as s:
        entries = [(e.action, e.actor_name) for e in s.query(AuditEntry).filter_by(action="stock.adjusted")]
        assert len(entries) == 4
    ham.sync()

    for event in (cheap, approved, found, own):
        assert statuses(ham.store)[event.event_id] == "sent"
    assert ham.center_stock(THROW)[0] == throws - 3 and ham.center_stock(CUSHION)[0] == cushions
    feed = ham_feed(center, ham)
    assert f"{THROW}@HAM" in feed  # on the change feed
    with ham.store.db.writing() as s:  # sent again (the answer was lost): booked once
        s.get(OutboxEvent, approved.event_id).status = "pending"
    ham.sync()
    assert ham.center_stock(THROW)[0] == throws - 3
    assert differences(center.database_url, ham.store) == []
    assert stock_operation_differences(center.database_url, ham.store) == []


def adjusted_events(ham: HamTill) -> int:
    with ham.store.db.reading() as s:
        return s.query(OutboxEvent).filter_by(type="stock.adjusted").count()


def ham_feed(center: BackendServer, ham: HamTill) -> set[str]:
    import requests
    page = requests.get(f"{center.url}/v1/changes", params={"after": 0, "limit": 5000}, timeout=10,
                        headers={"Authorization": f"Bearer {ham.token}"}).json()
    return {c["key"] for c in page["changes"] if c["kind"] == "stock"}


@pytest.mark.slow
def test_center_adjustment_endpoint_takes_the_reasons(ham: HamTill, center: BackendServer) -> None:
    throws = ham.center_stock(THROW)[0]
    out = center.admin("POST", "/v1/admin/stock/adjustments", json={
        "store_id": "HAM", "product_id": THROW, "delta": -1, "reason": "damaged", "adjusted_by": "Zentrale"}).json()
    assert out["quantity"] == throws - 1
    ham.sync()
    assert on_hand(ham, THROW) == throws - 1
    assert differences(center.database_url, ham.store) == []
