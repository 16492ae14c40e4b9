"""The store's copy of its pickup orders (migration 0009_pickups), filled from the change feed
(ChangeKind.PICKUP_ORDER) and worked on by pos_app.pickups.

`state` is the center's; `local_state` is what this device did and sent through the outbox but
the feed has not confirmed yet (a handover made offline). The queue shows local_state when set.
The center's lines are kept as JSON (`lines`); this device's picking progress in `picks`.

Thread: any; functions run in the caller's transaction.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.clock import iso, utc_now
from pos_app.store.models import Base

TERMINAL = ("collected", "partially_collected", "cancelled", "returned_to_stock")


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


def apply_feed(session: Session, docs: dict[str, dict[str, Any] | None]) -> int:
    """Take the center's pickup orders of one feed page (newest per order number)."""
    for number, doc in docs.items():
        row = session.get(LocalPickup, number)
        if doc is None:
            if row is not None:
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
        if row.local_state is not None and (moved or doc["state"] in TERMINAL or doc["state"] == row.local_state):
            row.local_state = None  # the center has caught up (or decided otherwise: a conflict says so)
    return len(docs)
