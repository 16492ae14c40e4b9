"""The center is the authority on a store sale's price (docs/prices.md, "The center's re-check"):
a till synced from the REAL center (loopback; PostgreSQL with $POS_TEST_DATABASE_URL) sells, and
the center prices the sale again by what IT holds: the tier of the sale's customer (not the one
the till stated) and, for a sale without any promotion, the promotions the till missed. A
difference books the sale as it was paid and opens a price_mismatch item; nothing is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from pos_app.till import TillSession
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
TIERS = ("Bronze", "Silber", "Gold")


def pull(t: Till) -> None:
    worker, seen = t.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error


def sell(t: Till, product_id: int, tier: str | None, customer_id: int | None):  # type: ignore[no-untyped-def]
    session = TillSession(t.store, LENA)
    session.promotions.tier = tier  # what the till believes
    session.customer_id = customer_id
    product = t.store.catalog.product(product_id)
    assert product is not None
    session.add(product, 2)
    session.pay_cash(session.cart.totals().total_cents)
    return session.complete()


def mismatches(t: Till) -> list[dict]:
    return [i for i in t.center.admin("GET", "/v1/admin/reconciliations").json() if i["kind"] == "price_mismatch"]


def a_customer(t: Till) -> tuple[int, str]:
    """A customer both know, and the tier the center holds for them."""
    with t.store.db.reading() as s:
        customer_id = s.execute(text("SELECT id FROM customers ORDER BY id LIMIT 1")).scalar_one()
    (_, product_id, _), = t.products(1)
    priced = t.center.admin("POST", "/v1/channel/carts/price", json={
        "channel": "store", "store_id": "BER", "customer_id": customer_id,
        "lines": [{"product_id": product_id, "quantity": 1}]}).json()
    return customer_id, priced["tier"]


def test_the_center_prices_by_the_tier_it_holds_for_the_customer(till: Till) -> None:  # noqa: F811
    (_, product_id, price), = till.products(1)
    customer_id, held = a_customer(till)
    other = next(t for t in TIERS if t != held)
    member = max(1, price // 2)
    till.center.admin("POST", "/v1/admin/promotions", json={
        "name": f"{other}-Preis", "kind": "member_price", "price_cents": member, "product_ids": [product_id],
        "tiers": [other]})
    till.center.admin("POST", "/v1/admin/promotions", json={
        "name": f"{held}-Preis", "kind": "member_price", "price_cents": price - 1, "product_ids": [product_id],
        "tiers": [held]})
    pull(till)

    agreed = sell(till, product_id, held, customer_id)  # the till knows the tier the center holds
    assert agreed.total_cents == 2 * (price - 1)
    pull(till)
    assert mismatches(till) == []

    claimed = sell(till, product_id, other, customer_id)  # the till thinks the customer is `other`
    assert claimed.total_cents == 2 * member
    pull(till)
    [item] = mismatches(till)
    assert item["amount_cents"] == 2 * (price - member) - 2 * 1  # the saving the center gives is 2 x 1 cent
    assert item["details"]["reason"] == "tier" and item["details"]["receipt_number"] == claimed.receipt_number
    assert (item["details"]["store_tier"], item["details"]["center_tier"]) == (other, held)
    assert item["details"]["customer_id"] == customer_id
    sales = {r[1]: r[2] for r in till.center_sales()}
    assert sales[claimed.receipt_number] == 2 * member  # booked as it was paid

    # a tier stated without a customer: the center holds no tier for nobody
    anonymous = sell(till, product_id, other, None)
    pull(till)
    newest = [i for i in mismatches(till) if i["details"]["receipt_number"] == anonymous.receipt_number]
    assert len(newest) == 1 and newest[0]["details"]["center_tier"] is None
    assert newest[0]["amount_cents"] == 2 * (price - member)
    with till.store.db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM outbox WHERE status = 'conflict'")).scalar() == 0


def test_a_sale_that_missed_a_promotion_is_booked_as_paid_and_shown_to_a_manager(till: Till) -> None:  # noqa: F811
    (_, product_id, price), (_, plain_id, plain_price) = till.products(2)
    pull(till)  # the till's feed ends here: the promotion below is news it has not seen (an old feed)
    till.center.admin("POST", "/v1/admin/promotions", json={
        "name": "10 % neu", "kind": "percent_off", "percent": "10", "product_ids": [product_id]})
    missed = sell(till, product_id, None, None)
    plain = sell(till, plain_id, None, None)  # no promotion of the center covers it
    assert missed.total_cents == 2 * price  # the till knew of no promotion
    with till.store.db.reading() as s:
        payloads = [p for (p,) in s.execute(text("SELECT payload FROM outbox WHERE type = 'sale.completed'"))]
    assert all('"pricing"' not in p for p in payloads)
    pull(till)  # both sales in one push: the fast path
    [item] = mismatches(till)
    assert item["amount_cents"] == (2 * price + 5) // 10  # 10 % of the line, half up to the cent
    assert item["details"]["reason"] == "missed_promotions" and item["details"]["receipt_number"] == missed.receipt_number
    assert item["details"]["store_saving_cents"] == 0 and len(item["details"]["center_promotions"]) == 1
    sales = {r[1]: r[2] for r in till.center_sales()}
    assert sales[missed.receipt_number] == 2 * price and sales[plain.receipt_number] == 2 * plain_price

    # the same sale event again: a duplicate, no second item
    from tests.test_coupon_release import as_event, outbox, push

    [first] = [r for r in outbox(till, "sale.completed") if missed.receipt_number in r.payload]
    assert push(till, as_event(first))[0] == "duplicate"
    assert len(mismatches(till)) == 1
