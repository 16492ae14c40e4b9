"""What stores do with fulfilment orders, applied at the center (events fulfilment.*; registered
in backend.events._apply). Each in backend.events' per-event transaction, exactly once.

fulfilment.ordered (the selling till) is never refused for a shortage in the fulfilling store:
the customer has paid, so the order is recorded all the same and a reconciliation
("fulfilment_unavailable") tells the selling store's manager, who settles it (refund, or wait
for stock). It is refused only for what cannot be an order at all (unknown store or product,
another store's device, a number taken). The shipment (fulfilment.shipped) reports goods that
left, so it is booked even for an order cancelled meanwhile, with a reconciliation.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend import fulfilment, pickups, reconciliations, transfers
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Customer, Product, Store
from backend.transfers_events import _move_stock, own_last
from backend.transfers_models import FulfilmentLine, FulfilmentOrder, Transfer, TransferLine
from pos_app.stock.transfer_rules import PICKUP_CARRIER, may_move_fulfilment
from sync import protocol_transfers as pt


class _Refused(Exception):
    pass


def _utc(moment: datetime) -> datetime:
    from backend.events import as_utc
    return as_utc(moment)


def apply(conn: Connection, device: DeviceIdentity, event_type: str, payload: Any, now: datetime,
          changes: list[PendingChange], event_id: str = "") -> str | None:
    try:
        if payload.store_id != device.store_id:
            raise _Refused(f"fulfilment event for store {payload.store_id!r} from a device of {device.store_id!r}")
        if isinstance(payload, pt.FulfilmentOrderedV1):
            oid = _ordered(conn, payload, changes, event_id)
        else:
            order = fulfilment.find(conn, str(payload.order_id), lock=True)
            if order is None:
                raise _Refused(f"unknown fulfilment order {payload.order_id}")
            if isinstance(payload, pt.FulfilmentCancelledV1):
                if payload.store_id not in (order.store_id, order.fulfil_from):
                    raise _Refused(f"order {order.number} is not of store {payload.store_id}")
            elif payload.store_id != order.fulfil_from:
                raise _Refused(f"order {order.number} is fulfilled by {order.fulfil_from}, not {payload.store_id}")
            if isinstance(payload, pt.FulfilmentPickedV1):
                _picked(conn, order, payload)
            elif isinstance(payload, pt.FulfilmentShippedV1):
                changes += _shipped(conn, order, payload, event_id)
            else:
                if not may_move_fulfilment(order.state, "cancelled"):
                    raise _Refused(f"order {order.number} is {order.state}; it cannot be cancelled")
                conn.execute(update(FulfilmentOrder).where(FulfilmentOrder.id == order.id)
                             .values(state="cancelled", reason=payload.reason[:200]))
            oid = order.id
    except _Refused as exc:
        return str(exc)
    changes += fulfilment.feed_changes(conn, oid)
    own_last(changes, device.store_id)
    return None


def _ordered(conn: Connection, p: pt.FulfilmentOrderedV1, changes: list[PendingChange], event_id: str) -> str:
    if conn.execute(select(FulfilmentOrder.id).where((FulfilmentOrder.id == str(p.order_id))
                                                     | (FulfilmentOrder.number == p.number))).first():
        raise _Refused(f"fulfilment order {p.number} exists already")
    if conn.execute(select(Store.id).where(Store.id == p.fulfil_from)).first() is None:
        raise _Refused(f"unknown store {p.fulfil_from!r}")
    ids = [ln.product_id for ln in p.lines]
    known = set(conn.execute(select(Product.id).where(Product.id.in_(ids))).scalars())
    if missing := [pid for pid in ids if pid not in known]:
        raise _Refused("unknown product id " + ", ".join(map(str, missing)))
    if p.customer_id is not None and conn.execute(select(Customer.id).where(Customer.id == p.customer_id)).first() is None:
        raise _Refused(f"unknown customer {p.customer_id}")
    here = transfers.on_hand(conn, p.fulfil_from, ids, lock=True)
    taken = transfers.held(conn, p.fulfil_from, ids)
    short = {ln.product_id: ln.quantity for ln in p.lines
             if ln.quantity > here.get(ln.product_id, 0) - taken.get(ln.product_id, 0)}
    oid = str(p.order_id)
    conn.execute(insert(FulfilmentOrder).values(
        id=oid, number=p.number, store_id=p.store_id, fulfil_from=p.fulfil_from,
        sale_id=str(p.sale_id) if p.sale_id else "", customer_id=p.customer_id, delivery=p.delivery,
        address=p.address.model_dump() if p.address else None, phone=p.phone, email=p.email, state="new",
        ordered_at=_utc(p.ordered_at), ordered_by=p.ordered_by, total_cents=p.total_cents,
        paid_cents=p.paid_cents, carrier="", tracking="", shipped_at=None, pickup_number="", reason=""))
    conn.execute(insert(FulfilmentLine), [
        {"order_id": oid, "line_no": n, "product_id": ln.product_id, "sku": ln.sku, "name": ln.name,
         "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents, "picked": None}
        for n, ln in enumerate(p.lines, 1)])
    if p.sale_id is not None:  # the till's sale takes these units off its own shelf: give them back
        back: dict[int, int] = {}
        for ln in p.lines:
            back[ln.product_id] = back.get(ln.product_id, 0) + ln.quantity
        _move_stock(conn, p.store_id, back, changes)
    if short:
        _, more = reconciliations.raise_exception(
            conn, p.store_id, "fulfilment_unavailable", p.paid_cents, [event_id],
            {"order": p.number, "fulfil_from": p.fulfil_from, "short": {str(k): v for k, v in short.items()}},
            cause=f"fulfilment_unavailable:{p.number}")
        changes += more
    return oid


def _picked(conn: Connection, order: Any, p: pt.FulfilmentPickedV1) -> None:
    if not may_move_fulfilment(order.state, "picked"):
        raise _Refused(f"order {order.number} is {order.state}; it cannot be picked")
    have = {ln.line_no: ln for ln in fulfilment.lines_of(conn, order.id)}
    counted = {ln.line_no: ln.quantity for ln in p.lines}
    if unknown := sorted(set(counted) - set(have)):
        raise _Refused(f"order {order.number} has no line {unknown[0]}")
    for n, ln in have.items():
        if counted.get(n, 0) > ln.quantity:
            raise _Refused(f"line {n}: {counted[n]} picked, {ln.quantity} ordered")
        conn.execute(update(FulfilmentLine).where(FulfilmentLine.order_id == order.id, FulfilmentLine.line_no == n)
                     .values(picked=counted.get(n, 0)))
    conn.execute(update(FulfilmentOrder).where(FulfilmentOrder.id == order.id).values(state="picked"))


def _shipped(conn: Connection, order: Any, p: pt.FulfilmentShippedV1, event_id: str) -> list[PendingChange]:
    late = order.state == "cancelled"
    if order.state == "shipped":
        raise _Refused(f"order {order.number} was shipped already")
    have = fulfilment.lines_of(conn, order.id)
    sent = {ln.line_no: ln.picked if ln.picked is not None else ln.quantity for ln in have}
    changes: list[PendingChange] = []
    out: dict[int, int] = {}
    for ln in have:
        out[ln.product_id] = out.get(ln.product_id, 0) - sent[ln.line_no]
    _move_stock(conn, order.fulfil_from, out, changes)  # the goods left the fulfilling store
    conn.execute(update(FulfilmentOrder).where(FulfilmentOrder.id == order.id).values(
        state="shipped", carrier=p.carrier, tracking=p.tracking, shipped_at=_utc(p.at)))
    if late:
        _, more = reconciliations.raise_exception(
            conn, order.fulfil_from, "fulfilment_shipped_after_cancel", order.paid_cents, [event_id],
            {"order": order.number, "reason": order.reason}, cause=f"fulfilment_shipped_after_cancel:{order.number}")
        changes += more
    if order.delivery == "pickup" or p.carrier == PICKUP_CARRIER:
        changes += _to_pickup_store(conn, order, have, sent, p)
    return changes


def _to_pickup_store(conn: Connection, order: Any, have: list[Any], sent: dict[int, int],
                     p: pt.FulfilmentShippedV1) -> list[PendingChange]:
    """The goods travel to the selling store as a transfer already shipped (in transit there)."""
    tid = conn.execute(select(Transfer.id).where(Transfer.number == order.number + fulfilment.TRANSFER_SUFFIX)).first()
    if tid is not None:
        return []
    import uuid

    tid = str(uuid.uuid4())
    conn.execute(insert(Transfer).values(
        id=tid, number=order.number + fulfilment.TRANSFER_SUFFIX, from_store_id=order.fulfil_from,
        to_store_id=order.store_id, state="shipped", requested_at=_utc(p.at), requested_by=order.ordered_by,
        note=f"Abholauftrag {order.number}", carrier=p.carrier, tracking=p.tracking, shipped_at=_utc(p.at),
        received_at=None, reason=""))
    conn.execute(insert(TransferLine), [
        {"transfer_id": tid, "line_no": ln.line_no, "product_id": ln.product_id, "sku": ln.sku, "name": ln.name,
         "requested": ln.quantity, "picked": sent[ln.line_no], "shipped": sent[ln.line_no], "received": None,
         "unit_cost_cents": ln.unit_price_cents} for ln in have])
    return transfers.feed_changes(conn, tid)


def transfer_arrived(conn: Connection, transfer: Any, received: dict[int, int]) -> list[PendingChange]:
    """A pickup-delivery order's transfer was scanned in at the selling store: place the prepaid
    pickup order there for the units that arrived (the ordinary click-and-collect flow)."""
    order = fulfilment.by_transfer(conn, transfer.number)
    if order is None or order.pickup_number:
        return []
    vat = dict(conn.execute(select(Product.id, Product.vat_percent)
                            .where(Product.id.in_([ln.product_id for ln in fulfilment.lines_of(conn, order.id)]))).all())
    lines = [pickups.NewLine(ln.product_id, ln.sku, ln.name, received.get(ln.line_no, 0), ln.unit_price_cents,
                             int(vat.get(ln.product_id, 19)))
             for ln in fulfilment.lines_of(conn, order.id) if received.get(ln.line_no, 0) > 0]
    if not lines:
        return []
    address = order.address or {}
    contact = pickups.PickupContact(name=str(address.get("name", "")), phone=order.phone, email=order.email)
    number = order.number + "-A"
    try:
        _, changes = pickups.place(conn, kind="order", number=number, store_id=order.store_id,
                                   customer_id=order.customer_id, contact=contact,
                                   payment="prepaid" if order.paid_cents >= order.total_cents else "in_store",
                                   lines=lines, created=transfer.shipped_at or order.ordered_at)
    except pickups.Refused as exc:  # sold meanwhile: the manager settles it
        _, changes = reconciliations.raise_exception(
            conn, order.store_id, "fulfilment_unavailable", order.paid_cents, [order.id],
            {"order": order.number, "pickup": str(exc)}, cause=f"fulfilment_pickup:{order.number}")
        return changes
    conn.execute(update(FulfilmentOrder).where(FulfilmentOrder.id == order.id).values(pickup_number=number))
    return changes + fulfilment.feed_changes(conn, order.id)
