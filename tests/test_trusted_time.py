"""Trusted time between a till whose clock is hours off and the REAL center over HTTP on
loopback (tests/backend_server.py; PostgreSQL too with POS_TEST_DATABASE_URL):

- a till set two hours back after its last sync takes back a web order 30 days + 1 hour old (its
  own clock says 29 days 23 hours): the center books the return (the goods came back, the money
  went out) and flags it as a policy breach with the refund at stake, judged at its own event
  time; the next round learns the skew, the status bar and the audit log warn, and from then on
  the till itself refuses the same kind of return;
- customer edits: a till two hours behind neither loses its newer edit to an older web edit, nor
  beats a newer web edit; the feed does not overwrite the till's own unsent copy;
- the offset survives a restart (it is kept in the store file);
- the receipt footer comes from the synced policy and the receipt time is the corrected one.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from hardware.receipt_printer import render_escpos
from pos_app.clienteling import Clienteling
from pos_app.clock import local_display
from pos_app.receipt import layout
from pos_app.refunds import RefundTender
from pos_app.return_policy import PolicyError
from pos_app.returns import Choice, ReturnsService
from pos_app.store import clock_offset
from pos_app.store.models import AuditEntry
from pos_app.store.sales import SaleBook
from pos_app.trusted_time import DEFAULT_SKEW_LIMIT_S
from sync.client import CenterClient
from sync.purchases import CenterPurchases
from sync.worker import State
from tests.backend_server import BackendServer
from tests.escpos_decode import decode
from tests.sync_helpers import LENA, sell
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)
from ui.sync_glue import status_text

pytestmark = pytest.mark.slow

CUSHION = 30  # a cushion of the demo retailer: the general 30-day window
TWO_HOURS_MS = 2 * 3600 * 1000


def behind() -> datetime:
    """The till's clock, set two hours back."""
    return datetime.now(timezone.utc) - timedelta(hours=2)


def lookup(till: Till) -> CenterPurchases:
    return CenterPurchases(lambda: CenterClient(till.center.url, till.token, timeout=(1, 3)))


def web_order(center: BackendServer, age: timedelta, quantity: int = 2) -> dict:
    """A web order placed `age` ago on the center's clock, paid by card at the web price."""
    engine = create_engine(center.database_url)
    with engine.connect() as conn:
        price = conn.execute(text("SELECT gross_cents FROM prices WHERE store_id = 'WEB' AND product_id = :p"),
                             {"p": CUSHION}).scalar_one()
    engine.dispose()
    r = center.admin("POST", "/v1/channel/orders", json={
        "channel": "web", "customer_id": 1, "created_at": (datetime.now(timezone.utc) - age).isoformat(),
        "lines": [{"product_id": CUSHION, "quantity": quantity, "unit_price_cents": price}],
        "tenders": [{"kind": "card", "amount_cents": quantity * price, "reference": "VISA 4711"}]})
    assert r.status_code == 201, r.text
    return r.json()


def skew_audits(till: Till) -> list[AuditEntry]:
    with till.store.db.reading() as s:
        return list(s.query(AuditEntry).filter_by(action="clock_skew"))


def test_a_return_past_the_window_taken_by_a_till_set_back_is_booked_and_flagged_at_the_center(till: Till) -> None:
    order = web_order(till.center, timedelta(days=30, hours=1))
    known = clock_offset.read(till.store.db)
    assert known is not None and abs(known.offset_ms) < 2_000  # the fixture's sync, clock right

    # the clock is set back after that sync; offline knowledge says: 29 days 23 hours, fine
    returns = ReturnsService(till.store, LENA, center=lookup(till), clock=behind)
    found = returns.find(order["order_number"])
    assert found.purchase.source == "center"
    items = returns.items(found.purchase, [Choice(1, 1, "resellable")])
    [card] = returns.propose_refund(found.purchase, items[0].refund_cents)
    done = returns.complete(found.purchase, items, [RefundTender("card", card.amount_cents, "Terminal 1")])

    worker, seen = till.worker(clock=behind)
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert seen[-1].conflicts == 0  # booked, not refused
    assert seen[-1].pending == 1  # only the audit entry of the skew, learnt at the end of this round
    [recorded] = till.center.admin("GET", "/v1/admin/returns",
                                   params={"original_number": order["order_number"]}).json()
    assert recorded["id"] == done.return_id
    assert "Rückgabefrist von 30 Tagen ist abgelaufen" in recorded["policy_breach"]
    assert recorded["policy_breach_cents"] == done.total_cents == items[0].refund_cents
    # judged not by the till's clock (two hours back) but from its last sync on
    assert recorded["event_time_basis"] == "raised_to_last_sync"
    assert datetime.fromisoformat(recorded["event_time"]) >= known.measured_at
    # and it is the manager's to close: one policy_breach item with the refund at stake
    [item] = till.center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "BER"}).json()
    assert item["kind"] == "policy_breach" and item["status"] == "open"
    assert item["amount_cents"] == done.total_cents and item["details"]["return_id"] == done.return_id

    # the round learnt the skew: kept in the store, in the status, in the status bar, in the audit log
    learnt = clock_offset.read(till.store.db)
    assert learnt is not None and abs(learnt.offset_ms - TWO_HOURS_MS) < 5_000
    assert seen[-1].clock_offset_ms == learnt.offset_ms and seen[-1].state is State.ONLINE
    line = status_text(seen[-1], behind(), 0, None)
    assert re.search(r"⚠ Uhr der Kasse geht (1 h 59|2 h 00) min nach: Marktleitung informieren", line), line
    [audit] = skew_audits(till)
    assert '"offset_ms"' in audit.details
    worker.run_cycle()
    assert len(skew_audits(till)) == 1  # said once, not every round

    # now the till judges by the corrected clock: the second cushion is refused here already
    found = returns.find(order["order_number"])
    with pytest.raises(PolicyError, match="Rückgabefrist von 30 Tagen"):
        returns.items(found.purchase, [Choice(1, 1, "resellable")])


def test_a_return_inside_the_window_from_a_till_whose_offset_is_known_is_not_flagged(till: Till) -> None:
    worker, seen = till.worker(clock=behind)
    worker.run_cycle()  # the skew is known now
    order = web_order(till.center, timedelta(days=29, hours=22))  # 29 d 22 h: inside on the center's clock
    returns = ReturnsService(till.store, LENA, center=lookup(till), clock=behind)
    found = returns.find(order["order_number"])
    items = returns.items(found.purchase, [Choice(1, 1, "resellable")])
    returns.complete(found.purchase, items, returns.propose_refund(found.purchase, items[0].refund_cents))
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    [recorded] = till.center.admin("GET", "/v1/admin/returns",
                                   params={"original_number": order["order_number"]}).json()
    assert recorded["policy_breach"] is None and recorded["policy_breach_cents"] is None
    assert recorded["event_time_basis"] == "corrected"


def customer(center: BackendServer, customer_id: int = 1) -> dict:
    r = center.admin("GET", f"/v1/channel/customers/{customer_id}/profile")
    assert r.status_code == 200, r.text
    return r.json()["customer"]


def local_customer(till: Till, customer_id: int = 1) -> dict:
    with till.store.db.reading() as s:
        return dict(s.execute(text("SELECT phone, city FROM customers WHERE id = :c"), {"c": customer_id})
                    .mappings().one())


def test_customer_edits_from_a_till_two_hours_behind_keep_the_newer_one(till: Till) -> None:
    worker, seen = till.worker(clock=behind)
    assert worker.run_cycle() == worker.interval_s  # the skew is known
    desk = Clienteling(till.store, clock=behind)

    # the web shop first, then the till (its clock says two hours before the web's edit)
    assert till.center.admin("PATCH", "/v1/channel/customers/1", json={"phone": "030 100"}).status_code == 200
    time.sleep(0.3)  # the till's edit comes after the web's on the center's clock
    desk.update(LENA, 1, {"phone": "030 200"})
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert customer(till.center)["phone"] == "030 200"  # the newer edit, from the till, won
    assert local_customer(till)["phone"] == "030 200"

    # the till first, the web shop after: the web's newer edit wins, and the till learns it
    desk.update(LENA, 1, {"phone": "030 300"})
    time.sleep(0.3)
    assert till.center.admin("PATCH", "/v1/channel/customers/1", json={"phone": "030 400"}).status_code == 200
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert customer(till.center)["phone"] == "030 400"
    assert local_customer(till)["phone"] == "030 400"


def test_the_feed_does_not_overwrite_the_tills_own_unsent_edit(till: Till) -> None:
    worker, seen = till.worker()
    desk = Clienteling(till.store)
    desk.update(LENA, 1, {"phone": "030 555"})  # not pushed yet
    assert till.center.admin("PATCH", "/v1/channel/customers/1", json={"city": "Potsdam"}).status_code == 200
    worker.pull()  # the feed brings customer 1 with the center's (older) phone and the new city
    assert local_customer(till) == {"phone": "030 555", "city": "Potsdam"}
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert customer(till.center)["phone"] == "030 555" and local_customer(till)["city"] == "Potsdam"


def test_the_offset_survives_a_restart_and_the_receipt_shows_corrected_time_and_the_policy(till: Till) -> None:
    worker, seen = till.worker(clock=behind)
    assert worker.run_cycle() == worker.interval_s
    policy = till.center.admin("GET", "/v1/admin/return-policy").json()
    policy["window_days"] = 21
    assert till.center.admin("PUT", "/v1/admin/return-policy", json=policy).status_code == 200
    assert worker.run_cycle() == worker.interval_s  # the new policy reaches the till

    again, _ = till.worker(clock=behind)  # a new worker (a restart) starts from the stored offset
    assert again.status.clock_offset_ms is not None and abs(again.status.clock_offset_ms - TWO_HOURS_MS) < 5_000
    assert status_text(None, behind(), 0, None, "aus", again.status.clock_offset_ms, DEFAULT_SKEW_LIMIT_S) \
        .endswith("Marktleitung informieren")

    (code, _product_id, _price), = till.products(1)
    sale = sell(till.store, code)
    receipt = till.store.sales.receipt(sale.sale_id)
    assert receipt.footer[-3:] == ("Umtausch binnen 21 Tagen mit Beleg.", "Sofas: 14 Tage.",
                                   "Vom Umtausch ausgeschlossen: Feinkost.")
    with till.store.db.reading() as s:
        device_time = s.execute(text("SELECT created_at FROM sales WHERE id = :s"), {"s": sale.sale_id}).scalar_one()
    shown = datetime.strptime(receipt.created_at, "%d.%m.%Y %H:%M")
    device_shown = datetime.strptime(local_display(device_time), "%d.%m.%Y %H:%M")
    assert timedelta(hours=1, minutes=59) <= shown - device_shown <= timedelta(hours=2, minutes=1)

    printed = decode(render_escpos(layout(receipt), "TM-T88V"))
    assert "Umtausch binnen 21 Tagen mit Beleg." in printed.text and "binnen 30 Tagen" not in printed.text


def test_a_sale_from_a_till_two_hours_behind_is_dated_by_the_center_on_its_own_clock(till: Till, monkeypatch) -> None:
    worker, seen = till.worker(clock=behind)
    assert worker.run_cycle() == worker.interval_s  # the skew is known
    (code, _product_id, _price), = till.products(1)
    monkeypatch.setattr(till.store, "sales", SaleBook(till.store.db, till.store.device_id, till.store.store_id, behind))
    sale = sell(till.store, code)
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    with till.store.db.reading() as s:
        device_time = datetime.fromisoformat(
            s.execute(text("SELECT created_at FROM sales WHERE id = :s"), {"s": sale.sale_id}).scalar_one())
    found = CenterClient(till.center.url, till.token).purchase(sale.receipt_number)
    # the purchase time a return window starts from is the corrected one, not the till's clock
    learnt = clock_offset.read(till.store.db)
    assert learnt is not None
    assert abs((found.created_at - (device_time + learnt.offset)).total_seconds()) < 5
    assert found.created_at - device_time > timedelta(hours=1, minutes=59)
