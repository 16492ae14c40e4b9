"""HTTP endpoints of the stock operations (issue 14) for operators (admin token):

    POST /v1/admin/stock/deliveries                  announce an expected delivery to a store
    GET  /v1/admin/stock/deliveries                  every store's (or one store's), by status
    GET  /v1/admin/stock/deliveries/{number}         one
    POST /v1/admin/stock/deliveries/{number}/cancel  it will not come (the store's copy follows)
    GET  /v1/admin/stock/receipts                    the receiving report: booked receipts with
                                                     their differences and reconciliation
    GET  /v1/admin/stock/counts/{count_id}           a count with its lines: snapshot, counted,
                                                     variance, booked, value at cost and at
                                                     retail (backend.stock_counts)

For devices (device token, the device's own store only):

    GET  /v1/stock/counts/{count_id}                 the merged count report (every device's
                                                     figures), for the manager's tablet before
                                                     approving

A store receives a delivery with an outbox event (stock.received, backend.stock_receiving),
never through these. Stock adjustments are issue 12's endpoint (backend.reconciliations_api).

Thread: request threads; one write transaction per request, feed changes appended last.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend import changelog, stock_counts, stock_receiving
from backend.admin import require_admin
from backend.api import Device  # backend.api imports this module inside create_app
from backend.db import BackendDatabase
from backend.models import Store
from backend.schemas import Input, PathText, Problem, QueryText
from pos_app import limits
from sync.protocol_stock import DELIVERY_NUMBER, MAX_DELIVERY_LINES, MAX_RECEIVED, CountData, DeliveryData


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]


class DeliveryLineIn(Input):
    product_id: int = Field(ge=1, le=limits.MAX_ID)
    quantity: int = Field(ge=1, le=MAX_RECEIVED)


class DeliveryIn(Input):
    """An advance shipping notice: who sends what to which store. `number` is what the
    delivery note's barcode carries (made up by the center when not given)."""

    store_id: str = Field(min_length=1, max_length=16)
    supplier: str = Field(min_length=1, max_length=limits.PERSON_NAME, description="a supplier or the warehouse")
    number: str | None = Field(default=None, min_length=1, max_length=DELIVERY_NUMBER, pattern=r"^[A-Za-z0-9-]+$")
    lines: list[DeliveryLineIn] = Field(min_length=1, max_length=MAX_DELIVERY_LINES)


class ReceiptLineOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    product_id: int
    expected: int
    received: int
    damaged: int
    short: int
    over: int
    reason: str


class ReceiptOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    receipt_id: str
    store_id: str
    delivery_number: str | None
    supplier: str
    event_id: str
    lines: list[ReceiptLineOut]
    received_by: str
    reconciliation_id: str | None  # the discrepancy its managers see, when a line differs
    booked_at: datetime


DeliveryStatus = Literal["expected", "received", "cancelled", "all"]

admin = APIRouter(prefix="/v1/admin/stock", tags=["stock"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


def _refused(exc: stock_receiving.DeliveryRefused) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@admin.post("/deliveries", response_model=DeliveryData, status_code=201, responses={
    409: {"model": Problem, "description": "The number is taken"},
    422: {"description": "Unknown store or product, a product twice"}})
def announce(body: DeliveryIn, db: Db) -> Any:
    """Announce an expected delivery; the store's devices get it with their next feed page."""
    with db.writing() as conn:
        if conn.execute(select(Store.id).where(Store.id == body.store_id)).first() is None:
            raise HTTPException(422, f"store_id: unknown store {body.store_id!r}")
        try:
            number, changes = stock_receiving.create(conn, body.store_id, body.supplier,
                                                     [(line.product_id, line.quantity) for line in body.lines],
                                                     body.number)
        except stock_receiving.DeliveryRefused as exc:
            raise _refused(exc) from exc
        changelog.append(conn, changes)
        return stock_receiving.get(conn, number)


@admin.get("/deliveries", response_model=list[DeliveryData])
def deliveries(db: Db, store_id: QueryText | None = None, status: DeliveryStatus = "expected") -> Any:
    """Expected deliveries (or another status), oldest first, at most 1,000."""
    with db.reading() as conn:
        return stock_receiving.listing(conn, store_id, None if status == "all" else status)


@admin.get("/deliveries/{number}", response_model=DeliveryData, responses={
    404: {"model": Problem, "description": "No such delivery"}})
def delivery(number: PathText, db: Db) -> Any:
    with db.reading() as conn:
        found = stock_receiving.get(conn, number)
    if found is None:
        raise HTTPException(404, f"no delivery {number}")
    return found


@admin.post("/deliveries/{number}/cancel", response_model=DeliveryData, responses={
    404: {"model": Problem, "description": "No such delivery"},
    409: {"model": Problem, "description": "Received already"}})
def cancel(number: PathText, db: Db) -> Any:
    """The delivery will not come. A store that books it anyway still gets the goods booked
    (they are on its shelf) and a reconciliation."""
    with db.writing() as conn:
        try:
            changes = stock_receiving.cancel(conn, number)
        except stock_receiving.DeliveryRefused as exc:
            raise _refused(exc) from exc
        if changes:
            changelog.append(conn, changes)
        return stock_receiving.get(conn, number)


@admin.get("/receipts", response_model=list[ReceiptOut])
def receipts(db: Db, store_id: QueryText | None = None) -> Any:
    """The receiving report: booked goods receipts, newest first (at most 500)."""
    with db.reading() as conn:
        return stock_receiving.receipts(conn, store_id)


class CountLineOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    product_id: int
    snapshot: int  # the center's stock when the first figure for it arrived (or its recount)
    counted: int  # the sum of the devices' figures
    variance: int  # counted - snapshot
    booked_delta: int | None  # what the approval booked (None while open)
    devices: int  # how many devices counted it
    price_cents: int  # the store's price per unit
    cost_cents: int | None  # the cost price per unit (None: the product has none)
    value_cost_cents: int | None  # variance x cost price (None: the product has no cost price)
    value_retail_cents: int  # variance x the store's price


class CountTotals(BaseModel):
    model_config = ConfigDict(frozen=True)
    variance_units: int
    value_cost_cents: int  # over the lines with a cost price
    value_retail_cents: int
    lines_without_cost: int


class CountReport(CountData):
    line_items: list[CountLineOut]
    totals: CountTotals


@admin.get("/counts/{count_id}", response_model=CountReport, responses={
    404: {"model": Problem, "description": "No such count"}})
def count_report(count_id: PathText, db: Db) -> Any:
    """A count with its lines (at most 10,000, by product id)."""
    with db.reading() as conn:
        found = stock_counts.report(conn, count_id)
    if found is None:
        raise HTTPException(404, f"no count {count_id}")
    return found


devices = APIRouter(prefix="/v1/stock", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})


def _device_report(count_id: str, store_id: str, db: BackendDatabase) -> Any:
    with db.reading() as conn:
        found = stock_counts.report(conn, count_id)
    if found is None or found["store_id"] != store_id:
        raise HTTPException(404, f"no count {count_id} for store {store_id}")
    return found


@devices.get("/counts/{count_id}", response_model=CountReport, responses={
    404: {"model": Problem, "description": "No such count in the device's store"}})
def device_count_report(count_id: PathText, device: Device, db: Db) -> Any:
    """A count of the device's store, merged over all its devices (at most 10,000 lines), for
    the manager's tablet before approving."""
    return _device_report(count_id, device.store_id, db)
