"""Gift cards at the center (issue 15): sold in the web shop once per reference, reserved,
captured and released exactly once, spent at a till as a voucher tender, and two offline tills
that overdraw a card: both sales stand, the overdraw is a reconciliation (once per sale). And
the price history: every price with the center's time, the lowest 30-day price in the feed.
SQLite, and PostgreSQL with $POS_TEST_DATABASE_URL."""
from __future__ import annotations

import uuid
from typing import Any

from backend.db import BackendDatabase
from pos_app.gift_cards.rules import is_gift_card_code
from tests.backend.helpers import ADMIN, GREEN_SOFA, now_iso, register, sale_event
from tests.backend.test_push import push

CUSHION = 30


def sell(client: Any, cents: int, reference: str) -> dict[str, Any]:
    answer = client.post("/v1/channel/gift-cards", headers=ADMIN, json={"amount_cents": cents, "reference": reference})
    assert answer.status_code == 201, answer.text
    return answer.json()


def paid_with(seq: int, code: str, cents: int, device: str = "BER-K1") -> dict[str, Any]:
    sale = sale_event(device_id=device, seq=seq, lines=((CUSHION, 1, cents),))
    sale["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": cents, "given_cents": cents, "reference": code}]
    return sale


def test_a_card_sold_on_the_web_is_sold_once_and_spent_at_a_till(client, db: BackendDatabase) -> None:
    ber = register(client)
    card = sell(client, 50_00, "order-4711")
    assert is_gift_card_code(card["code"]) and card["balance_cents"] == 50_00 and card["store_id"] == "WEB"
    again = sell(client, 50_00, "order-4711")
    assert again["code"] == card["code"]  # the shop retried: the same card, not a second one
    other = client.post("/v1/channel/gift-cards", headers=ADMIN, json={"amount_cents": 60_00, "reference": "order-4711"})
    assert other.status_code == 409
    # the till asks the center like for any voucher, and pays with it
    assert client.get(f"/v1/vouchers/{card['code']}", headers=ber).json()["balance_cents"] == 50_00
    assert client.get(f"/v1/gift-cards/{card['code'].lower()}", headers=ber).json()["offline_daily_limit_cents"] > 0
    sale = paid_with(1, card["code"], 30_00)
    assert push(client, ber, sale)[0]["outcome"] == "applied"
    assert push(client, ber, sale)[0]["outcome"] == "duplicate"  # sent twice, redeemed once
    assert client.get(f"/v1/channel/gift-cards/{card['code']}", headers=ADMIN).json()["balance_cents"] == 20_00
    assert client.get("/v1/admin/reconciliations", headers=ADMIN).json() == []


def test_bad_sale_amounts_are_refused_with_the_field_named(client) -> None:
    for body in ({"amount_cents": 1_00, "reference": "x"}, {"amount_cents": 10**12, "reference": "x"},
                 {"amount_cents": 20_00, "reference": "a\u0000b"}, {"amount_cents": 20_00, "reference": ""},
                 {"amount_cents": 20_00}):
        answer = client.post("/v1/channel/gift-cards", headers=ADMIN, json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert client.get("/v1/channel/gift-cards/GK-NOPE", headers=ADMIN).status_code == 404


def test_reserve_capture_release_exactly_once(client) -> None:
    code = sell(client, 100_00, "order-1")["code"]
    base = f"/v1/channel/gift-cards/{code}/reservations"
    first = client.post(base, headers=ADMIN, json={"amount_cents": 40_00, "reference": "pay-1"})
    assert first.status_code == 201 and first.json()["balance_cents"] == 60_00
    again = client.post(base, headers=ADMIN, json={"amount_cents": 40_00, "reference": "pay-1"})
    assert again.json()["id"] == first.json()["id"] and again.json()["balance_cents"] == 60_00
    assert client.post(base, headers=ADMIN, json={"amount_cents": 41_00, "reference": "pay-1"}).status_code == 409
    assert client.post(base, headers=ADMIN, json={"amount_cents": 70_00, "reference": "pay-2"}).status_code == 409
    rid = first.json()["id"]
    for _ in range(2):
        done = client.post(f"{base}/{rid}/capture", headers=ADMIN)
        assert done.status_code == 200 and done.json()["status"] == "captured" and done.json()["balance_cents"] == 60_00
    assert client.post(f"{base}/{rid}/release", headers=ADMIN).status_code == 409  # the first decision stands
    second = client.post(base, headers=ADMIN, json={"amount_cents": 60_00, "reference": "pay-2"}).json()
    assert second["balance_cents"] == 0
    for _ in range(2):
        back = client.post(f"{base}/{second['id']}/release", headers=ADMIN)
        assert back.json()["status"] == "released" and back.json()["balance_cents"] == 60_00
    assert client.post(f"{base}/nope/capture", headers=ADMIN).status_code == 404


def test_two_offline_tills_overdraw_a_card_both_sales_stand_and_a_reconciliation_opens(client) -> None:
    k1, k2 = register(client), register(client, "BER-K2", "BER", "Kasse 2")
    code = sell(client, 50_00, "order-9")["code"]
    a, b = paid_with(1, code, 40_00, "BER-K1"), paid_with(1, code, 30_00, "BER-K2")
    assert push(client, k1, a)[0]["outcome"] == "applied"
    assert push(client, k2, b)[0]["outcome"] == "applied"  # the goods left: never refused
    assert push(client, k2, b)[0]["outcome"] == "duplicate"
    assert client.get(f"/v1/channel/gift-cards/{code}", headers=ADMIN).json()["balance_cents"] == -20_00
    items = client.get("/v1/admin/reconciliations", headers=ADMIN).json()
    assert [(i["kind"], i["store_id"], i["amount_cents"], i["refs"], i["details"]["code"]) for i in items] == [
        ("gift_card_overdrawn", "BER", 20_00, [b["payload"]["sale_id"]], code)]
    # it reaches the store's tills through the feed
    page = client.get("/v1/changes", headers=k1, params={"after": 0, "limit": 5000}).json()
    assert any(c["kind"] == "reconcile" and c["data"]["kind"] == "gift_card_overdrawn" for c in page["changes"])


def test_the_price_history_gives_the_lowest_30_day_price_to_the_feed(client) -> None:
    ber = register(client)
    url = f"/v1/admin/prices/BER/{GREEN_SOFA}"
    before = client.get(f"{url}/history", headers=ADMIN).json()
    seeded = before["price_cents"]
    assert before["history"] == [] and seeded > 0
    up = client.put(url, headers=ADMIN, json={"gross_cents": seeded + 100_00}).json()
    assert up["lowest_30_days_cents"] is None and len(up["history"]) == 2  # the seeded price recorded too
    down = client.put(url, headers=ADMIN, json={"gross_cents": seeded - 100_00}).json()
    assert down["lowest_30_days_cents"] == seeded and down["before_cents"] == seeded + 100_00
    page = client.get("/v1/changes", headers=ber, params={"after": 0, "limit": 5000}).json()
    prices = [c["data"] for c in page["changes"] if c["kind"] == "price" and c["key"] == f"{GREEN_SOFA}@BER"]
    assert prices[-1]["gross_cents"] == seeded - 100_00 and prices[-1]["lowest_30_days_cents"] == seeded
    assert prices[-2].get("lowest_30_days_cents") is None
    same = client.put(url, headers=ADMIN, json={"gross_cents": seeded - 100_00}).json()
    assert len(same["history"]) == 3  # the same price again records nothing
    for bad in ({"gross_cents": -1}, {"gross_cents": 10**12}, {"gross_cents": None}, {}):
        assert client.put(url, headers=ADMIN, json=bad).status_code == 422
    assert client.put("/v1/admin/prices/NOPE/1", headers=ADMIN, json={"gross_cents": 1}).status_code == 404
    assert client.put(f"/v1/admin/prices/BER/{10**6}", headers=ADMIN, json={"gross_cents": 1}).status_code == 404


def sold_event(seq: int, code: str, cents: int, device: str = "BER-K1", store: str = "BER") -> dict[str, Any]:
    payload = {"sale_id": str(uuid.uuid4()), "code": code, "amount_cents": cents, "store_id": store,
               "device_id": device, "cashier_id": 1, "sold_at": now_iso(), "tender": "cash"}
    return {"id": str(uuid.uuid4()), "device_id": device, "seq": seq, "type": "gift_card.sold", "schema_version": 1,
            "created_at": now_iso(), "payload": payload}


def test_a_card_sold_at_a_till_is_issued_once_and_spent_in_the_web_shop(client) -> None:
    ber = register(client)
    event = sold_event(1, "GK-ABCDEFGHJKLM", 25_00)
    assert push(client, ber, event)[0]["outcome"] == "applied"
    assert push(client, ber, event)[0]["outcome"] == "duplicate"
    card = client.get("/v1/channel/gift-cards/GK-ABCDEFGHJKLM", headers=ADMIN).json()
    assert (card["balance_cents"], card["store_id"]) == (25_00, "BER")
    same_code = sold_event(2, "GK-ABCDEFGHJKLM", 10_00)  # another sale with the code: cannot be issued twice
    [result] = push(client, ber, same_code)
    assert result["outcome"] == "rejected" and "vergeben" in result["reason"]
    other_store = sold_event(3, "GK-ABCDEFGHJKLN", 10_00, store="HAM")
    assert push(client, ber, other_store)[0]["outcome"] == "rejected"
    bad = sold_event(4, "GK-0000", 10_00)
    answer = client.post("/v1/events", headers=ber, json={"events": [bad]})  # not a card number: 422, field named
    assert answer.status_code == 422 and "code" in answer.text
    held = client.post("/v1/channel/gift-cards/GK-ABCDEFGHJKLM/reservations", headers=ADMIN,
                       json={"amount_cents": 25_00, "reference": "web-1"}).json()
    assert held["balance_cents"] == 0
