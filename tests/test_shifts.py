"""Shifts and cash, the domain: opening with a float, selling only when open, paid in/out and
drops, the X report, the Z close with a blind count and an over/short, Z numbers (also after a
SIGKILL), closing refused with an open sale, the closings view for the DSFinV-K export."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from pos_app.cart import Discount, DiscountKind
from pos_app.shift import (
    BusinessCase, CountAmount, MovementKind, SaleInProgress, ShiftClosed, ShiftDocument, ShiftError, ShiftHeader,
    build_report, count_cash,
)
from pos_app.store import audit
from pos_app.store.cashbook import list_closings
from pos_app.store.local import LocalStore
from pos_app.store.models import AuditEntry, OutboxEvent
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, build_store, open_store

ROOT = Path(__file__).resolve().parent.parent
LENA = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture(scope="session")
def closed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("closed") / "store.db", open_till=False)


@pytest.fixture
def closed_path(closed_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.db"
    shutil.copy(closed_template, target)
    return target


@pytest.fixture
def till(closed_path: Path):
    local = open_store(closed_path)
    yield local
    local.close()


def sell(store: LocalStore, *codes: str, cash: int | None = None, card: int = 0,
         discount: Discount | None = None):  # type: ignore[no-untyped-def]
    session = TillSession(store, LENA)
    for code in codes:
        session.scan(code)
    if discount is not None:
        session.set_line_discount(1, discount)
    total = session.cart.totals().total_cents
    if card:
        session.pay_card(card, approved=True)
    if total - card:
        session.pay_cash(cash if cash is not None else total - card)
    return session.complete()


def actions(store: LocalStore) -> list[tuple[str, dict]]:
    with store.db.reading() as s:
        return [(e.action, json.loads(e.details)) for e in s.query(AuditEntry).order_by(AuditEntry.id)]


def test_a_closed_till_refuses_to_sell_with_a_clear_message(till):
    session = TillSession(till, LENA)
    with pytest.raises(ShiftClosed, match="nicht geöffnet.*Strg\\+Umschalt\\+O"):
        session.scan(EAN_DECKE)
    assert session.cart.is_empty()
    # the book refuses too, inside the sale's transaction (e.g. a cart recalled after closing)
    till.cashbook.open(0, JONAS)
    session.scan(EAN_DECKE)
    session.pay_cash(3999)
    till.cashbook.close(0, JONAS, sale_in_progress=False)
    with pytest.raises(ShiftClosed):
        session.complete()
    with till.db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM sales")).scalar() == 0


def test_open_sell_pay_out_x_report_then_close_with_a_blind_count_short(till):
    opened = till.cashbook.open(15000, JONAS)
    assert till.cashbook.current() == opened and opened.float_cents == 15000
    with pytest.raises(ShiftError, match="schon geöffnet"):
        till.cashbook.open(100, JONAS)
    sell(till, EAN_DECKE, cash=5000)  # 39,99 cash (change 10,01)
    sell(till, EAN_KAFFEE, EAN_KAFFEE, card=2598)  # 25,98 card, 7 %
    sell(till, EAN_DECKE, EAN_KAFFEE, discount=Discount.parse(DiscountKind.PERCENT, "10", "Treuerabatt"),
         card=1000)  # 10 % off 39,99 = 35,99, + 12,99 = 48,98: 10,00 card + 38,98 cash
    voided = TillSession(till, LENA)
    voided.scan(EAN_KAFFEE)
    voided.void_sale()
    moved = till.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 1250, "Lieferant Blumen, Beleg 77",
                               JONAS)
    till.cashbook.move(MovementKind.PAID_IN, BusinessCase.PRIVATEINLAGE, 2000, "", JONAS)
    till.cashbook.move(MovementKind.DROP, BusinessCase.GELDTRANSIT, 10000, "Tresor", JONAS)
    cash_in = 3999 + 3898
    assert moved.expected_cash_cents == 15000 + cash_in - 1250

    x = till.cashbook.x_report()
    assert x.z_number is None and x.cash.counted_cents is None
    assert (x.sales.count, x.sales.amount_cents) == (3, 3999 + 2598 + 4898)
    assert x.returns == CountAmount(0, 0)
    assert {t.kind: (t.count, t.amount_cents) for t in x.tenders} == {"cash": (2, cash_in), "card": (2, 3598)}
    by_rate = {v.percent: v for v in x.vat}
    assert by_rate[19].gross_cents == 3999 + 3599 and by_rate[7].gross_cents == 2598 + 1299
    assert all(v.net_cents + v.vat_cents == v.gross_cents for v in x.vat)
    assert sum(v.gross_cents for v in x.vat) == x.sales.amount_cents
    assert x.line_discounts == CountAmount(1, 400)
    assert x.voids == CountAmount(1, 1299)
    assert (x.cash.paid_in_cents, x.cash.paid_out_cents, x.cash.drops_cents) == (2000, 1250, 10000)
    expected = 15000 + cash_in + 2000 - 1250 - 10000
    assert x.cash.expected_cents == expected
    assert [m.business_case for m in x.movements] == ["Auszahlung", "Privateinlage", "Geldtransit"]
    assert till.cashbook.current() is not None  # an X report changes nothing

    closed = till.cashbook.close(expected - 350, JONAS)  # 3,50 short
    assert closed.z_number == 1
    z = closed.report
    assert z.cash.counted_cents == expected - 350 and z.cash.difference_cents == -350
    assert z.first_receipt == "BER-K1-000001" and z.last_receipt == "BER-K1-000003"
    assert till.cashbook.current() is None
    assert till.cashbook.z_report(1) == z  # stored frozen, read back the same
    names = [a for a, _ in actions(till)]
    assert names[0] == "shift.opened" and names[-1] == "shift.closed"
    assert {"cash.paid_out", "cash.paid_in", "cash.drop", "sale_voided"} <= set(names)
    paid_out = next(d for a, d in actions(till) if a == "cash.paid_out")
    assert paid_out["before"]["expected_cash_cents"] - paid_out["after"]["expected_cash_cents"] == 1250
    with till.db.reading() as s:
        event = s.query(OutboxEvent).filter_by(type="day.closed").one()
        assert json.loads(event.payload)["cash"]["counted_cents"] == expected - 350
        assert audit.verify_chain(s) is None


def test_z_numbers_rise_never_reset_and_a_closed_shift_is_final(till):
    for n in (1, 2, 3):
        till.cashbook.open(0, JONAS)
        sell(till, EAN_KAFFEE)
        assert till.cashbook.close(1299, JONAS).z_number == n
    assert till.cashbook.last_z_number() == 3
    # each Z covers only its own receipts
    assert [c.first_receipt for c in till.cashbook.closings()] == ["BER-K1-000001", "BER-K1-000002",
                                                                   "BER-K1-000003"]
    with pytest.raises(Exception, match="closed shift cannot change"):
        with till.db.writing() as s:
            s.execute(text("UPDATE shifts SET z_number = 1 WHERE z_number = 3"))
    with pytest.raises(Exception, match="never deleted"):
        with till.db.writing() as s:
            s.execute(text("DELETE FROM shifts"))


def test_closing_is_refused_while_a_sale_is_open_and_then_works(till):
    till.cashbook.open(1000, JONAS)
    session = TillSession(till, LENA)
    session.scan(EAN_DECKE)
    assert session.has_open_sale
    with pytest.raises(SaleInProgress, match="Bon ist noch offen"):
        till.cashbook.close(1000, JONAS, sale_in_progress=session.has_open_sale)
    assert till.cashbook.current() is not None
    session.pay_cash(3999)
    session.complete()
    assert not session.has_open_sale
    assert till.cashbook.close(4999, JONAS, sale_in_progress=session.has_open_sale).report.cash.difference_cents == 0


def test_closing_with_events_waiting_to_sync_records_it(till):
    till.cashbook.open(0, JONAS)
    sell(till, EAN_KAFFEE)
    waiting = till.outbox_summary().pending
    assert waiting >= 2  # the opening's audit entry and the sale, nothing synced here
    closed = till.cashbook.close(1299, JONAS)
    assert closed.pending_events == waiting and closed.report.pending_events == waiting
    details = actions(till)[-1][1]
    assert details["pending_events"] == waiting and "noch nicht an die Zentrale" in details["warning"]


def test_cash_movements_are_checked(till):
    with pytest.raises(ShiftClosed):
        till.cashbook.move(MovementKind.PAID_IN, BusinessCase.EINZAHLUNG, 100, "", JONAS)
    till.cashbook.open(2000, JONAS)
    with pytest.raises(ShiftError, match="passt nicht"):
        till.cashbook.move(MovementKind.DROP, BusinessCase.PRIVATENTNAHME, 100, "", JONAS)
    with pytest.raises(ShiftError, match="wofür"):
        till.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 100, "  ", JONAS)
    with pytest.raises(ShiftError, match="größer als 0"):
        till.cashbook.move(MovementKind.PAID_IN, BusinessCase.EINZAHLUNG, 0, "", JONAS)
    with pytest.raises(ShiftError, match="nur 20,00 €"):
        till.cashbook.move(MovementKind.DROP, BusinessCase.GELDTRANSIT, 2001, "", JONAS)
    with pytest.raises(ShiftError, match="negativ"):
        till.cashbook.open(-1, JONAS)
    assert till.cashbook.x_report().movements == ()


def test_counting_by_denomination():
    assert count_cash({20000: 1, 500: 3, 2: 4, 1: 1}) == 21509
    with pytest.raises(ShiftError, match="keine Euro-Münze"):
        count_cash({300: 1})
    with pytest.raises(ShiftError, match="negativ"):
        count_cash({100: -1})


def test_a_return_document_counts_as_a_return_and_refunds_cash():
    header = ShiftHeader("BER-K1", "BER", "Berlin", "2026-03-02T07:00:00.000+00:00", "Jonas", 10000)
    docs = [ShiftDocument("sale", "BER-K1-000001", 2598, (("cash", 2598),), ((7, 2598),)),
            ShiftDocument("return", "BER-K1-000002", -1299, (("cash", -1299),), ((7, -1299),))]
    report = build_report(header, docs, [], CountAmount(), as_of="2026-03-02T18:00:00.000+00:00")
    assert report.sales == CountAmount(1, 2598) and report.returns == CountAmount(1, -1299)
    assert report.total_cents == 1299
    assert report.cash.expected_cents == 10000 + 2598 - 1299
    assert report.vat[0].gross_cents == 1299 and report.vat[0].vat_cents == 170 - 85


def test_list_closings_gives_frozen_views_in_a_date_range(till):
    clock = iter(["2026-03-02T07:00:00.000+00:00", "2026-03-02T19:00:00.000+00:00",
                  "2026-03-03T07:00:00.000+00:00", "2026-03-03T19:00:00.000+00:00"])
    from datetime import datetime

    till.cashbook._clock = lambda: datetime.fromisoformat(next(clock))
    till.cashbook.open(5000, JONAS)
    sell(till, EAN_KAFFEE, card=1299)
    till.cashbook.close(5100, JONAS)
    till.cashbook.open(5000, JONAS)
    till.cashbook.close(5000, JONAS)
    all_ = list_closings(till)
    assert [c.z_number for c in all_] == [1, 2]
    first = list_closings(till, "2026-03-02", "2026-03-03")
    assert len(first) == 1
    c = first[0]
    assert (c.z_number, c.closed_at, c.float_cents) == (1, "2026-03-02T19:00:00.000+00:00", 5000)
    assert (c.cash_expected_cents, c.cash_counted_cents, c.cash_difference_cents) == (5000, 5100, 100)
    assert [(t.kind, t.amount_cents) for t in c.tenders] == [("card", 1299)]
    assert [(v.percent, v.gross_cents, v.net_cents, v.vat_cents) for v in c.vat] == [(7, 1299, 1214, 85)]
    with pytest.raises(AttributeError):
        c.z_number = 5  # type: ignore[misc]


def test_killed_while_closing_again_and_again_z_numbers_have_no_gap_and_no_repeat(closed_path):
    """Kill a process that opens, sells, pays out and closes in a loop, again and again; every
    committed close has its Z number (1..n, each once), its Z report and its day.closed event."""
    rng = random.Random(11)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(int(os.environ.get("POS_CRASH_CYCLES", "10"))):
        proc = subprocess.Popen([sys.executable, "-m", "tests.crash_closer", str(closed_path)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read()
        time.sleep(rng.uniform(0.05, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    conn = sqlite3.connect(closed_path)
    zs = [z for (z,) in conn.execute("SELECT z_number FROM shifts WHERE closed_at IS NOT NULL ORDER BY id")]
    assert zs and zs == list(range(1, len(zs) + 1))
    assert conn.execute("SELECT count(*) FROM shifts WHERE closed_at IS NULL").fetchone()[0] <= 1
    events = [json.loads(p)["z_number"] for (p,) in conn.execute(
        "SELECT payload FROM outbox WHERE type = 'day.closed' ORDER BY seq")]
    assert events == zs
    reports = [json.loads(r)["z_number"] for (r,) in conn.execute(
        "SELECT report FROM shifts WHERE closed_at IS NOT NULL ORDER BY id")]
    assert reports == zs
    # every closed shift's receipts: consecutive ranges, none counted twice
    ranges = conn.execute("SELECT receipt_no_from, receipt_no_to FROM shifts WHERE closed_at IS NOT NULL "
                          "ORDER BY id").fetchall()
    assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = open_store(closed_path)
    with store.db.reading() as s:
        assert audit.verify_chain(s) is None
    store.close()
