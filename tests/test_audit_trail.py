"""The audit trail: sensitive actions are recorded with who, when, which device, what and
before/after; `omnipos-audit verify` passes on an intact log and finds an entry edited, deleted
(in the middle or at the end) or forged, with the SQLite file changed directly (triggers
dropped, as someone with the file and sqlite3 could)."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pos_app.cart import Approval
from pos_app.shift import BusinessCase, MovementKind
from pos_app.store import audit_check
from pos_app.store.staff import LoginError, StaffMember
from pos_app.till import TillSession
from tests.store_fixture import CASHIER_PIN, EAN_DECKE, MANAGER_PIN, open_store

ROOT = Path(__file__).resolve().parent.parent
JONAS = StaffMember(2, "Jonas Weber", "manager")


def verify_cli(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pos_app.audit_cli", "verify", "--data-dir", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
def busy_day(store_path: Path) -> Path:
    """A day's sensitive actions through the real services: log-ins (one failed), a price
    override approved by the manager, a void, a paid out, the day closed."""
    store = open_store(store_path)
    store.staff.log_in(1, CASHIER_PIN)
    with pytest.raises(LoginError):
        store.staff.log_in(1, "0000")
    store.staff.log_in(2, MANAGER_PIN, purpose="approval")
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    session.scan(EAN_DECKE)
    session.override_price(1, 2999, "Preis am Regal abweichend", Approval(2, "Jonas Weber"))
    session.void_sale()
    store.cashbook.move(MovementKind.PAID_IN, BusinessCase.PRIVATEINLAGE, 5000, "", JONAS)
    store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 200, "Porto", JONAS)
    store.cashbook.close(store.cashbook.x_report().cash.expected_cents, JONAS)
    store.close()
    return store_path


def entries(path: Path) -> list[tuple[int, str, str, str, dict]]:
    with sqlite3.connect(path) as conn:
        return [(i, d, a, act, json.loads(det)) for i, d, a, act, det in conn.execute(
            "SELECT id, device_id, actor_name, action, details FROM audit_log ORDER BY id")]


def test_sensitive_actions_are_recorded_with_who_what_and_before_after(busy_day):
    log = entries(busy_day)
    assert [a for _, _, _, a, _ in log] == ["login", "login_failed", "manager_pin", "approval", "sale_voided",
                                            "cash.paid_in", "cash.paid_out", "shift.closed"]
    assert all(device == "BER-K1" for _, device, _, _, _ in log)
    override = log[3]
    assert override[2] == "Jonas Weber" and override[4]["action"] == "price_override"
    assert override[4]["before"]["override_price_cents"] is None
    assert override[4]["after"]["override_price_cents"] == 2999
    voided = log[4][4]
    assert voided["total_cents"] == 2999 and voided["before"]["lines"][0]["sku"] == "T-1" and voided["after"] is None
    assert log[6][4]["before"]["expected_cash_cents"] == 5000 and log[6][4]["after"]["expected_cash_cents"] == 4800


def test_verify_passes_then_finds_an_edited_entry(busy_day):
    ok = verify_cli(busy_day.parent)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Audit trail intact: 8 entries" in ok.stdout
    with sqlite3.connect(busy_day) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET details = '{}' WHERE id = 4")
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("""UPDATE audit_log SET details = replace(details, '2999', '999') WHERE id = 4""")
    bad = verify_cli(busy_day.parent)
    assert bad.returncode == 1
    assert "TAMPERED WITH" in bad.stdout and "Eintrag 4 (approval) wurde verändert" in bad.stdout


def test_verify_finds_a_deleted_entry_in_the_middle_and_at_the_end(busy_day):
    with sqlite3.connect(busy_day) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = 5")
    out = verify_cli(busy_day.parent).stdout
    assert "Vor Eintrag 6 (cash.paid_in) fehlt ein Eintrag" in out and "fehlt im Protokoll" in out
    # the last entry: no next entry notices, its outbox copy does; and deleting that copy as
    # well leaves a gap in the outbox's numbering
    with sqlite3.connect(busy_day) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = 8")
        conn.execute("DELETE FROM outbox WHERE type = 'audit.recorded' AND payload LIKE '%shift.closed%'")
    out = verify_cli(busy_day.parent).stdout
    assert "Im Ausgang von BER-K1 fehlen Vorgänge" in out


def test_verify_finds_a_forged_entry_with_a_correct_hash(busy_day):
    """A forger who knows the hash rule appends an entry whose hash chains correctly: it has no
    outbox copy (and the center never got it)."""
    with sqlite3.connect(busy_day) as conn:
        prev = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        fields = [prev, "BER-K1", "2026-03-02T12:00:00.000+00:00", 1, "Lena Schmidt", "login", '{"ok":true}']
        forged = hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
        conn.execute("INSERT INTO audit_log (device_id, created_at, actor_id, actor_name, action, details, "
                     "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", fields[1:] + [prev, forged])
    store = open_store(busy_day)
    with store.db.reading() as s:
        result = audit_check.verify(s)
    store.close()
    assert not result.ok and result.entries == 9
    assert any("keinen Ausgangs-Vorgang" in p for p in result.problems)
    assert not any("verändert" in p for p in result.problems)  # the chain itself is consistent


def test_verify_without_a_store_file_says_so(tmp_path):
    done = verify_cli(tmp_path)
    assert done.returncode == 2 and "no till database" in done.stderr
