"""Refused requests: 401 without a good token, 403 for another device or store, 422 for a
malformed batch, 413 for a body over the limit. Each time nothing is stored."""
from __future__ import annotations

import json

import pytest

from backend.db import BackendDatabase
from sync.protocol import MAX_BATCH_EVENTS, MAX_BODY_BYTES
from tests.backend.helpers import ADMIN, audit_event, bearer, counts, register, sale_event


@pytest.mark.parametrize("headers", [{}, bearer("not-a-token"), {"Authorization": "Basic Zm9vOmJhcg=="},
                                     {"Authorization": "Bearer"}])
def test_no_or_bad_token_is_401(client, db: BackendDatabase, headers: dict[str, str]) -> None:
    register(client)
    before = counts(db)
    for method, path, body in (("GET", "/v1/device", None), ("GET", "/v1/changes", None),
                               ("GET", "/v1/stock/1", None), ("POST", "/v1/events", {"events": [sale_event()]})):
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
    assert counts(db) == before


def test_admin_endpoints_need_the_admin_token(client) -> None:
    device = register(client)
    for headers in ({}, device, bearer("test-admin-token-but-wrong")):
        assert client.get("/v1/admin/sales", headers=headers).status_code == 401
        assert client.post("/v1/admin/devices", headers=headers,
                           json={"device_id": "X-1", "store_id": "BER", "name": "x"}).status_code == 401
    assert client.get("/v1/health").json() == {"status": "ok", "database": client.app.state.db.dialect}


def test_rotating_a_token_locks_out_the_old_one(client) -> None:
    old = register(client, "BER-K1", "BER")
    assert client.get("/v1/device", headers=old).status_code == 200
    new = register(client, "BER-K1", "BER")
    assert client.get("/v1/device", headers=old).status_code == 401
    assert client.get("/v1/device", headers=new).json() == {"device_id": "BER-K1", "store_id": "BER",
                                                            "name": "Kasse 1"}


def test_registering_for_an_unknown_store_is_404(client) -> None:
    response = client.post("/v1/admin/devices", headers=ADMIN, json={"device_id": "X-1", "store_id": "NOPE",
                                                                     "name": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("forge", ["event_device", "sale_store", "sale_device"])
def test_writing_for_another_device_or_store_is_403_for_the_whole_batch(client, db: BackendDatabase,
                                                                        forge: str) -> None:
    ber = register(client, "BER-K1", "BER")
    register(client, "HAM-K1", "HAM")
    good = sale_event("BER-K1", "BER", seq=1)
    if forge == "event_device":
        bad = audit_event("HAM-K1", seq=2)
    elif forge == "sale_store":
        bad = sale_event("BER-K1", "HAM", seq=2)
    else:
        bad = sale_event("BER-K1", "BER", seq=2)
        bad["payload"]["device_id"] = "HAM-K1"
    before = counts(db)
    response = client.post("/v1/events", headers=ber, json={"events": [good, bad]})
    assert response.status_code == 403, response.text
    assert "event 1" in response.json()["detail"]
    assert counts(db) == before  # not even the good event before it


def _wrong_types() -> dict:
    event = sale_event()
    event["seq"] = "eins"
    return {"events": [audit_event(seq=1), event]}


def _unknown_type() -> dict:
    event = audit_event(seq=2)
    event["type"] = "cart.teleported"  # pickup.handed_over exists now (issue 5)
    return {"events": [sale_event(), event]}


def _bad_payload() -> dict:
    event = sale_event(seq=2)
    event["payload"]["total_cents"] += 1  # does not add up
    return {"events": [sale_event(), event]}


def _too_many() -> dict:
    return {"events": [audit_event(seq=n) for n in range(1, MAX_BATCH_EVENTS + 2)]}


@pytest.mark.parametrize("body, needle", [
    (b'{"events": [', "json"),
    (json.dumps(_wrong_types()).encode(), "seq"),
    (json.dumps(_unknown_type()).encode(), "unknown event type 'cart.teleported'"),
    (json.dumps(_bad_payload()).encode(), "do not add up"),
    (json.dumps(_too_many()).encode(), "at most 500"),
    (json.dumps({"events": []}).encode(), "at least 1"),
    (json.dumps({"events": [sale_event()], "extra": 1}).encode(), "extra"),
], ids=["malformed-json", "wrong-types", "unknown-event-type", "payload-does-not-add-up", "too-many-events",
        "empty-batch", "unknown-field"])
def test_malformed_batches_are_422_and_nothing_is_stored(client, db: BackendDatabase, body: bytes,
                                                         needle: str) -> None:
    headers = register(client)
    before = counts(db)
    response = client.post("/v1/events", headers={**headers, "Content-Type": "application/json"}, content=body)
    assert response.status_code == 422, response.text
    assert needle.lower() in response.text.lower()
    assert isinstance(response.json()["detail"], list)
    assert counts(db) == before


def test_a_body_over_the_limit_is_413_and_nothing_is_stored(client, db: BackendDatabase) -> None:
    headers = register(client)
    before = counts(db)
    event = audit_event()
    event["payload"]["details"] = {"padding": "x" * MAX_BODY_BYTES}
    body = json.dumps({"events": [event]}).encode()
    response = client.post("/v1/events", headers={**headers, "Content-Type": "application/json"}, content=body)
    assert response.status_code == 413
    assert "smaller batches" in response.json()["detail"]

    def chunks():  # no Content-Length: refused while streaming in
        for start in range(0, len(body), 1 << 20):
            yield body[start:start + (1 << 20)]

    response = client.post("/v1/events", headers={**headers, "Content-Type": "application/json"}, content=chunks())
    assert response.status_code == 413
    assert counts(db) == before
    just_fits = {"events": [audit_event()]}
    assert client.post("/v1/events", headers=headers, json=just_fits).status_code == 200


def test_a_chunked_body_under_the_limit_is_accepted(client) -> None:
    headers = register(client)
    body = json.dumps({"events": [sale_event()]}).encode()
    response = client.post("/v1/events", headers={**headers, "Content-Type": "application/json"},
                           content=iter([body[:100], body[100:]]))
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["outcome"] == "applied"
