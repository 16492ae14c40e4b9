"""Times the center records for a till whose clock is three hours behind (issue 12): the real
center on loopback (SQLite, or PostgreSQL with POS_TEST_DATABASE_URL), a Hamburg till whose
every clock (events, desks, sync worker) is set back.

- a pickup's handover time at the center is the corrected time, not the till's raw clock;
- a customer note and a service-case step are dated by the corrected time, and a case's steps
  are listed in the order the center received them;
- the till's journal (F9) and its conflict list show the corrected time, the store's local time.

Assertions on times compare with the test's own reading of the clock with a tolerance of minutes
against an error of hours: they measure no duration.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from pos_app.clienteling import Clienteling
from pos_app.clock import parse_iso
from pos_app.pickups import PickupDesk
from pos_app.store import outbox
from pos_app.store.models import OutboxEvent
from sync.client import CenterClient
from sync.worker import SyncWorker
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences
from tests.pickup_helpers import CUSHION, HamTill, open_ham_till, web_pickup_order
from tests.sync_helpers import LENA, event_id_of, sell

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
BEHIND = timedelta(hours=3)
CLOSE = timedelta(minutes=5)  # "the right time" here: hours apart from the wrong one


def behind() -> datetime:
    return datetime.now(timezone.utc) - BEHIND


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")  # synced once with a right clock
    monkeypatch.setattr(outbox, "utc_now", behind)  # from now on every event's device time is behind
    monkeypatch.setattr(till.store.sales, "_clock", behind)
    till.desk = PickupDesk(till.store, clock=behind)
    sync(till)  # the worker learns the skew
    yield till
    till.store.close()


def sync(till: HamTill) -> None:
    seen: list[Any] = []
    worker = SyncWorker(till.store.db, CenterClient(till.center.url, till.token, timeout=(1, 5)),
                        on_status=seen.append, device_id=till.store.device_id, clock=behind)
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error if seen else "no status"
    assert seen[-1].clock_offset_ms is not None and abs(seen[-1].clock_offset_ms - BEHIND / timedelta(milliseconds=1)) < 5_000


def center_row(center: BackendServer, sql: str, **params: Any) -> Any:
    engine = create_engine(center.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).one()
    finally:
        engine.dispose()


def moment(value: Any) -> datetime:
    value = parse_iso(value) if isinstance(value, str) else value
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def test_a_handover_is_dated_by_the_corrected_time(ham: HamTill, center: BackendServer) -> None:
    number = web_pickup_order(center, (CUSHION, 1))["order_number"]
    sync(ham)
    ham.desk.pick_scan(number, ham.barcode(CUSHION))
    ham.desk.finish_picking(number, "Finn")
    o = ham.desk.get(number)
    ham.desk.hand_over(number, o.customer_name, "id_check", "Lena")
    sync(ham)
    row = center_row(center, "SELECT state, ready_at, closed_at FROM pickup_orders WHERE order_number = :n", n=number)
    now = datetime.now(timezone.utc)
    assert row.state == "collected"
    for at in (row.ready_at, row.closed_at):  # not three hours before
        assert abs(moment(at) - now) < CLOSE, (at, now)
    assert differences(center.database_url, ham.store) == []


def test_notes_and_case_steps_are_dated_corrected_and_ordered_by_arrival(ham: HamTill, center: BackendServer) -> None:
    opened = center.admin("POST", "/v1/channel/customers/1/cases", json={
        "subject": "Lampe flackert", "channel": "phone", "text": "Anruf: die Lampe flackert"}).json()
    desk = Clienteling(ham.store, clock=behind)
    desk.add_note(LENA, 1, "Mag Leinen, keine Wolle")
    desk.add_case_step(LENA, opened["id"], "Lampe im Laden geprüft", close=False)  # not sent yet
    # meanwhile the phone team writes a step on the center's clock: the center hears of it first
    center.admin("POST", f"/v1/channel/cases/{opened['id']}/steps",
                 json={"channel": "phone", "text": "Rückruf: Ersatz bestellt"})
    sync(ham)
    now = datetime.now(timezone.utc)
    note = center_row(center, "SELECT created_at, received_at FROM customer_notes WHERE text = :t",
                      t="Mag Leinen, keine Wolle")
    assert abs(moment(note.created_at) - now) < CLOSE and note.received_at is not None
    profile = center.admin("GET", "/v1/channel/customers/1/profile").json()
    [case] = [c for c in profile["service_cases"] if c["id"] == opened["id"]]
    texts = [s["text"] for s in case["steps"]]  # in the order the center received them
    assert texts == ["Anruf: die Lampe flackert", "Rückruf: Ersatz bestellt", "Lampe im Laden geprüft"]
    store_step = next(s for s in case["steps"] if s["text"] == "Lampe im Laden geprüft")
    assert abs(moment(store_step["created_at"]) - now) < CLOSE
    assert differences(center.database_url, ham.store) == []


def test_the_journal_and_the_conflict_list_show_corrected_time(ham: HamTill, center: BackendServer) -> None:
    sale = sell(ham.store, ham.barcode(CUSHION))
    [summary] = [s for s in ham.store.sales.recent(10) if s.sale_id == sale.sale_id]
    now = datetime.now(timezone.utc)
    assert abs(moment(summary.created_at) - (now - BEHIND)) < CLOSE  # the till's own clock, kept
    assert abs(moment(summary.shown_at) - now) < CLOSE  # what F9 shows: as the receipt

    event_id = event_id_of(ham.store, sale.sale_id)
    with ham.store.db.writing() as s:  # paid with a voucher the center does not know: refused
        row = s.get(OutboxEvent, event_id)
        payload = json.loads(row.payload)
        payload["tenders"] = [{"kind": "voucher", "amount_cents": payload["total_cents"],
                               "given_cents": payload["total_cents"], "reference": "GS-FREMD"}]
        row.payload = json.dumps(payload)
    sync(ham)
    [conflict] = ham.store.conflicts()
    assert abs(moment(conflict.created_at) - (now - BEHIND)) < CLOSE
    assert abs(moment(conflict.shown_at) - now) < CLOSE
    ham.store.decide_conflict(conflict.event_id, False, 2, "Jonas Weber")  # its goods are booked, not lost
    sync(ham)
