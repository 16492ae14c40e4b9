"""Reconciliations at the center through its HTTP API: negative stock raised by sales (one
open alert per store and product, naming the events), cleared by an adjustment; closing by an
operator and by a store's event, with the refusals; each store sees only its own items."""
from __future__ import annotations

import uuid
from typing import Any

from backend import reconciliations
from backend.db import BackendDatabase
from tests.backend.helpers import ADMIN, GREEN_SOFA, now_iso, quantity, register, sale_event, stock_up
from tests.backend.test_push import push


def closed_event(device: str, seq: int, rec_id: str, resolution: str, store: str = "BER") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "device_id": device, "seq": seq, "type": "reconciliation.closed",
            "schema_version": 1, "created_at": now_iso(), "payload": {
                "reconciliation_id": rec_id, "store_id": store, "resolution": resolution, "note": "",
                "closed_by": "Jonas Weber", "approved_by": 2, "closed_at": now_iso()}}


def oversell(client: Any, db: BackendDatabase, headers: dict[str, str]) -> tuple[list[dict], list[str]]:
    stock_up(db, products=(GREEN_SOFA,), units=1)
    sales = [sale_event(seq=n) for n in (1, 2, 3)]
    assert [r["outcome"] for r in push(client, headers, *sales)] == ["applied"] * 3
    return client.get("/v1/reconciliations", headers=headers).json(), [s["id"] for s in sales]


def test_negative_stock_alert_names_its_events_and_a_count_clears_it(client, db: BackendDatabase) -> None:
    ber = register(client)
    [alert], ids = oversell(client, db, ber)
    assert quantity(db, GREEN_SOFA, "BER") == -2  # booked as sold: the goods were there
    assert alert["kind"] == "negative_stock" and alert["refs"] == ids[1:]  # the first sale left it at 0
    assert alert["details"]["quantity"] == -2 and alert["amount_cents"] >= 0
    push(client, ber, sale_event(seq=4))  # a further oversell extends the open alert
    [alert] = client.get("/v1/reconciliations", headers=ber).json()
    assert alert["details"]["quantity"] == -3 and len(alert["refs"]) == 3

    both = client.post("/v1/admin/stock/adjustments", headers=ADMIN, json={
        "store_id": "BER", "product_id": GREEN_SOFA, "counted": 0, "delta": 3, "adjusted_by": "x"})
    assert both.status_code == 422 and quantity(db, GREEN_SOFA, "BER") == -3  # bad input: nothing changed
    done = client.post("/v1/admin/stock/adjustments", headers=ADMIN, json={
        "store_id": "BER", "product_id": GREEN_SOFA, "counted": 0, "adjusted_by": "Inventur"}).json()
    assert done == {"store_id": "BER", "product_id": GREEN_SOFA, "quantity": 0, "closed": [alert["id"]]}
    assert client.get("/v1/reconciliations", headers=ber).json() == []
    [closed] = client.get("/v1/admin/reconciliations", params={"status": "closed"}, headers=ADMIN).json()
    assert (closed["resolution"], closed["closed_by"]) == ("count_adjusted", "Inventur")
    push(client, ber, sale_event(seq=5))  # below zero again: a new alert, the closed one stays closed
    [fresh] = client.get("/v1/reconciliations", headers=ber).json()
    assert fresh["id"] != alert["id"]


def test_closing_by_operator_and_by_store_event(client, db: BackendDatabase) -> None:
    ber, ham = register(client), register(client, "HAM-K1", "HAM")
    [alert], _ = oversell(client, db, ber)
    assert client.get("/v1/reconciliations", headers=ham).json() == []  # another store's
    rec_id = alert["id"]
    wrong = client.post(f"/v1/admin/reconciliations/{rec_id}/close", headers=ADMIN,
                        json={"resolution": "refund_issued", "closed_by": "Zentrale"})
    assert wrong.status_code == 422 and "passt nicht" in wrong.json()["detail"]
    assert client.post("/v1/admin/reconciliations/nope/close", headers=ADMIN,
                       json={"resolution": "accepted", "closed_by": "Z"}).status_code == 404
    [other_store] = push(client, ham, closed_event("HAM-K1", 1, rec_id, "accepted", store="HAM"))
    assert other_store["outcome"] == "rejected" and "belongs to store BER" in other_store["reason"]

    event = closed_event("BER-K1", 10, rec_id, "accepted")
    [first] = push(client, ber, event)
    assert first["outcome"] == "applied" and first["change_seq"] is not None
    assert push(client, ber, event)[0]["outcome"] == "duplicate"
    same = client.post(f"/v1/admin/reconciliations/{rec_id}/close", headers=ADMIN,
                       json={"resolution": "accepted", "closed_by": "Zentrale"})
    assert same.status_code == 200 and same.json()["closed_by"] == "Jonas Weber (Freigabe 2)"  # the first stands
    other = client.post(f"/v1/admin/reconciliations/{rec_id}/close", headers=ADMIN,
                        json={"resolution": "count_adjusted", "closed_by": "Zentrale"})
    assert other.status_code == 409


def test_raise_exception_is_idempotent_per_cause(db: BackendDatabase) -> None:
    with db.writing() as conn:
        first, changes = reconciliations.raise_exception(conn, "BER", "policy_breach", 49_99, ["ev-1"], {"why": "x"})
        again, none = reconciliations.raise_exception(conn, "BER", "policy_breach", 49_99, ["ev-1"], {"why": "x"})
        other, more = reconciliations.raise_exception(conn, "BER", "policy_breach", 49_99, ["ev-2"], {})
    assert first == again and none == [] and len(changes) == 1 and other != first and len(more) == 1
    assert changes[0].store_id == "BER" and changes[0].data["amount_cents"] == 49_99


def test_a_refund_whose_answer_was_lost_is_asked_again_and_paid_once(client, db: BackendDatabase) -> None:
    """The provider refunded, but its answer never reached us (a timeout, a crash before we
    recorded it): the refund stays pending, the next attempt asks with the same idempotency
    key, and the provider answers with the first refund instead of paying again."""
    from sqlalchemy import select

    from backend import pickup_refunds, pickups
    from backend.payment_provider import HttpRefunds, RefundFailed
    from backend.pickup_models import PickupOrder
    from tests.backend.test_pickups import pickup_web_order
    from tests.payment_standin import PaymentStandin

    number = pickup_web_order(client)["order_number"]
    with PaymentStandin() as standin:
        real = HttpRefunds(standin.url)

        class AnswerLost:
            def refund(self, **kw: Any) -> str:
                real.refund(**kw)
                raise RefundFailed("read timed out")

        with db.writing() as conn:
            order = conn.execute(select(PickupOrder).where(PickupOrder.order_number == number)).one()
            pickups.move(conn, order, "cancelled")
            pickup_refunds.record_pending(conn, order, order.created_at)
            pickup_refunds.record_pending(conn, order, order.created_at)  # twice: still one refund row
        assert pickup_refunds.settle(db, number, AnswerLost()) == ["read timed out"]
        with db.reading() as conn:
            assert [r.status for r in pickup_refunds.refunds_of(conn, number)] == ["pending"]
        assert pickup_refunds.settle(db, number, real) == []
        with db.reading() as conn:
            [refund] = pickup_refunds.refunds_of(conn, number)
        assert (refund.status, refund.refund_id) == ("refunded", "re_1")
        assert [amount for _, amount in standin.refunded()] == [10_00] and standin.calls == 2
