"""Promotions at a till synced from the REAL center (loopback): a 3-for-2 sold, its saving on
the printed receipt (ESC/POS decoded), the sale at the center with its allocation and no price
mismatch, partial returns refunding by the one rule that till and center share; a coupon
taken once per till while the center is down."""
from __future__ import annotations

import pytest

from hardware.receipt_printer import render_escpos
from pos_app.cart import CartError
from pos_app.money import format_euro
from pos_app.receipt import PAPER_80MM, layout
from pos_app.returns import Choice, ReturnsService
from pos_app.till import TillSession
from sync.client import CenterClient
from sync.purchases import CenterPurchases
from tests.escpos_decode import decode
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def pull(t: Till) -> None:
    worker, seen = t.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error


def sell(t: Till, product_id: int, quantity: int, coupon: str | None = None) -> tuple[TillSession, object]:
    session = TillSession(t.store, LENA)
    product = t.store.catalog.product(product_id)
    assert product is not None
    session.add(product, quantity)
    if coupon:
        session.add_coupon(coupon)
    totals = session.cart.totals()
    session.pay_cash(totals.total_cents)
    return session, session.complete()


def test_three_for_two_receipt_center_and_partial_returns(till: Till) -> None:  # noqa: F811
    (_, product_id, price), = till.products(1)
    made = till.center.admin("POST", "/v1/admin/promotions", json={
        "name": "3 für 2", "kind": "buy_x_pay_y", "buy": 3, "pay": 2, "product_ids": [product_id]}).json()
    pull(till)
    _, sale = sell(till, product_id, 3)
    assert sale.total_cents == 2 * price
    printed = decode(render_escpos(layout(till.store.sales.receipt(sale.sale_id), PAPER_80MM), "TM-T88V")).text
    assert f"Aktion 3 für 2 -{format_euro(price)}" in printed, printed
    pull(till)  # the sale goes out
    client = CenterClient(till.center.url, till.token)
    at_center = client.purchase(sale.receipt_number)
    assert at_center.pricing and at_center.pricing["definitions"][0]["id"] == made["id"]
    items = till.center.admin("GET", "/v1/admin/reconciliations").json()
    assert not [i for i in items if i["kind"] == "price_mismatch"], items

    returns = ReturnsService(till.store, LENA, center=CenterPurchases(lambda: CenterClient(till.center.url, till.token)))
    found = returns.find(sale.receipt_number)
    one = returns.items(found.purchase, [Choice(1, 1, "resellable")])
    assert one[0].refund_cents == 0  # the two kept still cost what all three did
    two = returns.items(found.purchase, [Choice(1, 2, "resellable")])
    assert sum(i.refund_cents for i in two) == price  # one kept costs its price: the rest back
    done = returns.complete(found.purchase, two, returns.propose_refund(found.purchase, price))
    pull(till)
    last = returns.find(sale.receipt_number)
    assert last.purchase.source == "center" and last.purchase.lines[0].returned_quantity == 2
    final = returns.items(last.purchase, [Choice(1, 1, "resellable")])
    assert final[0].refund_cents == price  # in all: exactly what was paid
    returns.complete(last.purchase, final, returns.propose_refund(last.purchase, price))
    pull(till)
    recorded = till.center.admin("GET", "/v1/admin/returns").json()
    assert sorted(r["total_cents"] for r in recorded) == [price, price] and done.total_cents == price
    with till.store.db.reading() as s:
        from sqlalchemy import text

        assert s.execute(text("SELECT count(*) FROM outbox WHERE status = 'conflict'")).scalar() == 0


def test_a_coupon_offline_is_taken_once_per_till_and_booked_at_the_center(till: Till) -> None:  # noqa: F811
    (_, product_id, price), = till.products(1)
    till.center.admin("POST", "/v1/admin/promotions", json={
        "name": "5 € Gutschein", "kind": "amount_off", "amount_cents": 500, "coupon_code": "FUENF",
        "coupon_limit": 1})
    pull(till)
    till.center.stop()
    _, first = sell(till, product_id, 1, coupon="fuenf")
    assert first.total_cents == price - min(500, price)
    session = TillSession(till.store, LENA)
    product = till.store.catalog.product(product_id)
    assert product is not None
    session.add(product, 1)
    with pytest.raises(CartError, match="schon offline eingelöst"):
        session.add_coupon("FUENF")
    assert session.cart.totals().total_cents == price  # refused: nothing changed
    till.center.start()
    pull(till)
    priced = till.center.admin("POST", "/v1/channel/carts/price", json={
        "channel": "store", "store_id": "BER", "coupon_codes": ["FUENF"],
        "lines": [{"product_id": product_id, "quantity": 1}]}).json()
    assert priced["coupons_refused"] == ["FUENF"]  # the till's offline use was booked: used up
    items = till.center.admin("GET", "/v1/admin/reconciliations").json()
    assert not [i for i in items if i["kind"] == "coupon_overused"]  # one use: within the limit
