"""The store's reconciliation events, applied at the center (registered in backend.events._apply):

- reconciliation.closed: a manager closed one of the store's items with a resolution (the store
  asked the manager's PIN and wrote an audit entry in the same local transaction);
- stock.adjusted: a count or correction made in the store, or the goods movement of a rejected
  event that a manager acknowledged: booked here, never erased (backend.reconciliations).

A refusal is a business rejection (the store's conflict list shows it), never an exception.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from backend import reconciliations
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Product
from sync.protocol_reconciliations import ReconciliationClosedV1, StockAdjustedV1

HANDLED = (ReconciliationClosedV1, StockAdjustedV1)


def apply(conn: Connection, device: DeviceIdentity, event_id: str, payload: ReconciliationClosedV1 | StockAdjustedV1,
          now: datetime, changes: list[PendingChange]) -> str | None:
    """Apply one event; returns a rejection reason or None."""
    if payload.store_id != device.store_id:
        return f"event for store {payload.store_id!r} from a device of {device.store_id!r}"
    if isinstance(payload, ReconciliationClosedV1):
        who = payload.closed_by + (f" (Freigabe {payload.approved_by})" if payload.approved_by is not None else "")
        try:
            changes += reconciliations.close(conn, payload.reconciliation_id, payload.resolution, payload.note,
                                             who, event_id, store_id=device.store_id, now=now)
        except reconciliations.NotClosable as exc:
            return str(exc)
        return None
    if conn.execute(select(Product.id).where(Product.id == payload.product_id)).first() is None:
        return f"unknown product id {payload.product_id}"
    _, moved = reconciliations.adjust_stock(
        conn, device.store_id, payload.product_id, payload.delta, reason=payload.reason, refs=payload.refs,
        adjusted_by=payload.adjusted_by, ref=event_id, counted=payload.counted, now=now)
    changes += moved
    return None
