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
processed_events primary key) and its whole transaction runs again, now finding the winner's
row. Stock rows are locked in product-id order, so two sales never deadlock on them.

Runs of consecutive sales and audit entries take a faster road with the same outcomes:
backend.batch_push applies a run in one transaction (and falls back to this module's
one-transaction-per-event path when that transaction fails; its docstring says why every
promise above still holds). Every other event type is applied here, one transaction each.

Speed (a till that was offline drains thousands of sales): the cost is round trips and Python
per statement, not commits. So the processed-events register and the catalog are read once per
batch rather than once per event (a retry after a lost race reads them again inside its
transaction), a sale's stock rows move in one statement, payloads are parsed once, and the SQL
runs on the raw DBAPI cursor (backend.statements explains why).

Thread: called on a request thread; uses one connection for the whole batch.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from sqlalchemy import Connection

from backend import (batch_push, changelog, clienteling, gift_cards, pickup_events, promotions, promotions_events, receipts,
                     reconciliation_events, reconciliations, returns, stock_counts, stock_receiving, trusted_time,
                     unknown_products)
from backend import fulfilment_events, transfers_events  # issue 14
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.day_closings import record_day_closing
from backend.db import BackendDatabase, is_retryable
from backend.statements import HotSql, hot_sql, raw_cursor
from sync.protocol import (AuditRecordedV1, ChangeKind, Event, EventResult, Outcome, ReturnCompletedV1,
                           SaleCompletedV1)
from sync.protocol_gift_cards import GiftCardSoldV1
from sync.protocol_pickups import PickupHandedOverV1, PickupPickedV1, PickupReturnedV1
from sync.protocol_shifts import DayClosedV1
from sync.protocol_transfers import FULFILMENT_EVENTS, TRANSFER_EVENTS

MAX_ATTEMPTS = 5
KEY_REUSED = "idempotency key reused with a different payload"
KEY_OF_OTHER_DEVICE = "idempotency key already used by another device"


class ForbiddenBatch(Exception):
    """The batch writes for another device or store: refused whole, nothing stored (403)."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """An event with its payload parsed and hashed once."""

    event: Event
    payload: Any  # the protocol model registered for the event's type and version
    payload_hash: str


class Seen(NamedTuple):
    """A processed_events row: what the center answered the first time."""

    device_id: str
    payload_hash: str
    outcome: str
    reason: str | None
    change_seq: int | None


def prepare(device: DeviceIdentity, events: Sequence[Event]) -> list[Incoming]:
    """Parse the batch and check that the device writes only as itself, to its own store. The
    whole batch is checked before anything is applied, so a forbidden event leaves no
    half-applied batch behind."""
    incoming = []
    for n, event in enumerate(events):
        if event.device_id != device.device_id:
            raise ForbiddenBatch(f"event {n} ({event.id}) is for device {event.device_id!r}, "
                                 f"but this token belongs to {device.device_id!r}")
        payload = event.parsed()
        if isinstance(payload, SaleCompletedV1) and (payload.store_id != device.store_id
                                                     or payload.device_id != device.device_id):
            raise ForbiddenBatch(f"event {n} ({event.id}): sale for store {payload.store_id!r} and device "
                                 f"{payload.device_id!r}; this device is {device.device_id!r} in store "
                                 f"{device.store_id!r}")
        if isinstance(payload, ReturnCompletedV1) and (payload.store_id != device.store_id
                                                       or payload.device_id != device.device_id):
            raise ForbiddenBatch(f"event {n} ({event.id}): return for store {payload.store_id!r}; this device is "
                                 f"{device.device_id!r} in store {device.store_id!r}")
        incoming.append(Incoming(event, payload, event.payload_hash()))
    return incoming


@dataclass
class _BatchLookups:
    """What the batch's events need to know, read once per batch (and kept up to date as
    its events are applied): keys seen, products that exist, sales already recorded."""

    seen: dict[str, Seen]
    known_products: set[int]
    recorded_sales: dict[str, str]  # sale id -> the event id that brought it


def apply_batch(db: BackendDatabase, device: DeviceIdentity,
                events: Sequence[Event] | Sequence[Incoming]) -> list[EventResult]:
    """Apply the events in order; one result per event, in order. Runs of sales and audit
    entries go through backend.batch_push (one transaction per run, falling back to one per
    event when it fails); every other event gets its own transaction here."""
    batch = [e for e in events if isinstance(e, Incoming)]
    if len(batch) != len(events):
        batch = prepare(device, events)  # type: ignore[arg-type]
    with db.connect(write=True) as conn:
        lookups = _read_lookups(conn, batch)
        results: list[EventResult] = []
        start = 0
        while start < len(batch):
            end = start
            while end < len(batch) and batch_push.handles(batch[end], lookups.known_products):
                end += 1
            if end > start:  # a run of sales and audit entries: one transaction (backend.batch_push)
                done = batch_push.apply_run(conn, device, batch[start:end], lookups)
                if done is None:  # rolled back (a race, a deadlock, a bad row): one transaction each
                    lookups = _read_lookups(conn, batch)
                    done = [_apply_one(conn, device, item, lookups) for item in batch[start:end]]
                results += done
            else:
                results.append(_apply_one(conn, device, batch[start], lookups))
                end = start + 1
            start = end
        return results


def _read_lookups(conn: Connection, batch: Sequence[Incoming]) -> _BatchLookups:
    sql = hot_sql(conn)
    sales = [i.payload for i in batch if isinstance(i.payload, SaleCompletedV1)]
    with conn.begin():
        cur = raw_cursor(conn)
        return _BatchLookups(
            seen={row[0]: Seen(*row[1:]) for row in sql.seen(cur, [str(i.event.id) for i in batch])},
            known_products=sql.known_products(cur, (line.product_id for s in sales for line in s.lines)),
            recorded_sales=sql.recorded_sales(cur, sorted({str(s.sale_id) for s in sales})))


def _apply_one(conn: Connection, device: DeviceIdentity, item: Incoming, lookups: _BatchLookups) -> EventResult:
    """One event in its own transaction; then what a later event of the batch must know."""
    key = str(item.event.id)
    result = _apply_with_retries(conn, device, item, lookups)
    # Committed: what a later event of this batch must know (the same key, the same sale).
    lookups.seen.setdefault(key, Seen(device.device_id, item.payload_hash, result.outcome.value,
                                      result.reason, result.change_seq))
    if result.outcome == Outcome.APPLIED and isinstance(item.payload, SaleCompletedV1):
        lookups.recorded_sales.setdefault(str(item.payload.sale_id), key)
    return result


def _apply_with_retries(conn: Connection, device: DeviceIdentity, item: Incoming,
                        lookups: _BatchLookups) -> EventResult:
    seen = lookups.seen.get(str(item.event.id))
    if seen is not None:  # answered from the batch's look-up, no transaction needed
        return _replay(item, seen, device)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with conn.begin():
                return _apply(conn, device, item, lookups, recheck=attempt > 1)
        except Exception as exc:  # the transaction is rolled back by now
            if attempt == MAX_ATTEMPTS or not is_retryable(exc):
                raise
    raise AssertionError("unreachable")


def _replay(item: Incoming, seen: Seen, device: DeviceIdentity) -> EventResult:
    event_id = item.event.id
    if seen.device_id != device.device_id:
        return EventResult(id=event_id, outcome=Outcome.REJECTED, reason=KEY_OF_OTHER_DEVICE)
    if seen.payload_hash != item.payload_hash:
        return EventResult(id=event_id, outcome=Outcome.REJECTED, reason=KEY_REUSED)
    if seen.outcome == Outcome.REJECTED.value:
        return EventResult(id=event_id, outcome=Outcome.REJECTED, reason=seen.reason)
    return EventResult(id=event_id, outcome=Outcome.DUPLICATE, reason=seen.reason, change_seq=seen.change_seq)


def _apply(conn: Connection, device: DeviceIdentity, item: Incoming, lookups: _BatchLookups,
           recheck: bool) -> EventResult:
    """One event in the caller's transaction. `recheck`: after a lost race, look the key (and
    the sale) up again here instead of trusting the batch's look-up."""
    sql, cur = hot_sql(conn), raw_cursor(conn)
    event, payload, now = item.event, item.payload, datetime.now(timezone.utc)
    if recheck:
        rows = sql.seen(cur, [str(event.id)])
        if rows:
            return _replay(item, Seen(*rows[0][1:]), device)
        if isinstance(payload, SaleCompletedV1):  # maybe recorded by the race's winner
            lookups.recorded_sales.pop(str(payload.sale_id), None)
            lookups.recorded_sales.update(sql.recorded_sales(cur, [str(payload.sale_id)]))
    changes: list[PendingChange] = []
    aside: list[int] = []  # placeholders of unknown products sold: their own item, no negative-stock one
    reason: str | None = None
    if isinstance(payload, SaleCompletedV1):
        reason = returns.check_sale_vouchers(conn, payload)  # no query unless paid by voucher
        if reason is None:
            reason = _record_sale(conn, sql, cur, event, payload, now, lookups, changes, aside)
            if reason is None:
                cards = gift_cards.gift_card_codes(conn, payload)  # issue 15: a card's overdraw is its own item
                changes += returns.redeem_for_sale(conn, payload, now, str(event.id), own_reconciliation=cards)
                if cards:
                    changes += gift_cards.overdrawn_after_sale(conn, payload, now)  # reconcile, never refuse
                receipts.record(conn, payload, now)  # its digital receipt (issue 16)
                at = trusted_time.event_time(event, now).at
                if payload.pricing is not None:  # its promotions, priced again by the center (issue 15)
                    promotions_events.record_sale(conn, str(event.id), payload, at, changes)
                else:  # promotions the till missed (issue 15)
                    for made in promotions_events.missed(conn, promotions.sale_book(conn),
                                                         [(str(event.id), payload, at)]).values():
                        changes += made
    elif isinstance(payload, ReturnCompletedV1):
        reason = returns.record_return(conn, str(event.id), device.device_id, payload, now, changes,
                                       trusted_time.event_time(event, now), book_excess=True)
        if reason is None:
            receipts.record(conn, payload, now)
    elif isinstance(payload, AuditRecordedV1):
        _record_audit(sql, cur, device, event, payload)
    elif isinstance(payload, DayClosedV1):
        reason = record_day_closing(conn, device, event, payload, now)
    elif isinstance(payload, (PickupPickedV1, PickupHandedOverV1, PickupReturnedV1)):  # click and collect
        reason = pickup_events.apply(conn, device, payload, now, changes, str(event.id),
                                     trusted_time.event_time(event, now))
    elif isinstance(payload, clienteling.HANDLED):  # customer events (issue 4)
        reason = clienteling.apply_event(conn, device.store_id, payload, changes, trusted_time.event_time(event, now))
    elif isinstance(payload, TRANSFER_EVENTS):  # transfers between stores (issue 14)
        reason = transfers_events.apply(conn, device, event.type, payload, now, changes, str(event.id))
    elif isinstance(payload, FULFILMENT_EVENTS):  # the endless aisle (issue 14)
        reason = fulfilment_events.apply(conn, device, event.type, payload, now, changes, str(event.id))
    elif isinstance(payload, GiftCardSoldV1):  # a till sold a gift card (issue 15)
        reason = gift_cards.apply_sold(conn, device.store_id, payload, now)
    elif isinstance(payload, reconciliation_events.HANDLED):  # closings and stock adjustments (issue 12)
        reason = reconciliation_events.apply(conn, device, str(event.id), payload, now, changes)
    elif isinstance(payload, stock_receiving.HANDLED):  # goods receipt (issue 14)
        reason = stock_receiving.apply(conn, device, str(event.id), payload, now, changes)
    elif isinstance(payload, stock_counts.HANDLED):  # counts with the scanner (issue 14)
        reason = stock_counts.apply(conn, device, str(event.id), payload, now, changes)
    elif isinstance(payload, promotions_events.HANDLED):  # coupons redeemed at a till (issue 15)
        reason = promotions_events.apply(conn, device, payload, now, changes)
    else:  # the protocol registered a type this backend does not handle yet
        reason = f"event type {event.type!r} version {event.schema_version} is not handled by this backend"

    change_seq = None
    if changes:  # stock below zero raises its alert (backend.reconciliations), in this transaction
        watched = [c for c in changes if not (aside and c.kind == ChangeKind.STOCK and c.data
                                               and int(c.data["product_id"]) in aside)]
        changes += reconciliations.watch_stock(conn, watched, lambda _n: str(event.id), now)
    if changes:  # the commit-order rule: this is the last contending statement before COMMIT
        change_seq = changelog.append(conn, changes, now)
    outcome = Outcome.APPLIED if reason is None else Outcome.REJECTED
    sql.insert_processed(cur, {
        "id": str(event.id), "device_id": device.device_id, "seq": event.seq, "type": event.type,
        "payload_hash": item.payload_hash, "outcome": outcome.value, "reason": reason, "change_seq": change_seq,
        "created_at": now})
    return EventResult(id=event.id, outcome=outcome, reason=reason, change_seq=change_seq)


def as_utc(moment: datetime) -> datetime:
    """The protocol's datetimes should carry an offset; one without is taken as UTC (the store
    writes UTC) rather than failing the event."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _record_sale(conn: Connection, sql: HotSql, cur: Any, event: Event, sale: SaleCompletedV1, now: datetime,
                 lookups: _BatchLookups, changes: list[PendingChange], aside: list[int]) -> str | None:
    """Insert the sale and move stock; returns a rejection reason, or None when applied.
    Every check that can reject runs before the first write, so a rejection writes nothing.
    Products the center does not know are booked under placeholders (their ids go to `aside`)."""
    sale_id = str(sale.sale_id)
    moved: dict[int, int] = {}
    for line in sale.lines:
        moved[line.product_id] = moved.get(line.product_id, 0) + line.quantity
    known = lookups.known_products
    if missing := [p for p in moved if p not in known]:  # not in the batch's look-up: ask again
        known.update(sql.known_products(cur, missing))
    unknown = sorted(p for p in moved if p not in known)
    if (other := lookups.recorded_sales.get(sale_id)) is not None:
        return f"sale {sale_id} is already recorded under another idempotency key ({other})"
    if unknown:  # booked under placeholders and reconciled, never refused (backend.unknown_products)
        aside += unknown
        changes += unknown_products.book_aside(conn, sale, unknown, str(event.id), now)
    quantities = sql.write_sale(
        cur,
        {"id": sale_id, "receipt_number": sale.receipt_number, "store_id": sale.store_id,
         "device_id": sale.device_id, "event_id": str(event.id), "cashier_id": sale.cashier_id,
         "created_at": as_utc(sale.created_at), "received_at": now, "total_cents": sale.total_cents,
         "cart_discount_cents": sale.cart_discount_cents, "vat": [row.model_dump() for row in sale.vat],
         "event_time": trusted_time.event_time(event, now).at},
        [(sale_id, line.line_no, line.product_id, line.sku, line.name, line.quantity, line.unit_price_cents,
          line.list_price_cents, line.line_discount_cents, line.cart_discount_cents, line.total_cents,
          line.vat_percent) for line in sale.lines],
        [(sale_id, n, t.kind, t.amount_cents, t.given_cents, t.reference) for n, t in enumerate(sale.tenders, 1)],
        moved)
    for product_id in sorted(moved):
        changes.append(PendingChange(ChangeKind.STOCK, f"{product_id}@{sale.store_id}", sale.store_id, {
            "product_id": product_id, "store_id": sale.store_id, "quantity": quantities[product_id]}))
    return None


def _record_audit(sql: HotSql, cur: Any, device: DeviceIdentity, event: Event, entry: AuditRecordedV1) -> None:
    sql.insert_audit(cur, {
        "event_id": str(event.id), "device_id": device.device_id, "store_id": device.store_id,
        "created_at": as_utc(entry.created_at), "actor_id": entry.actor_id, "actor_name": entry.actor_name,
        "action": entry.action, "details": entry.details, "prev_hash": entry.prev_hash, "hash": entry.hash})
