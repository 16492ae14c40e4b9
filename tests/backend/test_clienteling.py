"""Clienteling at the center: channel endpoints (carts, cases, notes, consents, contact data),
the tills' customer events with their merge rules, the unified profile, search, export, erase."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.backend.helpers import ADMIN, BLUE_SOFA, GREEN_SOFA, register, sale_event
from tests.backend.test_push import push

CUSTOMER = 1


def event(kind: str, payload: dict[str, Any], seq: int, device_id: str = "BER-K1") -> dict[str, Any]:
    """A till's event as the worker sends it: its clock is right (offset 0, measured an hour ago)."""
    now = datetime.now(timezone.utc)
    return {"id": str(uuid.uuid4()), "device_id": device_id, "seq": seq, "type": kind, "schema_version": 1,
            "created_at": now.isoformat(), "corrected_at": now.isoformat(),
            "clock_synced_at": (now - timedelta(hours=1)).isoformat(), "payload": payload}


def at(minutes: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()


def profile(client: Any, customer_id: int = CUSTOMER) -> dict[str, Any]:
    r = client.get(f"/v1/channel/customers/{customer_id}/profile", headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()


def test_case_over_email_phone_and_store(client) -> None:
    """Scenario 2 at the center: opened by e-mail, continued by phone with a note, closed in the store."""
    headers = register(client)
    r = client.post(f"/v1/channel/customers/{CUSTOMER}/cases", headers=ADMIN, json={
        "subject": "Sofa-Bezug verfärbt", "channel": "email", "text": "Der Bezug hat Flecken.", "author": "Kundin"})
    assert r.status_code == 200, r.text
    case_id = r.json()["id"]
    assert r.json()["case_number"].startswith("SC-")
    r = client.post(f"/v1/channel/cases/{case_id}/steps", headers=ADMIN, json={
        "channel": "phone", "text": "Rückruf: Foto erhalten, Termin in Berlin", "author": "Contact Center"})
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/channel/customers/{CUSTOMER}/notes", headers=ADMIN,
                    json={"text": "Bevorzugt Anruf nach 17 Uhr", "channel": "phone", "author": "Contact Center"})
    assert r.status_code == 200
    step = {"step_id": str(uuid.uuid4()), "case_id": case_id, "created_at": at(1), "store_id": "BER",
            "author": "Lena Schmidt", "text": "Neuer Bezug ausgehändigt", "close": True}
    first = push(client, headers, event("case.step_added", step, 1))
    again = push(client, headers, event("case.step_added", step, 2))  # the same step under a new key
    assert first[0]["outcome"] == "applied" and again[0]["outcome"] == "applied"
    [case] = profile(client)["service_cases"]
    assert case["status"] == "closed" and case["closed_channel"] == "store"
    assert [s["channel"] for s in case["steps"]] == ["email", "phone", "store"]
    assert profile(client)["notes"][0]["text"] == "Bevorzugt Anruf nach 17 Uhr"
    bad = push(client, headers, event("case.step_added", {**step, "step_id": str(uuid.uuid4()), "case_id": "nope"}, 3))
    assert bad[0]["outcome"] == "rejected" and "unknown service case" in bad[0]["reason"]


def test_cart_put_pull_and_sale_in_history(client) -> None:
    headers = register(client)
    r = client.put(f"/v1/channel/customers/{CUSTOMER}/cart", headers=ADMIN,
                   json={"items": [{"product_id": GREEN_SOFA, "quantity": 1}, {"product_id": BLUE_SOFA, "quantity": 2}]})
    assert r.status_code == 200, r.text
    assert [(i["product_id"], i["quantity"]) for i in r.json()] == [(GREEN_SOFA, 1), (BLUE_SOFA, 2)]
    bad = client.put(f"/v1/channel/customers/{CUSTOMER}/cart", headers=ADMIN,
                     json={"items": [{"product_id": 999999, "quantity": 1}]})
    assert bad.status_code == 422
    assert len(profile(client)["cart"]) == 2  # the refused PUT changed nothing
    sale = sale_event(lines=((BLUE_SOFA, 1, 1299_00),))
    sale_id = sale["payload"]["sale_id"]
    results = push(client, headers, sale,
                   event("cart.pulled", {"customer_id": CUSTOMER, "pulled_at": at(1), "store_id": "BER"}, 2),
                   event("customer.sale", {"sale_id": sale_id, "customer_id": CUSTOMER, "points": 1299}, 3))
    assert [x["outcome"] for x in results] == ["applied"] * 3
    p = profile(client)
    assert p["cart"] == []
    [purchase] = p["purchases"]
    assert purchase["id"] == sale_id and purchase["items"][0]["product_id"] == BLUE_SOFA
    assert p["loyalty"]["points"] == 1299 and p["loyalty"]["tier"] == "Silber"  # 500 points and up


def test_contact_fields_last_writer_wins_and_consent_history(client) -> None:
    headers = register(client)
    late = {"customer_id": CUSTOMER, "changed_at": at(10), "fields": {"phone": "030 999"},
            "consents": [{"channel": "email", "granted": True, "recorded_at": at(10), "source": "store BER",
                          "method": "mündlich an der Kasse", "recorded_by": "Lena Schmidt"}]}
    early = {"customer_id": CUSTOMER, "changed_at": at(5), "fields": {"phone": "030 111", "city": "Potsdam"},
             "consents": [{"channel": "email", "granted": False, "recorded_at": at(5), "source": "web",
                           "method": "Abmeldelink"}]}
    assert [x["outcome"] for x in push(client, headers, event("customer.updated", late, 1),
                                       event("customer.updated", early, 2))] == ["applied", "applied"]
    p = profile(client)
    assert p["customer"]["phone"] == "030 999"  # the later change wins, though it arrived first
    assert p["customer"]["city"] == "Potsdam"  # a field nobody changed later is taken
    assert p["consents"]["email"]["granted"] is True and len(p["consent_history"]) == 2
    changes = client.get("/v1/changes", headers=headers, params={"after": 0, "limit": 5000}).json()
    assert any(c["kind"] == "customer" and c["key"] == str(CUSTOMER) and c["data"]["phone"] == "030 999"
               for c in changes["changes"])


def test_created_at_till_then_search_export_erase(client) -> None:
    headers = register(client)
    new_id = 2_000_000_001
    created = {"customer_id": new_id, "number": "K-2000000001", "store_id": "BER", "created_at": at(),
               "fields": {"first_name": "Jürgen", "last_name": "Weiß", "phone": "0171 5550101",
                          "email": "jw@example.de"}, "consents": []}
    assert push(client, headers, event("customer.created", created, 1))[0]["outcome"] == "applied"
    clash = {**created, "number": "K-2000000009"}
    assert push(client, headers, event("customer.created", clash, 2))[0]["outcome"] == "rejected"
    for typed in ("weiss", "Jürgen Weiß", "+49 171 5550101", "JW@example.de", "CUST:K-2000000001"):
        r = client.get("/v1/customers/search", headers=headers, params={"q": typed})
        assert r.status_code == 200 and [c["id"] for c in r.json()] == [new_id], typed
    export = client.get(f"/v1/channel/customers/{new_id}/export", headers=ADMIN).json()
    assert export["profile"]["customer"]["email"] == "jw@example.de"
    assert client.post(f"/v1/channel/customers/{new_id}/erase", headers=ADMIN).status_code == 200
    p = profile(client, new_id)
    assert p["erased"] and p["customer"]["email"] == "" and p["customer"]["phone"] == ""
    assert client.get("/v1/customers/999999/profile", headers=headers).status_code == 404
    assert client.get(f"/v1/customers/{CUSTOMER}/profile").status_code == 401


def test_preferences_and_important_dates(client) -> None:
    r = client.put(f"/v1/channel/customers/{CUSTOMER}/preferences", headers=ADMIN, json={
        "preferences": {"Größe": "M", "Stil": "skandinavisch"},
        "important_dates": [{"label": "Geburtstag", "date": "03-14"}]})
    assert r.status_code == 200, r.text
    p = profile(client)
    assert p["preferences"] == {"Größe": "M", "Stil": "skandinavisch"}
    assert p["important_dates"] == [{"label": "Geburtstag", "date": "03-14"}]
    bad = client.put(f"/v1/channel/customers/{CUSTOMER}/preferences", headers=ADMIN,
                     json={"important_dates": [{"label": "Geburtstag", "date": "14.3."}]})
    assert bad.status_code == 422 and profile(client)["important_dates"] == [{"label": "Geburtstag", "date": "03-14"}]
