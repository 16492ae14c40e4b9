"""What a store does with a pickup order, applied at the center (events pickup.picked,
pickup.handed_over, pickup.returned_to_stock; registered in backend.events._apply).

A refusal is a business rejection with a reason, never an exception: the store's outbox marks
the event a conflict and the manager sees it (Ctrl+K). A handover is never refused for what
happened at the center meanwhile (the order cancelled by the web shop, returned to stock, or
handed over at another till): the goods have left, so it is booked as it happened, stock
leaves at the center too, and a reconciliation opens for the manager (reconcile, never erase;
docs/reconciliation.md).

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from backend import pickups, reconciliations
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Stock
from backend.pickup_models import PickupLine, PickupOrder
from backend.pickup_refunds import record_pending, refunds_of
from pos_app.clock import local_date
from pos_app.trusted_time import EventTime
from sync.protocol_pickups import PickupHandedOverV1, PickupPickedV1, PickupReturnedV1

PickupEvent = PickupPickedV1 | PickupHandedOverV1 | PickupReturnedV1


Stamp = Callable[[datetime], datetime]  # a device time of the event -> the center's (see apply)


def _utc(moment: datetime) -> datetime:
    from backend.events import as_utc
    return as_utc(moment)


def apply(conn: Connection, device: DeviceIdentity, payload: PickupEvent, now: datetime,
          changes: list[PendingChange], event_id: str = "", at: EventTime | None = None) -> str | None:
    """Apply one event; returns a rejection reason or None. Checks run before writes.
    `at`: the event's time by the center's rule (backend.trusted_time.event_time); the till's
    picked_at / handed_at / returned_at are moved by it (`EventTime.correct`) before they are
    recorded or judged (a return to stock before the pickup deadline), so a till hours off
    neither dates a handover wrongly nor returns an order early. None: taken as they are."""
    def stamp(moment: datetime) -> datetime:
        return _utc(at.correct(moment) if at is not None else moment)
    if payload.store_id != device.store_id:
        return f"pickup event for store {payload.store_id!r} from a device of {device.store_id!r}"
    order = pickups.find(conn, payload.order_number, lock=True)
    if order is None:
        return f"unknown pickup order {payload.order_number}"
    if order.store_id != payload.store_id:
        return f"order {order.order_number} is for store {order.store_id}, not {payload.store_id}"
    try:
        if isinstance(payload, PickupPickedV1):
            _picked(conn, order, payload, stamp)
        elif isinstance(payload, PickupHandedOverV1):
            changes += _handed_over(conn, order, payload, event_id, stamp)
        else:
            _returned(conn, order, payload, stamp)
    except pickups.Refused as exc:
        return str(exc)
    changes.append(pickups.feed_change(conn, order.id))
    return None


def _lines(conn: Connection, order: Any, wanted: dict[int, int]) -> dict[int, Any]:
    lines = {ln.line_no: ln for ln in pickups.lines_of(conn, order.id)}
    if unknown := sorted(set(wanted) - set(lines)):
        raise pickups.Refused(422, f"order {order.order_number} has no line {unknown[0]}")
    return lines


def _picked(conn: Connection, order: Any, p: PickupPickedV1, stamp: Stamp) -> None:
    picked = {ln.line_no: ln for ln in p.lines}
    lines = _lines(conn, order, {n: 0 for n in picked})
    for n, ln in lines.items():
        got = picked[n].picked_quantity if n in picked else 0
        if got > ln.quantity:
            raise pickups.Refused(422, f"line {n}: {got} picked, {ln.quantity} ordered")
    if all((picked[n].picked_quantity if n in picked else 0) == 0 for n in lines):
        pickups.move(conn, order, "cancelled", closed_at=stamp(p.picked_at), note="nothing found when picking")
        record_pending(conn, order, stamp(p.picked_at))  # prepaid: refunded by the next sweep
    else:
        pickups.move(conn, order, "ready", ready_at=stamp(p.picked_at))
    for n, ln in lines.items():
        got = picked[n].picked_quantity if n in picked else 0
        conn.execute(update(PickupLine).where(PickupLine.order_id == order.id, PickupLine.line_no == n).values(
            short_quantity=ln.quantity - got, short_reason=picked[n].short_reason if n in picked else "nicht gepickt"))
    if any((picked[n].picked_quantity if n in picked else 0) for n in lines):
        pickups.notify_ready(conn, order.id)


AFTER_CLOSE = ("cancelled", "returned_to_stock")  # closed at the center, goods released
COLLECTED = ("collected", "partially_collected")


def _handed_over(conn: Connection, order: Any, p: PickupHandedOverV1, event_id: str,
                 stamp: Stamp) -> list[PendingChange]:
    """Book the handover. One that the center can no longer square with the order (cancelled or
    returned to stock meanwhile, or already handed over at another till) is still booked as
    what physically happened, the goods leaving, and opens a reconciliation for the manager
    (backend.reconciliations); rejecting it would leave the till and the center disagreeing
    about goods that have left the shop."""
    taken = {ln.line_no: ln.quantity for ln in p.lines}
    lines = _lines(conn, order, taken)
    late = order.state in AFTER_CLOSE or order.state in COLLECTED
    for n, qty in taken.items():
        limit = lines[n].quantity if late else lines[n].quantity - lines[n].short_quantity
        if qty > limit:
            raise pickups.Refused(422, f"line {n}: {qty} collected, {limit} picked")
    whole = all(taken.get(n, 0) == ln.quantity for n, ln in lines.items())
    value = sum(qty * lines[n].unit_price_cents for n, qty in taken.items())
    changes: list[PendingChange] = []
    if late:
        changes += _reconcile(conn, order, p, event_id, value, stamp)
    else:
        refund = sum((ln.quantity - taken.get(n, 0)) * ln.unit_price_cents for n, ln in lines.items())
        pickups.move(conn, order, "collected" if whole else "partially_collected", closed_at=stamp(p.handed_at),
                     handed_over_by=p.device_id, sale_id=str(p.sale_id) if p.sale_id else "",
                     refund_cents=refund if order.payment == "prepaid" else 0)
        for n, qty in taken.items():
            conn.execute(update(PickupLine).where(PickupLine.order_id == order.id, PickupLine.line_no == n)
                         .values(collected_quantity=qty))
    if p.sale_id is not None:  # paid at the till: that sale moved the stock already
        return changes
    moved: dict[int, int] = {}
    for n, qty in taken.items():
        moved[lines[n].product_id] = moved.get(lines[n].product_id, 0) + qty
    for pid in sorted(moved):
        if moved[pid]:
            conn.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == order.store_id)
                         .values(quantity=Stock.quantity - moved[pid]))
            changes.append(pickups.stock_change(conn, pid, order.store_id))
    return changes


def _reconcile(conn: Connection, order: Any, p: PickupHandedOverV1, event_id: str, value: int,
               stamp: Stamp) -> list[PendingChange]:
    """A late handover: the order keeps its state at the center when it was handed over already;
    a cancelled or returned order becomes collected (the goods are with the customer), with a
    note. The reconciliation says what is at stake: the goods' value, and what was refunded."""
    twice = order.state in COLLECTED
    refunded = sum(r.amount_cents for r in refunds_of(conn, order.order_number))
    details = {"order_number": order.order_number, "state_at_center": order.state, "payment": order.payment,
               "handed_over_by": p.device_id, "handed_at": stamp(p.handed_at).isoformat(), "collector": p.collector,
               "sale_id": str(p.sale_id) if p.sale_id else "", "goods_cents": value, "refunded_cents": refunded,
               "lines": {str(n): q for n, q in sorted((ln.line_no, ln.quantity) for ln in p.lines)}}
    if twice:
        details["first_handover_by"] = order.handed_over_by
    else:
        conn.execute(update(PickupOrder).where(PickupOrder.id == order.id).values(
            state="collected", handed_over_by=p.device_id, sale_id=str(p.sale_id) if p.sale_id else "",
            note=f"übergeben nach {order.state}"[:200]))
        for ln in p.lines:
            conn.execute(update(PickupLine).where(PickupLine.order_id == order.id, PickupLine.line_no == ln.line_no)
                         .values(collected_quantity=ln.quantity))
    kind = "pickup_handed_over_twice" if twice else "pickup_handover_after_cancel"
    _, changes = reconciliations.raise_exception(conn, order.store_id, kind, value, [event_id], details)
    return changes


def _returned(conn: Connection, order: Any, p: PickupReturnedV1, stamp: Stamp) -> None:
    when = stamp(p.returned_at)
    if order.state in ("new", "picking", "ready"):
        if order.pickup_by > when:
            raise pickups.Refused(409, f"order {order.order_number} may be collected until "
                                       f"{local_date(order.pickup_by)}; not returned to stock")
        pickups.move(conn, order, "expired")
        order = pickups.find(conn, order.id)
    pickups.move(conn, order, "returned_to_stock", closed_at=when,
                 refund_cents=order.total_cents if order.payment == "prepaid" else 0)
    record_pending(conn, order, when)  # prepaid: refunded by the next sweep


__all__ = ["apply", "PickupOrder"]
