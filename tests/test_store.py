"""The local store: SQLite settings, migrations, the write path (sale + outbox in one
transaction), receipt numbers after crashes, the audit chain, parked sales, PIN lockout."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from pos_app.payment import Payment
from pos_app.store import audit, outbox
from pos_app.store.db import open_database
from pos_app.store.local import LocalStore, UnknownDevice
from pos_app.store.migrations import HEAD_REVISION
from pos_app.store.models import OutboxEvent, Sale, Stock
from pos_app.store.staff import LoginError, StaffDirectory, StaffMember
from pos_app.till import TillSession
from tests.store_fixture import CASHIER_PIN, EAN_DECKE, EAN_KAFFEE, MANAGER_PIN

ROOT = Path(__file__).resolve().parent.parent
LENA = StaffMember(1, "Lena Schmidt", "cashier")


def sell_one(store: LocalStore, *codes: str):  # type: ignore[no-untyped-def]
    session = TillSession(store, LENA)
    for code in codes or (EAN_DECKE,):
        session.scan(code)
    session.pay_cash(session.cart.totals().total_cents)
    return session.complete()


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(store):
    with store.db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_head_revision_constant_matches_alembic(tmp_path):
    from pos_app.store.migrations.runner import script_head

    assert script_head() == HEAD_REVISION
    db = open_database(tmp_path / "fresh.db")
    assert db.current_revision() == HEAD_REVISION
    assert db.migrate() is False  # up to date: the fast path
    db.close()


def test_unknown_device_is_a_clear_error(store_path):
    with pytest.raises(UnknownDevice, match="HAM-K9"):
        LocalStore.open(store_path, "HAM-K9")


def test_a_sale_writes_sale_lines_tenders_stock_and_one_outbox_event(store):
    done = sell_one(store, EAN_DECKE, EAN_KAFFEE, EAN_KAFFEE)
    with store.db.reading() as s:
        sale = s.get(Sale, done.sale_id)
        assert sale.receipt_number == "BER-K1-000001" and sale.total_cents == 3999 + 2 * 1299
        events = s.query(OutboxEvent).filter_by(type=outbox.EventType.SALE_COMPLETED).all()
        assert len(events) == 1
        event = events[0]
        uuid.UUID(event.id)
        payload = json.loads(event.payload)
        assert payload["sale_id"] == done.sale_id and payload["total_cents"] == sale.total_cents
        assert [ln["quantity"] for ln in payload["lines"]] == [1, 2]
        assert event.status == "pending" and event.schema_version == outbox.SCHEMA_VERSION
        stock = {r.product_id: r.quantity for r in s.query(Stock)}
        assert stock[1] == 9 and stock[2] == 8


def test_if_the_outbox_write_fails_the_sale_is_not_stored_and_no_number_is_used(store, monkeypatch):
    import pos_app.store.sales as sales_module

    def broken(*_a, **_k):
        raise sqlite3.OperationalError("disk I/O error")

    session = TillSession(store, LENA)
    session.scan(EAN_DECKE)
    session.pay_cash(5000)
    monkeypatch.setattr(sales_module, "append_event", broken)
    with pytest.raises(sqlite3.OperationalError):
        session.complete()
    monkeypatch.undo()
    with store.db.reading() as s:
        assert s.query(Sale).count() == 0
    assert not session.cart.is_empty()  # the cashier can try again: nothing was lost
    assert session.complete().receipt_number == "BER-K1-000001"


def test_receipt_numbers_and_event_sequence_have_no_gaps(store):
    numbers = [sell_one(store).receipt_number for _ in range(5)]
    assert numbers == [f"BER-K1-{n:06d}" for n in range(1, 6)]
    with store.db.reading() as s:
        seqs = [e.seq for e in s.query(OutboxEvent).order_by(OutboxEvent.seq)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_killed_mid_sale_again_and_again_loses_nothing_and_reuses_no_number(store_path):
    """SIGKILL the till process at random moments while it sells; after each restart every
    committed sale is there with its outbox event, and receipt numbers have no gaps."""
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cycles = int(os.environ.get("POS_CRASH_CYCLES", "12"))
    for _ in range(cycles):
        proc = subprocess.Popen([sys.executable, "-m", "tests.crash_seller", str(store_path)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()  # type: ignore[union-attr]
    conn = sqlite3.connect(store_path)
    numbers = [n for (n,) in conn.execute("SELECT receipt_no FROM sales ORDER BY receipt_no")]
    assert numbers, "the seller never completed a sale"
    assert numbers == list(range(1, len(numbers) + 1))
    last = conn.execute("SELECT last_receipt_no FROM devices WHERE id='BER-K1'").fetchone()[0]
    assert last == len(numbers)
    event_sales = [json.loads(p)["sale_id"] for (p,) in
                   conn.execute("SELECT payload FROM outbox WHERE type='sale.completed' ORDER BY seq")]
    sale_ids = [i for (i,) in conn.execute("SELECT id FROM sales ORDER BY receipt_no")]
    assert event_sales == sale_ids
    seqs = [s for (s,) in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_audit_log_is_append_only_and_tampering_is_detected(store):
    with store.db.writing() as s:
        for i in range(3):
            audit.record(s, "BER-K1", 2, "Jonas Weber", "approval", {"n": i})
    with store.db.reading() as s:
        assert audit.verify_chain(s) is None
    with pytest.raises(Exception, match="append-only"):
        with store.db.writing() as s:
            s.execute(text("UPDATE audit_log SET details='{}' WHERE id=2"))
    with pytest.raises(Exception, match="append-only"):
        with store.db.writing() as s:
            s.execute(text("DELETE FROM audit_log WHERE id=2"))
    # someone with the file and sqlite3 drops the guard and edits an entry: the chain shows it
    with store.db.writing() as s:
        s.execute(text("DROP TRIGGER audit_log_no_update"))
        s.execute(text("UPDATE audit_log SET details=:d WHERE id=2"), {"d": '{"n":99}'})
    with store.db.reading() as s:
        assert audit.verify_chain(s) == 2


def test_parked_sale_comes_back_once_and_survives_a_restart(store_path):
    store = LocalStore.open(store_path, "BER-K1")
    session = TillSession(store, LENA)
    session.scan(EAN_KAFFEE)
    session.scan(EAN_KAFFEE)
    parked_id = session.park("Frau Weiß holt Geldbörse")
    assert session.cart.is_empty()
    store.close()
    store = LocalStore.open(store_path, "BER-K1")
    session = TillSession(store, LENA)
    [summary] = store.parked.list()
    assert summary.label == "Frau Weiß holt Geldbörse"
    session.recall(parked_id)
    assert session.cart.lines[0].quantity == 2
    with pytest.raises(LookupError):
        store.parked.take(parked_id)
    store.close()


def test_pin_login_lockout_survives_restart_and_expires(store_path):
    now = [datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)]
    store = LocalStore.open(store_path, "BER-K1")
    staff = StaffDirectory(store.db, "BER-K1", "BER", clock=lambda: now[0])
    for _ in range(5):
        with pytest.raises(LoginError, match="Falsche PIN"):
            staff.log_in(1, "0000")
    with pytest.raises(LoginError, match="gesperrt"):
        staff.log_in(1, CASHIER_PIN)
    store.close()
    store = LocalStore.open(store_path, "BER-K1")
    staff = StaffDirectory(store.db, "BER-K1", "BER", clock=lambda: now[0])
    with pytest.raises(LoginError, match="gesperrt"):
        staff.log_in(1, CASHIER_PIN)
    now[0] += timedelta(minutes=6)
    assert staff.log_in(1, CASHIER_PIN).name == "Lena Schmidt"
    with pytest.raises(LoginError, match="keine Marktleitung"):
        staff.log_in(1, CASHIER_PIN, purpose="approval")
    assert staff.log_in(2, MANAGER_PIN, purpose="approval").is_manager
    with pytest.raises(LoginError, match="PIN eingeben"):
        staff.log_in(2, "  ")
    store.close()


def test_sale_refuses_to_complete_unpaid(store):
    session = TillSession(store, LENA)
    session.scan(EAN_DECKE)
    session.pay_cash(1000, partial=True)
    from pos_app.payment import TenderError

    with pytest.raises(TenderError, match="offen"):
        session.complete()
    with pytest.raises(ValueError):
        store.sales.complete(session.cart.totals(), Payment(3999), LENA)
    with store.db.reading() as s:
        assert s.query(Sale).count() == 0
