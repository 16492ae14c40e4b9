"""HTTP endpoints for click and collect.

    POST /v1/channel/pickups                  (admin token) a pay-in-store pickup order or a
                                              reservation, from the web shop or the contact center
    GET  /v1/channel/pickups/{number}         the order as the center holds it
    GET  /v1/channel/pickups/{number}/notifications   what the customer was told
    POST /v1/channel/pickups/{number}/cancel  cancel (releases the reserved stock, refunds what was prepaid)
    GET  /v1/channel/pickups/{number}/refunds what was refunded for it
    POST /v1/admin/pickups/sweep              send due reminders, expire overdue orders
    POST /v1/pickups/reservations             (device token) a reservation made in a store

Prepaid pickup orders come through POST /v1/channel/orders with "fulfilment": "pickup".

Thread: request threads; one write transaction per request, changes appended last.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from backend import changelog, pickup_refunds, pickups
from backend.admin import require_admin
from backend.api import Device
from backend.db import BackendDatabase
from backend.orders import new_order_number
from backend.pickup_models import PickupNotification
from backend.pickups import PickupIn, Refused
from backend.schemas import PathText, Problem
from sync.protocol import PickupOrderData


class NotificationOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    channel: str
    recipient: str
    text: str
    created_at: datetime


class SweepOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    reminded: int
    expired: int


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]


def create_pickup(db: BackendDatabase, body: PickupIn) -> PickupOrderData:
    number = body.order_number or ("R" if body.kind == "reservation" else "A") + new_order_number()[1:]
    created = body.created_at or datetime.now(timezone.utc)
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    with db.writing() as conn:
        lines = pickups.priced_lines(conn, body.store_id, body.lines)
        order_id, changes = pickups.place(
            conn, kind=body.kind, number=number, store_id=body.store_id, customer_id=body.customer_id,
            contact=body.contact, payment="none" if body.kind == "reservation" else "in_store", lines=lines,
            created=created)
        doc = pickups.order_doc(conn, order_id)
        changelog.append(conn, changes)
    return PickupOrderData.model_validate(doc)


channel = APIRouter(prefix="/v1/channel", tags=["pickups"], dependencies=[Depends(require_admin)],
                    responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@channel.post("/pickups", response_model=PickupOrderData, status_code=201, responses={
    409: {"model": Problem, "description": "Not enough available stock in the store, or the number is taken"},
    422: {"description": "Unknown product, customer or store"}})
def post_pickup(body: PickupIn, db: Db) -> PickupOrderData:
    """A pickup order paid in the store, or a reservation (kind "reservation", nothing paid):
    the goods are reserved in `store_id` at once and the order reaches the store's tills
    through the change feed."""
    try:
        return create_pickup(db, body)
    except Refused as exc:
        raise HTTPException(exc.status, str(exc)) from exc


@channel.get("/pickups/{number}", response_model=PickupOrderData,
             responses={404: {"model": Problem, "description": "No such pickup order"}})
def get_pickup(number: PathText, db: Db) -> PickupOrderData:
    """A pickup order by number, id or QR text."""
    with db.reading() as conn:
        found = pickups.find(conn, number)
        if found is None:
            raise HTTPException(404, f"no pickup order {number}")
        return PickupOrderData.model_validate(pickups.order_doc(conn, found.id))


@channel.get("/pickups/{number}/notifications", response_model=list[NotificationOut],
             responses={404: {"model": Problem, "description": "No such pickup order"}})
def get_notifications(number: PathText, db: Db) -> list[NotificationOut]:
    """The messages recorded for the customer (ready, reminder), oldest first."""
    with db.reading() as conn:
        found = pickups.find(conn, number)
        if found is None:
            raise HTTPException(404, f"no pickup order {number}")
        rows = conn.execute(select(PickupNotification).where(PickupNotification.order_id == found.id)
                            .order_by(PickupNotification.id)).all()
    return [NotificationOut(kind=r.kind, channel=r.channel, recipient=r.recipient, text=r.text,
                            created_at=r.created_at) for r in rows]


class PickupCancelledOut(PickupOrderData):
    """The cancelled order with what was refunded for it (prepaid orders)."""

    refunds: list[pickup_refunds.RefundOut] = []


@channel.post("/pickups/{number}/cancel", response_model=PickupCancelledOut, responses={
    404: {"model": Problem, "description": "No such pickup order"},
    409: {"model": Problem, "description": "The order's state does not allow it (handed over, say)"}})
def cancel_pickup(number: PathText, db: Db) -> PickupCancelledOut:
    """Cancel an order that was not handed over: its reserved stock is released and what was
    prepaid is refunded through the payment provider (one refund per paid tender, recorded on
    the order). Idempotent: cancelling a cancelled order changes nothing and refunds nothing
    again; a refund still pending (the provider was away) is asked for again, with the same
    idempotency key, so it is never paid twice."""
    with db.writing() as conn:
        found = pickups.find(conn, number, lock=True)
        if found is None:
            raise HTTPException(404, f"no pickup order {number}")
        if found.state != "cancelled":
            try:
                pickups.move(conn, found, "cancelled", closed_at=datetime.now(timezone.utc))
            except Refused as exc:
                raise HTTPException(exc.status, str(exc)) from exc
            pickup_refunds.record_pending(conn, found, datetime.now(timezone.utc))
            changelog.append(conn, [pickups.feed_change(conn, found.id)])
        order_number = found.order_number
    pickup_refunds.settle(db, order_number)  # after COMMIT: the provider is outside our transaction
    with db.reading() as conn:
        doc = pickups.order_doc(conn, found.id)
        refunds = pickup_refunds.refunds_of(conn, order_number)
    return PickupCancelledOut.model_validate({**doc, "refunds": refunds})


@channel.get("/pickups/{number}/refunds", response_model=list[pickup_refunds.RefundOut],
             responses={404: {"model": Problem, "description": "No such pickup order"}})
def get_refunds(number: str, db: Db) -> list[pickup_refunds.RefundOut]:
    """What was refunded for the order (pending: recorded, not yet confirmed by the provider)."""
    with db.reading() as conn:
        found = pickups.find(conn, number)
        if found is None:
            raise HTTPException(404, f"no pickup order {number}")
        return pickup_refunds.refunds_of(conn, found.order_number)


admin = APIRouter(prefix="/v1/admin", tags=["pickups"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@admin.post("/pickups/sweep", response_model=SweepOut)
def sweep(db: Db) -> SweepOut:
    """Remind customers whose order expires within a day (once), expire overdue orders, and
    ask the payment provider for refunds still pending (a scheduler calls this, say every 15
    minutes)."""
    with db.writing() as conn:
        reminded, expired, changes = pickups.sweep(conn, datetime.now(timezone.utc))
        if changes:
            changelog.append(conn, changes)
    pickup_refunds.settle_all(db)  # refunds recorded by store events (after COMMIT: the provider is outside)
    return SweepOut(reminded=reminded, expired=expired)


devices = APIRouter(prefix="/v1/pickups", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})


@devices.post("/reservations", response_model=PickupOrderData, status_code=201, responses={
    409: {"model": Problem, "description": "Not enough available stock in that store"},
    422: {"description": "Unknown product, customer or store"}})
def post_reservation(body: PickupIn, db: Db,
                     device: Device) -> PickupOrderData:
    """An associate reserves an item for a customer in any store (kind is always
    "reservation"). Online only: the store app says so when the center cannot be reached."""
    try:
        return create_pickup(db, body.model_copy(update={"kind": "reservation"}))
    except Refused as exc:
        raise HTTPException(exc.status, str(exc)) from exc


def simulate_pickups(db: BackendDatabase, count: int, store_id: str | None, rng: Any) -> list[PickupOrderData]:
    """`count` pay-in-store pickup orders of 1-2 products that the store has available
    (`pos-backend simulate --pickups N [--pickup-store HAM]`): work for a store's queue."""
    from sqlalchemy import func

    from backend.models import Customer, Stock, Store
    made: list[PickupOrderData] = []
    with db.reading() as conn:
        stores = [store_id] if store_id else list(conn.execute(select(Store.id).where(Store.kind == "store")).scalars())
        customers = conn.execute(select(func.max(Customer.id))).scalar() or 0
    for _ in range(count):
        store = rng.choice(stores)
        with db.reading() as conn:
            stocked = list(conn.execute(select(Stock.product_id).where(Stock.store_id == store, Stock.quantity > 2)
                                        .order_by(Stock.product_id).limit(500)).scalars())
        if not stocked:
            continue
        picks = sorted(set(rng.sample(stocked, min(len(stocked), rng.randint(1, 2)))))
        body = PickupIn(store_id=store, customer_id=rng.randint(1, customers) if customers else None,
                        contact=pickups.PickupContact(name="" if customers else "Gast", phone="0170 5550100"),
                        lines=[pickups.PickupLineIn(product_id=p, quantity=1) for p in picks])
        try:
            made.append(create_pickup(db, body))
        except Refused:
            continue  # reserved away meanwhile, or no price: skip this one
    return made
