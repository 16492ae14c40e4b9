"""Web orders, purchase look-up and return.completed at the center: over-returns are refused
across channels and stores, refunds never exceed what a tender paid, resellable items are
restocked in the returning store, vouchers are issued and redeemed (tills and web shop)."""
from __future__ import annotations

import uuid
from typing import Any

from backend.db import BackendDatabase
from tests.backend.helpers import ADMIN, BLUE_SOFA, GREEN_SOFA, now_iso, quantity, register, sale_event
from tests.backend.test_push import push

CUSHION = 30  # any product of the hand-named catalog


def web_order(client: Any, *lines: tuple[int, int], tenders: list[dict[str, Any]] | None = None,
              prices: int = 100_00) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": "web", "customer_id": 1,
                            "lines": [{"product_id": p, "quantity": q, "unit_price_cents": prices} for p, q in lines]}
    total = sum(q for _, q in lines) * prices
    body["tenders"] = tenders or [{"kind": "card", "amount_cents": total}]
    response = client.post("/v1/channel/orders", headers=ADMIN, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def return_event(device_id: str, store_id: str, seq: int, original: dict[str, Any] | None,
                 lines: list[tuple[int | None, int, int, int, str]], tenders: list[tuple[str, int, str]],
                 customer_id: int | None = None, approved_by: int | None = None) -> dict[str, Any]:
    """lines: (original line, product, quantity, refund cents, condition); tenders: (kind, cents, reference)."""
    payload = {
        "return_id": str(uuid.uuid4()), "return_number": f"{device_id}-{seq:06d}", "store_id": store_id,
        "device_id": device_id, "cashier_id": 1, "created_at": now_iso(), "original": original,
        "customer_id": customer_id, "approved_by": approved_by,
        "total_cents": sum(line[3] for line in lines),
        "lines": [{"line_no": n, "original_line_no": orig, "product_id": pid, "sku": f"WM-{pid:06d}",
                   "name": f"Artikel {pid}", "quantity": qty, "refund_cents": cents, "vat_percent": 19,
                   "condition": cond, "reason_code": "gefaellt_nicht", "reason_text": ""}
                  for n, (orig, pid, qty, cents, cond) in enumerate(lines, 1)],
        "tenders": [{"kind": k, "amount_cents": a, "reference": r} for k, a, r in tenders],
    }
    return {"id": str(uuid.uuid4()), "device_id": device_id, "seq": seq, "type": "return.completed",
            "schema_version": 1, "created_at": now_iso(), "payload": payload}


def of_order(order: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "order", "id": order["id"], "number": order["order_number"]}


def test_web_order_is_found_by_its_qr_and_returned_in_two_stores_never_more_than_bought(
        client, db: BackendDatabase) -> None:
    ber, ham = register(client), register(client, "HAM-K1", "HAM", "Kasse 1")
    order = web_order(client, (BLUE_SOFA, 2), (GREEN_SOFA, 1))
    assert order["qr_payload"] == f"ORDER:{order['order_number']}"
    found = client.get(f"/v1/purchases/{order['qr_payload']}", headers=ber)
    assert found.status_code == 200, found.text
    data = found.json()
    assert (data["kind"], data["channel"], data["number"]) == ("order", "web", order["order_number"])
    assert [(line["product_id"], line["quantity"], line["returned_quantity"]) for line in data["lines"]] == [
        (BLUE_SOFA, 2, 0), (GREEN_SOFA, 1, 0)]

    before_ber, before_ham = quantity(db, BLUE_SOFA, "BER"), quantity(db, BLUE_SOFA, "HAM")
    [first] = push(client, ber, return_event("BER-K1", "BER", 1, of_order(order),
                                             [(1, BLUE_SOFA, 1, 100_00, "resellable")], [("card", 100_00, "")]))
    assert first["outcome"] == "applied", first
    assert quantity(db, BLUE_SOFA, "BER") == before_ber + 1
    # Hamburg takes the second one back, damaged: recorded, not restocked
    [second] = push(client, ham, return_event("HAM-K1", "HAM", 1, of_order(order),
                                              [(1, BLUE_SOFA, 1, 100_00, "damaged")], [("card", 100_00, "")]))
    assert second["outcome"] == "applied", second
    assert quantity(db, BLUE_SOFA, "HAM") == before_ham
    # a third blue sofa of this order, taken back offline: there were only two. It is on Berlin's
    # shelf, so the center books it and opens an over_return item (issue 12), never refuses it
    [third] = push(client, ber, return_event("BER-K1", "BER", 2, of_order(order),
                                             [(1, BLUE_SOFA, 1, 50_00, "resellable")], [("cash", 50_00, "")]))
    assert third["outcome"] == "applied", third
    assert quantity(db, BLUE_SOFA, "BER") == before_ber + 2
    [item] = client.get("/v1/admin/reconciliations", headers=ADMIN, params={"store_id": "BER"}).json()
    assert item["kind"] == "over_return" and item["amount_cents"] == 50_00 and item["refs"] == [third["id"]]
    assert any("gekauft 2, schon zurück 2" in r for r in item["details"]["reasons"])
    lines = client.get(f"/v1/purchases/{order['order_number']}", headers=ham).json()["lines"]
    assert [(line["returned_quantity"], line["refunded_cents"]) for line in lines] == [(3, 250_00), (0, 0)]
    recorded = client.get("/v1/admin/returns", headers=ADMIN,
                          params={"original_number": order["order_number"]}).json()
    assert [(r["store_id"], r["lines"][0]["condition"]) for r in recorded] == [
        ("BER", "resellable"), ("HAM", "damaged"), ("BER", "resellable")]


def test_a_store_sale_returned_in_another_store_and_refunds_capped_per_tender(client, db) -> None:
    ber, ham = register(client), register(client, "HAM-K1", "HAM", "Kasse 1")
    sale = sale_event(lines=((BLUE_SOFA, 2, 500_00),))
    sale["payload"]["tenders"] = [{"kind": "card", "amount_cents": 600_00, "given_cents": 600_00, "reference": ""},
                                  {"kind": "cash", "amount_cents": 400_00, "given_cents": 400_00, "reference": ""}]
    assert push(client, ber, sale)[0]["outcome"] == "applied"
    receipt = sale["payload"]["receipt_number"]
    data = client.get(f"/v1/purchases/{receipt}", headers=ham).json()
    assert {t["kind"]: t["amount_cents"] for t in data["tenders"]} == {"card": 600_00, "cash": 400_00}
    original = {"kind": "sale", "id": sale["payload"]["sale_id"], "number": receipt}
    too_much_cash = return_event("HAM-K1", "HAM", 1, original, [(1, BLUE_SOFA, 1, 500_00, "resellable")],
                                 [("cash", 500_00, "")])
    # the cash went out of Hamburg's drawer: booked, with the 100 € paid out beyond the cash
    # tender at stake (an over_return item), not refused
    [booked] = push(client, ham, too_much_cash)
    assert booked["outcome"] == "applied", booked
    [item] = client.get("/v1/admin/reconciliations", headers=ADMIN, params={"store_id": "HAM"}).json()
    assert item["kind"] == "over_return" and item["amount_cents"] == 100_00
    assert any("Bar" in r for r in item["details"]["reasons"])
    split = return_event("HAM-K1", "HAM", 2, original, [(1, BLUE_SOFA, 1, 500_00, "resellable")],
                         [("card", 500_00, "")])
    assert push(client, ham, split)[0]["outcome"] == "applied"
    tenders = client.get(f"/v1/purchases/{receipt}", headers=ber).json()["tenders"]
    assert {t["kind"]: t["refunded_cents"] for t in tenders} == {"card": 500_00, "cash": 500_00}
    assert len(client.get("/v1/admin/reconciliations", headers=ADMIN, params={"store_id": "HAM"}).json()) == 1


def test_store_credit_voucher_is_issued_and_spent_in_the_web_shop_and_at_a_till(client, db) -> None:
    ber = register(client)
    order = web_order(client, (CUSHION, 1), tenders=[{"kind": "paypal", "amount_cents": 100_00}])
    ret = return_event("BER-K1", "BER", 1, of_order(order), [(1, CUSHION, 1, 100_00, "resellable")],
                       [("voucher", 100_00, "GS-TEST-0001")])
    assert push(client, ber, ret)[0]["outcome"] == "applied"
    assert client.get("/v1/vouchers/GS-TEST-0001", headers=ber).json()["balance_cents"] == 100_00
    body = {"amount_cents": 30_00, "reference": "web-pay-1"}
    for _ in range(2):  # idempotent per reference
        answer = client.post("/v1/channel/vouchers/GS-TEST-0001/redeem", headers=ADMIN, json=body)
        assert answer.status_code == 200 and answer.json()["balance_cents"] == 70_00
    short = client.post("/v1/channel/vouchers/GS-TEST-0001/redeem", headers=ADMIN,
                        json={"amount_cents": 80_00, "reference": "web-pay-2"})
    assert short.status_code == 409
    sale = sale_event(seq=2, lines=((CUSHION, 1, 50_00),))
    sale["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": 50_00, "given_cents": 50_00,
                                   "reference": "GS-TEST-0001"}]
    assert push(client, ber, sale)[0]["outcome"] == "applied"
    assert client.get("/v1/channel/vouchers/GS-TEST-0001", headers=ADMIN).json()["balance_cents"] == 20_00
    unknown = sale_event(seq=3, lines=((CUSHION, 1, 50_00),))
    unknown["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": 50_00, "given_cents": 50_00,
                                      "reference": "GS-NOPE"}]
    [result] = push(client, ber, unknown)
    assert result["outcome"] == "rejected" and "GS-NOPE" in result["reason"]


def test_blind_returns_stay_within_the_customers_limit_and_the_policy_is_in_the_feed(client, db) -> None:
    ber = register(client)
    policy = client.get("/v1/admin/return-policy", headers=ADMIN).json()
    assert policy["window_days"] == 30 and policy["blind_limit_cents"] == 100_00
    page = client.get("/v1/changes", headers=ber, params={"after": 0, "limit": 5000}).json()
    assert not any(c["kind"] == "policy" for c in page["changes"])  # the default: every store starts with it
    blind = return_event("BER-K1", "BER", 1, None, [(None, CUSHION, 1, 80_00, "resellable")],
                         [("voucher", 80_00, "GS-BLIND-1")], customer_id=7, approved_by=2)
    assert push(client, ber, blind)[0]["outcome"] == "applied"
    again = return_event("BER-K1", "BER", 2, None, [(None, CUSHION, 1, 30_00, "resellable")],
                         [("voucher", 30_00, "GS-BLIND-2")], customer_id=7, approved_by=2)
    [refused] = push(client, ber, again)
    assert refused["outcome"] == "rejected" and "Limit" in refused["reason"]

    policy["window_days"] = 14
    changed = client.put("/v1/admin/return-policy", headers=ADMIN, json=policy)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    after = client.get("/v1/changes", headers=ber, params={"after": page["high_water"]}).json()["changes"]
    assert [(c["kind"], c["data"]["window_days"]) for c in after if c["kind"] == "policy"] == [("policy", 14)]


def test_unknown_purchase_is_404_and_a_return_of_it_is_rejected(client) -> None:
    ber = register(client)
    assert client.get("/v1/purchases/BER-K9-000001", headers=ber).status_code == 404
    ghost = {"kind": "sale", "id": str(uuid.uuid4()), "number": "BER-K9-000001"}
    [result] = push(client, ber, return_event("BER-K1", "BER", 1, ghost, [(1, CUSHION, 1, 10_00, "resellable")],
                                              [("voucher", 10_00, "GS-GHOST")]))
    assert result["outcome"] == "rejected" and "nicht bekannt" in result["reason"]


def test_one_order_comes_back_partly_by_post_and_partly_in_a_store_never_more_than_bought(client, db) -> None:
    ber = register(client)
    order = web_order(client, (BLUE_SOFA, 2), (CUSHION, 1),
                      tenders=[{"kind": "paypal", "amount_cents": 200_00}, {"kind": "card", "amount_cents": 100_00}])
    web_before = quantity(db, BLUE_SOFA, "WEB")
    by_post = client.post("/v1/channel/returns", headers=ADMIN, json={
        "order_number": order["order_number"], "lines": [{"line_no": 1, "quantity": 1, "reason_code": "passt_nicht"}]})
    assert by_post.status_code == 201, by_post.text
    assert by_post.json()["tenders"] == [{"kind": "card", "amount_cents": 100_00, "reference": ""}]
    assert quantity(db, BLUE_SOFA, "WEB") == web_before + 1  # back into the web warehouse
    # the second sofa comes back in Berlin: allowed; a third by post: refused
    [in_store] = push(client, ber, return_event("BER-K1", "BER", 1, of_order(order),
                                                [(1, BLUE_SOFA, 1, 100_00, "resellable")], [("voucher", 100_00, "GS-W1")]))
    assert in_store["outcome"] == "applied", in_store
    third = client.post("/v1/channel/returns", headers=ADMIN, json={
        "order_number": order["order_number"], "lines": [{"line_no": 1, "quantity": 1, "reason_code": "passt_nicht"}]})
    assert third.status_code == 409 and "höchstens 0 Stück" in third.json()["detail"]
    # the policy is the same online: "sonstiges" needs words; PayPal takes the cushion's refund
    vague = client.post("/v1/channel/returns", headers=ADMIN, json={
        "order_number": order["order_number"], "lines": [{"line_no": 2, "quantity": 1, "reason_code": "sonstiges"}]})
    assert vague.status_code == 409 and "mindestens 3 Zeichen" in vague.json()["detail"]
    cushion = client.post("/v1/channel/returns", headers=ADMIN, json={
        "order_number": order["order_number"], "lines": [{"line_no": 2, "quantity": 1, "condition": "damaged",
                                                          "reason_code": "sonstiges", "reason_text": "Naht offen"}]})
    assert cushion.status_code == 201 and cushion.json()["tenders"][0]["kind"] == "paypal"
    lines = client.get(f"/v1/purchases/{order['order_number']}", headers=ber).json()["lines"]
    assert [line["returned_quantity"] for line in lines] == [2, 1]


def test_simulate_places_web_orders_a_till_can_find(database_url: str, client, capsys) -> None:  # type: ignore[no-untyped-def]
    from backend.cli import main

    assert main(["simulate", "--orders", "3", "--seed", "7", "--database-url", database_url]) == 0
    printed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(printed) == 3 and all(qr == f"ORDER:{number}" for number, qr, _ in printed)
    ber = register(client)
    for number, qr, total in printed:
        found = client.get(f"/v1/purchases/{qr}", headers=ber).json()
        assert found["number"] == number and sum(line["total_cents"] for line in found["lines"]) == int(total)
        assert found["tenders"][0]["kind"] in ("card", "paypal")


def test_malformed_returns_are_refused_whole(client) -> None:
    ber = register(client)
    cash_blind = return_event("BER-K1", "BER", 1, None, [(None, CUSHION, 1, 10_00, "resellable")],
                              [("cash", 10_00, "")], customer_id=7, approved_by=2)
    unapproved = return_event("BER-K1", "BER", 1, None, [(None, CUSHION, 1, 10_00, "resellable")],
                              [("voucher", 10_00, "GS-X")], customer_id=7)
    wrong_sum = return_event("BER-K1", "BER", 1, {"kind": "order", "id": "x", "number": "W-1"},
                             [(1, CUSHION, 1, 10_00, "resellable")], [("card", 9_00, "")])
    for event, why in ((cash_blind, "store credit only"), (unapproved, "manager"), (wrong_sum, "do not add up")):
        response = client.post("/v1/events", headers=ber, json={"events": [event]})
        assert response.status_code == 422 and why in response.text, response.text
    other_store = return_event("BER-K1", "HAM", 1, None, [(None, CUSHION, 1, 10_00, "resellable")],
                               [("voucher", 10_00, "GS-Y")], customer_id=7, approved_by=2)
    assert client.post("/v1/events", headers=ber, json={"events": [other_store]}).status_code == 403


def test_an_order_reads_back_and_overspent_vouchers_are_listed(client) -> None:
    ber = register(client)
    order = web_order(client, (CUSHION, 2))
    back = client.get(f"/v1/channel/orders/{order['qr_payload']}", headers=ADMIN)
    assert back.status_code == 200 and back.json() == order
    assert client.get("/v1/channel/orders/W-NOPE", headers=ADMIN).status_code == 404
    ret = return_event("BER-K1", "BER", 1, of_order(order), [(1, CUSHION, 1, 100_00, "resellable")],
                       [("voucher", 100_00, "GS-TWICE")])
    assert push(client, ber, ret)[0]["outcome"] == "applied"
    for seq in (2, 3):  # two offline tills spend the same 100 € on 80 € each
        sale = sale_event(seq=seq, lines=((CUSHION, 1, 80_00),))
        sale["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": 80_00, "given_cents": 80_00,
                                       "reference": "GS-TWICE"}]
        assert push(client, ber, sale)[0]["outcome"] == "applied"  # the goods are gone: the sale stands
    negative = client.get("/v1/admin/vouchers", headers=ADMIN, params={"negative": "true"}).json()
    assert [(v["code"], v["balance_cents"]) for v in negative] == [("GS-TWICE", -60_00)]
