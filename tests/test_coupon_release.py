"""A coupon use taken online (POST /v1/coupons/redeem) goes back to the center when the coupon
leaves the cart without a sale (void, park, removed, its promotion did not apply): the till's
outbox sends coupon.released and the REAL center (loopback; PostgreSQL with
$POS_TEST_DATABASE_URL) frees the use once. A replay changes nothing; a release of a use a sale
booked is ignored (logged), never frees it; bad input is refused and changes nothing."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text

from pos_app.cart import CartError
from pos_app.till import TillSession
from pos_app.store.models import OutboxEvent
from sync.client import CenterClient
from sync.coupons import CenterCoupons
from sync.protocol import Event
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def pull(t: Till) -> None:
    worker, seen = t.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error


def coupon_promotion(t: Till, code: str, product_id: int, limit: int = 1) -> None:
    t.center.admin("POST", "/v1/admin/promotions", json={
        "name": "2 € Gutschein", "kind": "amount_off", "amount_cents": 200, "coupon_code": code,
        "coupon_limit": limit, "product_ids": [product_id]})


def session_online(t: Till, product_id: int) -> TillSession:
    session = TillSession(t.store, LENA)
    session.promotions.online_check = CenterCoupons(lambda: CenterClient(t.center.url, t.token))
    product = t.store.catalog.product(product_id)
    assert product is not None
    session.add(product, 1)
    return session


def free_at_center(t: Till, code: str, product_id: int) -> bool:
    priced = t.center.admin("POST", "/v1/channel/carts/price", json={
        "channel": "store", "store_id": "BER", "coupon_codes": [code],
        "lines": [{"product_id": product_id, "quantity": 1}]}).json()
    return code not in priced["coupons_refused"]


def redemptions(t: Till, code: str) -> list[tuple]:
    engine = create_engine(t.center.database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT id, released_at IS NOT NULL, sold_at IS NOT NULL FROM coupon_redemptions "
                "WHERE code = :c ORDER BY received_at"), {"c": code})]
    finally:
        engine.dispose()


def outbox(t: Till, kind: str) -> list[OutboxEvent]:
    with t.store.db.reading() as s:
        rows = s.query(OutboxEvent).filter_by(type=kind).order_by(OutboxEvent.seq).all()
        s.expunge_all()
        return rows


def as_event(row: OutboxEvent, **changes: object) -> Event:
    from pos_app.clock import parse_iso

    fields = {"id": row.id, "device_id": row.device_id, "seq": row.seq, "type": row.type,
              "schema_version": row.schema_version, "created_at": parse_iso(row.created_at),
              "payload": json.loads(row.payload)}
    fields.update(changes)
    return Event(**fields)  # type: ignore[arg-type]


def push(t: Till, event: Event) -> tuple[str, str | None]:
    [result] = CenterClient(t.center.url, t.token).push([event]).results
    return result.outcome.value, result.reason


def test_a_voided_cart_gives_its_online_coupon_back_once(till: Till, caplog) -> None:  # noqa: F811
    (_, product_id, price), = till.products(1)
    coupon_promotion(till, "ZWEI", product_id)
    pull(till)
    session = session_online(till, product_id)
    session.add_coupon("zwei")
    assert not session.promotions.coupons[0].offline
    assert not free_at_center(till, "ZWEI", product_id)  # the one use is taken at once
    session.void_sale()
    [released] = outbox(till, "coupon.released")
    assert json.loads(released.payload)["code"] == "ZWEI"
    assert not free_at_center(till, "ZWEI", product_id)  # not sent yet
    pull(till)
    assert free_at_center(till, "ZWEI", product_id)  # given back
    [(rid, was_released, sold)] = redemptions(till, "ZWEI")
    assert rid == json.loads(released.payload)["redemption_id"] and was_released and not sold

    # the same event again: a duplicate, nothing changes
    assert push(till, as_event(released))[0] == "duplicate"
    # the same release under a new event id (a till restored from a backup): nothing changes
    again = as_event(released, id=uuid.uuid4(), seq=released.seq + 1000)
    assert push(till, again)[0] == "applied"
    assert redemptions(till, "ZWEI") == [(rid, True, False)]

    # the customer uses it on the next sale: taken again, booked by the sale
    sale_session = session_online(till, product_id)
    sale_session.add_coupon("ZWEI")
    sale_session.pay_cash(sale_session.cart.totals().total_cents)
    sale = sale_session.complete()
    pull(till)
    assert not free_at_center(till, "ZWEI", product_id)
    sold_rid = json.loads(outbox(till, "coupon.redeemed")[0].payload)["redemption_id"]
    assert (sold_rid, False, True) in redemptions(till, "ZWEI")
    assert sale.total_cents == price - min(200, price)

    # a release of the sold use (a bug, a forged event): ignored and logged, the use stays
    forged = as_event(released, id=uuid.uuid4(), seq=released.seq + 2000,
                      payload={"redemption_id": sold_rid, "code": "ZWEI", "released_at": "2026-01-01T00:00:00Z"})
    caplog.set_level("WARNING", logger="backend.promotions_events")
    assert push(till, forged)[0] == "applied"
    assert not free_at_center(till, "ZWEI", product_id)
    assert (sold_rid, False, True) in redemptions(till, "ZWEI")
    with till.store.db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM outbox WHERE status = 'conflict'")).scalar() == 0


def test_bad_releases_are_refused_and_change_nothing(till: Till) -> None:  # noqa: F811
    (_, product_id, _), = till.products(1)
    coupon_promotion(till, "DREI", product_id)
    pull(till)
    session = session_online(till, product_id)
    session.add_coupon("DREI")
    rid = session.promotions.coupons[0].redemption_id
    template = OutboxEvent(id=str(uuid.uuid4()), device_id="BER-K1", seq=900_000, type="coupon.released",
                           schema_version=1, created_at="2026-01-01T00:00:00Z", payload="{}")

    def release(seq: int, **payload: object) -> tuple[str, str | None]:
        body = {"redemption_id": rid, "code": "DREI", "released_at": "2026-01-01T00:00:00Z", **payload}
        return push(till, as_event(template, id=uuid.uuid4(), seq=seq, payload=body))

    outcome, reason = release(900_001, redemption_id=str(uuid.uuid4()))
    assert outcome == "rejected" and "no coupon redemption" in (reason or "")
    outcome, reason = release(900_002, code="ANDERS")
    assert outcome == "rejected" and "is of code DREI" in (reason or "")
    # an offline coupon the center never counted: nothing to free, not a conflict
    assert release(900_003, redemption_id=str(uuid.uuid4()), offline=True)[0] == "applied"
    with pytest.raises(ValueError):  # malformed: the protocol refuses it before it is sent
        as_event(template, payload={"redemption_id": "kein-uuid", "code": "DREI", "released_at": "x"})
    assert not free_at_center(till, "DREI", product_id)  # nothing was freed
    assert redemptions(till, "DREI") == [(rid, False, False)]

    # another store's till cannot free this store's use
    other = till.center.register_device("HAM-K1", "HAM", "Kasse 1")
    foreign = as_event(template, id=uuid.uuid4(), device_id="HAM-K1", seq=1,
                       payload={"redemption_id": rid, "code": "DREI", "released_at": "2026-01-01T00:00:00Z"})
    [result] = CenterClient(till.center.url, other).push([foreign]).results
    assert result.outcome.value == "rejected" and "belongs to store 'BER'" in (result.reason or "")
    assert redemptions(till, "DREI") == [(rid, False, False)]


def test_park_remove_and_a_coupon_that_did_not_apply_give_the_use_back(till: Till) -> None:  # noqa: F811
    (_, product_id, price), (_, other_id, _) = till.products(2)
    coupon_promotion(till, "VIER", product_id, limit=3)
    pull(till)
    parked = session_online(till, product_id)
    parked.add_coupon("VIER")
    parked.park()
    assert parked.promotions.coupons == []
    removed = session_online(till, product_id)
    removed.add_coupon("VIER")
    with pytest.raises(CartError, match="nicht auf dem Bon"):
        removed.remove_coupon("NIX")  # nothing changes
    assert len(removed.promotions.coupons) == 1
    removed.remove_coupon("vier")
    assert removed.cart.totals().total_cents == price
    # a sale of another product: the coupon's promotion does not apply, its use goes back
    unused = session_online(till, other_id)
    unused.add_coupon("VIER")  # valid here and now, yet for another product
    unused.pay_cash(unused.cart.totals().total_cents)
    unused.complete()
    assert len(outbox(till, "coupon.released")) == 3 and not outbox(till, "coupon.redeemed")
    assert len(redemptions(till, "VIER")) == 3 and not free_at_center(till, "VIER", product_id)
    pull(till)
    assert redemptions(till, "VIER") == [(r[0], True, False) for r in redemptions(till, "VIER")]
    assert free_at_center(till, "VIER", product_id)


def test_the_coupon_release_migration_matches_the_model_and_goes_down_and_up(tmp_path) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import backend.promotions_models  # noqa: F401  (registers the tables in Base.metadata)
    from backend.migrations.runner import alembic_config, upgrade_to_head
    from backend.models import Base

    engine = create_engine(f"sqlite:///{tmp_path / 'center.db'}")
    try:
        upgrade_to_head(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diff if "coupon_redemptions" in repr(d)] == []
        config = alembic_config(engine)
        command.downgrade(config, "0016_stock_costs")
        with engine.connect() as conn:
            columns = {c[1] for c in conn.execute(text("PRAGMA table_info(coupon_redemptions)"))}
        assert "released_at" not in columns and "sold_at" not in columns
        command.upgrade(config, "head")
        with engine.connect() as conn:
            columns = {c[1] for c in conn.execute(text("PRAGMA table_info(coupon_redemptions)"))}
        assert {"released_at", "sold_at"} <= columns
    finally:
        engine.dispose()


def test_a_sale_that_fails_half_way_releases_nothing_and_the_retry_once(till: Till, monkeypatch) -> None:  # noqa: F811
    import pos_app.clienteling as clienteling

    (_, product_id, _), (_, other_id, _) = till.products(2)
    coupon_promotion(till, "FUENF", product_id)
    pull(till)
    session = session_online(till, other_id)  # the coupon's promotion will not apply to this sale
    session.add_coupon("FUENF")
    with till.store.db.reading() as s:
        session.customer_id = s.execute(text("SELECT id FROM customers ORDER BY id LIMIT 1")).scalar_one()
    session.pay_cash(session.cart.totals().total_cents)
    real = clienteling.link_sale

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(clienteling, "link_sale", broken)  # fails after book_coupons, in the sale's transaction
    with pytest.raises(OSError):
        session.complete()
    assert outbox(till, "coupon.released") == [] and outbox(till, "sale.completed") == []
    assert len(session.promotions.coupons) == 1  # still on the cart
    monkeypatch.setattr(clienteling, "link_sale", real)
    session.complete()
    assert len(outbox(till, "coupon.released")) == 1 and len(outbox(till, "sale.completed")) == 1
    assert session.promotions.coupons == []
    pull(till)
    assert free_at_center(till, "FUENF", product_id)
    assert [r[1:] for r in redemptions(till, "FUENF")] == [(True, False)]
