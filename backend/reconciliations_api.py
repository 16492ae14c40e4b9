"""HTTP endpoints for reconciliations (backend.reconciliations) and stock adjustments.

    GET  /v1/reconciliations                       (device token) its own store's items
    GET  /v1/admin/reconciliations                 every store's, or one store's
    POST /v1/admin/reconciliations/{id}/close      an operator closes an item with a resolution
    POST /v1/admin/stock/adjustments               a count or correction at the center

A store's manager closes items from the store app instead: that is an outbox event
(reconciliation.closed), so it works offline, is audited there, and arrives exactly once.

Thread: request threads; one write transaction per request, feed changes appended last.
"""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from backend import changelog, reconciliations
from backend.admin import require_admin
from backend.api import Device
from backend.db import BackendDatabase
from backend.models import Product, Stock, Store
from backend.schemas import PathText, Problem, QueryText
from pos_app.reconciliation_rules import MAX_NOTE
from sync.protocol import ChangeKind
from sync.protocol_reconciliations import ReconciliationData

Status = Literal["open", "closed", "all"]


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    resolution: str = Field(min_length=1, max_length=20, description="see pos_app.reconciliation_rules.RESOLUTIONS")
    note: str = Field(default="", max_length=MAX_NOTE)
    closed_by: str = Field(min_length=1, max_length=80)


class AdjustmentIn(BaseModel):
    """Either the counted quantity (the center works out the change) or the change itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    store_id: str = Field(min_length=1, max_length=16)
    product_id: int = Field(ge=1, le=2**31 - 1)
    counted: int | None = Field(default=None, ge=0, le=999_999)
    delta: int | None = Field(default=None, ge=-99_999, le=99_999)
    reason: Literal["count", "correction", "damaged", "theft", "own_use", "found"] = "count"
    adjusted_by: str = Field(min_length=1, max_length=80)

    @model_validator(mode="after")
    def _one_of(self) -> "AdjustmentIn":
        if (self.counted is None) == (self.delta is None):
            raise ValueError("send either counted or delta")
        return self


class AdjustmentOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    store_id: str
    product_id: int
    quantity: int
    closed: list[str]  # reconciliations this adjustment closed (negative stock)


def _status(status: Status) -> str | None:
    return None if status == "all" else status


devices = APIRouter(prefix="/v1", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})


@devices.get("/reconciliations", response_model=list[ReconciliationData])
def store_items(device: Device, db: Db, status: Status = "open") -> list[ReconciliationData]:
    """This device's store's reconciliations (open by default), oldest first."""
    with db.reading() as conn:
        return [ReconciliationData.model_validate(d)
                for d in reconciliations.open_items(conn, device.store_id, _status(status))]


admin = APIRouter(prefix="/v1/admin", tags=["reconciliations"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@admin.get("/reconciliations", response_model=list[ReconciliationData])
def all_items(db: Db, store_id: QueryText | None = None,
              status: Status = "open") -> list[ReconciliationData]:
    """Reconciliations of every store (or one), open by default, oldest first."""
    with db.reading() as conn:
        return [ReconciliationData.model_validate(d) for d in reconciliations.open_items(conn, store_id, _status(status))]


@admin.post("/reconciliations/{rec_id}/close", response_model=ReconciliationData, responses={
    404: {"model": Problem, "description": "No such reconciliation"},
    409: {"model": Problem, "description": "Closed already with another resolution"},
    422: {"description": "A resolution that does not fit the kind"}})
def close_item(rec_id: PathText, body: CloseIn, db: Db) -> ReconciliationData:
    """Close an item with a resolution (closing again with the same resolution changes nothing)."""
    with db.writing() as conn:
        try:
            changes = reconciliations.close(conn, rec_id, body.resolution, body.note, body.closed_by, "admin")
        except reconciliations.NotClosable as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        if changes:
            changelog.append(conn, changes)
        return ReconciliationData.model_validate(reconciliations.doc(reconciliations.get_row(conn, rec_id)))


@admin.post("/stock/adjustments", response_model=AdjustmentOut, responses={
    422: {"description": "Unknown store or product, or neither/both of counted and delta"}})
def adjust(body: AdjustmentIn, db: Db) -> AdjustmentOut:
    """Set a product's stock in a store to what was counted (or move it by `delta`). Stock at
    zero or more afterwards closes the open negative-stock alert of that product and store."""
    with db.writing() as conn:
        if conn.execute(select(Store.id).where(Store.id == body.store_id)).first() is None:
            raise HTTPException(422, f"unknown store {body.store_id!r}")
        if conn.execute(select(Product.id).where(Product.id == body.product_id)).first() is None:
            raise HTTPException(422, f"unknown product id {body.product_id}")
        current = conn.execute(select(Stock.quantity).where(Stock.product_id == body.product_id,
                                                            Stock.store_id == body.store_id)
                               .with_for_update()).scalar() or 0
        delta = body.delta if body.delta is not None else int(body.counted or 0) - int(current)
        ref = f"admin:{uuid.uuid4()}"
        quantity, changes = reconciliations.adjust_stock(
            conn, body.store_id, body.product_id, delta, reason=body.reason, refs=[], adjusted_by=body.adjusted_by,
            ref=ref, counted=body.counted)
        changes += reconciliations.watch_stock(conn, changes, lambda _n: ref)
        closed = [c.key for c in changes if c.kind == ChangeKind.RECONCILIATION and c.data and c.data["status"] == "closed"]
        changelog.append(conn, changes)
    return AdjustmentOut(store_id=body.store_id, product_id=body.product_id, quantity=quantity, closed=closed)
