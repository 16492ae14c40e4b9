"""Applying what devices push: each event in its own database transaction, exactly once.

Why one transaction per event and not per batch: a business rejection (an unknown product, a
sale already recorded under another key) must not take the events behind it down with it, and
an event that was applied stays applied even if a later one fails for a technical reason.

Exactly once: the event id is the idempotency key. It is recorded in processed_events in the
same transaction as the event's effects, with the FIRST outcome. A replay with the same payload
hash returns that outcome and changes nothing: "duplicate" (with the first change_seq) if it
was applied, and "rejected" with the same reason if it was rejected (the protocol says
duplicate means "applied before", so a rejection replays as what it was; the store marks it a
conflict either way). The same key with a different payload is rejected and nothing changes.

Races (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers): two sends of one key at once
both find no processed_events row; the loser fails on a unique key (the sale id, or the
processed_events primary key) and the whole transaction runs again, now finding the winner's
row. Stock rows are updated in product-id order, so two sales never deadlock on them.

Thread: called on a request thread; uses its own connection for the whole batch.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import DBAPIError

from backend import changelog
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.db import BackendDatabase, is_retryable
from backend.models import AuditEntry, ProcessedEvent, Product, Sale, SaleLine, SaleTender, Stock
from sync.protocol import AuditRecordedV1, ChangeKind, Event, EventResult, Outcome, PushRequest, SaleCompletedV1

MAX_ATTEMPTS = 5
KEY_REUSED = "idempotency key reused with a different payload"
KEY_OF_OTHER_DEVICE = "idempotency key already used by another device"


class ForbiddenBatch(Exception):
    """The batch writes for another device or store: refused whole, nothing stored (403)."""


def check_ownership(device: DeviceIdentity, request: PushRequest) -> None:
    """A device writes only to its own store, as itself. Checked for the whole batch before
    anything is applied, so a forbidden event leaves no half-applied batch behind."""
    for n, event in enumerate(request.events):
        if event.device_id != device.device_id:
            raise ForbiddenBatch(f"event {n} ({event.id}) is for device {event.device_id!r}, "
                                 f"but this token belongs to {device.device_id!r}")
        payload = event.parsed()
        if isinstance(payload, SaleCompletedV1):
            if payload.store_id != device.store_id or payload.device_id != device.device_id:
                raise ForbiddenBatch(f"event {n} ({event.id}): sale for store {payload.store_id!r} and device "
                                     f"{payload.device_id!r}; this device is {device.device_id!r} in store "
                                     f"{device.store_id!r}")


def apply_batch(db: BackendDatabase, device: DeviceIdentity, events: Sequence[Event]) -> list[EventResult]:
    """Apply the events in order, each in its own transaction; one result per event, in order."""
    with db.connect(write=True) as conn:
        return [apply_event(db, conn, device, event) for event in events]


def apply_event(db: BackendDatabase, conn: Connection, device: DeviceIdentity, event: Event) -> EventResult:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with conn.begin():
                return _apply(db, conn, device, event, datetime.now(timezone.utc))
        except DBAPIError as exc:  # the transaction is rolled back by now
            if attempt == MAX_ATTEMPTS or not is_retryable(exc):
                raise
    raise AssertionError("unreachable")


def _apply(db: BackendDatabase, conn: Connection, device: DeviceIdentity, event: Event,
           now: datetime) -> EventResult:
    payload_hash = event.payload_hash()
    seen = conn.execute(
        select(ProcessedEvent.device_id, ProcessedEvent.payload_hash, ProcessedEvent.outcome,
               ProcessedEvent.reason, ProcessedEvent.change_seq).where(ProcessedEvent.id == str(event.id))).first()
    if seen is not None:
        if seen.device_id != device.device_id:
            return EventResult(id=event.id, outcome=Outcome.REJECTED, reason=KEY_OF_OTHER_DEVICE)
        if seen.payload_hash != payload_hash:
            return EventResult(id=event.id, outcome=Outcome.REJECTED, reason=KEY_REUSED)
        if seen.outcome == Outcome.REJECTED.value:
            return EventResult(id=event.id, outcome=Outcome.REJECTED, reason=seen.reason)
        return EventResult(id=event.id, outcome=Outcome.DUPLICATE, reason=seen.reason, change_seq=seen.change_seq)

    payload = event.parsed()
    changes: list[PendingChange] = []
    reason: str | None = None
    if isinstance(payload, SaleCompletedV1):
        reason = _record_sale(db, conn, device, event, payload, now, changes)
    elif isinstance(payload, AuditRecordedV1):
        _record_audit(conn, device, event, payload)
    else:  # the protocol registered a type this backend does not handle yet
        reason = f"event type {event.type!r} version {event.schema_version} is not handled by this backend"

    change_seq = None
    if changes:  # the commit-order rule: this is the last contending statement before COMMIT
        change_seq = changelog.append(conn, changes, now)
    outcome = Outcome.APPLIED if reason is None else Outcome.REJECTED
    conn.execute(insert(ProcessedEvent).values(
        id=str(event.id), device_id=device.device_id, seq=event.seq, type=event.type, payload_hash=payload_hash,
        outcome=outcome.value, reason=reason, change_seq=change_seq, created_at=now))
    return EventResult(id=event.id, outcome=outcome, reason=reason, change_seq=change_seq)


def as_utc(moment: datetime) -> datetime:
    """The protocol's datetimes should carry an offset; one without is taken as UTC (the store
    writes UTC) rather than failing the event."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _record_sale(db: BackendDatabase, conn: Connection, device: DeviceIdentity, event: Event,
                 sale: SaleCompletedV1, now: datetime, changes: list[PendingChange]) -> str | None:
    """Insert the sale and move stock; returns a rejection reason, or None when applied.
    Every check that can reject runs before the first write, so a rejection writes nothing."""
    wanted = {line.product_id for line in sale.lines}
    known = set(conn.scalars(select(Product.id).where(Product.id.in_(wanted))))
    if unknown := sorted(wanted - known):
        return "unknown product id " + ", ".join(str(p) for p in unknown)
    inserted = conn.execute(
        db.insert(Sale.__table__).values(
            id=str(sale.sale_id), receipt_number=sale.receipt_number, store_id=sale.store_id,
            device_id=sale.device_id, event_id=str(event.id), cashier_id=sale.cashier_id,
            created_at=as_utc(sale.created_at), received_at=now, total_cents=sale.total_cents,
            cart_discount_cents=sale.cart_discount_cents, vat=[row.model_dump() for row in sale.vat],
        ).on_conflict_do_nothing(index_elements=["id"]).returning(Sale.__table__.c.id)).first()
    if inserted is None:
        other = conn.execute(select(Sale.event_id).where(Sale.id == str(sale.sale_id))).scalar()
        return f"sale {sale.sale_id} is already recorded under another idempotency key ({other})"
    conn.execute(insert(SaleLine), [
        {"sale_id": str(sale.sale_id), **line.model_dump()} for line in sale.lines])
    conn.execute(insert(SaleTender), [
        {"sale_id": str(sale.sale_id), "seq": n, **tender.model_dump()}
        for n, tender in enumerate(sale.tenders, start=1)])

    moved: dict[int, int] = {}
    for line in sale.lines:
        moved[line.product_id] = moved.get(line.product_id, 0) + line.quantity
    stock = Stock.__table__
    for product_id in sorted(moved):  # a fixed order: two sales never wait on each other in a cycle
        upsert = db.insert(stock).values(product_id=product_id, store_id=sale.store_id, quantity=-moved[product_id])
        quantity = conn.execute(upsert.on_conflict_do_update(
            index_elements=["product_id", "store_id"],
            set_={"quantity": stock.c.quantity - moved[product_id]}).returning(stock.c.quantity)).scalar_one()
        changes.append(PendingChange(ChangeKind.STOCK, f"{product_id}@{sale.store_id}", sale.store_id,
                                     {"product_id": product_id, "store_id": sale.store_id, "quantity": quantity}))
    return None


def _record_audit(conn: Connection, device: DeviceIdentity, event: Event, entry: AuditRecordedV1) -> None:
    conn.execute(insert(AuditEntry).values(
        event_id=str(event.id), device_id=device.device_id, store_id=device.store_id, created_at=as_utc(entry.created_at),
        actor_id=entry.actor_id, actor_name=entry.actor_name, action=entry.action, details=entry.details,
        prev_hash=entry.prev_hash, hash=entry.hash))

