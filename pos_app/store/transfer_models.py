"""The store's copy of its transfers and fulfilment orders (migration 0019_transfers), filled
from the change feed (kinds "transfer" and "fulfilment") and worked on by pos_app.stock.

`state` is the center's (empty for a document this device made and the center has not
confirmed yet); `local_state` is what this device did and sent through the outbox but the feed
has not confirmed yet. The queues show local_state when set. A feed row clears local_state once
the center's state has caught up with it (or went its own way: declined, cancelled), so an
offline step shows at once and the center's word wins in the end. The center's document is
kept as JSON (`doc`); this device's scanning progress in `picks` / `counts`.

Thread: any; functions run in the caller's transaction.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.clock import iso, utc_now
from pos_app.store.models import Base

RANK = {"": -1, "requested": 0, "accepted": 1, "picked": 2, "shipped": 3, "received": 4,
        "received_with_difference": 4, "closed": 5, "declined": 9, "cancelled": 9}
FULFILMENT_RANK = {"": -1, "new": 0, "picked": 1, "shipped": 2, "cancelled": 9}


class LocalTransfer(Base):
    __tablename__ = "transfers"
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36))
    from_store_id: Mapped[str] = mapped_column(String(16))
    to_store_id: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(28), default="")  # the center's
    local_state: Mapped[str | None] = mapped_column(String(28), nullable=True)  # ours, not yet confirmed
    doc: Mapped[str] = mapped_column(Text)  # JSON: sync.protocol_transfers.TransferData (or our request)
    picks: Mapped[str] = mapped_column(Text, default="{}")  # JSON {line_no: units scanned when picking}
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON {line_no: units scanned when receiving}
    updated_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_transfers_state", "state"),)


class LocalFulfilment(Base):
    __tablename__ = "fulfilment_orders"
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(16))  # sold there
    fulfil_from: Mapped[str] = mapped_column(String(16))  # shipped from there
    state: Mapped[str] = mapped_column(String(20), default="")
    local_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    doc: Mapped[str] = mapped_column(Text)  # JSON: sync.protocol_transfers.FulfilmentData (or our order)
    picks: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[str] = mapped_column(String(32))
    sale_id: Mapped[str] = mapped_column(String(36), default="", index=True)  # the till's sale (receipt notes)


class SeenAvailability(Base):
    """The center's last answer to "where can product P be had?" (GET /v1/availability), kept so
    the endless aisle can say offline what it knew, and since when (the till says so)."""

    __tablename__ = "availability_seen"
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    store_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))  # store | web
    available: Mapped[int] = mapped_column(Integer)
    in_transit: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[str] = mapped_column(String(32))


def effective(row: LocalTransfer | LocalFulfilment) -> str:
    return row.local_state or row.state


def _caught_up(rank: dict[str, int], center: str, ours: str | None) -> bool:
    return ours is None or rank.get(center, -1) >= rank.get(ours, 0)


def apply_feed(session: Session, transfers: dict[str, dict[str, Any] | None],
               orders: dict[str, dict[str, Any] | None]) -> int:
    """Store the center's documents of one feed page (newest per number). Returns how many."""
    now = iso(utc_now())
    for number, doc in transfers.items():
        row = session.get(LocalTransfer, number)
        if doc is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = LocalTransfer(number=number, id=str(doc["id"]), picks="{}", counts="{}")
            session.add(row)
        row.from_store_id, row.to_store_id = str(doc["from_store_id"]), str(doc["to_store_id"])
        row.state, row.doc, row.updated_at = str(doc["state"]), json.dumps(doc, ensure_ascii=False), now
        if _caught_up(RANK, row.state, row.local_state):
            row.local_state = None
    for number, doc in orders.items():
        order = session.get(LocalFulfilment, number)
        if doc is None:
            if order is not None:
                session.delete(order)
            continue
        if order is None:
            order = LocalFulfilment(number=number, id=str(doc["id"]), picks="{}", sale_id="")
            session.add(order)
        order.store_id, order.fulfil_from = str(doc["store_id"]), str(doc["fulfil_from"])
        order.state, order.doc, order.updated_at = str(doc["state"]), json.dumps(doc, ensure_ascii=False), now
        order.sale_id = order.sale_id or str(doc.get("sale_id") or "")
        if _caught_up(FULFILMENT_RANK, order.state, order.local_state):
            order.local_state = None
    return len(transfers) + len(orders)


def in_transit(session: Session, store_id: str) -> dict[int, int]:
    """Units shipped to `store_id` and not yet received here, per product (this device's view)."""
    out: dict[int, int] = {}
    for row in session.execute(select(LocalTransfer).where(LocalTransfer.to_store_id == store_id)).scalars():
        if effective(row) != "shipped":
            continue
        for ln in json.loads(row.doc).get("lines", []):
            out[int(ln["product_id"])] = out.get(int(ln["product_id"]), 0) + int(ln.get("shipped") or 0)
    return {p: n for p, n in out.items() if n}


def fulfilment_reserved(session: Session, store_id: str) -> dict[int, int]:
    """Units this store keeps for open fulfilment orders it ships (new or picked), per product."""
    out: dict[int, int] = {}
    for row in session.execute(select(LocalFulfilment).where(LocalFulfilment.fulfil_from == store_id)).scalars():
        if effective(row) not in ("new", "picked"):
            continue
        for ln in json.loads(row.doc).get("lines", []):
            out[int(ln["product_id"])] = out.get(int(ln["product_id"]), 0) + int(ln["quantity"])
    return out


def receipt_notes(s: Session, sale_id: str) -> dict[int, str]:
    """What the receipt says under each line sold for fulfilment (plain German: a receipt text)."""
    out: dict[int, str] = {}
    rows = s.execute(text("SELECT number, fulfil_from, doc FROM fulfilment_orders WHERE sale_id = :s"),
                     {"s": sale_id}).all()  # indexed: every sale's receipt asks
    for number, src, raw in rows:
        doc = json.loads(raw)
        a = doc.get("address")
        note = (f"Wird geliefert an {a['name']}, {a['street']}, {a['zip_code']} {a['city']} "
                f"(aus {src}, Bestellung {number})" if doc.get("delivery") == "ship" and a else
                f"Abholung in dieser Filiale ab Eingang, wir benachrichtigen Sie (aus {src}, Bestellung {number})")
        for ln in doc.get("lines", []):
            out[int(ln["product_id"])] = note
    return out
