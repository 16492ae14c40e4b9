"""Click and collect at the center: pickup orders and reservations, their states, the stock
they hold, and the customer notifications.

States and the transition table (TRANSITIONS; anything else is refused with 409):

    new ──> picking ──> ready ──> collected | partially_collected
     │         │          │
     └─────────┴──────────┴──> cancelled | expired ──> returned_to_stock (or still collected late)

"Partially ready" is `ready` with short-picked lines. Stock: placing an order reserves its
quantities in the pickup store (refused with 409 when the store's available stock, on hand less
reserved and promised to transfers, backend.transfers.held, is short); short-picked units are released at picking; a handover takes the collected
units off the shelf (unless a till sale did, pay in store) and releases the rest; return to
stock and cancel release everything. Reserved is computed, not stored (backend.pickup_models).

Every change of an order is appended to the change feed as ChangeKind.PICKUP_ORDER for its store
(the commit-order rule of backend.changelog: the caller appends last, right before COMMIT).

Thread: request threads; every function runs in the caller's transaction.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Protocol

from pydantic import Field
from sqlalchemy import Connection, func, insert, select, update

from backend.changelog import PendingChange
from backend.models import Customer, Price, Product, Stock, Store
from backend.pickup_models import PickupLine, PickupNotification, PickupOrder
from backend.schemas import Input
from pos_app import limits
from pos_app.clock import local_date, local_format
from sync.protocol import ChangeKind, Id, Moment

ORDER_QR_PREFIX = "ORDER:"  # the same text backend.purchases and the web shop use
HOLDING = ("new", "picking", "ready", "expired")  # states that keep goods reserved
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"picking", "ready", "cancelled", "expired"}),
    "picking": frozenset({"ready", "cancelled", "expired"}),
    "ready": frozenset({"collected", "partially_collected", "cancelled", "expired"}),
    "expired": frozenset({"returned_to_stock", "collected", "partially_collected", "cancelled"}),
    "collected": frozenset(), "partially_collected": frozenset(),
    "cancelled": frozenset(), "returned_to_stock": frozenset(),
}


def hold_period(kind: str) -> timedelta:
    """How long a store keeps an order (days; $POS_PICKUP_HOLD_DAYS, reservations
    $POS_RESERVATION_HOLD_DAYS)."""
    if kind == "reservation":
        return timedelta(days=int(os.environ.get("POS_RESERVATION_HOLD_DAYS", "3")))
    return timedelta(days=int(os.environ.get("POS_PICKUP_HOLD_DAYS", "7")))


REMINDER_BEFORE = timedelta(hours=24)


class Refused(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _In(Input):
    """Request bodies (backend.schemas.Input: the one text check)."""


class PickupLineIn(_In):
    product_id: Id
    quantity: int = Field(ge=1, le=999)
    unit_price_cents: int | None = Field(default=None, ge=0, le=limits.MAX_CENTS, description="default: the store's price")


class PickupContact(_In):
    name: str = Field(default="", max_length=120, description="default: the customer's name")
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=120)
    second_person: str = Field(default="", max_length=120, description="another person who may collect")


class PickupIn(_In):
    """A pickup order paid in store, or a reservation (prepaid orders come through
    POST /v1/channel/orders with fulfilment "pickup")."""

    kind: Literal["order", "reservation"] = "order"
    order_number: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    store_id: str = Field(min_length=1, max_length=16)
    customer_id: Id | None = None
    contact: PickupContact = PickupContact()
    lines: list[PickupLineIn] = Field(min_length=1, max_length=100)
    created_at: Moment | None = None


@dataclass(frozen=True)
class NewLine:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    vat_percent: int


# ---- notifications -------------------------------------------------------------------------


class NotificationSender(Protocol):
    """Tells the customer something about an order. Sending (mail server, SMS gateway) is
    outside this system; the center records what it would send."""

    def send(self, conn: Connection, order: PickupOrder | Any, kind: str, text: str) -> None: ...


class RecordingSender:
    """Writes each message to pickup_notifications: SMS when there is a phone, else e-mail."""

    def send(self, conn: Connection, order: Any, kind: str, text: str) -> None:
        channel, recipient = ("sms", order.phone) if order.phone else ("email", order.email)
        conn.execute(insert(PickupNotification).values(
            order_id=order.id, kind=kind, channel=channel, recipient=recipient or "-", text=text,
            created_at=datetime.now(timezone.utc)))


SENDER: NotificationSender = RecordingSender()


# ---- reading -------------------------------------------------------------------------------


def reserved(conn: Connection, store_id: str, product_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Units held for orders per product in `store_id` (states that hold goods)."""
    q = (select(PickupLine.product_id, func.sum(PickupLine.quantity - PickupLine.short_quantity))
         .join(PickupOrder, PickupOrder.id == PickupLine.order_id)
         .where(PickupOrder.store_id == store_id, PickupOrder.state.in_(HOLDING))
         .group_by(PickupLine.product_id))
    if product_ids is not None:
        q = q.where(PickupLine.product_id.in_(list(product_ids)))
    return {pid: int(n or 0) for pid, n in conn.execute(q).all()}


def find(conn: Connection, number: str, lock: bool = False) -> Any:
    number = number.strip()
    if number.startswith(ORDER_QR_PREFIX):
        number = number[len(ORDER_QR_PREFIX):]
    q = select(PickupOrder).where((PickupOrder.order_number == number) | (PickupOrder.id == number))
    return conn.execute(q.with_for_update() if lock else q).first()


def lines_of(conn: Connection, order_id: str) -> list[Any]:
    return list(conn.execute(select(PickupLine).where(PickupLine.order_id == order_id)
                             .order_by(PickupLine.line_no)).all())


def order_doc(conn: Connection, order_id: str) -> dict[str, Any]:
    """The order as the feed and the API carry it (sync.protocol.PickupOrderData)."""
    o = conn.execute(select(PickupOrder).where(PickupOrder.id == order_id)).one()
    return {
        "id": o.id, "order_number": o.order_number, "kind": o.kind, "store_id": o.store_id,
        "customer_id": o.customer_id, "customer_name": o.customer_name, "phone": o.phone, "email": o.email,
        "second_person": o.second_person, "payment": o.payment, "state": o.state,
        "created_at": o.created_at.isoformat(), "pickup_by": o.pickup_by.isoformat(),
        "ready_at": o.ready_at.isoformat() if o.ready_at else None, "handed_over_by": o.handed_over_by,
        "total_cents": o.total_cents, "qr_payload": f"{ORDER_QR_PREFIX}{o.order_number}",
        "lines": [{"line_no": ln.line_no, "product_id": ln.product_id, "sku": ln.sku, "name": ln.name,
                   "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents,
                   "vat_percent": ln.vat_percent, "short_quantity": ln.short_quantity,
                   "short_reason": ln.short_reason, "collected_quantity": ln.collected_quantity}
                  for ln in lines_of(conn, order_id)]}


def feed_change(conn: Connection, order_id: str) -> PendingChange:
    doc = order_doc(conn, order_id)
    return PendingChange(ChangeKind.PICKUP_ORDER, doc["order_number"], doc["store_id"], doc)


def stock_change(conn: Connection, product_id: int, store_id: str) -> PendingChange:
    qty = conn.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                    Stock.store_id == store_id)).scalar() or 0
    return PendingChange(ChangeKind.STOCK, f"{product_id}@{store_id}", store_id,
                         {"product_id": product_id, "store_id": store_id, "quantity": int(qty)})


# ---- writing -------------------------------------------------------------------------------


def priced_lines(conn: Connection, store_id: str, lines: list[PickupLineIn]) -> list[NewLine]:
    ids = sorted({ln.product_id for ln in lines})
    catalog = {r.id: r for r in conn.execute(select(Product.id, Product.sku, Product.name, Product.vat_percent)
                                             .where(Product.id.in_(ids)))}
    if missing := [p for p in ids if p not in catalog]:
        raise Refused(422, "unknown product id " + ", ".join(map(str, missing)))
    prices = dict(conn.execute(select(Price.product_id, Price.gross_cents)
                               .where(Price.product_id.in_(ids), Price.store_id == store_id)).all())
    out = []
    for ln in lines:
        unit = ln.unit_price_cents if ln.unit_price_cents is not None else prices.get(ln.product_id)
        if unit is None:
            raise Refused(422, f"product {ln.product_id} has no price in {store_id}; send unit_price_cents")
        row = catalog[ln.product_id]
        out.append(NewLine(ln.product_id, row.sku, row.name, ln.quantity, unit, row.vat_percent))
    return out


def place(conn: Connection, *, kind: str, number: str, store_id: str, customer_id: int | None,
          contact: PickupContact, payment: str, lines: list[NewLine], created: datetime,
          web_order_id: str | None = None) -> tuple[str, list[PendingChange]]:
    """Record a pickup order and reserve its goods in `store_id` (refused with 409 when the
    store's available stock is short: on hand less what backend.transfers.held counts as taken,
    the one availability rule the transfers and fulfilment orders use too). Returns its id and the feed changes to append."""
    store = conn.execute(select(Store.id, Store.kind).where(Store.id == store_id)).first()
    if store is None or store.kind != "store":
        raise Refused(422, f"unknown store {store_id!r} (a pickup needs a physical store)")
    name, phone, email = contact.name.strip(), contact.phone.strip(), contact.email.strip()
    if customer_id is not None:
        c = conn.execute(select(Customer).where(Customer.id == customer_id)).first()
        if c is None:
            raise Refused(422, f"unknown customer {customer_id}")
        name, phone, email = name or f"{c.first_name} {c.last_name}", phone or c.phone, email or c.email
    if not name:
        raise Refused(422, "a pickup needs the customer's name (or a customer id)")
    if conn.execute(select(PickupOrder.id).where(PickupOrder.order_number == number)).first() is not None:
        raise Refused(409, f"order number {number} exists already")
    wanted: dict[int, int] = {}
    for ln in lines:
        wanted[ln.product_id] = wanted.get(ln.product_id, 0) + ln.quantity
    on_hand = dict(conn.execute(select(Stock.product_id, Stock.quantity)  # locked in product order
                                .where(Stock.store_id == store_id, Stock.product_id.in_(sorted(wanted)))
                                .order_by(Stock.product_id).with_for_update()).all())
    # one availability rule (issue 14): units reserved for pickups and fulfilment orders and those
    # promised to open transfers are all taken; backend.transfers.held is the one function
    from backend.transfers import held as taken  # imported here: backend.transfers imports this module

    held = taken(conn, store_id, wanted)
    for pid, qty in sorted(wanted.items()):
        available = on_hand.get(pid, 0) - held.get(pid, 0)
        if available < qty:
            raise Refused(409, f"product {pid}: only {max(available, 0)} available in {store_id}, {qty} wanted")
    order_id = str(uuid.uuid4())
    conn.execute(insert(PickupOrder).values(
        id=order_id, order_number=number, kind=kind, store_id=store_id, web_order_id=web_order_id,
        customer_id=customer_id, customer_name=name, phone=phone, email=email,
        second_person=contact.second_person.strip(), payment=payment, state="new", created_at=created,
        pickup_by=created + hold_period(kind), handed_over_by="", sale_id="", refund_cents=0,
        total_cents=sum(ln.unit_price_cents * ln.quantity for ln in lines), note=""))
    conn.execute(insert(PickupLine), [
        {"order_id": order_id, "line_no": n, "product_id": ln.product_id, "sku": ln.sku, "name": ln.name,
         "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents, "vat_percent": ln.vat_percent,
         "short_quantity": 0, "short_reason": "", "collected_quantity": 0} for n, ln in enumerate(lines, 1)])
    return order_id, [feed_change(conn, order_id)]


def move(conn: Connection, order: Any, new_state: str, **values: Any) -> None:
    """Change the state along the transition table, or refuse (409)."""
    if new_state not in TRANSITIONS.get(order.state, frozenset()):
        raise Refused(409, f"order {order.order_number} is {order.state}, it cannot become {new_state}")
    conn.execute(update(PickupOrder).where(PickupOrder.id == order.id).values(state=new_state, **values))


def notify_ready(conn: Connection, order_id: str, sender: NotificationSender | None = None) -> None:
    o = conn.execute(select(PickupOrder).where(PickupOrder.id == order_id)).one()
    what = "Ihre Reservierung" if o.kind == "reservation" else "Ihre Bestellung"
    pay = " Bitte bezahlen Sie bei Abholung." if o.payment == "in_store" else ""
    (sender or SENDER).send(conn, o, "ready", f"{what} {o.order_number} liegt zur Abholung bereit, "
                            f"bis {local_date(o.pickup_by)}.{pay} Abholcode: {ORDER_QR_PREFIX}{o.order_number}")


def sweep(conn: Connection, now: datetime, sender: NotificationSender | None = None) -> tuple[int, int, list[PendingChange]]:
    """Remind customers whose ready order expires within REMINDER_BEFORE (once), and expire
    orders past their pickup-by date. Returns (reminded, expired, feed changes)."""
    reminded = expired = 0
    changes: list[PendingChange] = []
    due = conn.execute(select(PickupOrder).where(PickupOrder.state == "ready",
                                                 PickupOrder.pickup_by > now,
                                                 PickupOrder.pickup_by <= now + REMINDER_BEFORE)).all()
    for o in due:
        if conn.execute(select(PickupNotification.id).where(PickupNotification.order_id == o.id,
                                                            PickupNotification.kind == "reminder")).first():
            continue
        (sender or SENDER).send(conn, o, "reminder", f"Erinnerung: {o.order_number} liegt nur noch bis "
                                f"{local_format(o.pickup_by)} für Sie bereit.")
        reminded += 1
    for o in conn.execute(select(PickupOrder).where(PickupOrder.state.in_(("new", "picking", "ready")),
                                                    PickupOrder.pickup_by <= now)).all():
        move(conn, o, "expired")
        changes.append(feed_change(conn, o.id))
        expired += 1
    return reminded, expired, changes
