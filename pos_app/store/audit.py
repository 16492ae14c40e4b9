"""The audit trail: append-only (SQLite triggers refuse UPDATE and DELETE) and hash-chained,
each entry's hash covering the previous one, so an edited or deleted entry breaks the chain.
Every entry also goes to the outbox, in the same transaction, so it reaches the center.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_app.clock import iso, utc_now
from pos_app.store.models import AuditEntry
from pos_app.store.outbox import EventType, append_event

GENESIS = "0" * 64


def _entry_hash(prev_hash: str, device_id: str, created_at: str, actor_id: int | None,
                actor_name: str, action: str, details: str) -> str:
    body = json.dumps([prev_hash, device_id, created_at, actor_id, actor_name, action, details],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(session: Session, device_id: str, actor_id: int | None, actor_name: str, action: str,
           details: dict[str, Any]) -> AuditEntry:
    """Append one entry inside the caller's write transaction."""
    prev = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS
    created_at = iso(utc_now())
    details_json = json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    entry = AuditEntry(
        device_id=device_id, created_at=created_at, actor_id=actor_id, actor_name=actor_name,
        action=action, details=details_json, prev_hash=prev_hash,
        hash=_entry_hash(prev_hash, device_id, created_at, actor_id, actor_name, action, details_json),
    )
    session.add(entry)
    append_event(session, device_id, EventType.AUDIT_RECORDED, {
        "created_at": created_at, "actor_id": actor_id, "actor_name": actor_name,
        "action": action, "details": details, "prev_hash": prev_hash, "hash": entry.hash,
    }, created_at)
    return entry


def verify_chain(session: Session) -> int | None:
    """Return the id of the first entry that breaks the chain, or None when it is intact."""
    prev_hash = GENESIS
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        expected = _entry_hash(prev_hash, e.device_id, e.created_at, e.actor_id, e.actor_name,
                               e.action, e.details)
        if e.prev_hash != prev_hash or e.hash != expected:
            return e.id
        prev_hash = e.hash
    return None
