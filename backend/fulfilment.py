"""The endless aisle at the center: fulfilment orders ("save the sale"). A till sold goods it
does not have; another store (or the web warehouse, WEB) picks, packs and ships them to the
customer, or to the selling store, where the existing pickup flow hands them over.

Stock, so that no unit is counted twice or lost:
- The till's sale moves the sold units off the selling store's shelf like every sale; the
  order gives them back there (the goods never were on that shelf). The order's event comes
  first in the till's outbox, so the selling store's figure never dips below zero meanwhile.
- The order reserves its units in the fulfilling store (backend.transfers.fulfilment_reserved)
  until it ships; shipping takes them off that store's shelf.
- Delivery "pickup": shipping opens a transfer (number "<order>-T") from the fulfilling store to
  the selling store, already shipped: the units are in transit. When the selling store scans it
  in, the center places a prepaid pickup order there (backend.pickups) for the customer; from
  then on it is an ordinary click-and-collect order (queue, handover, receipt).

Every change of an order goes to the feed as ChangeKind.FULFILMENT for the selling and the
fulfilling store; GET /v1/channel/customers/{id}/fulfilment shows a customer's orders to
every channel.

Thread: request threads; every function runs in the caller's transaction.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from backend.changelog import PendingChange
from backend.transfers_models import FulfilmentLine, FulfilmentOrder
from sync.protocol import ChangeKind

TRANSFER_SUFFIX = "-T"  # the transfer that carries a pickup order's goods to the selling store


def find(conn: Connection, key: str, lock: bool = False) -> Any:
    q = select(FulfilmentOrder).where((FulfilmentOrder.id == key) | (FulfilmentOrder.number == key))
    return conn.execute(q.with_for_update() if lock else q).first()


def lines_of(conn: Connection, order_id: str) -> list[Any]:
    return list(conn.execute(select(FulfilmentLine).where(FulfilmentLine.order_id == order_id)
                             .order_by(FulfilmentLine.line_no)).all())


def order_doc(conn: Connection, order_id: str) -> dict[str, Any]:
    """The order as the feed and the API carry it (sync.protocol_transfers.FulfilmentData)."""
    o = conn.execute(select(FulfilmentOrder).where(FulfilmentOrder.id == order_id)).one()
    return {
        "id": o.id, "number": o.number, "store_id": o.store_id, "fulfil_from": o.fulfil_from,
        "delivery": o.delivery, "state": o.state, "customer_id": o.customer_id, "address": o.address,
        "ordered_at": o.ordered_at.isoformat(), "total_cents": o.total_cents, "paid_cents": o.paid_cents,
        "carrier": o.carrier, "tracking": o.tracking, "pickup_number": o.pickup_number, "reason": o.reason,
        "lines": [{"line_no": ln.line_no, "product_id": ln.product_id, "sku": ln.sku, "name": ln.name,
                   "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents, "picked": ln.picked}
                  for ln in lines_of(conn, order_id)]}


def feed_changes(conn: Connection, order_id: str) -> list[PendingChange]:
    doc = order_doc(conn, order_id)
    return [PendingChange(ChangeKind.FULFILMENT, doc["number"], store, doc)
            for store in sorted({doc["store_id"], doc["fulfil_from"]})]


def of_customer(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    ids = conn.execute(select(FulfilmentOrder.id).where(FulfilmentOrder.customer_id == customer_id)
                       .order_by(FulfilmentOrder.ordered_at.desc(), FulfilmentOrder.number)).scalars().all()
    return [order_doc(conn, i) for i in ids]


def by_transfer(conn: Connection, transfer_number: str) -> Any:
    """The pickup-delivery order whose goods travel under `transfer_number`, if any."""
    if not transfer_number.endswith(TRANSFER_SUFFIX):
        return None
    return find(conn, transfer_number[: -len(TRANSFER_SUFFIX)])
