"""Transfers between stores at the center: the documents, what is in transit, the availability
of a product everywhere, and the feed changes. The state machine is the shared
pos_app.stock.transfer_rules; applying the stores' events is backend.transfers_events.

Stock: a shipment takes the shipped units off the sender's `stock` row; they are then in transit
(the sum of `shipped` over transfers in state "shipped", to the receiver) and in no store's
row; a receipt adds the units that arrived to the receiver's row. So a unit is counted once at
every moment: on a shelf or on the road. Units that do not arrive stay booked as having left
the sender and open a discrepancy (backend.reconciliations) for both stores.

Every change of a transfer goes to the change feed as ChangeKind.TRANSFER for both of its
stores (the caller appends, last, right before COMMIT: backend.changelog's commit-order rule).

Thread: request threads; every function runs in the caller's transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from backend import pickups
from backend.changelog import PendingChange
from backend.models import Stock, Store
from backend.transfers_models import FulfilmentLine, FulfilmentOrder, Transfer, TransferLine
from pos_app.stock.transfer_rules import RESERVING_FULFILMENT
from sync.protocol import ChangeKind


def find(conn: Connection, key: str, lock: bool = False) -> Any:
    """A transfer by its id or number (locked for update when `lock`)."""
    q = select(Transfer).where((Transfer.id == key) | (Transfer.number == key))
    return conn.execute(q.with_for_update() if lock else q).first()


def lines_of(conn: Connection, transfer_id: str) -> list[Any]:
    return list(conn.execute(select(TransferLine).where(TransferLine.transfer_id == transfer_id)
                             .order_by(TransferLine.line_no)).all())


def transfer_doc(conn: Connection, transfer_id: str) -> dict[str, Any]:
    """The transfer as the feed and the API carry it (sync.protocol_transfers.TransferData)."""
    t = conn.execute(select(Transfer).where(Transfer.id == transfer_id)).one()
    return {
        "id": t.id, "number": t.number, "from_store_id": t.from_store_id, "to_store_id": t.to_store_id,
        "state": t.state, "requested_at": t.requested_at.isoformat(), "requested_by": t.requested_by,
        "note": t.note, "carrier": t.carrier, "tracking": t.tracking,
        "shipped_at": t.shipped_at.isoformat() if t.shipped_at else None,
        "received_at": t.received_at.isoformat() if t.received_at else None, "reason": t.reason,
        "lines": [{"line_no": ln.line_no, "product_id": ln.product_id, "sku": ln.sku, "name": ln.name,
                   "requested": ln.requested, "picked": ln.picked, "shipped": ln.shipped,
                   "received": ln.received} for ln in lines_of(conn, transfer_id)]}


def feed_changes(conn: Connection, transfer_id: str) -> list[PendingChange]:
    doc = transfer_doc(conn, transfer_id)
    return [PendingChange(ChangeKind.TRANSFER, doc["number"], store, doc)
            for store in sorted({doc["from_store_id"], doc["to_store_id"]})]


def in_transit(conn: Connection, to_store_id: str | None = None,
               product_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """Units shipped and not yet received, per (product, receiving store)."""
    q = (select(TransferLine.product_id, Transfer.to_store_id, func.sum(TransferLine.shipped))
         .join(Transfer, Transfer.id == TransferLine.transfer_id)
         .where(Transfer.state == "shipped")
         .group_by(TransferLine.product_id, Transfer.to_store_id))
    if to_store_id is not None:
        q = q.where(Transfer.to_store_id == to_store_id)
    if product_ids is not None:
        q = q.where(TransferLine.product_id.in_(list(product_ids)))
    return {(int(p), str(s)): int(n or 0) for p, s, n in conn.execute(q).all() if n}


def fulfilment_reserved(conn: Connection, store_id: str, product_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Units held for open fulfilment orders in `store_id` (new or picked)."""
    q = (select(FulfilmentLine.product_id, func.sum(FulfilmentLine.quantity))
         .join(FulfilmentOrder, FulfilmentOrder.id == FulfilmentLine.order_id)
         .where(FulfilmentOrder.fulfil_from == store_id, FulfilmentOrder.state.in_(RESERVING_FULFILMENT))
         .group_by(FulfilmentLine.product_id))
    if product_ids is not None:
        q = q.where(FulfilmentLine.product_id.in_(list(product_ids)))
    return {int(p): int(n or 0) for p, n in conn.execute(q).all()}


def held(conn: Connection, store_id: str, product_ids: Iterable[int]) -> dict[int, int]:
    """Units of `store_id` not free to give away: pickup orders, fulfilment orders, and units
    already promised to open transfers (requested, accepted or picked, not yet shipped)."""
    ids = sorted(set(product_ids))
    out = dict(pickups.reserved(conn, store_id, ids))
    for pid, n in fulfilment_reserved(conn, store_id, ids).items():
        out[pid] = out.get(pid, 0) + n
    promised = conn.execute(
        select(TransferLine.product_id, func.sum(func.coalesce(TransferLine.picked, TransferLine.requested)))
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .where(Transfer.from_store_id == store_id, Transfer.state.in_(("requested", "accepted", "picked")),
               TransferLine.product_id.in_(ids))
        .group_by(TransferLine.product_id)).all()
    for pid, n in promised:
        out[int(pid)] = out.get(int(pid), 0) + int(n or 0)
    return out


def on_hand(conn: Connection, store_id: str, product_ids: Iterable[int], lock: bool = False) -> dict[int, int]:
    q = (select(Stock.product_id, Stock.quantity)
         .where(Stock.store_id == store_id, Stock.product_id.in_(sorted(set(product_ids))))
         .order_by(Stock.product_id))
    return {int(p): int(q_) for p, q_ in conn.execute(q.with_for_update() if lock else q).all()}


def availability(conn: Connection, product_id: int) -> list[dict[str, Any]]:
    """One product in every location: on hand, reserved (pickups and fulfilment orders),
    promised to transfers, in transit to it, and available (on hand less reserved and promised)."""
    stores = conn.execute(select(Store.id, Store.name, Store.kind).order_by(Store.id)).all()
    road = in_transit(conn, None, [product_id])
    out = []
    for s in stores:
        here = on_hand(conn, s.id, [product_id]).get(product_id, 0)
        reserved = pickups.reserved(conn, s.id, [product_id]).get(product_id, 0)
        reserved += fulfilment_reserved(conn, s.id, [product_id]).get(product_id, 0)
        taken = held(conn, s.id, [product_id]).get(product_id, 0)
        out.append({"store_id": s.id, "store_name": s.name, "kind": s.kind, "quantity": here,
                    "reserved": reserved, "promised": taken - reserved,
                    "in_transit": road.get((product_id, s.id), 0), "available": max(here - taken, 0)})
    return out


def stock_change(conn: Connection, product_id: int, store_id: str) -> PendingChange:
    return pickups.stock_change(conn, product_id, store_id)
