"""The store's tables of stock operations (migration 0018_stock_operations).

`deliveries`: the center's expected deliveries for this store, filled from the change feed
(ChangeKind.DELIVERY). `status` is the center's; `booked_event` is our stock.received event
that the feed has not confirmed yet, so the list shows the delivery as booked at once (offline
too) and nobody here books it a second time.

`receiving_drafts` / `receiving_lines`: a delivery being received, scan by scan. Every scan is
its own small write transaction, so an app that is killed half-way finds the draft again with
every scan in it; booking turns the draft into one outbox event (pos_app.stock.receiving) and
marks it booked in the same transaction, so it is never booked twice.

Thread: any; functions run in the caller's transaction.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.clock import iso, utc_now
from pos_app.store.models import Base


class LocalDelivery(Base):
    __tablename__ = "deliveries"
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    supplier: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10))  # the center's: expected | received | cancelled
    lines: Mapped[str] = mapped_column(Text)  # JSON list of {"product_id", "quantity"}
    created_at: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    received_by: Mapped[str] = mapped_column(String(80), default="")
    booked_event: Mapped[str | None] = mapped_column(String(36), nullable=True)  # ours, unconfirmed


class ReceivingDraft(Base):
    __tablename__ = "receiving_drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    delivery_number: Mapped[str | None] = mapped_column(String(40), nullable=True)  # None: no notice
    supplier: Mapped[str] = mapped_column(String(80), default="")
    started_by: Mapped[str] = mapped_column(String(80))
    approved_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the manager (no notice)
    started_at: Mapped[str] = mapped_column(String(40))
    # open | booked | discarded | refused (booked here, refused by the center, acknowledged by a
    # manager: its goods went as stock.adjusted events, pos_app.store.outbox; see receipt_settled)
    status: Mapped[str] = mapped_column(String(8))
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    __table_args__ = (Index("ix_receiving_drafts_status", "status", "delivery_number"),)


class ReceivingLine(Base):
    __tablename__ = "receiving_lines"
    draft_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expected: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)
    damaged: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)  # order on the notice, then of first scan


class LocalCount(Base):
    """A count of this store: started here (count.started) or by another device (the feed)."""

    __tablename__ = "stock_counts"
    count_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(10))  # store | category | products
    categories: Mapped[str] = mapped_column(Text)  # JSON list
    product_ids: Mapped[str] = mapped_column(Text)  # JSON list
    status: Mapped[str] = mapped_column(String(10))  # the center's: open | booked | cancelled (here at once)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[str] = mapped_column(String(40))
    approved_event: Mapped[str | None] = mapped_column(String(36), nullable=True)  # ours, unconfirmed
    summary: Mapped[str] = mapped_column(Text, default="{}")  # the center's, when booked


class LocalCountLine(Base):
    """This device's figure for one product of a count (what it sent in count.counted)."""

    __tablename__ = "count_lines"
    count_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # order of the first scan


def apply_count_feed(session: Session, docs: dict[str, dict[str, Any] | None]) -> int:
    """Take the center's counts of one feed page (newest per id)."""
    for count_id, doc in docs.items():
        row = session.get(LocalCount, count_id)
        if doc is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = LocalCount(count_id=count_id, approved_event=None)
            session.add(row)
        # a count cancelled here stays cancelled while the center has not applied it yet (it
        # answers with "cancelled", or "booked" when an approval came first: then that is true)
        keep = row.status == "cancelled" and doc["status"] == "open"
        row.store_id, row.scope = doc["store_id"], doc["scope"]
        row.status = "cancelled" if keep else doc["status"]
        row.categories = json.dumps(doc.get("categories") or [], ensure_ascii=False)
        row.product_ids = json.dumps(doc.get("product_ids") or [])
        row.started_by, row.started_at = doc["started_by"], doc["started_at"]
        row.summary = json.dumps({k: doc.get(k, 0) for k in ("lines", "variance_units", "variance_cents")})
        if doc["status"] == "booked":
            row.approved_event = None
    return len(docs)


def apply_feed(session: Session, docs: dict[str, dict[str, Any] | None]) -> int:
    """Take the center's deliveries of one feed page (newest per number)."""
    for number, doc in docs.items():
        row = session.get(LocalDelivery, number)
        if doc is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = LocalDelivery(number=number, booked_event=None)
            session.add(row)
        row.store_id, row.supplier, row.status = doc["store_id"], doc.get("supplier", ""), doc["status"]
        row.lines = json.dumps(doc.get("lines") or [], separators=(",", ":"))
        row.created_at = doc["created_at"]
        row.received_at, row.received_by = doc.get("received_at"), doc.get("received_by", "")
        if doc["status"] != "expected":
            row.booked_event = None  # the center has decided (ours, or another device's booking)
    return len(docs)


def receipt_settled(session: Session, event_id: str) -> None:
    """A manager acknowledged the center's refusal of our stock.received `event_id`
    (pos_app.store.outbox.decide_conflict). The center holds no receipt for it, so the draft is
    no longer "booked" but "refused", and the delivery is no longer "booked here": it shows the
    center's status again. Its goods are booked by what physically happened (stock.adjusted
    events with the reconciliation, or left out when the center holds them already), and a
    delivery with a refused receipt is not booked a second time here (pos_app.stock.receiving).
    Thread: the caller's, in the decision's transaction."""
    for draft in session.query(ReceivingDraft).filter(ReceivingDraft.event_id == event_id,
                                                       ReceivingDraft.status == "booked").all():
        draft.status = "refused"
    for delivery in session.query(LocalDelivery).filter(LocalDelivery.booked_event == event_id).all():
        delivery.booked_event = None


def refused_here(session: Session, delivery_number: str) -> bool:
    """A receipt of this delivery was booked here and its refusal acknowledged (receipt_settled)."""
    return session.query(ReceivingDraft.id).filter(ReceivingDraft.delivery_number == delivery_number,
                                                   ReceivingDraft.status == "refused").first() is not None


def now_text() -> str:
    return iso(utc_now())


class ProductCost(Base):
    """A product's cost price from the feed (ProductData.cost_cents; migration 0024_stock_costs):
    the count's variance list values its differences at cost with it (pos_app.stock.counts)."""

    __tablename__ = "product_costs"
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cost_cents: Mapped[int] = mapped_column(Integer)


def apply_costs(session: Session, products: dict[int, dict[str, Any] | None]) -> None:
    """The feed's product changes (sync.feed): a product with a cost price keeps it, one without
    (an older center, or retired) has none. Thread: the sync worker's, in the page's transaction."""
    conn = session.connection()
    upserts, deletes = [], []
    for pid, data in products.items():
        if data and data.get("cost_cents") is not None:
            upserts.append((pid, int(data["cost_cents"])))
        else:
            deletes.append((pid,))
    if upserts:
        conn.exec_driver_sql("INSERT INTO product_costs (product_id, cost_cents) VALUES (?, ?) "
                             "ON CONFLICT (product_id) DO UPDATE SET cost_cents = excluded.cost_cents", upserts)
    if deletes:
        conn.exec_driver_sql("DELETE FROM product_costs WHERE product_id = ?", deletes)
