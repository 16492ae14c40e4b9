"""The push fast path: a run of consecutive sales and audit entries applied in ONE transaction.

Why: a till that was offline drains thousands of sales. One transaction per sale cost about
eight statements, each a round trip, plus a commit with its WAL flush: ~3-4 ms a sale on
PostgreSQL when the machine is busy (the round trips, not the SQL, are the cost). Here a run of
up to a batch's events costs a handful of round trips in all: the rows of all its sales go out
together (psycopg pipeline on PostgreSQL, executemany on SQLite), the run's stock moves are one
upsert, the run's changes take their numbers from the counter once, and there is one COMMIT.

Why this keeps every promise of one-transaction-per-event (backend.events):
- Each event is still all or nothing: the run commits whole or not at all, and the results
  are only answered after the COMMIT. Nothing is reported that is not durable.
- A rejected event never affects the others: every business check (unknown product, sale
  already recorded under another key, key reused) runs in Python BEFORE the first write, from
  the batch's look-ups, so a rejection writes nothing but its processed_events row.
- A failing event (any database error: a concurrent send of the same key or sale, a deadlock,
  a constraint) rolls the whole run back, and `apply_run` returns None; the caller then applies
  those events again one transaction per event (the original path, with its retries), where a
  failure stays the failing event's own. So no savepoint per event is needed: the per-event
  path is the savepoint, and it only runs in the rare case that needs it.
- Replays: an event id seen before (in the database or earlier in this run) answers with the
  first outcome, as in the per-event path; the same key with another payload is refused.
- The commit-order rule of the change feed (backend.changelog) holds: all business writes come
  first, then ONE changelog.append for the run's changes (the counter's row lock, held to the
  COMMIT), then only rows of our own (processed_events), then COMMIT.
- Stock: the run's moves are summed per product and written in one upsert, in product-id order
  (so two runs never wait on each other in a cycle). The feed still gets one stock change per
  sale and product, with the quantity after that sale: the upsert returns the quantity after
  the run, and the run's own moves are unwound from it in sale order (the row locks are ours
  from the upsert to the COMMIT, so no one else moved those rows in between).

Thread: a request thread, on the connection apply_batch holds.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection

import backend.events as events  # a module reference: events imports this module too
from backend import changelog, promotions, promotions_events, receipts, reconciliations, trusted_time
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.db import is_retryable
from backend.statements import HotSql, hot_sql, raw_cursor
from sync.protocol import AuditRecordedV1, ChangeKind, EventResult, Outcome, SaleCompletedV1

FAST_PAYLOADS = (SaleCompletedV1, AuditRecordedV1)

log = logging.getLogger(__name__)


def handles(item: events.Incoming, known_products: set[int] | None = None) -> bool:
    """Whether this event goes through the fast path (others: one transaction each). A sale paid
    with a voucher takes the per-event path, where the voucher is checked and redeemed
    (backend.returns), and so does a sale with promotions, which the center prices again
    (backend.promotions_events), and a sale of a product not in `known_products` (the batch's
    look-up), which is booked under a placeholder (backend.unknown_products); such sales are rarer."""
    payload = item.payload
    if isinstance(payload, SaleCompletedV1):
        if known_products is not None and any(line.product_id not in known_products for line in payload.lines):
            return False
        return payload.pricing is None and not any(t.kind == "voucher" for t in payload.tenders)
    return isinstance(payload, FAST_PAYLOADS)


@dataclass(slots=True)
class _Step:
    """One event's fate, decided before the first write. Exactly one of: `answer` (a replay of
    a key seen before this run, final), `repeat_of` (the same key earlier in this run: the index
    of that step), or a decision made here (`reason` None: applied)."""

    item: events.Incoming
    answer: EventResult | None = None
    repeat_of: int | None = None
    reason: str | None = None
    moved: dict[int, int] | None = None  # a sale applied here: quantity sold per product


@dataclass
class _Plan:
    """What the run will write, built in Python before the first statement."""

    sales: list[tuple] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    tenders: list[tuple] = field(default_factory=list)
    audits: list[tuple] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)  # digital receipts (backend.receipts)
    moved: dict[tuple[int, str], int] = field(default_factory=dict)  # (product, store) -> sold in the run
    steps: list[_Step] = field(default_factory=list)


def apply_run(conn: Connection, device: DeviceIdentity, run: Sequence[events.Incoming],
              lookups: events._BatchLookups) -> list[EventResult] | None:
    """Apply `run` (events for which `handles` is true) in one transaction. Returns one result
    per event after the COMMIT, and updates `lookups`; or None when the transaction failed and
    was rolled back (nothing written; `lookups` at most learned of more existing products)."""
    sql, now = hot_sql(conn), datetime.now(timezone.utc)
    try:
        with conn.begin():
            cur = raw_cursor(conn)
            plan = _plan(sql, cur, device, run, lookups, now)
            quantities = sql.write_run(cur, plan.sales, plan.lines, plan.tenders, plan.audits, plan.moved)
            receipts.record_many(conn, plan.receipts)  # a business write too: before the change log
            missed = _missed_promotions(conn, plan, now)  # a business write too (its items)
            changes, offsets = _changes(plan, quantities)
            for n, made in missed:  # the step's change_seq covers its item
                changes += made
                offsets[n] = len(changes) - 1
            changes += reconciliations.watch_stock(conn, changes, _event_of(plan, len(changes)), now)
            if changes and sql.dialect == "postgresql":  # counter, changes, keys: one round trip
                results = _tail_in_one_round_trip(sql, conn, device, plan, changes, offsets, now)
            else:
                first = 0
                if changes:  # the commit-order rule: the last contending statement before COMMIT
                    first = changelog.append(conn, changes, now) - len(changes) + 1
                results = _results(plan, device, {n: first + offset for n, offset in offsets.items()})
                sql.insert_processed_many(cur, [
                    (str(step.item.event.id), device.device_id, step.item.event.seq, step.item.event.type,
                     step.item.payload_hash, result.outcome.value, result.reason, result.change_seq,
                     sql.timestamp(now))
                    for step, result in zip(plan.steps, results) if step.answer is None and step.repeat_of is None])
    except Exception as exc:  # noqa: BLE001 - rolled back; the caller applies the run event by event
        # A race or deadlock is expected now and then; anything else is worth a look.
        log.log(logging.INFO if is_retryable(exc) else logging.WARNING,
                "a run of %d events was rolled back (%s); applying them one by one", len(run), exc)
        return None
    for item, result in zip(run, results):  # committed: what later events must know
        key = str(item.event.id)
        lookups.seen.setdefault(key, events.Seen(device.device_id, item.payload_hash, result.outcome.value,
                                                 result.reason, result.change_seq))
        if result.outcome == Outcome.APPLIED and isinstance(item.payload, SaleCompletedV1):
            lookups.recorded_sales.setdefault(str(item.payload.sale_id), key)
    return results


def _plan(sql: HotSql, cur: Any, device: DeviceIdentity, run: Sequence[events.Incoming],
          lookups: events._BatchLookups, now: datetime) -> _Plan:
    """Decide every event's fate from the look-ups (no writes yet) and collect the rows."""
    sold = {line.product_id for i in run if isinstance(i.payload, SaleCompletedV1) for line in i.payload.lines}
    if missing := sold - lookups.known_products:  # not in the batch's look-up: ask once more
        lookups.known_products.update(sql.known_products(cur, missing))
    plan = _Plan()
    first_step: dict[str, int] = {}  # key -> its first step in this run
    recorded_here: dict[str, str] = {}  # sale id -> event id, for sales of this run
    stamp = sql.timestamp(now)
    for item in run:
        key, payload = str(item.event.id), item.payload
        seen = lookups.seen.get(key)
        if seen is not None:
            plan.steps.append(_Step(item, answer=events._replay(item, seen, device)))
        elif key in first_step:
            plan.steps.append(_Step(item, repeat_of=first_step[key]))
        else:
            first_step[key] = len(plan.steps)
            step = _Step(item)
            if isinstance(payload, SaleCompletedV1):
                step.reason, step.moved = _sale_rows(sql, plan, item, payload, lookups, recorded_here, stamp, now)
            else:
                _audit_row(sql, plan, device, item, payload)
            plan.steps.append(step)
    return plan


def _sale_rows(sql: HotSql, plan: _Plan, item: events.Incoming, sale: SaleCompletedV1, lookups: events._BatchLookups,
               recorded_here: dict[str, str], stamp: Any, now: datetime) -> tuple[str | None, dict[int, int] | None]:
    """The same checks, in the same order, as backend.events._record_sale; then the rows."""
    sale_id = str(sale.sale_id)
    moved: dict[int, int] = {}
    for line in sale.lines:
        moved[line.product_id] = moved.get(line.product_id, 0) + line.quantity
    if unknown := sorted(p for p in moved if p not in lookups.known_products):
        return "unknown product id " + ", ".join(str(p) for p in unknown), None
    other = lookups.recorded_sales.get(sale_id) or recorded_here.get(sale_id)
    if other is not None:
        return f"sale {sale_id} is already recorded under another idempotency key ({other})", None
    recorded_here[sale_id] = str(item.event.id)
    plan.sales.append((sale_id, sale.receipt_number, sale.store_id, sale.device_id, str(item.event.id),
                       sale.cashier_id, sql.timestamp(events.as_utc(sale.created_at)), stamp, sale.total_cents,
                       sale.cart_discount_cents, sql.json([row.model_dump() for row in sale.vat]),
                       sql.timestamp(trusted_time.event_time(item.event, now).at)))
    plan.lines.extend((sale_id, line.line_no, line.product_id, line.sku, line.name, line.quantity,
                       line.unit_price_cents, line.list_price_cents, line.line_discount_cents,
                       line.cart_discount_cents, line.total_cents, line.vat_percent) for line in sale.lines)
    plan.tenders.extend((sale_id, n, t.kind, t.amount_cents, t.given_cents, t.reference)
                        for n, t in enumerate(sale.tenders, 1))
    for product_id, quantity in moved.items():
        plan.moved[(product_id, sale.store_id)] = plan.moved.get((product_id, sale.store_id), 0) + quantity
    if (receipt := receipts.row_for(sale, now)) is not None:
        plan.receipts.append(receipt)
    return None, moved


def _audit_row(sql: HotSql, plan: _Plan, device: DeviceIdentity, item: events.Incoming, entry: AuditRecordedV1) -> None:
    plan.audits.append((str(item.event.id), device.device_id, device.store_id,
                        sql.timestamp(events.as_utc(entry.created_at)), entry.actor_id, entry.actor_name, entry.action,
                        sql.json(entry.details), entry.prev_hash, entry.hash))


def _changes(plan: _Plan, quantities: dict[tuple[int, str], int]) -> tuple[list[PendingChange], dict[int, int]]:
    """One stock change per applied sale and product, with the quantity after that sale, in
    event order; and per such step the offset of its last change (its change_seq - first)."""
    stock = {key: quantities[key] + moved for key, moved in plan.moved.items()}  # before the run
    changes: list[PendingChange] = []
    offsets: dict[int, int] = {}
    for n, step in enumerate(plan.steps):
        if not step.moved or step.reason is not None:
            continue
        store_id = step.item.payload.store_id
        for product_id in sorted(step.moved):
            stock[(product_id, store_id)] -= step.moved[product_id]
            changes.append(PendingChange(ChangeKind.STOCK, f"{product_id}@{store_id}", store_id, {
                "product_id": product_id, "store_id": store_id, "quantity": stock[(product_id, store_id)]}))
        offsets[n] = len(changes) - 1
    return changes, offsets


def _missed_promotions(conn: Connection, plan: _Plan, now: datetime) -> list[tuple[int, list[PendingChange]]]:
    """The run's applied sales that the center's promotions would have given a saving the till
    did not (backend.promotions_events.missed): their price_mismatch items, per step."""
    sales = [(n, step) for n, step in enumerate(plan.steps)
             if step.moved and step.reason is None and isinstance(step.item.payload, SaleCompletedV1)]
    if not sales:
        return []
    made = promotions_events.missed(conn, promotions.sale_book(conn), [
        (str(step.item.event.id), step.item.payload, trusted_time.event_time(step.item.event, now).at)
        for _, step in sales])
    return [(n, made[str(step.item.event.id)]) for n, step in sales if str(step.item.event.id) in made]


def _event_of(plan: _Plan, count: int) -> Callable[[int], str]:
    """Which event's id stands behind each of the run's first `count` stock changes (in the
    order _changes made them), for the negative-stock alerts (backend.reconciliations)."""
    ids: list[str] = []
    for step in plan.steps:
        if step.moved and step.reason is None:
            ids += [str(step.item.event.id)] * len(step.moved)
    return lambda n: ids[n] if n < len(ids) else ""


def _tail_in_one_round_trip(sql: Any, conn: Connection, device: DeviceIdentity, plan: _Plan, changes: list[Any],
                            offsets: dict[int, int], now: datetime) -> list[EventResult]:
    """The run's changes and processed_events rows behind the counter, in one pipeline
    (statements.HotSql.append_with_processed). The results are made with sequence numbers
    relative to the first change, sent as "this many before the last", then made absolute."""
    relative = _results(plan, device, dict(offsets))
    n = len(changes)
    rows = [(str(step.item.event.id), device.device_id, step.item.event.seq, step.item.event.type,
             step.item.payload_hash, result.outcome.value, result.reason,
             None if result.change_seq is None else n - 1 - result.change_seq, sql.timestamp(now))
            for step, result in zip(plan.steps, relative) if step.answer is None and step.repeat_of is None]
    last = changelog.append_run(conn, changes, rows, now)
    first = last - n + 1
    # answers known before this run (step.answer) carry their own, absolute numbers already
    return [result if step.answer is not None or result.change_seq is None
            else result.model_copy(update={"change_seq": first + result.change_seq})
            for step, result in zip(plan.steps, relative)]


def _results(plan: _Plan, device: DeviceIdentity, change_seqs: dict[int, int]) -> list[EventResult]:
    results: list[EventResult] = []
    for n, step in enumerate(plan.steps):
        event_id = step.item.event.id
        if step.answer is not None:
            results.append(step.answer)
        elif step.repeat_of is not None:  # as a replay of the first would have been answered
            first, first_result = plan.steps[step.repeat_of], results[step.repeat_of]
            results.append(events._replay(step.item, events.Seen(device.device_id, first.item.payload_hash,
                                                   first_result.outcome.value, first_result.reason,
                                                   first_result.change_seq), device))
        else:
            results.append(EventResult(id=event_id, outcome=Outcome.APPLIED if step.reason is None
                                       else Outcome.REJECTED, reason=step.reason, change_seq=change_seqs.get(n)))
    return results


__all__ = ["FAST_PAYLOADS", "apply_run", "handles"]
