"""Over-returns and overdrawn vouchers: booked as they happened, reconciled, never refused.

Real center on loopback (SQLite, or PostgreSQL with POS_TEST_DATABASE_URL), two Hamburg tills
with their own store files and the real sync worker:

- two tills of one store take back the same cushion while neither has told the center: both
  returns are booked (two cushions are on the shelf, two refunds left the drawers), an
  `over_return` item with the refund at stake shows at the center and in both tills, a manager
  closes it ("written off"), stock agrees everywhere;
- a voucher spent in the web shop meanwhile is spent in full at an offline till: the sale
  stands, the balance goes below zero, a `voucher_overdrawn` item with the uncovered amount.

After each story tests/consistency.py finds zero differences.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.refunds import RefundTender
from pos_app.reconciliation_rules import ResolutionRefused
from pos_app.reconciliations import ReconciliationDesk
from pos_app.returns import Choice, ReturnsService
from pos_app.till import TillSession
from pos_app.vouchers import VoucherCheck
from sync.client import CenterClient
from sync.purchases import CenterPurchases
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences
from tests.pickup_helpers import CUSHION, HamTill, open_ham_till
from tests.sync_helpers import LENA, sell

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
JONAS = (2, "Jonas Weber")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def tills(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[tuple[HamTill, HamTill]]:
    k1 = open_ham_till(center, store_path, tmp_path / "ham1.db")
    k2 = open_ham_till(center, store_path, tmp_path / "ham2.db", "HAM-K2")
    yield k1, k2
    k1.store.close()
    k2.store.close()


def center_items(center: BackendServer, status: str = "open") -> list[dict]:
    return center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "HAM", "status": status}).json()


def returns_at(till: HamTill) -> ReturnsService:
    return ReturnsService(till.store, LENA, center=CenterPurchases(
        lambda: CenterClient(till.center.url, till.token, timeout=(1, 3))))


def test_two_offline_tills_take_back_the_same_item(center: BackendServer, tills: tuple[HamTill, HamTill]) -> None:
    k1, k2 = tills
    before = k1.desk.on_hand(CUSHION)
    sale = sell(k1.store, k1.barcode(CUSHION))
    k1.sync()
    k2.sync()
    price = sale.total_cents

    # K2 finds the receipt at the center (nothing returned yet), then the line goes down
    at_k2 = returns_at(k2)
    found = at_k2.find(sale.receipt_number)
    assert found.purchase.source == "center" and found.purchase.lines[0].returnable_quantity == 1
    center.stop()
    at_k1 = returns_at(k1)  # K1 takes its own sale back offline
    own = at_k1.find(sale.receipt_number).purchase
    first = at_k1.complete(own, at_k1.items(own, [Choice(1, 1)]), [RefundTender("cash", price)])
    second = at_k2.complete(found.purchase, at_k2.items(found.purchase, [Choice(1, 1)]),
                            [RefundTender("cash", price)])
    center.start()
    k1.sync()
    k2.sync()
    k1.sync()

    assert k1.store.conflicts() == [] and k2.store.conflicts() == []  # booked, not refused
    recorded = center.admin("GET", "/v1/admin/returns", params={"original_number": sale.receipt_number}).json()
    assert sorted(r["id"] for r in recorded) == sorted([first.return_id, second.return_id])
    assert k1.center_stock(CUSHION)[0] == before + 1  # sold one, two came back: both are on the shelf
    assert k1.desk.on_hand(CUSHION) == k2.desk.on_hand(CUSHION) == before + 1
    [item] = center_items(center)
    assert item["kind"] == "over_return" and item["amount_cents"] == price
    assert item["details"]["return_number"] == second.return_number and item["details"]["excess_quantity"] == 1
    assert "zu viel zurück" in item["details"]["reasons"][0]
    for till in (k1, k2):
        [seen] = ReconciliationDesk(till.store).items()
        assert (seen.id, seen.kind, seen.amount_cents) == (item["id"], "over_return", price)
        assert seen.subject == f"Rücknahme {second.return_number}"
    assert differences(center.database_url, k1.store, k2.store) == []

    desk = ReconciliationDesk(k2.store)
    with pytest.raises(ResolutionRefused):
        desk.close(item["id"], "goods_given", "", *JONAS)  # nothing was given away
    desk.close(item["id"], "written_off", "Kundin nicht erreichbar", *JONAS)
    k2.sync()
    k1.sync()
    [closed] = center_items(center, "closed")
    assert (closed["resolution"], closed["note"]) == ("written_off", "Kundin nicht erreichbar")
    assert ReconciliationDesk(k1.store).items() == []
    assert differences(center.database_url, k1.store, k2.store) == []


def test_a_replayed_over_return_opens_one_item(center: BackendServer, tills: tuple[HamTill, HamTill]) -> None:
    """The same return sent twice (a retry after a lost answer) is applied once: one item."""
    import requests

    from tests.sync_helpers import outbox_rows

    k1, k2 = tills
    sale = sell(k1.store, k1.barcode(CUSHION))
    k1.sync()
    k2.sync()
    at_k2 = returns_at(k2)
    found = at_k2.find(sale.receipt_number).purchase
    at_k1 = returns_at(k1)
    own = at_k1.find(sale.receipt_number).purchase
    at_k1.complete(own, at_k1.items(own, [Choice(1, 1)]), [RefundTender("cash", sale.total_cents)])
    at_k2.complete(found, at_k2.items(found, [Choice(1, 1)]), [RefundTender("cash", sale.total_cents)])
    k1.sync()
    k2.sync()
    event = next(e for e in outbox_rows(k2.store) if e.type == "return.completed")
    import json
    body = {"events": [{"id": event.id, "device_id": "HAM-K2", "seq": event.seq, "type": event.type,
                        "schema_version": event.schema_version, "created_at": event.created_at,
                        "payload": json.loads(event.payload)}]}
    again = requests.post(f"{center.url}/v1/events", json=body, timeout=10,
                          headers={"Authorization": f"Bearer {k2.token}"}).json()
    assert again["results"][0]["outcome"] == "duplicate", again
    assert [i["kind"] for i in center_items(center)] == ["over_return"]
    k1.sync()
    assert differences(center.database_url, k1.store, k2.store) == []


def test_a_voucher_spent_online_meanwhile_is_spent_in_full_offline(center: BackendServer,
                                                                   tills: tuple[HamTill, HamTill]) -> None:
    k1, k2 = tills
    sale = sell(k1.store, k1.barcode(CUSHION))
    k1.sync()
    at_k1 = returns_at(k1)
    purchase = at_k1.find(sale.receipt_number).purchase
    done = at_k1.complete(purchase, at_k1.items(purchase, [Choice(1, 1)]),
                          [RefundTender("voucher", sale.total_cents)])
    [(code, value)] = done.vouchers
    k1.sync()
    shop = center.admin("POST", f"/v1/channel/vouchers/{code}/redeem",
                        json={"amount_cents": 500, "reference": "web-order-7"}).json()
    assert shop["balance_cents"] == value - 500

    offline = VoucherCheck(k1.store.db)  # the till cannot ask the center: its own figure
    assert offline(code) == value
    session = TillSession(k1.store, LENA)
    session.scan(k1.barcode(CUSHION))
    session.pay_voucher(code, value, offline(code))
    rest = session.cart.totals().total_cents - value
    if rest > 0:
        session.pay_cash(rest)
    spent = session.complete()
    k1.sync()
    k2.sync()

    assert k1.store.conflicts() == []  # the goods left: the sale stands
    balance = center.admin("GET", f"/v1/channel/vouchers/{code}").json()["balance_cents"]
    assert balance == -500
    [item] = center_items(center)
    assert item["kind"] == "voucher_overdrawn" and item["amount_cents"] == 500
    assert item["details"]["voucher_code"] == code and item["details"]["sale_id"] == spent.sale_id
    for till in (k1, k2):
        [seen] = ReconciliationDesk(till.store).items()
        assert seen.kind == "voucher_overdrawn" and seen.subject == f"Gutschein {code}"
    ReconciliationDesk(k1.store).close(item["id"], "payment_collected", "Rest bar nachgezahlt", *JONAS)
    k1.sync()
    k2.sync()
    assert center_items(center) == [] and ReconciliationDesk(k2.store).items() == []
    assert differences(center.database_url, k1.store, k2.store) == []
