"""Click and collect at the center: reservation of stock, the state table, notifications,
store events (picked, handed over, returned to stock) and the double handover."""
from __future__ import annotations

import uuid
from typing import Any

from backend.db import BackendDatabase
from tests.backend.helpers import ADMIN, BLUE_SOFA, GREEN_SOFA, now_iso, quantity, register, sale_event
from tests.backend.test_push import push

CUSHION = 30


def pickup_web_order(client: Any, store: str = "HAM", *lines: tuple[int, int]) -> dict[str, Any]:
    lines = lines or ((CUSHION, 1),)
    body = {"channel": "web", "customer_id": 1, "store_id": store, "fulfilment": "pickup",
            "pickup_contact": {"phone": "0170 1234567", "second_person": "Jan Muster"},
            "lines": [{"product_id": p, "quantity": q, "unit_price_cents": 10_00} for p, q in lines],
            "tenders": [{"kind": "card", "amount_cents": sum(q for _, q in lines) * 10_00}]}
    r = client.post("/v1/channel/orders", headers=ADMIN, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def event(device: str, seq: int, type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "device_id": device, "seq": seq, "type": type_, "schema_version": 1,
            "created_at": now_iso(), "payload": payload}


def picked(device: str, seq: int, number: str, store: str, *lines: tuple[int, int, str]) -> dict[str, Any]:
    return event(device, seq, "pickup.picked", {
        "order_number": number, "store_id": store, "picked_at": now_iso(), "picked_by": "Finn",
        "lines": [{"line_no": n, "picked_quantity": q, "short_reason": r} for n, q, r in lines]})


def handed(device: str, seq: int, number: str, store: str, *lines: tuple[int, int],
           sale_id: str | None = None) -> dict[str, Any]:
    return event(device, seq, "pickup.handed_over", {
        "order_number": number, "store_id": store, "device_id": device, "handed_at": now_iso(),
        "handed_by": "Mia", "collector": "Kunde", "verification": "name_phone",
        "lines": [{"line_no": n, "quantity": q} for n, q in lines], "sale_id": sale_id})


def stock_of(client: Any, headers: dict[str, str], product: int, store: str) -> tuple[int, int]:
    r = client.get(f"/v1/stock/{product}", headers=headers)
    row = next(s for s in r.json()["stores"] if s["store_id"] == store)
    return row["quantity"], row["reserved"]


def test_pickup_order_reserves_is_picked_notified_and_handed_over(client, db: BackendDatabase) -> None:
    k1 = register(client, "HAM-K1", "HAM")
    on_hand = quantity(db, CUSHION, "HAM")
    order = pickup_web_order(client, "HAM", (CUSHION, 1))
    number = order["order_number"]
    assert stock_of(client, k1, CUSHION, "HAM") == (on_hand, 1)
    doc = client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()
    assert doc["state"] == "new" and doc["payment"] == "prepaid" and doc["second_person"] == "Jan Muster"
    feed = client.get("/v1/changes", headers=k1, params={"after": 0, "limit": 5000}).json()
    while feed["has_more"]:
        feed = client.get("/v1/changes", headers=k1, params={"after": feed["next_cursor"]}).json()
    assert any(c["kind"] == "pickup_order" and c["key"] == number for c in feed["changes"])

    [r] = push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 1, "")))
    assert r["outcome"] == "applied", r
    notes = client.get(f"/v1/channel/pickups/{number}/notifications", headers=ADMIN).json()
    assert [n["kind"] for n in notes] == ["ready"] and notes[0]["channel"] == "sms" and number in notes[0]["text"]
    [r] = push(client, k1, handed("HAM-K1", 2, number, "HAM", (1, 1)))
    assert r["outcome"] == "applied", r
    assert stock_of(client, k1, CUSHION, "HAM") == (on_hand - 1, 0)
    assert client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()["state"] == "collected"


def test_second_handover_is_booked_and_reconciled(client, db: BackendDatabase) -> None:
    """Two tills handed the same order over: both reports are goods that left the shelf, so
    the second is booked too (never erased) and opens a reconciliation with its value."""
    k1, k2 = register(client, "HAM-K1", "HAM"), register(client, "HAM-K2", "HAM", "Kasse 2")
    number = pickup_web_order(client)["order_number"]
    push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 1, "")))
    on_hand = quantity(db, CUSHION, "HAM")
    [first] = push(client, k1, handed("HAM-K1", 2, number, "HAM", (1, 1)))
    second_event = handed("HAM-K2", 1, number, "HAM", (1, 1))
    [second] = push(client, k2, second_event)
    assert first["outcome"] == "applied" and second["outcome"] == "applied"
    assert quantity(db, CUSHION, "HAM") == on_hand - 2  # what the two tills say left
    [item] = client.get("/v1/reconciliations", headers=k2).json()
    assert item["kind"] == "pickup_handed_over_twice" and item["refs"] == [second_event["id"]]
    assert item["amount_cents"] == 10_00 and item["details"]["first_handover_by"] == "HAM-K1"
    [again] = push(client, k2, second_event)  # a replay opens nothing new
    assert again["outcome"] == "duplicate" and len(client.get("/v1/reconciliations", headers=k2).json()) == 1
    assert client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()["state"] == "collected"


def test_illegal_transitions_refused(client) -> None:
    k1 = register(client, "HAM-K1", "HAM")
    number = pickup_web_order(client)["order_number"]
    [r] = push(client, k1, handed("HAM-K1", 1, number, "HAM", (1, 1)))  # not picked yet
    assert r["outcome"] == "rejected" and "new" in r["reason"]
    first = client.post(f"/v1/channel/pickups/{number}/cancel", headers=ADMIN).json()
    assert first["state"] == "cancelled"
    again = client.post(f"/v1/channel/pickups/{number}/cancel", headers=ADMIN)  # idempotent: no second refund
    assert again.status_code == 200 and again.json()["refunds"] == first["refunds"]
    [refund] = first["refunds"]
    assert (refund["tender_kind"], refund["amount_cents"], refund["status"]) == ("card", 10_00, "refunded")


def test_partial_pick_and_partial_collection(client, db: BackendDatabase) -> None:
    k1 = register(client, "HAM-K1", "HAM")
    on_hand = quantity(db, CUSHION, "HAM")
    number = pickup_web_order(client, "HAM", (CUSHION, 2), (31, 1))["order_number"]
    [r] = push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 1, "nur eins im Regal"), (2, 1, "")))
    assert r["outcome"] == "applied"
    assert stock_of(client, k1, CUSHION, "HAM")[1] == 1  # the short unit is released
    [r] = push(client, k1, handed("HAM-K1", 2, number, "HAM", (1, 1), (2, 0)))  # refuses line 2
    assert r["outcome"] == "applied", r
    doc = client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()
    assert doc["state"] == "partially_collected"
    assert quantity(db, CUSHION, "HAM") == on_hand - 1
    assert stock_of(client, k1, 31, "HAM")[1] == 0


def test_pay_in_store_sale_moves_stock_once(client, db: BackendDatabase) -> None:
    k1 = register(client, "HAM-K1", "HAM")
    on_hand = quantity(db, CUSHION, "HAM")
    r = client.post("/v1/channel/pickups", headers=ADMIN, json={
        "store_id": "HAM", "customer_id": 2, "lines": [{"product_id": CUSHION, "quantity": 1}]})
    assert r.status_code == 201, r.text
    number = r.json()["order_number"]
    assert r.json()["payment"] == "in_store"
    push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 1, "")))
    sale = sale_event("HAM-K1", "HAM", 2, lines=((CUSHION, 1, r.json()["lines"][0]["unit_price_cents"]),))
    [s, h] = push(client, k1, sale, handed("HAM-K1", 3, number, "HAM", (1, 1), sale_id=sale["payload"]["sale_id"]))
    assert s["outcome"] == h["outcome"] == "applied", (s, h)
    assert quantity(db, CUSHION, "HAM") == on_hand - 1


def test_reservation_holds_the_last_green_sofa(client, db: BackendDatabase) -> None:
    k1 = register(client, "BER-K1", "BER")
    assert quantity(db, GREEN_SOFA, "HAM") == 1
    r = client.post("/v1/channel/pickups", headers=ADMIN, json={
        "kind": "reservation", "store_id": "HAM", "customer_id": 3,
        "lines": [{"product_id": GREEN_SOFA, "quantity": 1}]})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "reservation" and r.json()["payment"] == "none"
    again = client.post("/v1/pickups/reservations", headers=k1, json={
        "store_id": "HAM", "customer_id": 4, "lines": [{"product_id": GREEN_SOFA, "quantity": 1}]})
    assert again.status_code == 409 and "available" in again.text
    assert stock_of(client, k1, GREEN_SOFA, "HAM") == (1, 1)
    # the reservation shows on the customer's profile (clienteling), not on another's
    profile = client.get("/v1/customers/3/profile", headers=k1)
    assert profile.status_code == 200, profile.text
    [held] = profile.json()["open_orders"]
    assert held["kind"] == "reservation" and held["store_id"] == "HAM" and held["number"] == r.json()["order_number"]
    assert [(i["product_id"], i["quantity"]) for i in held["items"]] == [(GREEN_SOFA, 1)]
    assert client.get("/v1/customers/4/profile", headers=k1).json()["open_orders"] == []


def test_expiry_and_return_to_stock(client, db: BackendDatabase) -> None:
    k1 = register(client, "HAM-K1", "HAM")
    r = client.post("/v1/channel/pickups", headers=ADMIN, json={
        "store_id": "HAM", "customer_id": 2, "created_at": "2020-01-01T10:00:00+00:00",
        "lines": [{"product_id": CUSHION, "quantity": 1}]})
    number = r.json()["order_number"]
    swept = client.post("/v1/admin/pickups/sweep", headers=ADMIN).json()
    assert swept["expired"] >= 1
    assert client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()["state"] == "expired"
    assert stock_of(client, k1, CUSHION, "HAM")[1] == 1  # still on the shelf, still held
    [r] = push(client, k1, event("HAM-K1", 1, "pickup.returned_to_stock", {
        "order_number": number, "store_id": "HAM", "returned_at": now_iso(), "returned_by": "Katrin"}))
    assert r["outcome"] == "applied", r
    assert stock_of(client, k1, CUSHION, "HAM")[1] == 0
    assert client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()["state"] == "returned_to_stock"


def test_prepaid_order_found_missing_is_refunded_by_the_sweep(client) -> None:
    """Nothing found at picking cancels a prepaid order inside the store's event: the refund is
    recorded there and asked for by the next sweep (the provider is outside the transaction)."""
    k1 = register(client, "HAM-K1", "HAM")
    number = pickup_web_order(client)["order_number"]
    [r] = push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 0, "nicht da")))
    assert r["outcome"] == "applied"
    assert client.get(f"/v1/channel/pickups/{number}", headers=ADMIN).json()["state"] == "cancelled"
    [pending] = client.get(f"/v1/channel/pickups/{number}/refunds", headers=ADMIN).json()
    assert (pending["status"], pending["amount_cents"]) == ("pending", 10_00)
    client.post("/v1/admin/pickups/sweep", headers=ADMIN)
    client.post("/v1/admin/pickups/sweep", headers=ADMIN)
    [refund] = client.get(f"/v1/channel/pickups/{number}/refunds", headers=ADMIN).json()
    assert refund["status"] == "refunded" and refund["refund_id"] == f"manual:{refund['idempotency_key']}"


def test_reminder_sent_once_before_expiry(client, db: BackendDatabase) -> None:
    from datetime import datetime, timedelta, timezone
    k1 = register(client, "HAM-K1", "HAM")
    created = datetime.now(timezone.utc) - timedelta(days=6, hours=12)  # 7-day hold: 12 h left
    r = client.post("/v1/channel/pickups", headers=ADMIN, json={
        "store_id": "HAM", "customer_id": 2, "created_at": created.isoformat(),
        "lines": [{"product_id": CUSHION, "quantity": 1}]})
    number = r.json()["order_number"]
    push(client, k1, picked("HAM-K1", 1, number, "HAM", (1, 1, "")))
    assert client.post("/v1/admin/pickups/sweep", headers=ADMIN).json()["reminded"] == 1
    assert client.post("/v1/admin/pickups/sweep", headers=ADMIN).json()["reminded"] == 0
    kinds = [n["kind"] for n in client.get(f"/v1/channel/pickups/{number}/notifications", headers=ADMIN).json()]
    assert kinds == ["ready", "reminder"]


def test_simulate_pickups_reserves_in_the_store(db: BackendDatabase) -> None:
    import random

    from backend.pickups import reserved
    from backend.pickups_api import simulate_pickups
    made = simulate_pickups(db, 3, "HAM", random.Random(5))
    assert len(made) == 3 and all(p.store_id == "HAM" and p.state == "new" for p in made)
    with db.reading() as conn:
        held = reserved(conn, "HAM")
    assert sum(held.values()) == sum(ln.quantity for p in made for ln in p.lines)


def test_the_pickups_migration_matches_the_models(tmp_path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    import backend.pickup_models  # noqa: F401  (registers the tables in Base.metadata)
    from backend.migrations.runner import upgrade_to_head
    from backend.models import Base

    engine = create_engine(f"sqlite:///{tmp_path / 'center.db'}")
    try:
        upgrade_to_head(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in diff if "pickup" in repr(d)] == []


def test_cli_simulate_pickups_feeds_the_store(database_url: str, client, capsys) -> None:  # type: ignore[no-untyped-def]
    from backend.cli import main

    assert main(["simulate", "--pickups", "2", "--pickup-store", "MUC", "--seed", "3",
                 "--database-url", database_url]) == 0
    printed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(printed) == 2 and all(store == "MUC" and qr == f"ORDER:{n}" for n, qr, store, _ in printed)
    muc = register(client, "MUC-K1", "MUC")
    page = client.get("/v1/changes", headers=muc, params={"after": 0}).json()
    while page["has_more"]:
        page = client.get("/v1/changes", headers=muc, params={"after": page["next_cursor"]}).json()
    assert {c["key"] for c in page["changes"] if c["kind"] == "pickup_order"} == {n for n, *_ in printed}
