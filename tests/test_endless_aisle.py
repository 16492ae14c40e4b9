"""The endless aisle against the real center over HTTP (SQLite, or PostgreSQL with
POS_TEST_DATABASE_URL): Hamburg has no blue sofa, München and Berlin do. The Hamburg till sells
it, the customer pays in full through the normal sale path, and the center's fulfilment order
reserves it where it is; München picks, packs and ships it to the customer, or sends it to
Hamburg, where it becomes an ordinary pickup order. Offline the sale and the order wait in the
outbox together. Each followed by the consistency checks (stock, in transit, reserved)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from hardware.receipt_printer import render_escpos
from pos_app.pickups import PickupDesk
from pos_app.receipt import PAPER_80MM, layout
from pos_app.cart import CartError
from pos_app.stock.fulfilment import Address, EndlessAisle, FulfilmentDesk, FulfilmentError, ShelfGuard
from pos_app.till import TillSession
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, transit_and_reserved_differences
from tests.escpos_decode import decode
from tests.sync_helpers import LENA
from tests.transfer_helpers import BLUE_SOFA, CUSHION, StoreTill, open_till

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
ANNA = Address("Anna Becker", "Hofweg 5", "22085", "Hamburg")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[StoreTill]:
    till = open_till(center, store_path, tmp_path / "ham.db", "HAM", "HAM-K1")
    yield till
    till.store.close()


@pytest.fixture
def muc(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[StoreTill]:
    till = open_till(center, store_path, tmp_path / "muc.db", "MUC", "MUC-K1")
    yield till
    till.store.close()


def consistent(center: BackendServer, *tills: StoreTill) -> None:
    for till in tills + tills:
        till.sync()
    stores = [t.store for t in tills]
    assert differences(center.database_url, *stores) == []
    assert transit_and_reserved_differences(center.database_url, *stores) == []


def online(till: StoreTill):  # the center's availability, as the app's lookup does it
    def lookup(product_id: int) -> list[dict]:
        return list(till.availability(product_id).values())
    return lookup


def offline(_product_id: int) -> list[dict]:
    raise requests.ConnectionError("Zentrale nicht erreichbar")


def sell_from(ham: StoreTill, aisle: EndlessAisle, src: str, delivery: str, customer_id: int | None = 7):
    till = TillSession(ham.store, LENA)
    till.endless_aisle = aisle
    till.customer_id = customer_id
    aisle.sell_from(till, BLUE_SOFA, 1, src, delivery, ANNA if delivery == "ship" else None)
    till.pay_cash(till.cart.totals().total_cents)
    return till.complete(), aisle.last_orders[0]


def receipt_text(ham: StoreTill, sale_id: str) -> str:
    data = render_escpos(layout(ham.store.sales.receipt(sale_id), PAPER_80MM), "TM-T88V")
    return decode(data).text


def test_sold_in_hamburg_shipped_from_muenchen_to_the_customer(ham: StoreTill, muc: StoreTill,
                                                                center: BackendServer) -> None:
    aisle = EndlessAisle(ham.store, lookup=online(ham))
    where = aisle.where(BLUE_SOFA)
    assert where.online and where.available_at("MUC") == 1 and where.available_at("BER") == 2
    assert where.places[0].available > 0  # places that have it come first
    ham_before, muc_before = ham.on_hand(BLUE_SOFA), muc.on_hand(BLUE_SOFA)

    sale, number = sell_from(ham, aisle, "MUC", "ship")
    assert ham.on_hand(BLUE_SOFA) == ham_before  # not from this shelf
    text_ = receipt_text(ham, sale.sale_id)
    assert "Wird geliefert an Anna Becker" in text_.replace("\n", " ") and number in text_.replace("\n", "")
    ham.sync()
    assert ham.availability(BLUE_SOFA)["MUC"]["reserved"] == 1
    assert ham.availability(BLUE_SOFA)["MUC"]["available"] == 0  # cannot be sold twice
    profile = center.admin("GET", "/v1/channel/customers/7/fulfilment").json()["orders"]
    assert [o["number"] for o in profile] == [number] and profile[0]["state"] == "new"

    muc.sync()
    walk_in = TillSession(muc.store, LENA)  # München's till: the sofa is kept for this order
    walk_in.reservation_guard = ShelfGuard(PickupDesk(muc.store), aisle=EndlessAisle(muc.store))
    with pytest.raises(CartError, match="Versandbestellungen"):
        walk_in.add_product(BLUE_SOFA)
    desk = FulfilmentDesk(muc.store)
    [order] = desk.queue()
    assert order.number == number and order.delivery == "ship" and order.address["city"] == "Hamburg"
    consistent(center, ham, muc)
    with pytest.raises(FulfilmentError, match="Falscher Artikel"):
        desk.pick_scan(number, muc.barcode(CUSHION))
    with pytest.raises(FulfilmentError, match="zuerst"):
        desk.ship(number, "Theresa", "DHL")
    desk.pick_scan(number, muc.barcode(BLUE_SOFA))
    desk.finish_picking(number, "Theresa")
    shipped = desk.ship(number, "Theresa", "DHL", "00340434161094042557")
    assert shipped.state == "shipped" and muc.on_hand(BLUE_SOFA) == muc_before - 1
    consistent(center, ham, muc)
    where = ham.availability(BLUE_SOFA)
    assert where["MUC"]["quantity"] == muc_before - 1 and where["MUC"]["reserved"] == 0
    assert where["HAM"]["quantity"] == ham_before
    [o] = center.admin("GET", "/v1/channel/customers/7/fulfilment").json()["orders"]
    assert o["state"] == "shipped" and o["tracking"] == "00340434161094042557"
    profile = center.admin("GET", "/v1/channel/customers/7/profile").json()  # every channel sees it
    assert [(o["number"], o["state"]) for o in profile["fulfilment_orders"]] == [(number, "shipped")]
    with ham.store.db.reading() as s:  # the selling store sees the order's progress too
        assert s.execute(text("SELECT state FROM fulfilment_orders WHERE number = :n"), {"n": number}).scalar() == "shipped"


def test_sold_in_hamburg_sent_from_muenchen_for_pickup_here(ham: StoreTill, muc: StoreTill,
                                                           center: BackendServer) -> None:
    aisle = EndlessAisle(ham.store, lookup=online(ham))
    ham_before = ham.on_hand(BLUE_SOFA)
    sale, number = sell_from(ham, aisle, "MUC", "pickup")
    assert "Abholung in dieser Filiale" in receipt_text(ham, sale.sale_id).replace("\n", " ")
    ham.sync()
    muc.sync()
    desk = FulfilmentDesk(muc.store)
    desk.pick_scan(number, muc.barcode(BLUE_SOFA))
    desk.finish_picking(number, "Theresa")
    desk.ship(number, "Theresa", "pickup")  # handed to the transfer to Hamburg
    consistent(center, ham, muc)
    assert ham.availability(BLUE_SOFA)["HAM"]["in_transit"] == 1

    transfer = f"{number}-T"
    ham.desk.receive_scan(transfer, ham.barcode(BLUE_SOFA))
    assert ham.desk.book_receipt(transfer, "Jonas").state == "received"
    ham.sync()
    ham.sync()
    pickups = PickupDesk(ham.store)
    [po] = [o for o in pickups.queue().orders if o.number == f"{number}-A"]
    assert po.payment == "prepaid" and po.state == "new"  # the ordinary click-and-collect flow from here
    assert ham.on_hand(BLUE_SOFA) == ham_before + 1 and pickups.reserved(BLUE_SOFA) == 1
    consistent(center, ham, muc)


def test_offline_sale_is_recorded_and_the_order_goes_with_the_next_sync(ham: StoreTill, muc: StoreTill,
                                                                       center: BackendServer) -> None:
    EndlessAisle(ham.store, lookup=online(ham)).where(BLUE_SOFA)  # looked up once while online
    aisle = EndlessAisle(ham.store, lookup=offline)
    where = aisle.where(BLUE_SOFA)
    assert not where.online and where.as_of is not None and where.available_at("MUC") == 1
    sale, number = sell_from(ham, aisle, "MUC", "ship")
    with ham.store.db.reading() as s:
        kinds = [k for (k,) in s.execute(text("SELECT type FROM outbox WHERE status = 'pending' ORDER BY seq"))]
    assert kinds.index("fulfilment.ordered") < kinds.index("sale.completed")  # the order first, one commit
    ham.sync()  # the network is back
    muc.sync()
    assert [o.number for o in FulfilmentDesk(muc.store).queue()] == [number]
    consistent(center, ham, muc)


def test_bad_input_is_refused_and_nothing_booked(ham: StoreTill, muc: StoreTill, center: BackendServer) -> None:
    aisle = EndlessAisle(ham.store, lookup=online(ham))
    till = TillSession(ham.store, LENA)
    till.endless_aisle = aisle
    with pytest.raises(FulfilmentError, match="Unbekannter Artikel"):
        aisle.sell_from(till, 999_999, 1, "MUC", "ship", ANNA)
    with pytest.raises(FulfilmentError, match="nur 1"):
        aisle.sell_from(till, BLUE_SOFA, 2, "MUC", "ship", ANNA)
    with pytest.raises(FulfilmentError, match="eigenen Bestand"):
        aisle.sell_from(till, BLUE_SOFA, 1, "HAM", "ship", ANNA)
    with pytest.raises(FulfilmentError, match="Anschrift"):
        aisle.sell_from(till, BLUE_SOFA, 1, "MUC", "ship", None)
    with pytest.raises(FulfilmentError):
        aisle.sell_from(till, BLUE_SOFA, 1, "MUC", "ship", Address("Anna\x00", "Hofweg 5", "22085", "Hamburg"))
    assert till.cart.is_empty() and aisle.intents == []
    with ham.store.db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar() == 0
    # A voided sale orders nothing.
    aisle.sell_from(till, BLUE_SOFA, 1, "MUC", "ship", ANNA)
    till.void_sale()
    assert aisle.intents == []
    consistent(center, ham, muc)


def test_killed_mid_sale_loses_and_doubles_nothing(ham: StoreTill, muc: StoreTill, center: BackendServer,
                                                  tmp_path: Path) -> None:
    """A till selling through the endless aisle is killed (SIGKILL) at random moments: every sale
    that committed has exactly one order, written before it; none without the other; the shelf
    is untouched; after the sync the center and the stores agree."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    from tests.backend_server import ROOT

    EndlessAisle(ham.store, lookup=online(ham)).where(BLUE_SOFA)
    with ham.store.db.writing() as s:  # as if München had many (the center will say otherwise)
        s.execute(text("UPDATE availability_seen SET available = 100000 WHERE store_id = 'MUC'"))
    before = ham.on_hand(BLUE_SOFA)
    path = tmp_path / "ham.db"
    ham.store.close()
    rng = random.Random(14)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "tests.crash_aisle_seller", str(path), "HAM-K1"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.3, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(20)
        proc.stdout.close()
        proc.stderr.close()  # type: ignore[union-attr]
    from pos_app.store.local import LocalStore

    ham.store = LocalStore.open(path, "HAM-K1")
    with ham.store.db.reading() as s:
        rows = s.execute(text("SELECT seq, type, payload FROM outbox WHERE type IN "
                              "('fulfilment.ordered', 'sale.completed') ORDER BY seq")).all()
    import json

    sales = [json.loads(p)["sale_id"] for _, kind, p in rows if kind == "sale.completed"]
    orders = [json.loads(p)["sale_id"] for _, kind, p in rows if kind == "fulfilment.ordered"]
    assert sales, "the seller never completed a sale"
    assert orders == sales  # one order per sale, in the sale's order, none without its sale
    kinds = [kind for _, kind, _ in rows]
    assert kinds == ["fulfilment.ordered", "sale.completed"] * len(sales)  # each order before its sale
    assert ham.on_hand(BLUE_SOFA) == before
    for _ in range(4):
        ham.sync()
    assert center.admin("GET", "/v1/channel/customers/7/fulfilment").status_code == 200
    consistent(center, ham, muc)
