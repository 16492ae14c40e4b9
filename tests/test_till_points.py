"""Loyalty points at the till (issue 15), the core so far: the local rule, the customer and
online requirements, and the redemption at the REAL center on loopback (balance lower by the
points, a refusal changes nothing, an unreachable center refuses and changes nothing)."""
from __future__ import annotations

import pytest

from pos_app.till_points import PointsOffline, PointsRefused, check_cart_change, most_redeemable, redeem
from sync.client import CenterClient
from sync.points import CenterPoints
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)


def test_most_redeemable_is_whole_hundreds_within_balance_and_total() -> None:
    assert most_redeemable(1_234, 50_00) == 1_200
    assert most_redeemable(1_234, 7_99) == 700
    assert most_redeemable(99, 50_00) == 0
    assert most_redeemable(-5, 50_00) == 0


def test_no_customer_or_no_center_is_refused_before_asking() -> None:
    with pytest.raises(PointsRefused, match="Kunden"):
        redeem(CenterPoints(lambda: None), None, 100, 10_00)
    with pytest.raises(PointsOffline, match="Zentrale"):
        redeem(None, 1, 100, 10_00)
    with pytest.raises(PointsOffline, match="Zentrale"):
        redeem(CenterPoints(lambda: None), 1, 100, 10_00)


@pytest.mark.slow
def test_redeem_at_the_real_center_lowers_the_balance_and_refusals_change_nothing(till: Till) -> None:  # noqa: F811
    body = {"channel": "web", "customer_id": 1, "lines": [{"product_id": 30, "quantity": 3, "unit_price_cents": 100_00}],
            "tenders": [{"kind": "card", "amount_cents": 300_00}]}
    till.center.admin("POST", "/v1/channel/orders", json=body)  # 300 EUR earned: 300 points
    center = CenterPoints(lambda: CenterClient(till.center.url, till.token, timeout=(1, 5)))
    start = center.balance(1)
    assert start >= 300
    for points, total, why in ((150, 50_00, "Schritten"), (start + 100, 10_000_00, "nur"), (200, 1_99, "Mehr Punkte")):
        with pytest.raises(PointsRefused, match=why):
            redeem(center, 1, points, total)
    assert center.balance(1) == start  # nothing taken
    taken = redeem(center, 1, 200, 50_00)
    assert (taken.points, taken.discount_cents, taken.customer_id) == (200, 200, 1)
    assert center.balance(1) == start - 200
    assert sum(taken.allocate([10_00, 29_99, 10_01])) == 200
    assert check_cart_change(taken, 1_99) is not None and check_cart_change(taken, 2_00) is None
    offline = CenterPoints(lambda: CenterClient("http://127.0.0.1:9", till.token, timeout=(1, 1)))
    with pytest.raises(PointsOffline, match="nur online"):
        redeem(offline, 1, 100, 50_00)
    assert center.balance(1) == start - 200  # the refused offline try changed nothing
