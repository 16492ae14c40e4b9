"""Loyalty points redeemed as a discount at the center (issue 15): the balance is what was
earned (1 point per full euro, backend.customer_profile) less what was redeemed plus what
returns gave back; one redemption per sale, one give-back per return, never beyond the points
or the cart; SQLite, and PostgreSQL with $POS_TEST_DATABASE_URL."""
from __future__ import annotations

from tests.backend.helpers import register
from tests.backend.test_returns import web_order

CUSHION = 30


def test_points_are_redeemed_once_per_sale_checked_and_given_back_pro_rata(client) -> None:
    ber = register(client)
    web_order(client, (CUSHION, 3))  # customer 1 buys for 300 EUR on the web: 300 points
    start = client.get("/v1/loyalty/1", headers=ber).json()
    earned = start["earned"]
    assert start["points"] == earned >= 300
    url = "/v1/loyalty/1/redemptions"
    body = {"points": 200, "sale_reference": "sale-1", "cart_total_cents": 50_00}
    first = client.post(url, headers=ber, json=body)
    assert first.status_code == 201 and first.json() == {"points": 200, "discount_cents": 200,
                                                          "balance_points": earned - 200}
    assert client.post(url, headers=ber, json=body).json()["balance_points"] == earned - 200  # a retry: once
    assert client.post(url, headers=ber, json={**body, "points": 300}).status_code == 409  # the same sale, other points
    for bad, why in (({"points": 150}, "Schritten"), ({"points": earned + 100}, "nur"),
                     ({"points": 100, "cart_total_cents": 99}, "Mehr Punkte")):
        answer = client.post(url, headers=ber, json={**body, "sale_reference": "sale-2", **bad})
        assert answer.status_code == 409 and why in answer.text, answer.text
    back = client.post(f"{url}/sale-1/returns", headers=ber,
                       json={"return_reference": "ret-1", "returned_discount_cents": 50})
    assert back.json() == {"points_back": 50, "balance_points": earned - 150}  # a quarter of the discount
    again = client.post(f"{url}/sale-1/returns", headers=ber,
                        json={"return_reference": "ret-1", "returned_discount_cents": 50})
    assert again.json()["points_back"] == 50 and again.json()["balance_points"] == earned - 150
    rest = client.post(f"{url}/sale-1/returns", headers=ber,
                       json={"return_reference": "ret-2", "returned_discount_cents": 500})
    assert rest.json()["points_back"] == 150  # never more than the 200 redeemed in total
    assert client.get("/v1/loyalty/1", headers=ber).json()["points"] == earned
    assert client.get("/v1/loyalty/999999", headers=ber).status_code == 404
    assert client.post(f"{url}/nope/returns", headers=ber,
                       json={"return_reference": "r", "returned_discount_cents": 1}).status_code == 404
    assert client.post(url, headers=ber, json={**body, "points": -1}).status_code == 422
