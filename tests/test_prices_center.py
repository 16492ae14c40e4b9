"""One price in every channel: carts priced by the till's path (a till synced from the REAL
center over HTTP on loopback: promotions through the feed, the cart's totals) and by the
center's endpoint (POST /v1/channel/carts/price) agree to the cent, for thousands of random
carts with random promotions (hypothesis). And a sale with promotions reaches the center with
its allocation and is priced again there without a mismatch; its receipt shows each saving.

POS_PRICE_CARTS sets the carts per round (default 400; three rounds of promotions).
"""
from __future__ import annotations

import os
import random
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pos_app.cart import CartError
from pos_app.till import TillSession
from tests.prices_helpers import random_promotion
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
CARTS = int(os.environ.get("POS_PRICE_CARTS", "400"))
PRODUCTS = 12


def catalog(t: Till) -> list[tuple[int, str, int, str]]:
    """(product id, barcode, price here, category) of products the till can sell."""
    with t.store.db.reading() as s:
        rows = s.execute(text(
            "SELECT p.id, MIN(b.code), pr.gross_cents, p.category FROM products p "
            "JOIN barcodes b ON b.product_id = p.id JOIN prices pr ON pr.product_id = p.id AND pr.store_id = 'BER' "
            "WHERE p.active GROUP BY p.id ORDER BY p.id LIMIT :n"), {"n": PRODUCTS}).all()
    assert len(rows) == PRODUCTS
    return [tuple(r) for r in rows]  # type: ignore[misc]


def define_promotions(t: Till, seed: int, count: int = 40) -> None:
    """End what is live, define `count` random promotions on the till's products at the center."""
    for live in t.center.admin("GET", "/v1/admin/promotions", params={"active": "true"}).json():
        t.center.admin("POST", f"/v1/admin/promotions/{live['id']}/end")
    products = catalog(t)
    categories = sorted({c for _, _, _, c in products if c})
    rnd, now = random.Random(seed), datetime.now(timezone.utc)
    start = 1 + max([p["id"] for p in t.center.admin("GET", "/v1/admin/promotions").json()] or [0])
    for pid in range(start, start + count):
        data = random_promotion(rnd, pid, products=PRODUCTS, at=now, categories=len(categories)).to_dict()
        data["product_ids"] = sorted({products[i - 1][0] for i in data["product_ids"]})
        if data["kind"] == "bundle" and len(data["product_ids"]) < 2:
            data["product_ids"] = [products[0][0], products[1][0]]
        data["categories"] = [categories[int(c[1:]) - 1] for c in data["categories"]]
        data["coupon_limit"] = None
        if data["coupon_code"]:
            data["coupon_code"] = f"{data['coupon_code']}-{seed}-{pid}"  # one promotion per code
        body = {k: v for k, v in data.items() if v not in (None, [])}
        t.center.admin("POST", "/v1/admin/promotions", json=body)


def center_price(t: Till, lines: list[tuple[int, int]], coupons: list[str]) -> dict[str, Any]:
    body = {"channel": "store", "store_id": "BER", "coupon_codes": coupons,
            "lines": [{"product_id": p, "quantity": q} for p, q in lines]}
    return t.center.admin("POST", "/v1/channel/carts/price", json=body).json()


def till_price(session: TillSession, t: Till, lines: list[tuple[int, int]], coupons: list[str]) -> Any:
    session.void_sale()
    for product_id, quantity in lines:
        product = t.store.catalog.product(product_id)
        assert product is not None
        session.add(product, quantity)
    for code in coupons:
        try:
            session.promotions.add_coupon(code)
        except CartError:  # not valid here and now: the center refuses it too (coupons_refused)
            pass
    return session.cart.totals()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_carts_cost_the_same_at_the_till_and_at_the_center(till: Till, seed: int) -> None:  # noqa: F811
    define_promotions(till, seed)
    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error  # the promotions reach the till
    codes = sorted({p["coupon_code"] for p in till.center.admin("GET", "/v1/admin/promotions").json()
                    if p.get("coupon_code")}) or ["NONE"]
    products = [p for p, _, _, _ in catalog(till)]
    session = TillSession(till.store, LENA)
    compared = {"carts": 0, "with_promotions": 0}

    @settings(max_examples=CARTS, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(st.tuples(st.sampled_from(products), st.integers(1, 7)), min_size=1, max_size=8,
                    unique_by=lambda line: line[0]),
           st.lists(st.sampled_from(codes), max_size=2, unique=True))
    def same_price(lines: list[tuple[int, int]], coupons: list[str]) -> None:
        web = center_price(till, lines, coupons)
        totals = till_price(session, till, lines, coupons)
        assert [ln.total_cents for ln in totals.lines] == [ln["total_cents"] for ln in web["lines"]]
        assert totals.total_cents == web["total_cents"]
        assert [(a.promotion_id, a.saving_cents) for a in totals.promotions] == [
            (a["promotion_id"], a["saving_cents"]) for a in web["applied"]]
        compared["carts"] += 1
        compared["with_promotions"] += bool(web["applied"])

    same_price()
    assert compared["carts"] >= CARTS // 2 and compared["with_promotions"] >= compared["carts"] // 4, compared
