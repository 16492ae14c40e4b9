"""Goods receipt (issue 14): the store app's receiving against the real center on loopback.

- a delivery announced at the center reaches the store's feed; an associate scans it in with
  one item short, gives the reason, books it: stock up at once here, at the center after sync,
  the short line a reconciliation both sides see;
- bad input (unknown barcode, negative or too large quantities, a difference without a reason,
  a second booking): a clear message and nothing booked;
- killed half-way and offline: every scan survives, the booking reaches the center once;
- a delivery without a notice needs a manager;
- a second device of the store sees the delivery received and cannot book it again.

After each, tests/consistency.py finds zero differences (stock, reconciliations, deliveries).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.gtin import with_check_digit
from pos_app.reconciliations import ReconciliationDesk
from pos_app.stock.receiving import GoodsReceiving
from pos_app.stock.rules import StockRuleError
from pos_app.store.local import LocalStore
from pos_app.store.models import OutboxEvent
from pos_app.store.staff import StaffMember
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till
from tests.sync_helpers import statuses

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
FINN = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def announce(center: BackendServer, *lines: tuple[int, int], number: str = "LS-4711") -> dict:
    return center.admin("POST", "/v1/admin/stock/deliveries", json={
        "store_id": "HAM", "supplier": "Zentrallager Kassel", "number": number,
        "lines": [{"product_id": p, "quantity": q} for p, q in lines]}).json()


def on_hand(store: LocalStore, product_id: int) -> int:
    with store.db.reading() as s:
        return int(s.connection().exec_driver_sql(
            "SELECT COALESCE(SUM(quantity), 0) FROM stock WHERE product_id = ? AND store_id = 'HAM'",
            (product_id,)).scalar())


def outbox_count(store: LocalStore) -> int:
    with store.db.reading() as s:
        return s.query(OutboxEvent).count()


def consistent(center: BackendServer, *tills: HamTill) -> None:
    stores = [t.store for t in tills]
    assert differences(center.database_url, *stores) == []
    assert stock_operation_differences(center.database_url, *stores) == []


def test_a_delivery_received_with_a_short_item(ham: HamTill, center: BackendServer) -> None:
    cushions, throws = on_hand(ham.store, CUSHION), on_hand(ham.store, THROW)
    announced = announce(center, (CUSHION, 4), (THROW, 3))
    assert announced["status"] == "expected" and announced["number"] == "LS-4711"
    ham.sync()
    receiving = GoodsReceiving(ham.store)
    [delivery] = receiving.deliveries()
    assert (delivery.number, delivery.supplier, delivery.status, delivery.units) == (
        "LS-4711", "Zentrallager Kassel", "expected", 7)

    draft = receiving.open("LS-4711", FINN.name)  # the delivery note's barcode
    assert [(line.product_id, line.expected, line.received) for line in draft.lines] == [(CUSHION, 4, 0), (THROW, 3, 0)]
    receiving.scan(draft.draft_id, ham.barcode(CUSHION), quantity=4)
    receiving.scan(draft.draft_id, ham.barcode(THROW))
    line = receiving.scan(draft.draft_id, ham.barcode(THROW))
    assert (line.expected, line.received, line.difference.short) == (3, 2, 1)
    assert [v.product_id for v in receiving.view(draft.draft_id).open_differences] == [THROW]
    before = outbox_count(ham.store)
    with pytest.raises(StockRuleError, match="Grund"):
        receiving.book(draft.draft_id, FINN)  # a difference needs its reason
    assert outbox_count(ham.store) == before and on_hand(ham.store, THROW) == throws

    receiving.set_line(draft.draft_id, THROW, 2, 0, "Karton fehlt")
    booked = receiving.book(draft.draft_id, FINN)
    assert booked.moved == {CUSHION: 4, THROW: 2}
    assert [(d.product_id, d.difference.short) for d in booked.differences] == [(THROW, 1)]
    assert (on_hand(ham.store, CUSHION), on_hand(ham.store, THROW)) == (cushions + 4, throws + 2)  # at once
    assert receiving.deliveries()[0].status == "booked"
    with pytest.raises(StockRuleError, match="schon"):
        receiving.open("LS-4711", FINN.name)
    ham.sync()

    assert statuses(ham.store)[booked.event_id] == "sent"
    assert ham.center_stock(CUSHION)[0] == cushions + 4 and ham.center_stock(THROW)[0] == throws + 2
    assert center.admin("GET", "/v1/admin/stock/deliveries/LS-4711").json()["status"] == "received"
    [report] = center.admin("GET", "/v1/admin/stock/receipts", params={"store_id": "HAM"}).json()
    assert report["delivery_number"] == "LS-4711" and report["event_id"] == booked.event_id
    assert [(r["product_id"], r["short"], r["reason"]) for r in report["lines"] if r["short"]] == [
        (THROW, 1, "Karton fehlt")]
    [item] = center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
    assert item["id"] == report["reconciliation_id"] and item["kind"] == "delivery_discrepancy"
    assert item["refs"] == [booked.event_id] and item["amount_cents"] > 0
    [seen] = ReconciliationDesk(ham.store).items()  # the store's managers see it too
    assert seen.id == item["id"] and seen.label == "Abweichung im Wareneingang"
    assert receiving.deliveries() == []  # received: no longer expected
    consistent(center, ham)

    ReconciliationDesk(ham.store).close(seen.id, "goods_returned", "Nachlieferung kommt", JONAS.id, JONAS.name)
    ham.sync()
    assert center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json() == []
    consistent(center, ham)


def test_bad_input_books_nothing(ham: HamTill, center: BackendServer) -> None:
    announce(center, (CUSHION, 2))
    ham.sync()
    receiving = GoodsReceiving(ham.store)
    draft = receiving.open("LS-4711", FINN.name)
    before, cushions = outbox_count(ham.store), on_hand(ham.store, CUSHION)
    with pytest.raises(StockRuleError, match="Unbekannter Artikel"):
        receiving.scan(draft.draft_id, with_check_digit("400000000001"))  # a valid EAN no product has
    with pytest.raises(StockRuleError, match="Prüfziffer"):
        receiving.scan(draft.draft_id, "4006381333932")
    with pytest.raises(StockRuleError, match="negativ"):
        receiving.scan(draft.draft_id, ham.barcode(CUSHION), quantity=-1)
    with pytest.raises(StockRuleError, match="Höchstens"):
        receiving.scan(draft.draft_id, ham.barcode(CUSHION), quantity=100_000)
    with pytest.raises(StockRuleError, match="negativ"):
        receiving.set_line(draft.draft_id, CUSHION, -2, 0, "")
    with pytest.raises(StockRuleError, match="nicht angekündigt"):
        receiving.open("LS-0000", FINN.name)
    with pytest.raises(StockRuleError, match="Marktleitung"):
        receiving.open_unexpected("Lieferant X", FINN.name, FINN)  # not a manager
    assert receiving.view(draft.draft_id).lines[0].received == 0
    with pytest.raises(StockRuleError, match="Grund"):
        receiving.book(draft.draft_id, FINN)  # nothing scanned: all short, no reason
    assert outbox_count(ham.store) == before and on_hand(ham.store, CUSHION) == cushions
    ham.sync()
    assert ham.center_stock(CUSHION)[0] == cushions
    consistent(center, ham)


def test_killed_and_offline_mid_way_nothing_lost_or_doubled(ham: HamTill, center: BackendServer,
                                                            tmp_path: Path) -> None:
    cushions = on_hand(ham.store, CUSHION)
    announce(center, (CUSHION, 3))
    ham.sync()
    receiving = GoodsReceiving(ham.store)
    draft = receiving.open("LS-4711", FINN.name)
    receiving.scan(draft.draft_id, ham.barcode(CUSHION), quantity=2)
    ham.store.close()  # the app is killed: every scan was its own committed transaction

    ham.store = LocalStore.open(tmp_path / "ham1.db", "HAM-K1")
    receiving = GoodsReceiving(ham.store)
    [resumed] = receiving.open_drafts()
    assert resumed.draft_id == draft.draft_id and resumed.lines[0].received == 2
    assert receiving.open("LS-4711", FINN.name).draft_id == draft.draft_id  # the same draft, not a new one
    receiving.scan(draft.draft_id, ham.barcode(CUSHION))
    center.stop()  # offline from here
    booked = receiving.book(draft.draft_id, FINN)
    assert on_hand(ham.store, CUSHION) == cushions + 3
    center.start()
    ham.sync()
    assert ham.center_stock(CUSHION)[0] == cushions + 3

    with ham.store.db.writing() as s:  # the answer was lost: the worker sends the event again
        s.get(OutboxEvent, booked.event_id).status = "pending"
    ham.sync()
    assert ham.center_stock(CUSHION)[0] == cushions + 3 == on_hand(ham.store, CUSHION)  # not twice
    assert center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json() == []
    consistent(center, ham)


def test_delivery_without_notice_and_a_second_device(ham: HamTill, center: BackendServer, store_path: Path,
                                                     tmp_path: Path) -> None:
    k2 = open_ham_till(center, store_path, tmp_path / "ham2.db", "HAM-K2")
    try:
        throws = on_hand(ham.store, THROW)
        receiving = GoodsReceiving(ham.store)
        draft = receiving.open_unexpected("Spedition Nord", FINN.name, JONAS)
        receiving.scan(draft.draft_id, ham.barcode(THROW), quantity=5)
        receiving.scan(draft.draft_id, ham.barcode(THROW), damaged=True)
        receiving.set_line(draft.draft_id, THROW, 5, 1, "Glas gebrochen")
        receiving.book(draft.draft_id, FINN)
        announce(center, (CUSHION, 1), number="LS-0815")
        ham.sync()
        k2.sync()
        assert ham.center_stock(THROW)[0] == throws + 5 == on_hand(k2.store, THROW)
        [item] = center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
        assert item["kind"] == "delivery_discrepancy" and item["details"]["lines"][0]["damaged"] == 1

        first = GoodsReceiving(k2.store)  # both devices open LS-0815 offline; K2 books first
        d2 = first.open("LS-0815", "Finn")
        first.scan(d2.draft_id, k2.barcode(CUSHION))
        first.book(d2.draft_id, FINN)
        d1 = receiving.open("LS-0815", FINN.name)
        receiving.scan(d1.draft_id, ham.barcode(CUSHION))
        k2.sync()
        ham.sync()  # K1's booking arrives after K2's: its goods are booked too (they are here), flagged
        late = [i for i in center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
                if i["details"].get("delivery_number") == "LS-0815"]
        assert late == []  # K1 had not booked yet
        with pytest.raises(StockRuleError, match="schon gebucht"):
            receiving.book(d1.draft_id, FINN)  # the feed told K1 it is received
        k2.sync()
        consistent(center, ham, k2)
    finally:
        k2.store.close()


def test_the_delivery_endpoints_refuse_bad_input_with_4xx(center: BackendServer) -> None:
    import requests

    def post(path: str, body: object) -> requests.Response:
        return requests.post(f"{center.url}{path}", json=body, timeout=10,
                             headers={"Authorization": f"Bearer {center.admin_token}"})

    good = {"store_id": "HAM", "supplier": "Lager", "number": "LS-1", "lines": [{"product_id": CUSHION, "quantity": 1}]}
    for bad, field in (({**good, "supplier": "La\x00ger"}, "supplier"),
                       ({**good, "lines": [{"product_id": 2**40, "quantity": 1}]}, "product_id"),
                       ({**good, "lines": [{"product_id": CUSHION, "quantity": -1}]}, "quantity"),
                       ({**good, "lines": [{"product_id": CUSHION, "quantity": 100_000}]}, "quantity"),
                       ({**good, "lines": []}, "lines"),
                       ({**good, "number": "LS 1/2"}, "number")):
        answer = post("/v1/admin/stock/deliveries", bad)
        assert answer.status_code == 422 and field in answer.text, (bad, answer.text)
    assert post("/v1/admin/stock/deliveries", {**good, "store_id": "XXX"}).status_code == 422
    assert post("/v1/admin/stock/deliveries", {**good, "lines": [{"product_id": 999_999, "quantity": 1}]}).status_code == 422
    assert post("/v1/admin/stock/deliveries", {**good, "lines": [{"product_id": CUSHION, "quantity": 1}] * 2}).status_code == 422
    assert post("/v1/admin/stock/deliveries", good).status_code == 201
    assert post("/v1/admin/stock/deliveries", good).status_code == 409  # the number is taken
    assert requests.get(f"{center.url}/v1/admin/stock/deliveries/NOPE", timeout=10,
                        headers={"Authorization": f"Bearer {center.admin_token}"}).status_code == 404
    assert requests.get(f"{center.url}/v1/admin/stock/counts/NOPE", timeout=10,
                        headers={"Authorization": f"Bearer {center.admin_token}"}).status_code == 404
    assert post("/v1/admin/stock/deliveries/LS-1/cancel", None).json()["status"] == "cancelled"
    assert post("/v1/admin/stock/deliveries/LS-1/cancel", None).json()["status"] == "cancelled"  # again: no change
    assert requests.post(f"{center.url}/v1/admin/stock/deliveries", json=good, timeout=10).status_code == 401


def test_one_delivery_booked_on_two_offline_devices_books_both_and_flags_it(
        ham: HamTill, center: BackendServer, store_path: Path, tmp_path: Path) -> None:
    """Both devices scanned the same delivery offline: the goods each says it shelved are booked
    (a physical fact is never erased); the second booking opens a reconciliation."""
    k2 = open_ham_till(center, store_path, tmp_path / "ham2.db", "HAM-K2")
    try:
        cushions = on_hand(ham.store, CUSHION)
        announce(center, (CUSHION, 2), number="LS-2222")
        ham.sync()
        k2.sync()
        for till in (ham, k2):
            receiving = GoodsReceiving(till.store)
            draft = receiving.open("LS-2222", FINN.name)
            receiving.scan(draft.draft_id, till.barcode(CUSHION), quantity=2)
            receiving.book(draft.draft_id, FINN)
        ham.sync()
        k2.sync()
        ham.sync()
        assert ham.center_stock(CUSHION)[0] == cushions + 4 == on_hand(ham.store, CUSHION) == on_hand(k2.store, CUSHION)
        [item] = center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM"}).json()
        assert item["kind"] == "delivery_discrepancy" and item["details"]["problem"] == "Avis schon gebucht"
        assert ham.store.conflicts() == [] and k2.store.conflicts() == []
        consistent(center, ham, k2)
    finally:
        k2.store.close()
