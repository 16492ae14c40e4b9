"""Bounds on every integer, text and date a client sends (pos_app.limits, through sync.protocol
and the center's own request models and parameters): refused with 422 naming the field, and
nothing stored; values at the limit are taken. On SQLite, and on PostgreSQL with
$POS_TEST_DATABASE_URL (each test its own database)."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from backend.db import BackendDatabase
from pos_app import limits
from tests.backend.helpers import ADMIN, audit_event, counts, register, sale_event

Edit = Callable[[dict[str, Any]], None]


def _line(field: str, value: Any) -> Edit:
    def edit(event: dict[str, Any]) -> None:
        event["payload"]["lines"][0][field] = value
    return edit


def _payload(field: str, value: Any) -> Edit:
    def edit(event: dict[str, Any]) -> None:
        event["payload"][field] = value
    return edit


def _event(field: str, value: Any) -> Edit:
    def edit(event: dict[str, Any]) -> None:
        event[field] = value
    return edit


def _amounts(cents: int) -> Edit:
    """A sale that adds up, with one line of `cents` (so only the bound can refuse it)."""
    def edit(event: dict[str, Any]) -> None:
        payload = event["payload"]
        line = payload["lines"][0]
        line.update(unit_price_cents=cents, list_price_cents=cents, total_cents=cents)
        payload["total_cents"] = cents
        payload["tenders"][0].update(amount_cents=cents, given_cents=cents)
        payload["vat"][0].update(gross_cents=cents, vat_cents=cents * 19 // 119)
    return edit


REFUSED = {
    "price over BIGINT": (_amounts(2**63), "unit_price_cents"),
    "price over the limit": (_amounts(limits.MAX_CENTS + 1), "unit_price_cents"),
    "cashier over INTEGER": (_payload("cashier_id", 2**31), "cashier_id"),
    "product over INTEGER": (_line("product_id", 2**31), "product_id"),
    "quantity": (_line("quantity", limits.MAX_QUANTITY + 1), "quantity"),
    "seq": (_event("seq", limits.MAX_SEQ + 1), "seq"),
    "NUL in a name": (_line("name", "Sofa\x00grün"), "lines.0.name"),
    "lone surrogate": (_line("name", "Sofa \ud800"), "lines.0.name"),
    "NUL in a receipt number": (_payload("receipt_number", "BER\x00-1"), "receipt_number"),
    "year 1 with +14:00": (_payload("created_at", "0001-01-01T00:30:00+14:00"), "created_at"),
    "year 9999": (_event("created_at", "9999-12-31T23:59:59-12:00"), "created_at"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_event_out_of_bounds_is_refused_naming_the_field_and_nothing_is_stored(
        client, db: BackendDatabase, case: str) -> None:
    device = register(client)
    edit, field = REFUSED[case]
    good = sale_event(seq=1)
    bad = sale_event(seq=2)
    edit(bad)
    before = counts(db)
    body = json.dumps({"events": [good, bad]})  # ASCII escapes: a lone surrogate travels as \ud800
    response = client.post("/v1/events", content=body.encode(), headers={**device, "content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert field.rsplit(".", 1)[-1] in response.text
    assert counts(db) == before


def test_free_form_details_are_held_to_the_same_text_and_integer_rules(client, db: BackendDatabase) -> None:
    device = register(client)
    before = counts(db)
    for details in ({"note": "a\x00b"}, {"a\x00": 1}, {"n": 10**20}, {"deep": [{"x": "\udfff"}]}):
        event = audit_event()
        event["payload"]["details"] = details
        response = client.post("/v1/events", content=json.dumps({"events": [event]}).encode(),
                               headers={**device, "content-type": "application/json"})
        assert response.status_code == 422, (details, response.text)
        assert "details" in response.text
    assert counts(db) == before


def test_values_at_the_limits_are_taken(client, db: BackendDatabase) -> None:
    device = register(client)
    event = sale_event(seq=limits.MAX_SEQ)
    _amounts(limits.MAX_CENTS)(event)
    event["payload"]["cashier_id"] = limits.MAX_ID
    event["payload"]["created_at"] = f"{limits.LATEST_YEAR}-12-31T23:59:59+00:00"
    response = client.post("/v1/events", json={"events": [event]}, headers=device)
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["outcome"] == "applied"
    [sale] = client.get("/v1/admin/sales", headers=ADMIN).json()
    assert sale["total_cents"] == limits.MAX_CENTS


@pytest.mark.parametrize("path, field", [
    (f"/v1/stock/{2**31}", "product_id"),
    ("/v1/stock/0", "product_id"),
    (f"/v1/changes?after={10**20}", "after"),
    (f"/v1/changes?limit={10**20}", "limit"),
    (f"/v1/customers/{2**31}/profile", "customer_id"),
    ("/v1/purchases/BER%00K1", "number"),
    ("/v1/vouchers/" + "A" * (limits.PATH_TEXT + 1), "code"),
    ("/v1/customers/search?q=M%C3%BCller%00", "q"),
])
def test_paths_and_query_parameters_are_bounded_like_their_columns(client, path: str, field: str) -> None:
    response = client.get(path, headers=register(client))
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"][-1] == field


def test_the_largest_values_a_parameter_takes_are_answered_without_a_server_error(client) -> None:
    device = register(client)
    assert client.get(f"/v1/stock/{limits.MAX_ID}", headers=device).status_code == 404
    page = client.get(f"/v1/changes?after={limits.MAX_SEQ}&limit={limits.MAX_SEQ}", headers=device)
    assert page.status_code == 200 and page.json()["changes"] == []
    assert client.get(f"/v1/channel/customers/{limits.MAX_ID}/profile", headers=ADMIN).status_code == 404
    assert client.get("/v1/admin/stock", params={"product_id": [limits.MAX_ID]}, headers=ADMIN).json() == []


def test_channel_bodies_refuse_nul_surrogates_and_dates_out_of_range_and_store_nothing(client) -> None:
    before = client.get("/v1/channel/customers/1/profile", headers=ADMIN).json()
    for path, body in (
            ("/v1/channel/customers/1/notes", {"text": "ruft an\x00"}),
            ("/v1/channel/customers/1/notes", {"text": "ruft an", "author": "\ud83d"}),
            ("/v1/channel/customers/1/cases", {"subject": "Lieferung", "channel": "email", "text": "x\x00"}),
            ("/v1/channel/orders", {"lines": [{"product_id": 1, "quantity": 1}],
                                    "tenders": [{"kind": "card", "amount_cents": 100}],
                                    "created_at": "0001-01-01T00:00:00+14:00"}),
            ("/v1/channel/orders", {"lines": [{"product_id": 2**31, "quantity": 1}],
                                    "tenders": [{"kind": "card", "amount_cents": 100}]})):
        response = client.post(path, content=json.dumps(body).encode(),
                               headers={**ADMIN, "content-type": "application/json"})
        assert response.status_code == 422, (path, response.text)
    response = client.patch("/v1/channel/customers/1", json={"zip_code": "1\x0001"}, headers=ADMIN)
    assert response.status_code == 422 and "zip_code" in response.text  # the protocol's model as a body
    response = client.put("/v1/channel/customers/1/cart", headers=ADMIN,
                          json={"items": [{"product_id": 1, "quantity": 1}, {"product_id": 1, "quantity": 2}]})
    assert response.status_code == 422 and "twice: 1" in response.text  # was a 500 (unique cart line)
    response = client.put("/v1/admin/return-policy", json={"window_days": 10**30}, headers=ADMIN)
    assert response.status_code == 422 and "window_days" in response.text
    response = client.put("/v1/admin/return-policy", json={"window_days": 100_000}, headers=ADMIN)
    assert response.status_code == 422 and "day counts" in response.text
    assert client.get("/v1/channel/customers/1/profile", headers=ADMIN).json() == before
    assert client.get("/v1/admin/return-policy", headers=ADMIN).json()["window_days"] == 30


def test_a_refusal_that_echoes_a_lone_surrogate_is_still_an_answer(client) -> None:
    body = '{"text": "\\ud800", "channel": "phone"}'
    response = client.post("/v1/channel/customers/1/notes", content=body.encode(),
                           headers={**ADMIN, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert "surrogate" in response.json()["detail"][0]["msg"]


def test_405_names_every_method_of_the_path(client) -> None:
    response = client.delete("/v1/channel/customers/1/wishlist", headers=ADMIN)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT"
    assert client.patch("/v1/events", headers=ADMIN).headers["allow"] == "POST"
    assert client.post("/v1/channel/customers/1/cart", headers=ADMIN).headers["allow"] == "DELETE, GET, PUT"


def _database_error(db: BackendDatabase, value: Any) -> BaseException:
    from sqlalchemy import text

    try:
        with db.reading() as conn:
            cast = "INTEGER" if isinstance(value, int) else "TEXT"
            conn.execute(text(f"SELECT CAST(:v AS {cast})"), {"v": value}).all()
    except Exception as exc:  # noqa: BLE001 - the real driver's answer is what is under test
        return exc
    raise AssertionError(f"the database took {value!r}")


def test_a_value_the_database_itself_refuses_is_a_422_problem_not_a_500(db: BackendDatabase) -> None:
    import asyncio

    from backend import http_errors

    for value in (2**70, "a\x00b") if db.dialect == "postgresql" else (2**70,):
        exc = _database_error(db, value)
        assert http_errors._is_client_value(exc), repr(exc)
        response = asyncio.run(http_errors._database_refused(None, exc))  # type: ignore[arg-type]
        assert response.status_code == 422 and b"cannot be stored" in response.body
    assert not http_errors._is_client_value(RuntimeError("a bug of ours stays a 500"))
