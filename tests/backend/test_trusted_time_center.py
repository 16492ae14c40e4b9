"""The center's clock and texts: every answer tells its time (X-Center-Time), a return from a
till that never measured its clock is judged at its arrival, not by its raw clock, and the
customer's pickup messages give times in the store's zone (the reminder said 17:00 for 18:00)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from tests.backend.helpers import ADMIN, register
from tests.backend.test_pickups import picked
from tests.backend.test_push import push

CUSHION = 30
BERLIN = ZoneInfo("Europe/Berlin")


def test_every_answer_carries_the_centers_clock_also_a_refusal(client) -> None:
    for response in (client.get("/v1/health"), client.get("/v1/device")):  # the second one: 401
        stamp = datetime.fromisoformat(response.headers["X-Center-Time"])
        assert stamp.tzinfo is not None
        assert abs((stamp - datetime.now(timezone.utc)).total_seconds()) < 60


def _web_order(client: Any, age: timedelta) -> dict[str, Any]:
    r = client.post("/v1/channel/orders", headers=ADMIN, json={
        "channel": "web", "customer_id": 1, "created_at": (datetime.now(timezone.utc) - age).isoformat(),
        "lines": [{"product_id": CUSHION, "quantity": 1, "unit_price_cents": 10_00}],
        "tenders": [{"kind": "card", "amount_cents": 10_00}]})
    assert r.status_code == 201, r.text
    return r.json()


def _return_event(order: dict[str, Any], device_time: datetime, **clock: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "device_id": "BER-K1", "seq": 1, "type": "return.completed",
            "schema_version": 1, "created_at": device_time.isoformat(), **clock, "payload": {
                "return_id": str(uuid.uuid4()), "return_number": "BER-K1-000099", "store_id": "BER",
                "device_id": "BER-K1", "cashier_id": 1, "created_at": device_time.isoformat(),
                "original": {"kind": "order", "id": order["id"], "number": order["order_number"]},
                "customer_id": None, "approved_by": None, "total_cents": 10_00,
                "lines": [{"line_no": 1, "original_line_no": 1, "product_id": CUSHION, "sku": "x",
                           "name": "Kissen", "quantity": 1, "refund_cents": 10_00, "vat_percent": 19,
                           "condition": "resellable", "reason_code": "gefaellt_nicht", "reason_text": ""}],
                "tenders": [{"kind": "card", "amount_cents": 10_00, "reference": ""}]}}


def test_a_till_without_a_measured_clock_is_judged_at_arrival_not_by_its_clock(client) -> None:
    headers = register(client)
    order = _web_order(client, timedelta(days=30, hours=1))
    # the till's clock says two days ago; it never measured the center's clock
    [result] = push(client, headers, _return_event(order, datetime.now(timezone.utc) - timedelta(days=2)))
    assert result["outcome"] == "applied", result
    [ret] = client.get("/v1/admin/returns", headers=ADMIN, params={"original_number": order["order_number"]}).json()
    assert ret["event_time_basis"] == "received" and ret["policy_breach_cents"] == 10_00
    assert "Rückgabefrist" in ret["policy_breach"]


def test_pickup_messages_give_the_time_in_the_stores_zone(client) -> None:
    k1 = register(client, "HAM-K1", "HAM")
    created = datetime.now(timezone.utc) - timedelta(days=6, hours=12)  # 7-day hold: 12 h left
    r = client.post("/v1/channel/pickups", headers=ADMIN, json={
        "store_id": "HAM", "customer_id": 2, "created_at": created.isoformat(),
        "lines": [{"product_id": CUSHION, "quantity": 1}]})
    assert r.status_code in (200, 201), r.text
    number, pickup_by = r.json()["order_number"], datetime.fromisoformat(r.json()["pickup_by"])
    push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 1, "")))
    assert client.post("/v1/admin/pickups/sweep", headers=ADMIN).json()["reminded"] == 1
    texts = {n["kind"]: n["text"] for n in
             client.get(f"/v1/channel/pickups/{number}/notifications", headers=ADMIN).json()}
    local, utc = pickup_by.astimezone(BERLIN), pickup_by.astimezone(timezone.utc)
    assert local.strftime("%d.%m.%Y %H:%M") in texts["reminder"]
    assert utc.strftime("%H:%M") not in texts["reminder"]  # Berlin is never at UTC's hour
    assert local.strftime("%d.%m.%Y") in texts["ready"]
