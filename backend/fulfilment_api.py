"""HTTP endpoints for the endless aisle (issue 14).

    GET /v1/fulfilment                            (device token) open fulfilment orders of the
                                                  device's store, sold here or to ship from here
    GET /v1/fulfilment/{number}                   (device token) one of them
    GET /v1/channel/customers/{id}/fulfilment     (admin token) a customer's orders, for every
                                                  channel (web shop, contact center, stores)

Orders are made and moved by the stores' events (backend.fulfilment_events).

Thread: request threads; one read transaction per request.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select

from backend import fulfilment
from backend.admin import require_admin
from backend.api import Device
from backend.db import BackendDatabase
from backend.schemas import PathId, PathText, Problem
from backend.transfers_models import FulfilmentOrder
from pos_app.stock.transfer_rules import RESERVING_FULFILMENT
from sync.protocol_transfers import FulfilmentData


class FulfilmentList(BaseModel):
    model_config = ConfigDict(frozen=True)
    orders: list[FulfilmentData]


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]

devices = APIRouter(prefix="/v1", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})


@devices.get("/fulfilment", response_model=FulfilmentList)
def open_orders(device: Device, db: Db) -> FulfilmentList:
    """Open orders (new or picked) sold in or to be shipped from the device's store."""
    sid = device.store_id
    with db.reading() as conn:
        ids = conn.execute(select(FulfilmentOrder.id).where(
            or_(FulfilmentOrder.store_id == sid, FulfilmentOrder.fulfil_from == sid),
            FulfilmentOrder.state.in_(RESERVING_FULFILMENT)).order_by(FulfilmentOrder.ordered_at)).scalars().all()
        docs = [fulfilment.order_doc(conn, i) for i in ids]
    return FulfilmentList(orders=[FulfilmentData.model_validate(d) for d in docs])


@devices.get("/fulfilment/{number}", response_model=FulfilmentData,
             responses={404: {"model": Problem, "description": "No such order for this store"}})
def one_order(number: PathText, device: Device, db: Db) -> FulfilmentData:
    with db.reading() as conn:
        row = fulfilment.find(conn, number)
        if row is None or device.store_id not in (row.store_id, row.fulfil_from):
            raise HTTPException(404, f"no fulfilment order {number} for store {device.store_id}")
        return FulfilmentData.model_validate(fulfilment.order_doc(conn, row.id))


channel = APIRouter(prefix="/v1/channel", tags=["fulfilment"], dependencies=[Depends(require_admin)],
                    responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@channel.get("/customers/{customer_id}/fulfilment", response_model=FulfilmentList)
def customer_orders(customer_id: PathId, db: Db) -> FulfilmentList:
    """Every fulfilment order of one customer, newest first (the profile in every channel)."""
    with db.reading() as conn:
        docs = fulfilment.of_customer(conn, customer_id)
    return FulfilmentList(orders=[FulfilmentData.model_validate(d) for d in docs])
