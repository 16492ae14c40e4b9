"""Reconciliations at the center: one model for every exception a store's manager (or an
operator at the center) must settle. The rules of which resolution closes which kind live in
the pure pos_app.reconciliation_rules, shared with the store app.

The rule behind it: RECONCILE, NEVER ERASE. When a store reports something that physically
happened but breaks a rule (a pickup handed over after the web shop cancelled it, the last
unit sold by two offline tills, a return the policy did not allow), the center books it as it
happened (stock leaves, cash is recorded) and opens an item here with the amount at stake and
the events that caused it. Closing it records the resolution, who and when; nothing is deleted.

    raise_exception(conn, store_id, kind, amount_cents, refs, details)   any center code
    watch_stock(conn, changes, event_of)                                 negative stock alerts
    close(conn, rec_id, resolution, ...)                                 store event or admin
    adjust_stock(conn, ...)                                              a count or correction

Every function runs in the caller's transaction and returns the feed changes to append (the
caller appends them last, backend.changelog's commit-order rule). An item reaches its store's
tills through the change feed as ChangeKind.RECONCILIATION.

Idempotent per cause: each item has a unique `cause` (default: kind and refs); raising the same
cause again returns the existing item and changes nothing, so a replayed or retried event
never opens a second one. An open negative-stock item is one per store and product: later
oversells add their events to it; a count or adjustment that brings the stock back to zero or
more closes it.

Thread: request threads, inside the caller's write transaction.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend.changelog import PendingChange
from backend.models import Price, ProcessedEvent, Product, Stock
from backend.reconciliation_models import Reconciliation
from pos_app.reconciliation_rules import CLOSED, OPEN, ResolutionRefused, check_resolution
from sync.protocol import ChangeKind

NEGATIVE_STOCK = "negative_stock"
MAX_REFS = 50  # an open negative-stock item keeps its first events and the newest ones


class NotClosable(ValueError):
    """Closing refused: `status` is the HTTP answer (404 unknown, 403 other store, 409 closed
    otherwise already, 422 a resolution that does not fit)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _cause(kind: str, refs: Sequence[str]) -> str:
    text = f"{kind}:{','.join(refs)}"
    return text if len(text) <= 160 else f"{kind}:#{hashlib.sha256(text.encode()).hexdigest()}"


cause_of = _cause  # for other center modules that raise an item under a cause of their own


def doc(row: Any) -> dict[str, Any]:
    """The item as the feed and the API carry it (sync.protocol_reconciliations.ReconciliationData)."""
    return {"id": row.id, "store_id": row.store_id, "kind": row.kind, "status": row.status,
            "amount_cents": int(row.amount_cents), "refs": list(row.refs), "details": dict(row.details),
            "opened_at": row.opened_at.isoformat(), "closed_at": row.closed_at.isoformat() if row.closed_at else None,
            "resolution": row.resolution, "closed_by": row.closed_by, "note": row.note}


def get_row(conn: Connection, rec_id: str, lock: bool = False) -> Any:
    q = select(Reconciliation).where(Reconciliation.id == rec_id)
    return conn.execute(q.with_for_update() if lock else q).first()


def feed_change(conn: Connection, rec_id: str) -> PendingChange:
    row = get_row(conn, rec_id)
    return PendingChange(ChangeKind.RECONCILIATION, row.id, row.store_id, doc(row))


def raise_exception(conn: Connection, store_id: str, kind: str, amount_cents: int, refs: Sequence[str],
                    details: dict[str, Any], *, cause: str | None = None,
                    now: datetime | None = None) -> tuple[str, list[PendingChange]]:
    """Open an item for `store_id` (idempotent per cause: an existing one is returned with no
    change). Returns its id and the feed changes to append."""
    cause = cause or _cause(kind, refs)
    found = conn.execute(select(Reconciliation.id).where(Reconciliation.cause == cause)).first()
    if found is not None:
        return found.id, []
    rec_id = str(uuid.uuid4())
    conn.execute(insert(Reconciliation).values(
        id=rec_id, store_id=store_id, kind=kind, cause=cause, status=OPEN, amount_cents=int(amount_cents),
        refs=list(refs)[:MAX_REFS], details=details, opened_at=now or _now(), closed_at=None, resolution="",
        closed_by="", closed_ref="", note=""))
    return rec_id, [feed_change(conn, rec_id)]


def open_items(conn: Connection, store_id: str | None = None, status: str | None = OPEN) -> list[dict[str, Any]]:
    q = select(Reconciliation).order_by(Reconciliation.opened_at, Reconciliation.id)
    if store_id is not None:
        q = q.where(Reconciliation.store_id == store_id)
    if status is not None:
        q = q.where(Reconciliation.status == status)
    return [doc(r) for r in conn.execute(q).all()]


def close(conn: Connection, rec_id: str, resolution: str, note: str, closed_by: str, closed_ref: str,
          store_id: str | None = None, now: datetime | None = None) -> list[PendingChange]:
    """Close an item with a resolution. `store_id`: the closing store's (a store closes only its
    own items). Closing again with the same reference or the same resolution changes nothing;
    another resolution for a closed item is refused (409): the first decision stands."""
    row = get_row(conn, rec_id, lock=True)
    if row is None:
        raise NotClosable(404, f"no reconciliation {rec_id}")
    if store_id is not None and row.store_id != store_id:
        raise NotClosable(403, f"reconciliation {rec_id} belongs to store {row.store_id}, not {store_id}")
    try:
        check_resolution(row.kind, resolution, note)
    except ResolutionRefused as exc:
        raise NotClosable(422, str(exc)) from exc
    if row.status == CLOSED:
        if row.closed_ref == closed_ref or row.resolution == resolution:
            return []
        raise NotClosable(409, f"reconciliation {rec_id} was closed already ({row.resolution}, {row.closed_by})")
    values: dict[str, Any] = {"status": CLOSED, "resolution": resolution, "note": note, "closed_by": closed_by,
                              "closed_ref": closed_ref, "closed_at": now or _now()}
    if row.kind == NEGATIVE_STOCK:  # frees the open cause for a later oversell of the product
        values["cause"] = f"{row.cause}:{row.id}"
    conn.execute(update(Reconciliation).where(Reconciliation.id == rec_id).values(**values))
    return [feed_change(conn, rec_id)]


# ---- stock ---------------------------------------------------------------------------------


def unit_value(conn: Connection, store_id: str, product_id: int) -> int:
    """What one unit is worth in `store_id` (its gross price; 0 when it has none)."""
    return int(conn.execute(select(Price.gross_cents).where(Price.product_id == product_id,
                                                           Price.store_id == store_id)).scalar() or 0)


def _negative_cause(store_id: str, product_id: int) -> str:
    return f"{NEGATIVE_STOCK}:{store_id}:{product_id}"


def note_negative(conn: Connection, store_id: str, product_id: int, quantity: int, event_refs: Sequence[str],
                  now: datetime | None = None) -> list[PendingChange]:
    """Stock of `product_id` in `store_id` is `quantity` < 0 after `event_refs`: open the
    alert, or add the events to the one that is open."""
    cause = _negative_cause(store_id, product_id)
    value = unit_value(conn, store_id, product_id) * -quantity
    row = conn.execute(select(Reconciliation).where(Reconciliation.cause == cause).with_for_update()).first()
    if row is None:
        name = conn.execute(select(Product.name).where(Product.id == product_id)).scalar() or ""
        _, changes = raise_exception(conn, store_id, NEGATIVE_STOCK, value, list(event_refs), {
            "product_id": product_id, "product_name": name, "quantity": quantity}, cause=cause, now=now)
        return changes
    refs = list(row.refs)
    refs += [r for r in event_refs if r not in refs]
    refs = refs[:1] + refs[1:][-(MAX_REFS - 1):]  # the first and the newest
    conn.execute(update(Reconciliation).where(Reconciliation.id == row.id).values(
        refs=refs, amount_cents=value, details={**row.details, "quantity": quantity}))
    return [feed_change(conn, row.id)]


def watch_stock(conn: Connection, changes: Sequence[PendingChange], event_of: Callable[[int], str],
                now: datetime | None = None) -> list[PendingChange]:
    """Look at the stock changes an event (or a run of events) is about to append: a product
    whose figure ends below zero raises or extends its store's negative-stock alert, once per
    product and call, naming every event that took it below zero (`event_of(n)` names the
    event behind changes[n]). Returns the extra feed changes (append them with the others)."""
    last: dict[tuple[str, int], int] = {}
    refs: dict[tuple[str, int], list[str]] = {}
    for n, change in enumerate(changes):
        if change.kind != ChangeKind.STOCK or change.data is None:
            continue
        key = (str(change.data["store_id"]), int(change.data["product_id"]))
        last[key] = int(change.data["quantity"])
        if last[key] < 0 and (ref := event_of(n)) and ref not in refs.setdefault(key, []):
            refs[key].append(ref)
    extra: list[PendingChange] = []
    for (store_id, product_id), quantity in sorted(last.items()):
        if quantity < 0:
            extra += note_negative(conn, store_id, product_id, quantity, refs.get((store_id, product_id), []), now)
    return extra


def adjust_stock(conn: Connection, store_id: str, product_id: int, delta: int, *, reason: str,
                 refs: Sequence[str], adjusted_by: str, ref: str, counted: int | None = None,
                 now: datetime | None = None) -> tuple[int, list[PendingChange]]:
    """Move the stock of one product in one store by `delta` (a count, a correction, or a
    rejected event's goods movement that is booked now). A count (`counted` given, or reason
    "count"/"correction") that leaves the stock at zero or more closes the open negative-stock
    alert with "count_adjusted". Returns the new quantity and the feed changes; pass them
    through watch_stock like every stock change (a figure still below zero keeps its alert)."""
    now = now or _now()
    current = conn.execute(select(Stock.quantity).where(Stock.product_id == product_id, Stock.store_id == store_id)
                           .with_for_update()).scalar()
    if current is None:
        conn.execute(insert(Stock).values(product_id=product_id, store_id=store_id, quantity=delta))
        quantity = delta
    else:
        quantity = int(current) + delta
        conn.execute(update(Stock).where(Stock.product_id == product_id, Stock.store_id == store_id)
                     .values(quantity=quantity))
    changes = [PendingChange(ChangeKind.STOCK, f"{product_id}@{store_id}", store_id,
                             {"product_id": product_id, "store_id": store_id, "quantity": quantity})]
    if reason == "conflict_acknowledged":
        details: dict[str, Any] = {"product_id": product_id, "delta": delta, "adjustment": ref}
        refused = conn.execute(select(ProcessedEvent.type, ProcessedEvent.reason)
                               .where(ProcessedEvent.id.in_(list(refs)[:20]))).first()
        if refused is not None:  # what the center refused, and why (a sale, a return, ...)
            details.update(refused_type=refused.type, refused_reason=(refused.reason or "")[:400])
        _, opened = raise_exception(
            conn, store_id, "unbooked_movement", abs(delta) * unit_value(conn, store_id, product_id),
            list(refs) or [ref], details, cause=_cause("unbooked_movement", [*refs, str(product_id)]), now=now)
        changes += opened
    if quantity >= 0 and reason in ("count", "correction"):  # below zero: watch_stock's business
        open_row = conn.execute(select(Reconciliation.id).where(
            Reconciliation.cause == _negative_cause(store_id, product_id))).first()
        if open_row is not None:
            note = f"Bestand {quantity}" + (f" (gezählt {counted})" if counted is not None else "")
            changes += close(conn, open_row.id, "count_adjusted", note, adjusted_by, ref, now=now)
    return quantity, changes
