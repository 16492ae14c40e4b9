"""Orders from channels other than a till: the web shop today (channel "web").

    POST /v1/channel/orders            (admin token: the web shop's back end, server to server)
    GET  /v1/channel/orders/{number}   the order as recorded

An order has an order number (made here unless the shop sends its own), an optional customer,
an optional store (the pickup store for click and collect; issues 4 and 5 build on that),
lines (product, quantity, unit price; SKU and name come from the catalog unless sent) and
tenders (card, PayPal, voucher) that add up to the total. A voucher tender is redeemed in the
same transaction (refused with 409 when the balance is short). What the order's QR code carries
is `qr_payload` ("ORDER:<number>"); a till scanning it finds the order (GET /v1/purchases).

The center re-checks what the shop sends against its own catalog (issue 12): the VAT rate is
the product's, always (a line that names another rate is refused with 422, nothing stored); a
unit price other than the web shop's catalog price is taken as charged (the customer paid it)
and opens a `price_mismatch` reconciliation for the channel (store "WEB") with the difference,
for the e-commerce team to close (backend.reconciliations).

Stock is not moved here: shipping from the warehouse and click-and-collect reservations are
the fulfilment issues' business. Returns of an order move stock in the returning store.

Thread: request threads; one write transaction per order.
"""
from __future__ import annotations

import random
import secrets
import uuid
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, func, insert, select

from backend import changelog, pickups
from backend.admin import require_admin
from backend.db import BackendDatabase
from backend.models import Customer, Price, Product, Store
from backend.pickups import PickupContact
from backend.purchases import ORDER_QR_PREFIX, find
from backend.returns_models import Voucher, VoucherMovement, WebOrder, WebOrderLine, WebOrderTender
from backend.schemas import Input, PathText, Problem
from pos_app import limits
from sync.protocol import Id, Moment, PositiveCents


class _In(Input):
    """The web shop's request bodies (backend.schemas.Input: the one text check)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLineIn(_In):
    product_id: Id
    quantity: int = Field(ge=1, le=999)
    unit_price_cents: int | None = Field(default=None, ge=0, le=limits.MAX_CENTS, description="default: the web shop's price; another price is taken as charged "
                                       "and opens a price_mismatch reconciliation for the channel")
    sku: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    vat_percent: Literal[0, 7, 19] | None = Field(
        default=None, description="if sent, it must be the product's rate in the catalog (else 422)")


class OrderTenderIn(_In):
    kind: Literal["card", "paypal", "voucher"]
    amount_cents: PositiveCents
    reference: str = Field(default="", max_length=60, description="voucher code for kind voucher")


class OrderIn(_In):
    channel: Literal["web"] = "web"
    order_number: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    customer_id: Id | None = None
    store_id: str | None = Field(default=None, max_length=16)
    fulfilment: Literal["ship", "pickup"] = Field(
        default="ship", description="pickup: collected in `store_id`, stock reserved there (backend.pickups)")
    pickup_contact: PickupContact = PickupContact()
    created_at: Moment | None = None
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    tenders: list[OrderTenderIn] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _voucher_codes(self) -> "OrderIn":
        if any(t.kind == "voucher" and not t.reference.strip() for t in self.tenders):
            raise ValueError("a voucher tender needs the voucher code as reference")
        if self.fulfilment == "pickup" and not self.store_id:
            raise ValueError("an order for pickup needs the pickup store (store_id)")
        return self


class OrderLineOut(_Out):
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    vat_percent: int


class OrderOut(_Out):
    id: str
    order_number: str
    channel: str
    customer_id: int | None
    store_id: str | None
    created_at: datetime
    total_cents: int
    lines: list[OrderLineOut]
    tenders: list[OrderTenderIn]
    qr_payload: str


class OrderRefused(ValueError):
    """The order cannot be taken as sent (HTTP status and message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


WEB_CHANNEL_STORE = "WEB"  # the web shop's own store row: its prices, its exceptions


def new_order_number() -> str:
    return f"W-{datetime.now(timezone.utc):%y%m%d}-{secrets.token_hex(3).upper()}"


def create_order(db: BackendDatabase, order: OrderIn) -> OrderOut:
    with db.writing() as conn:
        return _create(conn, order)


def _create(conn: Connection, order: OrderIn) -> OrderOut:
    ids = sorted({line.product_id for line in order.lines})
    catalog = {r.id: r for r in conn.execute(select(Product.id, Product.sku, Product.name, Product.vat_percent)
                                             .where(Product.id.in_(ids)))}
    if missing := [p for p in ids if p not in catalog]:
        raise OrderRefused(422, "unknown product id " + ", ".join(map(str, missing)))
    prices = dict(conn.execute(select(Price.product_id, Price.gross_cents)
                               .where(Price.product_id.in_(ids), Price.store_id == "WEB")).all())
    if order.customer_id is not None and conn.execute(
            select(Customer.id).where(Customer.id == order.customer_id)).first() is None:
        raise OrderRefused(422, f"unknown customer {order.customer_id}")
    if order.store_id is not None and conn.execute(select(Store.id).where(Store.id == order.store_id)).first() is None:
        raise OrderRefused(422, f"unknown store {order.store_id!r}")
    lines, mismatched = [], []
    for n, line in enumerate(order.lines, 1):
        row = catalog[line.product_id]
        if line.vat_percent is not None and line.vat_percent != row.vat_percent:
            raise OrderRefused(422, f"line {n}: VAT {line.vat_percent} % sent, but product {line.product_id} is "
                                    f"taxed at {row.vat_percent} % in the catalog")
        listed = prices.get(line.product_id)
        unit = line.unit_price_cents if line.unit_price_cents is not None else listed
        if unit is None:
            raise OrderRefused(422, f"product {line.product_id} has no web shop price; send unit_price_cents")
        if listed is not None and unit != listed:
            mismatched.append({"line_no": n, "product_id": line.product_id, "quantity": line.quantity,
                               "charged_cents": unit, "catalog_cents": listed})
        lines.append(OrderLineOut(line_no=n, product_id=line.product_id, sku=line.sku or row.sku,
                                  name=line.name or row.name, quantity=line.quantity, unit_price_cents=unit,
                                  total_cents=unit * line.quantity, vat_percent=row.vat_percent))
    total = sum(line.total_cents for line in lines)
    if sum(t.amount_cents for t in order.tenders) != total:
        raise OrderRefused(422, f"the tenders add up to {sum(t.amount_cents for t in order.tenders)}, "
                                f"the lines to {total}")
    number = order.order_number or new_order_number()
    if conn.execute(select(WebOrder.id).where(WebOrder.order_number == number)).first() is not None:
        raise OrderRefused(409, f"order number {number} exists already")
    order_id, created = str(uuid.uuid4()), order.created_at or datetime.now(timezone.utc)
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    conn.execute(insert(WebOrder).values(id=order_id, order_number=number, channel=order.channel,
                                         customer_id=order.customer_id, store_id=order.store_id,
                                         created_at=created, total_cents=total, status="placed"))
    conn.execute(insert(WebOrderLine), [{"order_id": order_id, **line.model_dump()} for line in lines])
    conn.execute(insert(WebOrderTender), [
        {"order_id": order_id, "seq": n, "kind": t.kind, "amount_cents": t.amount_cents, "reference": t.reference}
        for n, t in enumerate(order.tenders, 1)])
    for t in order.tenders:
        if t.kind == "voucher":
            _redeem(conn, t.reference.strip(), t.amount_cents, number)
    feed: list[Any] = []
    if mismatched:  # taken as charged; the difference is the channel's to settle
        from backend import reconciliations

        _, feed = reconciliations.raise_exception(
            conn, WEB_CHANNEL_STORE, "price_mismatch",
            sum(abs(m["catalog_cents"] - m["charged_cents"]) * m["quantity"] for m in mismatched), [order_id],
            {"order_number": number, "lines": mismatched})
    if order.fulfilment == "pickup" and order.store_id:  # reserve in the store; append last (changelog)
        try:
            _, changes = pickups.place(
                conn, kind="order", number=number, store_id=order.store_id, customer_id=order.customer_id,
                contact=order.pickup_contact, payment="prepaid", created=created, web_order_id=order_id,
                lines=[pickups.NewLine(ln.product_id, ln.sku, ln.name, ln.quantity, ln.unit_price_cents,
                                       ln.vat_percent) for ln in lines])
        except pickups.Refused as exc:
            raise OrderRefused(exc.status, str(exc)) from exc
        feed += changes
    if feed:
        changelog.append(conn, feed)
    return OrderOut(id=order_id, order_number=number, channel=order.channel, customer_id=order.customer_id,
                    store_id=order.store_id, created_at=created, total_cents=total, lines=lines,
                    tenders=list(order.tenders), qr_payload=f"{ORDER_QR_PREFIX}{number}")


def _redeem(conn: Connection, code: str, cents: int, reference: str) -> None:
    balance = conn.execute(select(Voucher.balance_cents).where(Voucher.code == code).with_for_update()).scalar()
    if balance is None:
        raise OrderRefused(422, f"unknown voucher {code}")
    if balance < cents:
        raise OrderRefused(409, f"voucher {code} has {balance} cents left, {cents} asked")
    conn.execute(Voucher.__table__.update().where(Voucher.code == code)
                 .values(balance_cents=Voucher.balance_cents - cents))
    conn.execute(insert(VoucherMovement).values(code=code, delta_cents=-cents, kind="redeemed", reference=reference,
                                                store_id="WEB", created_at=datetime.now(timezone.utc)))


def simulate_orders(db: BackendDatabase, count: int, rng: random.Random) -> list[OrderOut]:
    """`count` web orders of 1-3 random products with a web price, paid by card or PayPal (for
    `pos-backend simulate --orders N`: something for a till to take back)."""
    with db.reading() as conn:
        top = conn.execute(select(func.max(Price.product_id)).where(Price.store_id == "WEB")).scalar()
        customers = conn.execute(select(func.max(Customer.id))).scalar()
    if not top:
        raise LookupError("the center has no products yet: run `pos-backend seed` first")
    made = []
    for _ in range(count):
        with db.reading() as conn:
            picks = sorted({rng.randint(1, top) for _ in range(rng.randint(1, 3))})
            priced = [pid for pid, in conn.execute(select(Price.product_id).where(
                Price.product_id.in_(picks), Price.store_id == "WEB")).all()]
        if not priced:
            continue
        lines = [OrderLineIn(product_id=pid, quantity=rng.choice((1, 1, 2))) for pid in priced]
        with db.writing() as conn:
            total = sum(conn.execute(select(Price.gross_cents).where(Price.product_id == line.product_id,
                                                                     Price.store_id == "WEB")).scalar_one()
                        * line.quantity for line in lines)
            kind = rng.choice(("card", "paypal"))
            made.append(_create(conn, OrderIn(customer_id=rng.randint(1, customers) if customers else None,
                                              lines=lines, tenders=[OrderTenderIn(kind=kind, amount_cents=total)])))
    return made


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


router = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                   responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@router.get("/orders/{number}", response_model=OrderOut, responses={404: {"model": Problem, "description": "No such order"}})
def get_order(number: PathText, db: Annotated[BackendDatabase, Depends(_db)]) -> OrderOut:
    """An order as recorded (by order number, order id or the QR text)."""
    with db.reading() as conn:
        found = find(conn, number)
        if found is None or found.kind != "order":
            raise HTTPException(404, f"no order {number}")
        head = conn.execute(select(WebOrder.id, WebOrder.order_number, WebOrder.channel, WebOrder.customer_id,
                                   WebOrder.store_id, WebOrder.created_at, WebOrder.total_cents)
                            .where(WebOrder.id == found.id)).one()
        lines = conn.execute(select(WebOrderLine).where(WebOrderLine.order_id == found.id)
                             .order_by(WebOrderLine.line_no)).mappings().all()
        tenders = conn.execute(select(WebOrderTender.kind, WebOrderTender.amount_cents, WebOrderTender.reference)
                               .where(WebOrderTender.order_id == found.id).order_by(WebOrderTender.seq)).all()
    return OrderOut(id=head.id, order_number=head.order_number, channel=head.channel, customer_id=head.customer_id,
                    store_id=head.store_id, created_at=head.created_at, total_cents=head.total_cents,
                    lines=[OrderLineOut(**{k: v for k, v in line.items() if k != "order_id"}) for line in lines],
                    tenders=[OrderTenderIn(kind=t.kind, amount_cents=t.amount_cents, reference=t.reference)
                             for t in tenders],
                    qr_payload=f"{ORDER_QR_PREFIX}{head.order_number}")


@router.post("/orders", response_model=OrderOut, status_code=201, responses={
    409: {"model": Problem, "description": "Order number taken, or a voucher's balance is short"},
    422: {"description": "Unknown product, customer or store; tenders do not add up"}})
def post_order(body: OrderIn, db: Annotated[BackendDatabase, Depends(_db)]) -> OrderOut:
    """Record an order placed in the web shop (see the module docstring)."""
    try:
        return create_order(db, body)
    except OrderRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
