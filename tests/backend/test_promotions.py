"""Promotions at the center: the admin API and CLI, the feed, cart pricing for the channels,
coupons online and offline (SQLite, or PostgreSQL with POS_TEST_DATABASE_URL)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from backend.models import Price, Product
from backend.reconciliation_models import Reconciliation
from pos_app.prices.engine import PricingContext, PricingLine, PromotionBook
from pos_app.prices.promotions import Promotion
from tests.backend.helpers import ADMIN, BLUE_SOFA, GREEN_SOFA, TestClient, now_iso, register
from tests.backend_server import run_cli


def add(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/admin/promotions", headers=ADMIN, json={"name": "Aktion", **body})


def cart(client: TestClient, *lines: tuple[int, int], **extra: Any) -> Any:
    body = {"lines": [{"product_id": p, "quantity": q} for p, q in lines], **extra}
    return client.post("/v1/channel/carts/price", headers=ADMIN, json=body)


def all_changes(client: TestClient, headers: dict[str, str], after: int = 0) -> tuple[list[dict[str, Any]], int]:
    changes: list[dict[str, Any]] = []
    while True:
        page = client.get(f"/v1/changes?after={after}", headers=headers).json()
        changes += page["changes"]
        after = page["next_cursor"]
        if not page["has_more"]:
            return changes, after


def web_price(db: Any, product_id: int) -> int:
    with db.reading() as conn:
        return conn.execute(select(Price.gross_cents).where(Price.product_id == product_id,
                                                             Price.store_id == "WEB")).scalar_one()


def test_a_promotion_is_defined_listed_sent_through_the_feed_and_ended(client: TestClient) -> None:
    made = add(client, kind="buy_x_pay_y", buy=3, pay=2, product_ids=[GREEN_SOFA])
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert [p["id"] for p in client.get("/v1/admin/promotions?active=true", headers=ADMIN).json()] == [pid]
    device = register(client)
    changes, cursor = all_changes(client, device)
    promo_changes = [c for c in changes if c["kind"] == "promotion"]
    assert promo_changes and Promotion.from_dict(promo_changes[-1]["data"]).buy == 3
    ended = client.post(f"/v1/admin/promotions/{pid}/end", headers=ADMIN)
    assert ended.status_code == 200 and ended.json()["ended_at"]
    again = client.post(f"/v1/admin/promotions/{pid}/end", headers=ADMIN)
    assert again.json()["ended_at"] == ended.json()["ended_at"]  # ending twice changes nothing
    assert client.get("/v1/admin/promotions?active=true", headers=ADMIN).json() == []
    after, _ = all_changes(client, device, cursor)
    assert len([c for c in after if c["kind"] == "promotion"]) == 1


def test_bad_promotions_get_a_422_naming_the_field_and_nothing_is_stored(client: TestClient) -> None:
    cases = [
        ({"kind": "percent_off", "percent": 120}, "percent"),
        ({"kind": "percent_off", "percent": -5}, "percent"),
        ({"kind": "amount_off", "amount_cents": -100}, "amount_cents"),
        ({"kind": "member_price", "price_cents": -1, "product_ids": [1], "tiers": ["Gold"]}, "price_cents"),
        ({"kind": "buy_x_pay_y", "buy": 3, "pay": 3, "product_ids": [1]}, "pay"),
        ({"kind": "percent_off", "percent": 10, "product_ids": [987654]}, "product_ids"),
        ({"kind": "amount_off", "amount_cents": 5, "starts_at": "2026-12-07T10:00:00+00:00",
          "ends_at": "2026-12-01T10:00:00+00:00"}, "ends_at"),
        ({"kind": "threshold", "threshold_cents": 100}, "percent"),
        ({"kind": "percent_off", "percent": 10, "name": "a\u0000b"}, "name"),
    ]
    for body, field in cases:
        answer = add(client, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.text, (body, answer.text)
    assert client.get("/v1/admin/promotions", headers=ADMIN).json() == []


def test_overlapping_windows_are_allowed_but_not_for_one_coupon_code(client: TestClient) -> None:
    assert add(client, kind="percent_off", percent=10, product_ids=[GREEN_SOFA]).status_code == 201
    assert add(client, kind="percent_off", percent=20, product_ids=[GREEN_SOFA]).status_code == 201
    assert add(client, kind="amount_off", amount_cents=500, coupon_code="WINTER").status_code == 201
    clash = add(client, kind="amount_off", amount_cents=900, coupon_code="winter")
    assert clash.status_code == 422 and "coupon_code" in clash.text
    later = datetime.now(timezone.utc) + timedelta(days=30)
    assert add(client, kind="amount_off", amount_cents=900, coupon_code="SPRING", starts_at=later.isoformat()
               ).status_code == 201


def test_cart_price_is_the_engines_to_the_cent(client: TestClient, db: Any) -> None:
    add(client, kind="buy_x_pay_y", buy=3, pay=2, product_ids=[GREEN_SOFA, BLUE_SOFA])
    add(client, kind="threshold", threshold_cents=100_00, percent=5)
    answer = cart(client, (GREEN_SOFA, 2), (BLUE_SOFA, 1))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    green, blue = web_price(db, GREEN_SOFA), web_price(db, BLUE_SOFA)
    with db.reading() as conn:
        cats = dict(conn.execute(select(Product.id, Product.category)).all())
    book = PromotionBook(Promotion.from_dict(p) for p in client.get("/v1/admin/promotions", headers=ADMIN).json())
    expected = book.price([PricingLine(1, GREEN_SOFA, cats[GREEN_SOFA], 2, green),
                           PricingLine(2, BLUE_SOFA, cats[BLUE_SOFA], 1, blue)],
                          PricingContext(datetime.now(timezone.utc), "WEB", "web"))
    assert body["total_cents"] == expected.total_cents
    assert body["discount_cents"] == min(green, blue) + (expected.discount_cents - min(green, blue))
    assert [line["total_cents"] for line in body["lines"]] == [ln.total_cents for ln in expected.lines]
    assert {a["kind"] for a in body["applied"]} == {"buy_x_pay_y", "threshold"}


def test_cart_price_refuses_what_it_cannot_price(client: TestClient) -> None:
    assert cart(client, (987654, 1)).status_code == 422
    assert "customer_id" in cart(client, (GREEN_SOFA, 1), customer_id=987654).text
    assert "store_id" in cart(client, (GREEN_SOFA, 1), channel="store").text
    assert cart(client, (GREEN_SOFA, 0)).status_code == 422


def test_a_coupon_online_is_used_once_and_then_refused(client: TestClient) -> None:
    add(client, kind="amount_off", amount_cents=10_00, coupon_code="EINMAL", coupon_limit=1)
    priced = cart(client, (GREEN_SOFA, 1), coupon_codes=["einmal"]).json()
    assert priced["discount_cents"] == 10_00 and priced["coupons_refused"] == []
    device = register(client)
    rid = str(uuid.uuid4())
    body = {"redemption_id": rid, "code": "EINMAL", "reference": "BER-K1-000001", "saving_cents": 10_00}
    first = client.post("/v1/coupons/redeem", headers=device, json=body)
    assert first.status_code == 200 and first.json()["outcome"] == "redeemed"
    assert client.post("/v1/coupons/redeem", headers=device, json=body).json()["outcome"] == "replayed"
    second = client.post("/v1/channel/coupons/redeem", headers=ADMIN, json={**body, "redemption_id": str(uuid.uuid4())})
    assert second.status_code == 409
    assert cart(client, (GREEN_SOFA, 1), coupon_codes=["EINMAL"]).json()["coupons_refused"] == ["EINMAL"]
    assert client.post("/v1/channel/coupons/redeem", headers=ADMIN,
                       json={**body, "code": "NIX", "redemption_id": str(uuid.uuid4())}).status_code == 404


def coupon_event(device_id: str, seq: int, promotion_id: int, code: str, receipt: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "device_id": device_id, "seq": seq, "type": "coupon.redeemed",
            "schema_version": 1, "created_at": now_iso(),
            "payload": {"redemption_id": str(uuid.uuid4()), "code": code, "promotion_id": promotion_id,
                        "store_id": "BER", "reference": receipt, "saving_cents": 500, "offline": True,
                        "redeemed_at": now_iso()}}


def test_a_single_use_coupon_at_two_offline_tills_books_both_and_raises_coupon_overused(
        client: TestClient, db: Any) -> None:
    pid = add(client, kind="amount_off", amount_cents=500, coupon_code="SOLO", coupon_limit=1).json()["id"]
    k1, k2 = register(client, "BER-K1"), register(client, "BER-K2", name="Kasse 2")
    one = coupon_event("BER-K1", 1, pid, "SOLO", "BER-K1-000001")
    two = coupon_event("BER-K2", 1, pid, "SOLO", "BER-K2-000001")
    for headers, event in ((k1, one), (k2, two), (k2, two)):  # the second till's push arrives twice
        answer = client.post("/v1/events", headers=headers, json={"events": [event]})
        assert answer.status_code == 200 and answer.json()["results"][0]["outcome"] in ("applied", "duplicate"), \
            answer.text
    with db.reading() as conn:
        items = conn.execute(select(Reconciliation.kind, Reconciliation.amount_cents, Reconciliation.store_id)).all()
    assert [tuple(i) for i in items] == [("coupon_overused", 500, "BER")]
    assert cart(client, (GREEN_SOFA, 1), coupon_codes=["SOLO"]).json()["coupons_refused"] == ["SOLO"]
    wrong = coupon_event("BER-K1", 2, pid, "OTHER", "BER-K1-000002")
    result = client.post("/v1/events", headers=k1, json={"events": [wrong]}).json()["results"][0]
    assert result["outcome"] == "rejected" and "not the code" in result["reason"]


def test_cli_add_list_end(database_url: str) -> None:
    made = run_cli("promotions", "add", "--name", "3 für 2 Sofas", "--kind", "buy_x_pay_y", "--buy", "3",
                   "--pay", "2", "--products", "1,2", "--database-url", database_url)
    assert '"buy": 3' in made.stdout
    listed = run_cli("promotions", "list", "--active", "--database-url", database_url)
    assert "3 für 2 Sofas" in listed.stdout
    run_cli("promotions", "end", "--id", "1", "--database-url", database_url)
    assert run_cli("promotions", "list", "--active", "--database-url", database_url).stdout == ""
    try:
        run_cli("promotions", "add", "--name", "x", "--kind", "percent_off", "--percent", "150",
                "--database-url", database_url)
    except RuntimeError as exc:
        assert "percent" in str(exc)
    else:
        raise AssertionError("a percentage over 100 was taken")
