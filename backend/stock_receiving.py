"""Goods receipt at the center: expected deliveries (advance shipping notices) and the stores'
stock.received events.

    expected ──(store books it: stock.received)──> received
        └────(operator cancels)──> cancelled

The store's booking is a physical fact: the units it says came in good are on its shelf, so
they are always added to its stock, whatever the notice says (also when the notice was
cancelled meanwhile, is unknown here, or another device booked it first). What the center
judges by its own notice, not by the store's copy: each line's difference (pos_app.stock.rules:
short, over, damaged). Any difference, and any booking against a notice that was not
"expected" any more, opens one reconciliation "delivery_discrepancy" for the store's managers
with the value at stake, never a refusal. Refused (the conflict list) are only events that
cannot be booked: another store's, an unknown product, a receipt booked already under another
idempotency key.

Thread: request threads, inside backend.events' per-event transaction (the admin endpoints
open their own, backend.stock_api).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend import reconciliations
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Product
from backend.stock_models import Delivery, StockReceipt
from pos_app.stock.rules import line_difference
from sync.protocol import ChangeKind
from sync.protocol_stock import DeliveryData, StockReceivedV1

HANDLED = (StockReceivedV1,)
DISCREPANCY = "delivery_discrepancy"


class DeliveryRefused(ValueError):
    """An operator's request that cannot be done; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def doc(row: Any) -> dict[str, Any]:
    return DeliveryData(number=row.number, store_id=row.store_id, supplier=row.supplier, status=row.status,
                        lines=row.lines, created_at=row.created_at, received_at=row.received_at,
                        received_by=row.received_by).model_dump(mode="json")


def feed_change(conn: Connection, number: str) -> PendingChange:
    row = conn.execute(select(Delivery).where(Delivery.number == number)).one()
    return PendingChange(ChangeKind.DELIVERY, row.number, row.store_id, doc(row))


def get(conn: Connection, number: str) -> dict[str, Any] | None:
    row = conn.execute(select(Delivery).where(Delivery.number == number)).first()
    return None if row is None else doc(row)


def listing(conn: Connection, store_id: str | None, status: str | None) -> list[dict[str, Any]]:
    q = select(Delivery).order_by(Delivery.created_at, Delivery.number).limit(1000)
    if store_id is not None:
        q = q.where(Delivery.store_id == store_id)
    if status is not None:
        q = q.where(Delivery.status == status)
    return [doc(r) for r in conn.execute(q).all()]


def create(conn: Connection, store_id: str, supplier: str, lines: list[tuple[int, int]],
           number: str | None = None, now: datetime | None = None) -> tuple[str, list[PendingChange]]:
    """A new expected delivery for `store_id`. Raises DeliveryRefused (409 number taken, 422
    unknown product or a product twice)."""
    ids = [pid for pid, _ in lines]
    if len(set(ids)) != len(ids):
        raise DeliveryRefused(422, "lines: each product once per delivery")
    known = set(conn.execute(select(Product.id).where(Product.id.in_(ids))).scalars())
    if missing := sorted(set(ids) - known):
        raise DeliveryRefused(422, f"lines: unknown product id {missing[0]}")
    number = number or f"LS-{uuid.uuid4().hex[:10].upper()}"
    if conn.execute(select(Delivery.number).where(Delivery.number == number)).first() is not None:
        raise DeliveryRefused(409, f"delivery {number} exists already")
    conn.execute(insert(Delivery).values(
        number=number, store_id=store_id, supplier=supplier, status="expected",
        lines=[{"product_id": pid, "quantity": qty} for pid, qty in lines], created_at=now or _now(),
        received_at=None, received_by="", receipt_id=None))
    return number, [feed_change(conn, number)]


def cancel(conn: Connection, number: str) -> list[PendingChange]:
    row = conn.execute(select(Delivery).where(Delivery.number == number).with_for_update()).first()
    if row is None:
        raise DeliveryRefused(404, f"no delivery {number}")
    if row.status == "cancelled":
        return []
    if row.status != "expected":
        raise DeliveryRefused(409, f"delivery {number} is {row.status}")
    conn.execute(update(Delivery).where(Delivery.number == number).values(status="cancelled"))
    return [feed_change(conn, number)]


def apply(conn: Connection, device: DeviceIdentity, event_id: str, payload: StockReceivedV1, now: datetime,
          changes: list[PendingChange]) -> str | None:
    """Book one stock.received event; returns a rejection reason or None."""
    if payload.store_id != device.store_id:
        return f"event for store {payload.store_id!r} from a device of {device.store_id!r}"
    ids = [line.product_id for line in payload.lines]
    known = set(conn.execute(select(Product.id).where(Product.id.in_(ids))).scalars())
    if missing := sorted(set(ids) - known):
        return f"unknown product id {missing[0]}"
    receipt_id = str(payload.receipt_id)
    if conn.execute(select(StockReceipt.receipt_id).where(StockReceipt.receipt_id == receipt_id)).first():
        return f"goods receipt {receipt_id} is already recorded under another idempotency key"
    notice = None
    if payload.delivery_number is not None:
        notice = conn.execute(select(Delivery).where(Delivery.number == payload.delivery_number)
                              .with_for_update()).first()
    expected = _expected(notice, device.store_id)
    for line in payload.lines:  # the physical fact: the good units are on the shelf
        if line.received:
            _, moved = reconciliations.adjust_stock(
                conn, device.store_id, line.product_id, line.received, reason="received", refs=[],
                adjusted_by=payload.received_by, ref=event_id, now=now)
            changes += moved
    lines = _judged(payload, expected)
    problem = _notice_problem(payload, notice, device.store_id)
    rec_id = None
    if problem or any(line["short"] or line["over"] or line["damaged"] for line in lines):
        value = sum((line["short"] + line["over"] + line["damaged"])
                    * reconciliations.unit_value(conn, device.store_id, line["product_id"]) for line in lines)
        rec_id, opened = reconciliations.raise_exception(
            conn, device.store_id, DISCREPANCY, value, [event_id], {
                "delivery_number": payload.delivery_number, "supplier": payload.supplier, "problem": problem,
                "received_by": payload.received_by, "lines": [line for line in lines if
                                                              line["short"] or line["over"] or line["damaged"]][:50]},
            cause=f"{DISCREPANCY}:{receipt_id}", now=now)
        changes += opened
    conn.execute(insert(StockReceipt).values(
        receipt_id=receipt_id, store_id=device.store_id, delivery_number=payload.delivery_number,
        supplier=payload.supplier, event_id=event_id, lines=lines, received_by=payload.received_by,
        reconciliation_id=rec_id, booked_at=now))
    if notice is not None and notice.store_id == device.store_id and notice.status == "expected":
        conn.execute(update(Delivery).where(Delivery.number == notice.number).values(
            status="received", received_at=now, received_by=payload.received_by, receipt_id=receipt_id))
        changes.append(feed_change(conn, notice.number))
    return None


def receipts(conn: Connection, store_id: str | None) -> list[dict[str, Any]]:
    """The receiving report: booked receipts, newest first, with their lines and discrepancy."""
    q = select(StockReceipt).order_by(StockReceipt.booked_at.desc()).limit(500)
    if store_id is not None:
        q = q.where(StockReceipt.store_id == store_id)
    return [{"receipt_id": r.receipt_id, "store_id": r.store_id, "delivery_number": r.delivery_number,
             "supplier": r.supplier, "event_id": r.event_id, "lines": r.lines, "received_by": r.received_by,
             "reconciliation_id": r.reconciliation_id, "booked_at": r.booked_at} for r in conn.execute(q).all()]


def _expected(notice: Any, store_id: str) -> dict[int, int]:
    if notice is None or notice.store_id != store_id:
        return {}
    return {int(line["product_id"]): int(line["quantity"]) for line in notice.lines}


def _judged(payload: StockReceivedV1, expected: dict[int, int]) -> list[dict[str, Any]]:
    """Each product's line judged by the center's notice: a product the store did not list is
    all short, one the notice does not list is all over. Without a notice (or an unknown one)
    there is nothing to be short or over of; damaged units still count."""
    out: list[dict[str, Any]] = []
    for line in payload.lines:
        if expected:
            want = expected.get(line.product_id, 0)
            diff = line_difference(want, line.received, line.damaged)
        else:
            want = line.expected
            diff = line_difference(line.received + line.damaged, line.received, line.damaged)
        out.append({"product_id": line.product_id, "expected": want, "received": line.received,
                    "damaged": line.damaged, "short": diff.short, "over": diff.over, "reason": line.reason})
    listed = {line.product_id for line in payload.lines}
    out += [{"product_id": pid, "expected": want, "received": 0, "damaged": 0, "short": want, "over": 0,
             "reason": ""} for pid, want in expected.items() if pid not in listed and want]
    return out


def _notice_problem(payload: StockReceivedV1, notice: Any, store_id: str) -> str:
    if payload.delivery_number is None:
        return "" if payload.approved_by is not None else "ohne Avis und ohne Freigabe"
    if notice is None or notice.store_id != store_id:
        return "Avis unbekannt"
    if notice.status == "cancelled":
        return "Avis storniert"
    if notice.status == "received":
        return "Avis schon gebucht"
    return ""


def _now() -> datetime:
    return datetime.now(timezone.utc)
