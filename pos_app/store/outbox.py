"""The outbox: every state change at the store is written together with an event for the center,
in the same transaction. The event id (a UUID made once) is the idempotency key the sync worker
sends on every retry; `seq` runs per device without gaps because it is taken from the device row
inside the same write transaction (BEGIN IMMEDIATE serialises writers).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pos_app.clock import iso, utc_now
from pos_app.store.models import Device, OutboxEvent

SCHEMA_VERSION = 1


class EventType:
    SALE_COMPLETED = "sale.completed"
    AUDIT_RECORDED = "audit.recorded"


def next_device_counter(session: Session, device_id: str, column: str) -> int:
    """Increment one of the device's counters in the current write transaction and return it."""
    col = getattr(Device, column)
    value = session.execute(
        update(Device).where(Device.id == device_id).values({column: col + 1}).returning(col)
    ).scalar_one_or_none()
    if value is None:
        raise LookupError(f"unknown device {device_id}")
    return int(value)


def append_event(session: Session, device_id: str, event_type: str, payload: dict[str, Any],
                 created_at: str | None = None) -> OutboxEvent:
    event = OutboxEvent(
        id=str(uuid.uuid4()),
        device_id=device_id,
        seq=next_device_counter(session, device_id, "last_event_seq"),
        type=event_type,
        schema_version=SCHEMA_VERSION,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        created_at=created_at or iso(utc_now()),
        status="pending",
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class OutboxSummary:
    pending: int
    conflicts: int
    oldest_pending_at: str | None


def summary(session: Session) -> OutboxSummary:
    pending, oldest = session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.status == "pending")
    ).one()
    conflicts = session.execute(
        select(func.count()).where(OutboxEvent.status == "conflict")).scalar_one()
    return OutboxSummary(int(pending), int(conflicts), oldest)
