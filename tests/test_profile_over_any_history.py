"""The profile answers for any history (issue 12): random histories of till sales with the
customer, web orders, returns of those sales, blind returns and an erase request, pushed to the
REAL center over HTTP on loopback; the profile always answers 200 with points that follow the
rule and a tier that fits them. Once a blind return for a customer with no purchases made the
points negative and the profile HTTP 500. SQLite, and PostgreSQL with $POS_TEST_DATABASE_URL."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_app.clienteling import FAILED_NOTE, OFFLINE_NOTE, Clienteling
from pos_app.loyalty import points_for, tier_for
from sync.client import CenterClient
from sync.customers import CenterCustomers
from tests.backend_server import BackendServer, backend_database_url
from tests.fault_proxy import FaultPlan, FaultProxy
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)  # also the database of test_sync_backend's `till`
CUSHION = 30  # a product of the hand-named catalog
_ids = itertools.count(2_000_100_001)
_seq = itertools.count(1)


@pytest.fixture
def loyalty_center(backend_db: str) -> Iterator[tuple[BackendServer, dict[str, str]]]:
    with BackendServer(backend_db, customers=5) as server:
        token = server.register_device("BER-K1", "BER", "Kasse 1")
        yield server, {"Authorization": f"Bearer {token}"}


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def push(server: BackendServer, headers: dict[str, str], kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    event = {"id": str(uuid.uuid4()), "device_id": "BER-K1", "seq": next(_seq), "type": kind,
             "schema_version": 1, "created_at": now(), "payload": payload}
    r = requests.post(f"{server.url}/v1/events", headers=headers, json={"events": [event]}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


def sale(server: BackendServer, headers: dict[str, str], customer_id: int, cents: int) -> dict[str, Any]:
    sale_id, seq = str(uuid.uuid4()), next(_seq)
    line = {"line_no": 1, "product_id": CUSHION, "sku": "X", "name": "Kissen", "quantity": 1,
            "unit_price_cents": cents, "list_price_cents": cents, "line_discount_cents": 0,
            "cart_discount_cents": 0, "total_cents": cents, "vat_percent": 19}
    payload = {"sale_id": sale_id, "receipt_number": f"BER-K1-{seq:06d}", "store_id": "BER", "device_id": "BER-K1",
               "cashier_id": 1, "created_at": now(), "total_cents": cents, "cart_discount_cents": 0,
               "lines": [line], "tenders": [{"kind": "card", "amount_cents": cents, "given_cents": cents,
                                             "reference": ""}],
               "vat": [{"percent": 19, "gross_cents": cents, "vat_cents": round(cents * 19 / 119)}]}
    assert push(server, headers, "sale.completed", payload)["outcome"] == "applied"
    assert push(server, headers, "customer.sale", {"sale_id": sale_id, "customer_id": customer_id,
                                                   "points": points_for(cents)})["outcome"] == "applied"
    return {"kind": "sale", "id": sale_id, "number": payload["receipt_number"], "cents": cents}


def give_back(server: BackendServer, headers: dict[str, str], customer_id: int, cents: int,
              original: dict[str, Any] | None) -> bool:
    """A return of `original` (a sale, by card) or a blind return (store credit, a manager);
    True when the center applied it."""
    seq = next(_seq)
    payload = {"return_id": str(uuid.uuid4()), "return_number": f"BER-K1-{seq:06d}", "store_id": "BER",
               "device_id": "BER-K1", "cashier_id": 1, "created_at": now(),
               "original": None if original is None else {k: original[k] for k in ("kind", "id", "number")},
               "customer_id": customer_id, "approved_by": None if original else 2, "total_cents": cents,
               "lines": [{"line_no": 1, "original_line_no": 1 if original else None, "product_id": CUSHION,
                          "sku": "X", "name": "Kissen", "quantity": 1, "refund_cents": cents, "vat_percent": 19,
                          "condition": "resellable", "reason_code": "gefaellt_nicht", "reason_text": ""}],
               "tenders": [{"kind": "card", "amount_cents": cents, "reference": ""} if original else
                           {"kind": "voucher", "amount_cents": cents, "reference": f"GS-{uuid.uuid4().hex[:10]}"}]}
    return push(server, headers, "return.completed", payload)["outcome"] == "applied"


steps = st.lists(st.one_of(
    st.tuples(st.just("sale"), st.integers(1, 250_000)),
    st.tuples(st.just("order"), st.integers(1, 250_000)),
    st.tuples(st.just("return"), st.integers(0, 20)),
    st.tuples(st.just("blind"), st.integers(1, 12_000)),
    st.tuples(st.just("erase"), st.just(0)),
), max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=steps)
def test_the_profile_answers_for_any_history(loyalty_center: tuple[BackendServer, dict[str, str]],
                                             history: list[tuple[str, int]]) -> None:
    server, headers = loyalty_center
    cid = next(_ids)
    created = {"customer_id": cid, "number": f"K-{cid}", "store_id": "BER", "created_at": now(),
               "fields": {"first_name": "Eva", "last_name": "Beispiel"}, "consents": []}
    assert push(server, headers, "customer.created", created)["outcome"] == "applied"
    expected, purchases = 0, []
    for kind, value in history:
        if kind == "sale":
            purchases.append(sale(server, headers, cid, value))
            expected += points_for(value)
        elif kind == "order":
            r = server.admin("POST", "/v1/channel/orders", json={
                "channel": "web", "customer_id": cid,
                "lines": [{"product_id": CUSHION, "quantity": 1, "unit_price_cents": value}],
                "tenders": [{"kind": "card", "amount_cents": value}]})
            assert r.status_code == 201, r.text
            expected += points_for(value)
        elif kind == "return" and purchases:
            original = purchases.pop(value % len(purchases))
            if give_back(server, headers, cid, original["cents"], original):
                expected -= points_for(original["cents"])
        elif kind == "blind":
            if give_back(server, headers, cid, value, None):
                expected -= points_for(value)
        elif kind == "erase":
            server.admin("POST", f"/v1/channel/customers/{cid}/erase")
    for path, auth in ((f"/v1/channel/customers/{cid}/profile", None), (f"/v1/customers/{cid}/profile", headers)):
        r = (server.admin("GET", path) if auth is None
             else requests.get(f"{server.url}{path}", headers=auth, timeout=30))
        assert r.status_code == 200, r.text
        loyalty = r.json()["loyalty"]
        assert loyalty["points"] == expected == sum(h["points"] for h in loyalty["history"])
        assert loyalty["tier"] == ("Gold" if expected >= 2000 else "Silber" if expected >= 500 else "Bronze")


@pytest.mark.parametrize("points, tier", [(-10**12, "Bronze"), (-1, "Bronze"), (0, "Bronze"), (499, "Bronze"),
                                          (500, "Silber"), (1999, "Silber"), (2000, "Gold"), (10**12, "Gold")])
def test_every_number_of_points_has_a_tier(points: int, tier: str) -> None:
    assert tier_for(points) == tier


@pytest.mark.consistency_exempt("the center is stopped on purpose at the end: what the till wrote cannot arrive")
def test_the_till_tells_a_failing_center_from_an_unreachable_one(till: Till) -> None:  # noqa: F811
    """HTTP 500 from the center is "the center reported an error", not "unreachable"."""
    with FaultProxy(upstream=till.center.url, seed=1, plan=FaultPlan(path_prefix="/v1/customers")) as proxy:
        remote = CenterCustomers(lambda: CenterClient(proxy.url, till.token, timeout=(1, 3)))
        c = Clienteling(till.store, remote.search, remote.profile)
        [anna] = c.directory.search("K-0000007")
        assert c.view_profile(LENA, anna).online
        proxy.force("error_500")
        failed = c.view_profile(LENA, anna)
        assert not failed.online and failed.note.startswith(FAILED_NOTE.split("(")[0]) and "HTTP 500" in failed.note
        proxy.force("error_500")
        assert "HTTP 500" in c.search("Zzyzx Unbekannt").note
        proxy.force("drop_before")
        assert c.view_profile(LENA, anna).note == OFFLINE_NOTE
        till.center.stop()
        assert c.view_profile(LENA, anna).note == OFFLINE_NOTE
        assert c.search("Zzyzx Unbekannt").note == OFFLINE_NOTE
