"""What a store does with a pickup order, applied at the center (events pickup.picked,
pickup.handed_over, pickup.returned_to_stock; registered in backend.events._apply).

A refusal is a business rejection with a reason, never an exception: the store's outbox marks
the event a conflict and the manager sees it (Ctrl+K). The case that matters: the same order
handed over at two tills; the first handover that reaches the center wins, the second is
rejected, and its till's local stock movement is undone when the manager acknowledges it.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from backend import pickups
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Stock
from backend.pickup_models import PickupLine, PickupOrder
from pos_app.clock import local_date
from sync.protocol_pickups import PickupHandedOverV1, PickupPickedV1, PickupReturnedV1

PickupEvent = PickupPickedV1 | PickupHandedOverV1 | PickupReturnedV1


def _utc(moment: datetime) -> datetime:
    from backend.events import as_utc
    return as_utc(moment)


def apply(conn: Connection, device: DeviceIdentity, payload: PickupEvent, now: datetime,
          changes: list[PendingChange]) -> str | None:
    """Apply one event; returns a rejection reason or None. Checks run before writes."""
    if payload.store_id != device.store_id:
        return f"pickup event for store {payload.store_id!r} from a device of {device.store_id!r}"
    order = pickups.find(conn, payload.order_number, lock=True)
    if order is None:
        return f"unknown pickup order {payload.order_number}"
    if order.store_id != payload.store_id:
        return f"order {order.order_number} is for store {order.store_id}, not {payload.store_id}"
    try:
        if isinstance(payload, PickupPickedV1):
            _picked(conn, order, payload)
        elif isinstance(payload, PickupHandedOverV1):
            changes += _handed_over(conn, order, payload)
        else:
            _returned(conn, order, payload)
    except pickups.Refused as exc:
        return str(exc)
    changes.append(pickups.feed_change(conn, order.id))
    return None


def _lines(conn: Connection, order: Any, wanted: dict[int, int]) -> dict[int, Any]:
    lines = {ln.line_no: ln for ln in pickups.lines_of(conn, order.id)}
    if unknown := sorted(set(wanted) - set(lines)):
        raise pickups.Refused(422, f"order {order.order_number} has no line {unknown[0]}")
    return lines


def _picked(conn: Connection, order: Any, p: PickupPickedV1) -> None:
    picked = {ln.line_no: ln for ln in p.lines}
    lines = _lines(conn, order, {n: 0 for n in picked})
    for n, ln in lines.items():
        got = picked[n].picked_quantity if n in picked else 0
        if got > ln.quantity:
            raise pickups.Refused(422, f"line {n}: {got} picked, {ln.quantity} ordered")
    if all((picked[n].picked_quantity if n in picked else 0) == 0 for n in lines):
        pickups.move(conn, order, "cancelled", closed_at=_utc(p.picked_at), note="nothing found when picking")
    else:
        pickups.move(conn, order, "ready", ready_at=_utc(p.picked_at))
    for n, ln in lines.items():
        got = picked[n].picked_quantity if n in picked else 0
        conn.execute(update(PickupLine).where(PickupLine.order_id == order.id, PickupLine.line_no == n).values(
            short_quantity=ln.quantity - got, short_reason=picked[n].short_reason if n in picked else "nicht gepickt"))
    if any((picked[n].picked_quantity if n in picked else 0) for n in lines):
        pickups.notify_ready(conn, order.id)


def _handed_over(conn: Connection, order: Any, p: PickupHandedOverV1) -> list[PendingChange]:
    if order.state in ("collected", "partially_collected"):
        raise pickups.Refused(409, f"Abholauftrag {order.order_number} wurde bereits übergeben "
                                   f"({order.handed_over_by or 'andere Kasse'}); zweite Übergabe abgelehnt")
    taken = {ln.line_no: ln.quantity for ln in p.lines}
    lines = _lines(conn, order, taken)
    for n, qty in taken.items():
        if qty > lines[n].quantity - lines[n].short_quantity:
            raise pickups.Refused(422, f"line {n}: {qty} collected, {lines[n].quantity - lines[n].short_quantity} "
                                       "picked")
    whole = all(taken.get(n, 0) == ln.quantity for n, ln in lines.items())
    refund = sum((ln.quantity - taken.get(n, 0)) * ln.unit_price_cents for n, ln in lines.items())
    pickups.move(conn, order, "collected" if whole else "partially_collected", closed_at=_utc(p.handed_at),
                 handed_over_by=p.device_id, sale_id=str(p.sale_id) if p.sale_id else "",
                 refund_cents=refund if order.payment == "prepaid" else 0)
    for n, qty in taken.items():
        conn.execute(update(PickupLine).where(PickupLine.order_id == order.id, PickupLine.line_no == n)
                     .values(collected_quantity=qty))
    if p.sale_id is not None:  # paid at the till: that sale moved the stock already
        return []
    moved: dict[int, int] = {}
    for n, qty in taken.items():
        moved[lines[n].product_id] = moved.get(lines[n].product_id, 0) + qty
    changes = []
    for pid in sorted(moved):
        if moved[pid]:
            conn.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == order.store_id)
                         .values(quantity=Stock.quantity - moved[pid]))
            changes.append(pickups.stock_change(conn, pid, order.store_id))
    return changes


def _returned(conn: Connection, order: Any, p: PickupReturnedV1) -> None:
    when = _utc(p.returned_at)
    if order.state in ("new", "picking", "ready"):
        if order.pickup_by > when:
            raise pickups.Refused(409, f"order {order.order_number} may be collected until "
                                       f"{local_date(order.pickup_by)}; not returned to stock")
        pickups.move(conn, order, "expired")
        order = pickups.find(conn, order.id)
    pickups.move(conn, order, "returned_to_stock", closed_at=when,
                 refund_cents=order.total_cents if order.payment == "prepaid" else 0)


__all__ = ["apply", "PickupOrder"]
