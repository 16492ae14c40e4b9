"""The outbox: every state change at the store is written together with an event for the center,
in the same transaction. The event id (a UUID made once) is the idempotency key the sync worker
sends on every retry; `seq` runs per device without gaps because it is taken from the device row
inside the same write transaction (BEGIN IMMEDIATE serialises writers).

An event's life: pending -> sent (the center applied it, now or on an earlier send) or
conflict (the center refused it; `reason` says why). A manager resolves a conflict: send it
again (resent; a new pending event with the same payload and a new key, see decide_conflict)
or acknowledge it (acknowledged, final). Nothing is ever deleted, and acknowledging never
erases a physical fact: goods that the refused event moved stay moved and are booked at the
center as a stock adjustment (see decide_conflict).
The sync worker (sync/worker.py) reads and marks events with the functions below.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pos_app.clock import iso, utc_now
from pos_app.store import clock_offset, movements
from pos_app.store.models import Device, OutboxEvent, SyncState

SCHEMA_VERSION = 1


class EventType:
    SALE_COMPLETED = "sale.completed"
    AUDIT_RECORDED = "audit.recorded"
    RETURN_COMPLETED = "return.completed"
    DAY_CLOSED = "day.closed"
    RECONCILIATION_CLOSED = "reconciliation.closed"  # pos_app.reconciliations
    STOCK_ADJUSTED = "stock.adjusted"


# Refusals whose goods need not be booked again at the center (the center's own reasons,
# backend.events): a sale it holds already under another idempotency key (its goods are booked
# there).
BOOKED_ELSEWHERE = "is already recorded under another idempotency key"
# A sale refused by an older center for a product it did not know: today's center books such a
# sale under a placeholder (backend.unknown_products), so acknowledging one sends it again
# instead of dropping the goods that left. Other events refused for it have nothing to book on.
UNKNOWN_PRODUCT = "unknown product id"
NOT_BOOKABLE = (BOOKED_ELSEWHERE, UNKNOWN_PRODUCT)
STOCK_RECEIVED = "stock.received"  # pos_app.stock.receiving.STOCK_RECEIVED


class Status:
    PENDING = "pending"
    SENT = "sent"
    CONFLICT = "conflict"
    ACKNOWLEDGED = "acknowledged"
    RESENT = "resent"  # a conflict a manager sent again, as a new event


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
    """Queue one event in the caller's write transaction. It carries the device's time
    (`created_at`) and, when the center's clock offset is known, the corrected time and the
    center's time of that measurement (pos_app.trusted_time): the center judges by those."""
    created_at = created_at or iso(utc_now())
    corrected_at, clock_synced_at = clock_offset.stamp(session, created_at)
    event = OutboxEvent(
        id=str(uuid.uuid4()),
        device_id=device_id,
        seq=next_device_counter(session, device_id, "last_event_seq"),
        type=event_type,
        schema_version=SCHEMA_VERSION,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        created_at=created_at,
        corrected_at=corrected_at,
        clock_synced_at=clock_synced_at,
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


# ---- the sync worker's side -----------------------------------------------------------------


@dataclass(frozen=True)
class QueuedEvent:
    """A pending event as the worker sends it (a copy: no live ORM object crosses threads)."""

    id: str
    device_id: str
    seq: int
    type: str
    schema_version: int
    created_at: str
    payload: str  # JSON text, exactly as written with the business rows
    corrected_at: str | None = None  # created_at on the center's clock, when an offset was known
    clock_synced_at: str | None = None  # the center's time of that offset's measurement


def pending_events(session: Session, limit: int, after_seq: int = 0) -> list[QueuedEvent]:
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.device_id, OutboxEvent.seq, OutboxEvent.type,
               OutboxEvent.schema_version, OutboxEvent.created_at, OutboxEvent.payload,
               OutboxEvent.corrected_at, OutboxEvent.clock_synced_at)
        .where(OutboxEvent.status == Status.PENDING, OutboxEvent.seq > after_seq)
        .order_by(OutboxEvent.seq).limit(limit)).all()
    return [QueuedEvent(*row) for row in rows]


def feed_cursor(session: Session) -> int:
    state = session.get(SyncState, 1)
    return state.cursor if state is not None else 0


def mark_sent(session: Session, applied: list[tuple[str, int | None]]) -> None:
    """The center applied these events (now, or earlier: a duplicate); (event id, change_seq).
    Their stock movements learn the sequence that covers them (pos_app.store.movements)."""
    if not applied:
        return
    session.connection().exec_driver_sql(
        "UPDATE outbox SET status = ?, change_seq = ?, attempts = attempts + 1, last_error = '' "
        "WHERE id = ? AND status = ?",
        [(Status.SENT, seq, event_id, Status.PENDING) for event_id, seq in applied])
    movements.mark_applied(session, applied, feed_cursor(session))


def mark_conflict(session: Session, event_id: str, reason: str) -> None:
    """The center refused this event; it waits for a manager and never blocks the others."""
    session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id,
                                              OutboxEvent.status == Status.PENDING)
                    .values(status=Status.CONFLICT, reason=reason or "abgelehnt (ohne Begründung)",
                            attempts=OutboxEvent.attempts + 1))


def note_failure(session: Session, event_ids: list[str], error: str) -> None:
    """A send that did not reach a verdict (offline, server error): the events stay pending."""
    session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(event_ids))
                    .values(attempts=OutboxEvent.attempts + 1, last_error=error[:2000]))


def note_lone_failure(session: Session, event_id: str) -> int:
    """One more 5xx answer to this event sent alone; returns how many it has had, over every
    run of the worker (the count lives in the store file, so a restart does not reset it)."""
    session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id)
                    .values(lone_failures=OutboxEvent.lone_failures + 1))
    return int(session.execute(select(OutboxEvent.lone_failures).where(OutboxEvent.id == event_id)).scalar() or 0)


# ---- conflicts, for the manager -------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    event_id: str
    seq: int
    type: str
    created_at: str
    reason: str
    receipt_number: str  # "" unless the event is a sale or a return
    corrected_at: str | None = None  # created_at on the center's clock, stamped with the event

    @property
    def shown_at(self) -> str:
        """The time the manager sees (in the store's zone, by pos_app.clock.local_display): the
        event's corrected time when the till knew its clock offset, else its device time."""
        return self.corrected_at or self.created_at


def conflicts(session: Session) -> list[Conflict]:
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.seq, OutboxEvent.type, OutboxEvent.created_at,
               OutboxEvent.reason, OutboxEvent.payload, OutboxEvent.corrected_at)
        .where(OutboxEvent.status == Status.CONFLICT).order_by(OutboxEvent.seq)).all()
    found = []
    for event_id, seq, event_type, created_at, reason, payload, corrected_at in rows:
        receipt = ""
        if event_type in (EventType.SALE_COMPLETED, EventType.RETURN_COMPLETED):
            key = "receipt_number" if event_type == EventType.SALE_COMPLETED else "return_number"
            try:
                receipt = str(json.loads(payload).get(key, ""))
            except ValueError:
                receipt = ""
        found.append(Conflict(event_id, seq, event_type, created_at, reason, receipt, corrected_at))
    return found


@dataclass(frozen=True)
class Decision:
    conflict: Conflict
    resent_as: str | None  # the new event's id (its new idempotency key) when sent again
    booked_as: tuple[str, ...] = ()  # acknowledged: the stock.adjusted events that book its goods


def decide_conflict(session: Session, event_id: str, resend: bool, decided_by: str) -> Decision:
    """A manager's decision on one conflict. Raises LookupError when the event is not (or no
    longer) a conflict, e.g. decided at the same moment at another screen.

    Acknowledged: final for the event, but not for the goods it moved: reconcile, never erase.
    Its stock movements stay in the local figures and go to the center as one stock.adjusted
    event per product (reason "conflict_acknowledged", refs = the refused event), which the
    center books and raises as a reconciliation with the goods' value; till and center then
    agree about what left the shelf. The exceptions (NOT_BOOKABLE, and a refused booking
    itself, which must not loop): a duplicate, whose goods the center counts under the other
    key; there the local copy of the movement goes. A sale refused for an unknown product (an
    older center) is sent again even when acknowledged: the center books it now.
    Sent again: the center remembers its verdict per idempotency key and
    answers a replay of the same key with the same rejection, so the event goes out again as a
    NEW event (new id, next seq, byte-identical payload) and the old one is marked `resent`.
    That cannot double anything: a rejected event wrote nothing at the center, and the
    business key inside the payload (e.g. the sale id) is unique there.
    """
    current = next((c for c in conflicts(session) if c.event_id == event_id), None)
    row = session.get(OutboxEvent, event_id)
    if current is None or row is None:
        raise LookupError("Dieser Konflikt ist schon entschieden.")
    row.decided_by = decided_by
    row.decided_at = iso(utc_now())
    if UNKNOWN_PRODUCT in (row.reason or "") and row.type == EventType.SALE_COMPLETED:
        resend = True  # never drop the goods: the center books it under a placeholder now
    if not resend:
        row.status = Status.ACKNOWLEDGED
        if row.type == STOCK_RECEIVED:  # the delivery is no longer "booked here" (issue 14)
            from pos_app.store.stock_models import receipt_settled  # stock_models is the stock package's

            receipt_settled(session, event_id)
        unknown = _unknown_product(row.reason or "")
        if row.type == STOCK_RECEIVED and unknown is not None:
            # the other products of the delivery did arrive: book them, leave out only the one the
            # center does not know (it has nothing to book it on)
            booked = _book_movements(session, row, decided_by, skip=unknown)
            movements.forget_event(session, event_id)
            return Decision(current, None, booked)
        if row.type == EventType.STOCK_ADJUSTED or any(m in (row.reason or "") for m in NOT_BOOKABLE):
            movements.forget_event(session, event_id)  # booked there already, or nothing to book it on
            return Decision(current, None)
        return Decision(current, None, _book_movements(session, row, decided_by))
    copy = append_event(session, row.device_id, row.type, {}, created_at=row.created_at)
    copy.schema_version = row.schema_version
    copy.payload = row.payload
    # the copy happened when the original did: same clock stamp, not today's measurement
    copy.corrected_at, copy.clock_synced_at = row.corrected_at, row.clock_synced_at
    row.status = Status.RESENT
    session.flush()
    movements.move_to_event(session, event_id, copy.id)
    return Decision(current, copy.id)


def _unknown_product(reason: str) -> int | None:
    """The product id in the center's "unknown product id N" refusal, if that is the reason."""
    marker = "unknown product id "
    if marker not in reason:
        return None
    digits = reason.split(marker, 1)[1].split()[0].strip(".,;:") if reason.split(marker, 1)[1].split() else ""
    return int(digits) if digits.isdigit() else None


def _book_movements(session: Session, row: OutboxEvent, decided_by: str, skip: int | None = None) -> tuple[str, ...]:
    """The refused event's goods movements, booked as stock.adjusted events (one per product;
    the movements move to them, so the local figures stay and fold in when the center has
    applied them). `skip`: a product the center does not know, left on the refused event."""
    moved = movements.of_event(session, row.id)
    booked = []
    for (product_id, store_id), delta in sorted(moved.items()):
        if product_id == skip or not delta:
            continue
        adjusted = append_event(session, row.device_id, EventType.STOCK_ADJUSTED, {
            "adjustment_id": str(uuid.uuid4()), "store_id": store_id, "product_id": product_id, "delta": delta,
            "counted": None, "reason": "conflict_acknowledged", "refs": [row.id],
            "adjusted_by": (decided_by or "Marktleitung")[:80], "approved_by": None, "adjusted_at": iso(utc_now())})
        session.flush()
        movements.move_to_event(session, row.id, adjusted.id, product_id=product_id)
        booked.append(adjusted.id)
    return tuple(booked)
