"""Operator endpoints (admin token): register devices, and look at what the center holds, so
that operators and integration tests can compare the center with a store."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from backend.auth import UnknownStore, admin_token_matches, register_device
from backend.db import BackendDatabase
from backend.models import ProcessedEvent, Sale, Stock
from backend.schemas import (DeviceRegistration, ProcessedEventRow, Problem, QueryText, RegisteredDevice, SaleSummary,
                             StockRow)
from sync.protocol import Id

MAX_ROWS = 100_000
_admin_bearer = HTTPBearer(auto_error=False, scheme_name="AdminToken",
                           description="The operator's token ($POS_ADMIN_TOKEN or <data dir>/admin.token).")


def require_admin(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_admin_bearer)]) -> None:
    if not admin_token_matches(request.app.state.admin_token, credentials.credentials if credentials else None):
        raise HTTPException(401, "missing or wrong admin token", headers={"WWW-Authenticate": "Bearer"})


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Database = Annotated[BackendDatabase, Depends(_db)]
router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@router.post("/devices", response_model=RegisteredDevice, responses={
    404: {"model": Problem, "description": "Unknown store"}})
def register(body: DeviceRegistration, db: Database) -> RegisteredDevice:
    """Register a device and return its token (shown once). Registering a known id again
    issues a new token; the old one stops working."""
    try:
        token = register_device(db, body.device_id, body.store_id, body.name)
    except UnknownStore as exc:
        raise HTTPException(404, str(exc)) from exc
    return RegisteredDevice(device_id=body.device_id, token=token)


@router.get("/sales", response_model=list[SaleSummary])
def sales(db: Database, device_id: QueryText | None = None,
          limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = MAX_ROWS) -> list[SaleSummary]:
    """Sales recorded at the center, oldest first (optionally one device's)."""
    stmt = select(Sale.id, Sale.receipt_number, Sale.store_id, Sale.device_id, Sale.total_cents, Sale.created_at)
    if device_id is not None:
        stmt = stmt.where(Sale.device_id == device_id)
    with db.reading() as conn:
        rows = conn.execute(stmt.order_by(Sale.created_at, Sale.id).limit(limit)).all()
    return [SaleSummary(sale_id=r.id, receipt_number=r.receipt_number, store_id=r.store_id, device_id=r.device_id,
                        total_cents=r.total_cents, created_at=r.created_at) for r in rows]


@router.get("/stock", response_model=list[StockRow])
def stock(db: Database, product_id: Annotated[list[Id], Query(min_length=1, max_length=1000)],
          store_id: QueryText | None = None) -> list[StockRow]:
    """Stock rows of the given products (repeat `product_id`), optionally of one store."""
    stmt = select(Stock.product_id, Stock.store_id, Stock.quantity).where(Stock.product_id.in_(product_id))
    if store_id is not None:
        stmt = stmt.where(Stock.store_id == store_id)
    with db.reading() as conn:
        rows = conn.execute(stmt.order_by(Stock.product_id, Stock.store_id)).all()
    return [StockRow(product_id=r.product_id, store_id=r.store_id, quantity=r.quantity) for r in rows]


@router.get("/events", response_model=list[ProcessedEventRow])
def processed_events(db: Database, device_id: QueryText | None = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = MAX_ROWS) -> list[ProcessedEventRow]:
    """The idempotency register: every event id seen, with its first outcome, by device and seq."""
    stmt = select(ProcessedEvent.id, ProcessedEvent.device_id, ProcessedEvent.seq, ProcessedEvent.type,
                  ProcessedEvent.outcome, ProcessedEvent.reason, ProcessedEvent.change_seq)
    if device_id is not None:
        stmt = stmt.where(ProcessedEvent.device_id == device_id)
    with db.reading() as conn:
        rows = conn.execute(stmt.order_by(ProcessedEvent.device_id, ProcessedEvent.seq).limit(limit)).all()
    return [ProcessedEventRow(id=r.id, device_id=r.device_id, seq=r.seq, type=r.type, outcome=r.outcome,
                              reason=r.reason, change_seq=r.change_seq) for r in rows]
