"""Click and collect in the store against the real center over HTTP: the queue from the feed,
picking by scan, handover with verification, partial pickup, pay in store through the normal
sale path, the double handover, expiry and return to stock, the walk-in guard, reservations."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pos_app.cart import CartError
from pos_app.clock import utc_now
from pos_app.pickup_till import WalkInGuard, charge_at_till, release_exemption
from pos_app.pickups import PickupDesk, PickupError
from pos_app.reconciliations import ReconciliationDesk
from pos_app.till import TillSession
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences
from tests.pickup_helpers import CUSHION, GREEN_SOFA, THROW, HamTill, open_ham_till, web_pickup_order
from tests.sync_helpers import LENA

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def local_stock(till: HamTill, product_id: int) -> int:
    return till.desk.on_hand(product_id)


def test_web_order_picked_by_scan_handed_over_with_stock_right(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, CUSHION)
    order = web_pickup_order(center, (CUSHION, 1), (THROW, 1))
    number = order["order_number"]
    assert ham.center_stock(CUSHION) == (on_hand, 1)
    ham.sync()
    view = ham.desk.queue()
    [o] = [o for o in view.orders if o.number == number]
    assert o.state == "new" and o.is_new and view.counts["new"] == 1
    assert o.sla_left(utc_now()) is not None and o.sla_left(utc_now()) <= timedelta(hours=2)
    assert ham.desk.reserved(CUSHION) == 1 and ham.desk.available(CUSHION) == on_hand - 1

    with pytest.raises(PickupError, match="Falscher Artikel"):
        ham.desk.pick_scan(number, ham.barcode(GREEN_SOFA))
    assert ham.desk.pick_scan(number, ham.barcode(CUSHION)).complete is False
    with pytest.raises(PickupError, match="Noch nicht gescannt"):
        ham.desk.finish_picking(number, "Finn")
    assert ham.desk.pick_scan(f"ORDER:{number}", ham.barcode(THROW)).complete is True
    assert ham.desk.finish_picking(number, "Finn").state == "ready"
    ham.sync()
    notes = center.admin("GET", f"/v1/channel/pickups/{number}/notifications").json()
    assert [n["kind"] for n in notes] == ["ready"]
    assert ham.desk.get(number).state == "ready" and ham.desk.get(number).confirmed

    order_seen = ham.desk.find(order["qr_payload"])[0]
    with pytest.raises(PickupError, match="Name passt nicht"):
        PickupDesk.verify(order_seen, "Erika Fremd", "567")
    with pytest.raises(PickupError, match="Telefonnummer"):
        PickupDesk.verify(order_seen, order_seen.customer_name, "999")
    how = PickupDesk.verify(order_seen, order_seen.customer_name, "4567")
    done = ham.desk.hand_over(number, order_seen.customer_name, how, "Lena")  # type: ignore[arg-type]
    assert done.state == "collected" and done.refused_cents == 0
    assert local_stock(ham, CUSHION) == on_hand - 1 and ham.desk.reserved(CUSHION) == 0
    ham.sync()
    assert ham.center_stock(CUSHION) == (on_hand - 1, 0)
    assert local_stock(ham, CUSHION) == on_hand - 1  # the movement folded in, not counted twice
    assert center.admin("GET", f"/v1/channel/pickups/{number}").json()["state"] == "collected"
    with pytest.raises(PickupError, match="bereits übergeben"):
        ham.desk.collectable(number)


def test_reserved_unit_cannot_be_sold_to_a_walk_in(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, GREEN_SOFA)
    assert on_hand == 1  # the last green sofa
    web_pickup_order(center, (GREEN_SOFA, 1))
    ham.sync()
    till = TillSession(ham.store, LENA)
    till.reservation_guard = WalkInGuard(ham.desk)
    with pytest.raises(CartError, match="Reserviert"):
        till.scan(ham.barcode(GREEN_SOFA))
    assert till.cart.is_empty()
    till.scan(ham.barcode(CUSHION))  # anything not reserved sells as usual
    assert len(till.cart.lines) == 1


def test_raising_a_quantity_cannot_take_reserved_units(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, CUSHION)
    assert on_hand >= 2
    web_pickup_order(center, (CUSHION, on_hand - 1))  # one cushion left for walk-ins
    ham.sync()
    till = TillSession(ham.store, LENA)
    till.reservation_guard = WalkInGuard(ham.desk)
    till.scan(ham.barcode(CUSHION))
    [line] = till.cart.lines
    with pytest.raises(CartError, match="Reserviert"):
        till.set_quantity(line.line_id, 2)
    assert [ln.quantity for ln in till.cart.lines] == [1]
    till.set_quantity(line.line_id, 1)  # not more: nothing to check


def test_partial_pickup_short_pick_and_refused_item(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, CUSHION), local_stock(ham, THROW)
    number = web_pickup_order(center, (CUSHION, 2), (THROW, 1))["order_number"]
    ham.sync()
    ham.desk.pick_scan(number, ham.barcode(CUSHION))
    with pytest.raises(PickupError, match="Grund"):
        ham.desk.short(number, 1, " ")
    ham.desk.short(number, 1, "nur eins im Regal")
    ham.desk.pick_scan(number, ham.barcode(THROW))
    assert ham.desk.finish_picking(number, "Finn").state == "ready"
    ham.sync()
    o = ham.desk.get(number)
    assert [ln.held for ln in o.lines] == [1, 1]
    assert ham.center_stock(CUSHION)[1] == 1  # the short unit is released at the center
    done = ham.desk.hand_over(number, o.customer_name, "id_check", "Lena", refused={2: 1})  # no throw
    assert done.state == "partially_collected" and done.refused_cents == 25_00
    assert (local_stock(ham, CUSHION), local_stock(ham, THROW)) == (on_hand[0] - 1, on_hand[1])
    ham.sync()
    assert ham.center_stock(CUSHION) == (on_hand[0] - 1, 0) and ham.center_stock(THROW) == (on_hand[1], 0)
    assert center.admin("GET", f"/v1/channel/pickups/{number}").json()["state"] == "partially_collected"


def test_pay_in_store_through_the_sale_path(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, CUSHION)
    placed = center.admin("POST", "/v1/channel/pickups", json={
        "store_id": "HAM", "customer_id": 2, "contact": {"phone": "040 123456"},
        "lines": [{"product_id": CUSHION, "quantity": 1}]}).json()
    number = placed["order_number"]
    ham.sync()
    ham.desk.pick_scan(number, ham.barcode(CUSHION))
    ham.desk.finish_picking(number, "Finn")
    o = ham.desk.get(number)
    with pytest.raises(PickupError, match="erst kassieren"):
        ham.desk.hand_over(number, o.customer_name, "id_check", "Lena")
    till = TillSession(ham.store, LENA)
    till.reservation_guard = WalkInGuard(ham.desk)
    due = charge_at_till(till, o)
    assert due == placed["total_cents"]
    till.pay_cash(due)
    sale = till.complete()
    ham.desk.hand_over(number, o.customer_name, "id_check", "Lena", sale_id=sale.sale_id)
    release_exemption(till)
    assert local_stock(ham, CUSHION) == on_hand - 1
    ham.sync()
    assert ham.center_stock(CUSHION) == (on_hand - 1, 0)  # the sale moved it, the handover did not again
    sales = center.admin("GET", "/v1/admin/sales", params={"device_id": "HAM-K1"}).json()
    assert [s["total_cents"] for s in sales] == [placed["total_cents"]]


def test_pay_in_store_with_a_refused_item_charges_only_what_is_taken(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, CUSHION), local_stock(ham, THROW)
    placed = center.admin("POST", "/v1/channel/pickups", json={
        "store_id": "HAM", "customer_id": 2, "lines": [{"product_id": CUSHION, "quantity": 1},
                                                       {"product_id": THROW, "quantity": 1}]}).json()
    number = placed["order_number"]
    ham.sync()
    for pid in (CUSHION, THROW):
        ham.desk.pick_scan(number, ham.barcode(pid))
    ham.desk.finish_picking(number, "Finn")
    o = ham.desk.get(number)
    till = TillSession(ham.store, LENA)
    till.reservation_guard = WalkInGuard(ham.desk)
    due = charge_at_till(till, o, refused={2: 1})  # the throw is refused: not charged
    assert due == placed["lines"][0]["unit_price_cents"] and len(till.cart.lines) == 1
    till.pay_cash(due)
    sale = till.complete()
    done = ham.desk.hand_over(number, o.customer_name, "id_check", "Lena", refused={2: 1}, sale_id=sale.sale_id)
    release_exemption(till)
    assert done.state == "partially_collected"
    assert (local_stock(ham, CUSHION), local_stock(ham, THROW)) == (on_hand[0] - 1, on_hand[1])
    ham.sync()
    assert ham.center_stock(CUSHION) == (on_hand[0] - 1, 0) and ham.center_stock(THROW) == (on_hand[1], 0)


def test_the_same_order_handed_over_at_two_tills(ham: HamTill, center: BackendServer, store_path: Path,
                                                 tmp_path: Path) -> None:
    k2 = open_ham_till(center, store_path, tmp_path / "ham2.db", "HAM-K2")
    try:
        on_hand = local_stock(ham, CUSHION)
        number = web_pickup_order(center, (CUSHION, 1))["order_number"]
        ham.sync()
        ham.desk.pick_scan(number, ham.barcode(CUSHION))
        ham.desk.finish_picking(number, "Finn")
        ham.sync()
        k2.sync()
        o = k2.desk.get(number)
        ham.desk.hand_over(number, o.customer_name, "id_check", "Lena")  # both while the other is unseen
        k2.desk.hand_over(number, o.customer_name, "id_check", "Mia")
        ham.sync()
        k2.sync()
        ham.sync()
        assert k2.store.conflicts() == []  # booked as it happened (reconcile, never erase)
        assert ham.center_stock(CUSHION) == (on_hand - 2, 0)
        assert local_stock(ham, CUSHION) == local_stock(k2, CUSHION) == on_hand - 2
        [item] = ReconciliationDesk(k2.store).items()
        assert item.kind == "pickup_handed_over_twice" and item.amount_cents == 25_00
        assert [i.id for i in ReconciliationDesk(ham.store).items()] == [item.id]  # every till of the store
        assert k2.desk.get(number).state == "collected"
        ReconciliationDesk(k2.store).close(item.id, "goods_returned", "zweite Tüte zurück", 2, "Jonas Weber")
        k2.sync()
        ham.sync()
        assert differences(center.database_url, ham.store, k2.store) == []
    finally:
        k2.store.close()


def test_expiry_lists_and_returns_to_stock(ham: HamTill, center: BackendServer) -> None:
    on_hand = local_stock(ham, CUSHION)
    placed = center.admin("POST", "/v1/channel/pickups", json={
        "store_id": "HAM", "customer_id": 2, "created_at": (utc_now() - timedelta(days=8)).isoformat(),
        "lines": [{"product_id": CUSHION, "quantity": 1}]}).json()
    number = placed["order_number"]
    ham.sync()
    assert [o.number for o in ham.desk.expired()] == [number]
    assert ham.desk.queue("overdue").orders[0].number == number
    ham.desk.return_to_stock(number, "Katrin")
    assert ham.desk.reserved(CUSHION) == 0 and local_stock(ham, CUSHION) == on_hand
    ham.sync()
    assert center.admin("GET", f"/v1/channel/pickups/{number}").json()["state"] == "returned_to_stock"
    assert ham.center_stock(CUSHION) == (on_hand, 0)
    assert ham.desk.expired() == []


def test_offline_handover_is_queued(ham: HamTill, center: BackendServer) -> None:
    number = web_pickup_order(center, (CUSHION, 1))["order_number"]
    ham.sync()
    ham.desk.pick_scan(number, ham.barcode(CUSHION))
    ham.desk.finish_picking(number, "Finn")
    o = ham.desk.get(number)  # no sync: the center is not asked
    ham.desk.hand_over(number, o.customer_name, "id_check", "Lena")
    assert ham.desk.get(number).state == "collected" and not ham.desk.get(number).confirmed
    assert ham.store.outbox_summary().pending >= 2
    ham.sync()
    assert center.admin("GET", f"/v1/channel/pickups/{number}").json()["state"] == "collected"
    assert ham.desk.get(number).confirmed


def test_scenario_4_reservation_by_the_contact_center(ham: HamTill, center: BackendServer) -> None:
    """The last green sofa, reserved by the contact center in Hamburg, picked up days later."""
    stock = ham.center_stock(GREEN_SOFA)
    assert stock == (1, 0)
    placed = center.admin("POST", "/v1/channel/pickups", json={
        "kind": "reservation", "store_id": "HAM", "customer_id": 7,
        "created_at": (utc_now() - timedelta(days=2)).isoformat(),
        "lines": [{"product_id": GREEN_SOFA, "quantity": 1}]}).json()
    number = placed["order_number"]
    ham.sync()
    [o] = [o for o in ham.desk.queue().orders if o.number == number]
    assert o.kind == "reservation" and o.payment == "none"
    till = TillSession(ham.store, LENA)
    till.reservation_guard = WalkInGuard(ham.desk)
    with pytest.raises(CartError, match="Reserviert"):
        till.scan(ham.barcode(GREEN_SOFA))
    import requests
    other = requests.post(f"{center.url}/v1/pickups/reservations", timeout=5,
                          headers={"Authorization": f"Bearer {ham.token}"},
                          json={"store_id": "HAM", "customer_id": 8, "lines": [{"product_id": GREEN_SOFA,
                                                                                 "quantity": 1}]})
    assert other.status_code == 409  # not reserved twice either
    ham.desk.pick_scan(number, ham.barcode(GREEN_SOFA))
    ham.desk.finish_picking(number, "Finn")
    ham.sync()
    o = ham.desk.get(number)  # days later (created two days ago) the customer comes and buys it
    assert o.state == "ready"
    with pytest.raises(PickupError, match="erst kassieren"):
        ham.desk.hand_over(number, o.customer_name, "id_check", "Lena")
    till.pay_cash(charge_at_till(till, o))
    sale = till.complete()
    done = ham.desk.hand_over(number, o.customer_name, "id_check", "Lena", sale_id=sale.sale_id)
    assert done.state == "collected"
    ham.sync()
    assert ham.center_stock(GREEN_SOFA) == (0, 0) and local_stock(ham, GREEN_SOFA) == 0


def test_the_sla_comes_from_the_settings() -> None:
    from pos_app.config import ConfigError, DEFAULT_FILE, parse_settings
    assert parse_settings(DEFAULT_FILE).pickup_sla_minutes == 120
    assert parse_settings("pickup_sla_minutes = 90\n").pickup_sla_minutes == 90
    with pytest.raises(ConfigError, match="pickup_sla_minutes"):
        parse_settings("pickup_sla_minutes = 0\n")
