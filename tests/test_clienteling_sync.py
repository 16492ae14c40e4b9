"""Clienteling end to end against the real backend over HTTP (tests/backend_server.py): the
till's core (pos_app.clienteling) with the center's profile (sync.customers), no Qt.

Scenario 2 (a service case by e-mail and phone, closed in the store), scenario 3 (the web cart
pulled into the till, a quantity changed, sold; the web cart empty; the sale in the customer's
history), and a customer created and edited offline that reaches the center after sync."""
from __future__ import annotations

import pytest

from pos_app.clienteling import Clienteling, ClientelingError
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from sync.client import CenterClient
from sync.customers import CenterCustomers
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
JONAS = StaffMember(2, "Jonas Weber", "manager")


def service(till: Till) -> Clienteling:
    center = CenterCustomers(lambda: CenterClient(till.center.url, till.token, timeout=(1, 3)))
    return Clienteling(till.store, center.search, center.profile)


def sync(till: Till) -> None:
    worker, seen = till.worker()
    worker.wake()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert seen[-1].pending == 0 and seen[-1].conflicts == 0, seen[-1]


def center_profile(till: Till, customer_id: int) -> dict:
    r = till.center.admin("GET", f"/v1/channel/customers/{customer_id}/profile")
    assert r.status_code == 200, r.text
    return r.json()


def test_scenario_2_service_case_by_email_and_phone_closed_in_the_store(till: Till) -> None:
    c = service(till)
    [anna] = c.directory.search("K-0000007")
    opened = till.center.admin("POST", f"/v1/channel/customers/{anna.id}/cases", json={
        "subject": "Lieferung beschädigt", "channel": "email", "text": "Tischbein abgebrochen", "author": anna.name})
    case_id = opened.json()["id"]
    till.center.admin("POST", f"/v1/channel/cases/{case_id}/steps", json={
        "channel": "phone", "text": "Ersatzbein ist in der Filiale Berlin abholbereit", "author": "Contact Center"})
    found = c.search(anna.last_name)
    assert found.source == "local" and anna.id in [h.id for h in found.hits]
    profile = c.view_profile(LENA, anna)
    assert profile.online
    [case] = profile.data["service_cases"]
    assert [s["channel"] for s in case["steps"]] == ["email", "phone"]  # the whole history, nothing asked twice
    c.add_case_step(LENA, case_id, "Ersatzbein ausgehändigt, Kundin zufrieden", close=True)
    sync(till)
    [case] = center_profile(till, anna.id)["service_cases"]
    assert case["status"] == "closed" and [s["channel"] for s in case["steps"]] == ["email", "phone", "store"]
    assert case["steps"][-1]["author"] == "Lena Schmidt"
    with pytest.raises(ClientelingError):
        c.view_profile(None, anna)  # nobody logged in


def test_scenario_3_web_cart_pulled_changed_sold_then_empty_and_in_the_history(till: Till) -> None:
    c = service(till)
    (_, first, price1), (_, second, price2) = till.products(2)
    [ben] = c.directory.search("K-0000011")
    r = till.center.admin("PUT", f"/v1/channel/customers/{ben.id}/cart",
                          json={"items": [{"product_id": first, "quantity": 1}, {"product_id": second, "quantity": 2}]})
    assert r.status_code == 200, r.text
    profile = c.view_profile(LENA, ben)
    session = TillSession(till.store, LENA)
    changes, missing = c.pull_cart(session, ben.id, profile.data["cart"])
    assert missing == [] and len(session.cart.lines) == 2
    line = next(ln for ln in session.cart.lines if ln.product.product_id == second)
    session.set_quantity(line.line_id, 1)  # the customer wants one, not two
    session.customer_id = ben.id
    total = session.cart.totals().total_cents
    assert total == price1 + price2
    session.pay_card(total, approved=True, reference="4711")
    done = session.complete()
    receipt = till.store.sales.receipt(done.sale_id)
    assert f"Bonuspunkte für diesen Einkauf: +{total // 100}" in receipt.footer
    sync(till)
    after = center_profile(till, ben.id)
    assert after["cart"] == []
    [purchase] = [p for p in after["purchases"] if p["id"] == done.sale_id]
    assert sorted((i["product_id"], i["quantity"]) for i in purchase["items"]) == sorted([(first, 1), (second, 1)])
    assert after["loyalty"]["points"] >= total // 100
    assert c.view_profile(LENA, ben).local_sales[0]["id"] == done.sale_id


def test_customer_created_and_edited_offline_reaches_the_center(till: Till) -> None:
    c = service(till)
    till.center.stop()
    made = c.create(LENA, {"first_name": "Özlem", "last_name": "Yıldız", "phone": "0176 2233445",
                           "email": "oezlem@example.de"},
                    consents=[{"channel": "email", "granted": True, "method": "mündlich an der Kasse"}])
    assert made.customer is not None and made.duplicates == []
    again = c.create(LENA, {"first_name": "Ö", "last_name": "Y", "phone": "+49 176 2233445"})
    assert again.customer is None and [d.id for d in again.duplicates] == [made.customer.id]  # warned
    with pytest.raises(ClientelingError):
        c.create(LENA, {"first_name": "A", "last_name": "B", "email": "kein-at-zeichen"})
    cid = made.customer.id
    assert c.update(LENA, cid, {"city": "Berlin", "phone": "0176 9988776"},
                    consents=[{"channel": "sms", "granted": False, "method": "Widerruf an der Kasse"}]) == ["city", "phone"]
    c.add_note(LENA, cid, "Sucht ein grünes Samtsofa")
    found = c.search("+49 176 9988776")
    assert [h.id for h in found.hits] == [cid]
    offline = c.view_profile(LENA, found.hits[0])
    assert not offline.online and "nur die Daten dieser Filiale" in offline.note
    till.center.start()
    sync(till)
    p = center_profile(till, cid)
    assert (p["customer"]["city"], p["customer"]["phone"], p["customer"]["home_store_id"]) == \
        ("Berlin", "0176 9988776", "BER")
    assert p["consents"]["email"]["granted"] is True and p["consents"]["sms"]["granted"] is False
    assert p["consents"]["email"]["source"] == "Filiale BER" and p["consents"]["email"]["recorded_by"] == "Lena Schmidt"
    assert [n["text"] for n in p["notes"]] == ["Sucht ein grünes Samtsofa"]
    assert [h.id for h in c.directory.search("Oezlem")] == [cid]  # the feed brought it back: still one
    export = c.export(JONAS, c.view_profile(JONAS, made.customer))
    assert export["profile"]["customer"]["email"] == "oezlem@example.de"
    with pytest.raises(ClientelingError):
        c.export(LENA, offline)


def test_not_here_then_at_the_center_and_an_erase_request_keeps_the_sales(till: Till) -> None:
    c = service(till)
    with till.store.db.writing() as s:  # a customer this store has never seen (e.g. feed not there yet)
        s.execute(__import__("sqlalchemy").text("DELETE FROM customers WHERE number = 'K-0000012'"))
    found = c.search("K-0000012")
    assert found.source == "center" and [h.number for h in found.hits] == ["K-0000012"]
    customer = found.hits[0]
    session = TillSession(till.store, LENA)
    (code, _pid, price), = till.products(1)
    session.scan(code)
    session.customer_id = customer.id
    session.pay_cash(price)
    done = session.complete()
    with pytest.raises(ClientelingError):
        c.erase(LENA, customer.id)  # a cashier may not
    c.erase(JONAS, customer.id)
    sync(till)
    p = center_profile(till, customer.id)
    assert p["erased"] and p["customer"]["last_name"] == f"Kunde {customer.id}" and p["customer"]["email"] == ""
    assert [x["id"] for x in p["purchases"]] == [done.sale_id]  # the sale stays (tax law)
