"""Checking the audit trail, and reading it for the manager's viewer.

verify(): the chain (each entry's hash covers its fields and the previous entry's hash, so an
edited entry fails its own hash and a deleted one breaks the link of the next), and the second
copy every entry has in the outbox (the `audit.recorded` event written in the same
transaction): an entry deleted at the end of the log, where no next entry notices, is still
missing against its event; and the outbox's per-device sequence must run without gaps up to
the device's counter, so deleting both copies shows too. Someone who rewrites the whole file
consistently (every hash, the events, the counter) is caught only by comparing with the
center's copy (backend table audit_entries), which the till cannot reach back and change.

Thread: any; read-only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_app.store.audit import GENESIS, _entry_hash
from pos_app.store.models import AuditEntry, Device, OutboxEvent
from pos_app.store.outbox import EventType


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> AuditCheck:
    problems: list[str] = []
    prev_hash = GENESIS
    hashes: set[str] = set()
    count = 0
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        count += 1
        expected = _entry_hash(e.prev_hash, e.device_id, e.created_at, e.actor_id, e.actor_name, e.action, e.details)
        if e.hash != expected:
            problems.append(f"Eintrag {e.id} ({e.action}) wurde verändert: sein Hash stimmt nicht.")
        if e.prev_hash != prev_hash:
            problems.append(f"Vor Eintrag {e.id} ({e.action}) fehlt ein Eintrag oder wurde verändert: "
                            f"die Kette ist unterbrochen.")
        prev_hash = e.hash
        hashes.add(e.hash)
    event_hashes: set[str] = set()
    for payload, seq in session.execute(select(OutboxEvent.payload, OutboxEvent.seq)
                                        .where(OutboxEvent.type == EventType.AUDIT_RECORDED)):
        try:
            h = str(json.loads(payload).get("hash", ""))
        except ValueError:
            problems.append(f"Ausgangs-Vorgang {seq}: unlesbar.")
            continue
        event_hashes.add(h)
        if h not in hashes:
            problems.append(f"Der Eintrag aus Ausgangs-Vorgang {seq} fehlt im Protokoll (gelöscht?).")
    for missing in sorted(hashes - event_hashes):
        problems.append(f"Eintrag mit Hash {missing[:12]}… hat keinen Ausgangs-Vorgang (nachträglich eingefügt?).")
    for device_id, last in session.execute(select(Device.id, Device.last_event_seq)):
        seqs = session.execute(select(func.count(), func.max(OutboxEvent.seq))
                               .where(OutboxEvent.device_id == device_id)).one()
        if (seqs[0], seqs[1] or 0) != (last, last):
            problems.append(f"Im Ausgang von {device_id} fehlen Vorgänge: {seqs[0]} vorhanden, {last} vergeben.")
    return AuditCheck(count, tuple(problems))


# ---- the viewer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: str
    device_id: str
    actor_name: str
    action: str
    details: dict[str, Any]


def entries(session: Session, *, actor_name: str | None = None, action: str | None = None,
            date_from: str | None = None, date_to: str | None = None, limit: int = 1000) -> list[AuditRow]:
    """Newest first. Dates are ISO UTC text: from inclusive, to exclusive."""
    q = select(AuditEntry)
    if actor_name:
        q = q.where(AuditEntry.actor_name == actor_name)
    if action:
        q = q.where(AuditEntry.action == action)
    if date_from:
        q = q.where(AuditEntry.created_at >= date_from)
    if date_to:
        q = q.where(AuditEntry.created_at < date_to)
    rows = session.execute(q.order_by(AuditEntry.id.desc()).limit(limit)).scalars().all()
    return [AuditRow(r.id, r.created_at, r.device_id, r.actor_name, r.action, json.loads(r.details)) for r in rows]


def choices(session: Session) -> tuple[list[str], list[str]]:
    """The people and the actions that occur, for the viewer's filters."""
    people = session.execute(select(AuditEntry.actor_name).distinct().order_by(AuditEntry.actor_name)).scalars()
    actions = session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars()
    return list(people), list(actions)
