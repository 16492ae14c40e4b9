"""The store's copy of its pickup orders (migration 0009_pickups), filled from the change feed
(ChangeKind.PICKUP_ORDER) and worked on by pos_app.pickups.

`state` is the center's; `local_state` is what this device did and sent through the outbox but
the feed has not confirmed yet (a handover made offline). The queue shows local_state when set.
The center's lines are kept as JSON (`lines`); this device's picking progress in `picks`.

The reserved-units index (`pickup_holds`, migration 0010): one row per open order and product
with the units that order holds. Every change of a `pickups` row goes through `note_change` in
the same transaction (the feed here, the store's own actions in pos_app.pickups), so the till's
walk-in guard answers "how many units of product P are reserved?" with one indexed sum instead
of parsing every order ever received. `closed_at` records when an order reached a final state;
`prune_closed` deletes closed orders after the retention period (docs/pickups.md).

Thread: any; functions run in the caller's transaction.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.clock import iso, utc_now
from pos_app.store.models import Base

TERMINAL = ("collected", "partially_collected", "cancelled", "returned_to_stock")
HOLDING = ("new", "picking", "ready", "expired")  # these orders hold units off the shelf


class LocalPickup(Base):
    __tablename__ = "pickups"
    order_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(12))  # order | reservation
    state: Mapped[str] = mapped_column(String(20))  # the center's
    local_state: Mapped[str | None] = mapped_column(String(20), nullable=True)  # ours, not yet confirmed
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(120))
    second_person: Mapped[str] = mapped_column(String(120))
    payment: Mapped[str] = mapped_column(String(12))  # prepaid | in_store | none
    created_at: Mapped[str] = mapped_column(String(32))
    pickup_by: Mapped[str] = mapped_column(String(32))
    ready_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    total_cents: Mapped[int] = mapped_column(Integer)
    lines: Mapped[str] = mapped_column(Text)  # JSON: the center's lines (sync.protocol.PickupLineData)
    picks: Mapped[str] = mapped_column(Text, default="{}")  # JSON: {line_no: [picked, short reason]}
    seen: Mapped[bool] = mapped_column(Boolean, default=False)  # opened on this device: no longer "new"
    received_at: Mapped[str] = mapped_column(String(32))
    closed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)  # reached a final state here


class PickupHold(Base):
    """Units of one product held by one open order (the reserved-units index). Derived from
    `pickups` by note_change; never edited on its own."""

    __tablename__ = "pickup_holds"
    order_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_pickup_holds_product", "product_id", "units"),)


def effective_state(row: LocalPickup) -> str:
    """Ours while the center has not confirmed it, else the center's."""
    return row.local_state or row.state


def holds_of(row: LocalPickup) -> dict[int, int]:
    """Units per product this order keeps off the shelf: every line's quantity less what was
    short-picked, while the order is open (new, picking, ready, expired)."""
    if effective_state(row) not in HOLDING:
        return {}
    held: dict[int, int] = {}
    for ln in json.loads(row.lines):
        pid = int(ln["product_id"])
        held[pid] = held.get(pid, 0) + int(ln["quantity"]) - int(ln["short_quantity"])
    return {pid: n for pid, n in held.items() if n > 0}


def note_change(session: Session, row: LocalPickup, now: str | None = None) -> None:
    """Bring the index (and closed_at) in line with `row` after it was added or changed, in the
    caller's transaction. Call it after every change of a pickups row."""
    closed = effective_state(row) in TERMINAL
    if closed and row.closed_at is None:
        row.closed_at = now or iso(utc_now())
    elif not closed:
        row.closed_at = None
    session.flush()  # the row first: the index is written with plain statements after it
    session.execute(delete(PickupHold).where(PickupHold.order_number == row.order_number))
    held = holds_of(row)
    if held:
        session.execute(insert(PickupHold), [{"order_number": row.order_number, "product_id": pid, "units": n}
                                             for pid, n in held.items()])


def reserved_units(session: Session, product_id: int) -> int:
    """Units of `product_id` held for this store's open orders: one indexed sum."""
    return int(session.execute(select(func.coalesce(func.sum(PickupHold.units), 0))
                               .where(PickupHold.product_id == product_id)).scalar_one())


def prune_closed(session: Session, closed_before: str) -> int:
    """Delete orders that reached a final state before `closed_before` (an iso() time) and whose
    state the center has confirmed (nothing of ours still on its way). Returns how many."""
    numbers = session.execute(select(LocalPickup.order_number).where(
        LocalPickup.closed_at.is_not(None), LocalPickup.closed_at < closed_before,
        LocalPickup.local_state.is_(None), LocalPickup.state.in_(TERMINAL))).scalars().all()
    for chunk in range(0, len(numbers), 500):
        part = numbers[chunk:chunk + 500]
        session.execute(delete(PickupHold).where(PickupHold.order_number.in_(part)))
        session.execute(delete(LocalPickup).where(LocalPickup.order_number.in_(part)))
    return len(numbers)


# how far an order has come: the feed may bring the center's answer to an earlier local step
# after a later one was taken here (picked, then handed over before the next pull)
_STEPS = {"new": 0, "reserved": 0, "picking": 1, "ready": 2, "expired": 3}  # expired: the center decided


def _step(state: str) -> int:
    return 3 if state in TERMINAL else _STEPS.get(state, 0)


def apply_feed(session: Session, docs: dict[str, dict[str, Any] | None]) -> int:
    """Take the center's pickup orders of one feed page (newest per order number)."""
    for number, doc in docs.items():
        row = session.get(LocalPickup, number)
        if doc is None:
            if row is not None:
                session.execute(delete(PickupHold).where(PickupHold.order_number == number))
                session.delete(row)
            continue
        if row is None:
            row = LocalPickup(order_number=number, picks="{}", seen=False, received_at=iso(utc_now()),
                              local_state=None)
            session.add(row)
        moved = row.state is not None and row.state != doc["state"]  # None: new row
        row.id, row.kind, row.state = doc["id"], doc["kind"], doc["state"]
        row.customer_id, row.customer_name = doc.get("customer_id"), doc["customer_name"]
        row.phone, row.email, row.second_person = doc["phone"], doc["email"], doc["second_person"]
        row.payment, row.created_at, row.pickup_by = doc["payment"], doc["created_at"], doc["pickup_by"]
        row.ready_at, row.total_cents = doc.get("ready_at"), int(doc["total_cents"])
        row.lines = json.dumps(doc["lines"], ensure_ascii=False)
        if row.local_state is not None and (doc["state"] in TERMINAL or doc["state"] == row.local_state
                                            or (moved and _step(doc["state"]) >= _step(row.local_state))):
            # the center has caught up (or decided otherwise: a conflict says so); a move to a step
            # before ours is the center catching up with our earlier event (picked, while the
            # handover is still on its way), not a decision against ours
            row.local_state = None
        note_change(session, row)
    return len(docs)
