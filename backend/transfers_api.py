"""HTTP endpoints for stock between stores (issue 14).

    GET  /v1/availability/{product_id}        (device token) one product in every store and the
                                              web warehouse: on hand, reserved, promised to
                                              transfers, in transit, available (the endless
                                              aisle's and the transfer request's "where is it?")
    GET  /v1/transfers                        (device token) the open transfers of the device's store
    GET  /v1/transfers/{number}               (device token) one transfer of the device's store
    POST /v1/admin/transfers/{number}/close   (admin token) close a received transfer

Transfers themselves are made and moved by the stores' events (backend.transfers_events).

Thread: request threads; one transaction per request, feed changes appended last.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select

from backend import changelog, transfers, transfers_events
from backend.admin import require_admin
from backend.api import Device
from backend.db import BackendDatabase
from backend.models import Product
from backend.schemas import PathId, PathText, Problem
from backend.transfers_models import Transfer
from pos_app.stock.transfer_rules import OPEN_TRANSFER, StepRefused
from sync.protocol_transfers import TransferData


class PlaceAvailability(BaseModel):
    model_config = ConfigDict(frozen=True)
    store_id: str
    store_name: str
    kind: str  # store | web (the web warehouse)
    quantity: int
    reserved: int
    promised: int
    in_transit: int
    available: int


class AvailabilityOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    product_id: int
    places: list[PlaceAvailability]


class TransferList(BaseModel):
    model_config = ConfigDict(frozen=True)
    transfers: list[TransferData]


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]
NOT_FOUND = {404: {"model": Problem, "description": "No such transfer for this store"}}

devices = APIRouter(prefix="/v1", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})


@devices.get("/availability/{product_id}", response_model=AvailabilityOut,
             responses={404: {"model": Problem, "description": "No such product"}})
def availability(product_id: PathId, device: Device, db: Db) -> AvailabilityOut:
    """Where one product can be had: every store and the web warehouse. Online only: the till
    falls back to its last synced figures (and says so) when the center cannot be reached."""
    with db.reading() as conn:
        if conn.execute(select(Product.id).where(Product.id == product_id)).first() is None:
            raise HTTPException(404, f"unknown product {product_id}")
        places = transfers.availability(conn, product_id)
    return AvailabilityOut(product_id=product_id, places=[PlaceAvailability(**p) for p in places])


@devices.get("/transfers", response_model=TransferList)
def open_transfers(device: Device, db: Db) -> TransferList:
    """The device's store's open transfers, sent and received (the feed carries them too)."""
    sid = device.store_id
    with db.reading() as conn:
        ids = conn.execute(select(Transfer.id).where(or_(Transfer.from_store_id == sid, Transfer.to_store_id == sid),
                                                     Transfer.state.in_(OPEN_TRANSFER))
                           .order_by(Transfer.requested_at, Transfer.number)).scalars().all()
        docs = [transfers.transfer_doc(conn, i) for i in ids]
    return TransferList(transfers=[TransferData.model_validate(d) for d in docs])


@devices.get("/transfers/{number}", response_model=TransferData, responses=NOT_FOUND)
def one_transfer(number: PathText, device: Device, db: Db) -> TransferData:
    with db.reading() as conn:
        row = transfers.find(conn, number)
        if row is None or device.store_id not in (row.from_store_id, row.to_store_id):
            raise HTTPException(404, f"no transfer {number} for store {device.store_id}")
        return TransferData.model_validate(transfers.transfer_doc(conn, row.id))


admin = APIRouter(prefix="/v1/admin", tags=["transfers"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@admin.post("/transfers/{number}/close", response_model=TransferData, responses={
    **NOT_FOUND, 409: {"model": Problem, "description": "The transfer is not received yet"}})
def close_transfer(number: PathText, db: Db) -> TransferData:
    """Close a received transfer (with a difference: once both stores settled the discrepancy)."""
    with db.writing() as conn:
        try:
            row, changes = transfers_events.close(conn, number)
        except LookupError:
            raise HTTPException(404, f"no transfer {number}") from None
        except StepRefused as exc:
            raise HTTPException(409, str(exc)) from exc
        doc = transfers.transfer_doc(conn, row.id)
        changelog.append(conn, changes)
    return TransferData.model_validate(doc)
