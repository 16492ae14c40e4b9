"""The Z report reaches the REAL center over HTTP on loopback (tests/backend_server.py;
PostgreSQL when $POS_TEST_DATABASE_URL is set, else SQLite): the day.closed event is applied
once into day_closings, with the audit entries of the shift; a second Z with a number the
center already holds is refused and becomes a conflict for the manager."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text

from pos_app.shift import BusinessCase, MovementKind
from pos_app.store.models import OutboxEvent
from pos_app.store.staff import StaffMember
from sync.client import CenterClient
from sync.protocol import Event
from tests.sync_helpers import sell, statuses
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
JONAS = StaffMember(2, "Jonas Weber", "manager")


def center_rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_a_closed_day_is_synced_to_the_center_once(till: Till, backend_db: str) -> None:
    (code, _, price), = till.products(1)
    sell(till.store, code, code)
    till.store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 500, "Porto", JONAS)
    expected = till.store.cashbook.x_report().cash.expected_cents
    closed = till.store.cashbook.close(expected + 20, JONAS)  # 0,20 over
    assert closed.pending_events >= 2

    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert set(statuses(till.store).values()) == {"sent"}
    rows = center_rows(backend_db, "SELECT z_number, device_id, store_id, sales_count, total_cents, "
                                   "cash_expected_cents, cash_counted_cents, cash_difference_cents, report "
                                   "FROM day_closings")
    assert len(rows) == 1
    z, device, store, count, total, exp, counted, diff, report = rows[0]
    assert (z, device, store, count, total) == (1, "BER-K1", "BER", 1, 2 * price)
    assert (exp, counted, diff) == (expected, expected + 20, 20)
    report = report if isinstance(report, dict) else json.loads(report)
    assert report["cash"]["paid_out_cents"] == 500 and report["movements"][0]["business_case"] == "Auszahlung"
    actions = {a for (a,) in center_rows(backend_db, "SELECT action FROM audit_entries WHERE device_id = 'BER-K1'")}
    assert {"cash.paid_out", "shift.closed"} <= actions

    # the same Z number again, under a new idempotency key (a till restored from a backup):
    # refused with a reason, nothing doubled
    with till.store.db.reading() as s:
        original = s.query(OutboxEvent).filter_by(type="day.closed").one()
    copy = Event(id=uuid.uuid4(), device_id="BER-K1", seq=original.seq + 1000, type="day.closed",
                 schema_version=1, created_at=original.created_at, payload=json.loads(original.payload))
    [result] = CenterClient(till.center.url, till.token).push([copy]).results
    assert result.outcome.value == "rejected" and "Z 1 of BER-K1 is already recorded" in (result.reason or "")
    assert len(center_rows(backend_db, "SELECT id FROM day_closings")) == 1


def test_the_day_closings_migration_matches_the_model(tmp_path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from backend.migrations.runner import upgrade_to_head
    from backend.models import Base

    engine = create_engine(f"sqlite:///{tmp_path / 'center.db'}")
    try:
        upgrade_to_head(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in diff if "day_closings" in repr(d)] == []


def test_a_day_with_returns_and_signed_returns_reaches_the_center(till: Till, backend_db: str) -> None:
    """The Z report with returns (negative tenders and VAT, store credit apart) and a return whose
    event carries its TSE outcome are accepted by the real center."""
    from pos_app.fiscal.dev_tse import DevelopmentTse
    from pos_app.fiscal.signing import FiscalSigner
    from pos_app.refunds import RefundTender
    from pos_app.returns import Choice, ReturnsService

    (code, _, price), = till.products(1)
    first, second = sell(till.store, code), sell(till.store, code)
    signer = FiscalSigner(DevelopmentTse(till.store.db), "BER-K1")
    returns = ReturnsService(till.store, StaffMember(1, "Lena Schmidt", "cashier"), signer=signer)
    for done, tender in ((first, "cash"), (second, "voucher")):
        purchase = returns.find(done.receipt_number).purchase
        returns.complete(purchase, returns.items(purchase, [Choice(1, 1)]), [RefundTender(tender, price)])
    signer.close()
    report = till.store.cashbook.x_report()
    assert report.total_cents == 0 and report.cash.cash_tenders_cents == 2 * price - price  # one refund in cash
    closed = till.store.cashbook.close(report.cash.expected_cents, JONAS)

    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert set(statuses(till.store).values()) == {"sent"}  # sales, returns (with tse), day.closed: all applied
    [(total, stored)] = center_rows(backend_db, "SELECT total_cents, report FROM day_closings")
    stored = stored if isinstance(stored, dict) else json.loads(stored)
    assert total == 0 and stored["returns"] == {"count": 2, "amount_cents": -2 * price}
    assert stored["vouchers_issued"] == {"count": 1, "amount_cents": price} and closed.z_number == 1
    assert len(center_rows(backend_db, "SELECT id FROM returns")) == 2
