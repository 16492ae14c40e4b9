"""The store's copy of its reconciliations (migration 0011_reconciliations),
filled from the change feed (ChangeKind.RECONCILIATION) and worked on by pos_app.reconciliations.

`status`, `resolution`, `closed_by` are the center's; `local_resolution` is what a manager
chose here and sent through the outbox (reconciliation.closed) but the feed has not confirmed
yet, so the list shows the item as "closing" until then (offline too).

Thread: any; functions run in the caller's transaction.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.clock import iso, utc_now
from pos_app.store.models import Base


class LocalReconciliation(Base):
    __tablename__ = "reconciliations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8))  # the center's: open | closed
    amount_cents: Mapped[int] = mapped_column(Integer)
    refs: Mapped[str] = mapped_column(Text)  # JSON list: event ids / documents that caused it
    details: Mapped[str] = mapped_column(Text)  # JSON object
    opened_at: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    resolution: Mapped[str] = mapped_column(String(20), default="")
    closed_by: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    local_resolution: Mapped[str | None] = mapped_column(String(20), nullable=True)  # ours, unconfirmed
    received_at: Mapped[str] = mapped_column(String(40))


def apply_feed(session: Session, docs: dict[str, dict[str, Any] | None]) -> int:
    """Take the center's items of one feed page (newest per id)."""
    for rec_id, doc in docs.items():
        row = session.get(LocalReconciliation, rec_id)
        if doc is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = LocalReconciliation(id=rec_id, local_resolution=None, received_at=iso(utc_now()))
            session.add(row)
        row.store_id, row.kind, row.status = doc["store_id"], doc["kind"], doc["status"]
        row.amount_cents = int(doc["amount_cents"])
        row.refs = json.dumps(doc.get("refs") or [], ensure_ascii=False)
        row.details = json.dumps(doc.get("details") or {}, ensure_ascii=False, sort_keys=True)
        row.opened_at, row.closed_at = doc["opened_at"], doc.get("closed_at")
        row.resolution, row.closed_by, row.note = doc.get("resolution", ""), doc.get("closed_by", ""), doc.get("note", "")
        if doc["status"] == "closed":
            row.local_resolution = None  # the center has decided (ours, or an earlier one: it stands)
    return len(docs)
