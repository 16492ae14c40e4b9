"""The HTTP API (FastAPI): the device endpoints of the wire protocol (sync.protocol) and the
app factory. The operator endpoints are in backend.admin.

Endpoints are plain `def`: FastAPI runs them on its thread pool, where blocking database calls
belong; each request checks out its own connection. Nothing is kept in the process between
requests, so any number of processes can serve one PostgreSQL behind a load balancer.

Order of refusals for a push: 413 (body too big, before parsing), 401 (token), 422 (the whole
batch is validated before anything is applied: bad JSON, wrong types, unknown event types, too
many events), 403 (an event for another device or store). Any of them: nothing stored.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from backend import changelog, http_errors, metrics, observability, openapi_rules
from backend.admin import router as admin_router
from backend.auth import DeviceIdentity, authenticate_device
from backend.db import BackendDatabase
from backend.events import ForbiddenBatch, apply_batch, prepare
from backend.http_limits import BodySizeLimit
from backend.models import Product, Stock, Store
from backend.schemas import FeedCursor, Health, PathId, Problem
from pos_app import limits
from sync.protocol import (MAX_BODY_BYTES, MAX_PAGE_CHANGES, PROTOCOL_VERSION, ChangePage, DeviceInfo, PushRequest,
                           PushResponse, StockResponse, StoreStock)

API_VERSION = "0.1.0"
_device_bearer = HTTPBearer(auto_error=False, scheme_name="DeviceToken",
                            description="The device's own token, from `pos-backend devices register`.")

UNAUTHORIZED = {401: {"model": Problem, "description": "No token, or not a known device's"}}


def database(request: Request) -> BackendDatabase:
    return request.app.state.db


def current_device(request: Request,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_device_bearer)]
                   ) -> DeviceIdentity:
    device = authenticate_device(database(request), credentials.credentials if credentials else None)
    if device is None:
        raise HTTPException(401, "missing or unknown device token", headers={"WWW-Authenticate": "Bearer"})
    observability.note_device(device.device_id, device.store_id)  # on this request's log lines
    return device


Device = Annotated[DeviceIdentity, Depends(current_device)]
Database = Annotated[BackendDatabase, Depends(database)]
router = APIRouter(prefix="/v1")


@router.get("/health", response_model=Health, tags=["health"],
            responses={503: {"model": Problem, "description": "The database cannot be reached"}})
def health(db: Database) -> Health:
    """For load balancers and test harnesses: no token needed; 503 while the database is away."""
    try:
        db.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        raise HTTPException(503, f"database unavailable: {type(exc).__name__}") from exc
    return Health(status="ok", database=db.dialect)  # type: ignore[arg-type]


@router.get("/device", response_model=DeviceInfo, tags=["device"], responses=UNAUTHORIZED)
def device_info(device: Device) -> DeviceInfo:
    """Who the center thinks this token belongs to (the till checks it against its settings)."""
    return DeviceInfo(device_id=device.device_id, store_id=device.store_id, name=device.name)


@router.post("/events", response_model=PushResponse, tags=["device"], responses={
    **UNAUTHORIZED,
    403: {"model": Problem, "description": "An event for another device or store; nothing stored"},
    413: {"model": Problem, "description": f"Body over {MAX_BODY_BYTES} bytes; nothing stored"},
    422: {"description": "Malformed batch (JSON, types, unknown event type, too many events); nothing stored"},
})
def push_events(request_body: PushRequest, device: Device, db: Database) -> PushResponse:
    """Apply the device's events in order, each in its own transaction. One result per event,
    in the order sent: applied, duplicate (a replay: the first outcome, nothing changed) or
    rejected (a business rule said no; `reason` says why). A rejection never stops the events
    behind it. Send the body as `Content-Type: application/json` (without it, 422)."""
    try:
        batch = prepare(device, request_body.events)
    except ForbiddenBatch as exc:
        raise HTTPException(403, str(exc)) from exc
    results = apply_batch(db, device, batch)
    metrics.count_events([e.type for e in request_body.events], [r.outcome.value for r in results])
    return PushResponse(results=results)


@router.get("/changes", response_model=ChangePage, tags=["device"], responses=UNAUTHORIZED)
def changes(device: Device, db: Database,
            after: FeedCursor = 0,
            limit: Annotated[int, Query(ge=1, le=limits.MAX_SEQ,
                                        description=f"page size; at most {MAX_PAGE_CHANGES} are sent")]
            = MAX_PAGE_CHANGES) -> Response:
    """The change feed for this device: products and customers, and its own store's prices and
    stock, with seq > `after`, in seq order. Sequences become visible in order, so after
    applying a page the device may move its cursor to `next_cursor` and never miss a change."""
    with db.reading() as conn:
        page = changelog.read_page(conn, device.store_id, after, limit)
    metrics.observe_feed_lag(after, page.high_water)
    return Response(page.to_json(), media_type="application/json")


@router.get("/stock/{product_id}", response_model=StockResponse, tags=["device"], responses={
    **UNAUTHORIZED, 404: {"model": Problem, "description": "No such product"}})
def stock_everywhere(product_id: PathId, device: Device, db: Database) -> StockResponse:
    """Stock of one product in every store and the online shop (the associate's "is it in
    Hamburg?"); a store without a stock row has 0. Online only: the till says so when offline."""
    with db.reading() as conn:
        if conn.execute(select(Product.id).where(Product.id == product_id)).first() is None:
            raise HTTPException(404, f"unknown product {product_id}")
        rows = conn.execute(
            select(Store.id, Store.name, Stock.quantity)
            .outerjoin(Stock, (Stock.store_id == Store.id) & (Stock.product_id == product_id))
            .order_by(Store.id)).all()
        from backend.pickups import reserved  # held for pickup orders (issue 5)
        from backend.transfers import fulfilment_reserved, in_transit  # issue 14

        held = {r.id: reserved(conn, r.id, [product_id]).get(product_id, 0)
                + fulfilment_reserved(conn, r.id, [product_id]).get(product_id, 0) for r in rows}
        road = in_transit(conn, None, [product_id])
    return StockResponse(product_id=product_id, stores=[
        StoreStock(store_id=r.id, store_name=r.name, quantity=r.quantity or 0, reserved=held[r.id],
                   in_transit=road.get((product_id, r.id), 0)) for r in rows])


def create_app(database_url: str, admin_token: str) -> FastAPI:
    """The backend as an ASGI app. Does not migrate: `pos-backend serve` migrates first, and
    tests migrate their fresh databases themselves."""
    if not admin_token:
        raise ValueError("an admin token is required")
    db = BackendDatabase(database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from backend.receipts_mail import loop_from_env  # digital receipts by e-mail (issue 16)

        mail = loop_from_env(db)
        if mail is not None:
            mail.start()
        yield
        if mail is not None:
            mail.stop()
        db.close()

    app = FastAPI(
        title="OmniPOS central backend", version=API_VERSION, lifespan=lifespan,
        description=("The single source of truth for products, prices, stock, customers and sales. "
                     f"Devices speak wire protocol version {PROTOCOL_VERSION} (sync/protocol.py): "
                     "push events to /v1/events, pull the change feed from /v1/changes."))
    app.state.db = db
    openapi_rules.install(app)  # the spec says exactly what is answered
    app.state.admin_token = admin_token
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    from backend.trusted_time import CenterClock  # X-Center-Time on every answer (issue 12)

    app.add_middleware(CenterClock)
    observability.install(app, db)  # request ids, JSON request log lines, /metrics
    http_errors.install(app)  # 422 for values no database holds, the spec's bodies, a full Allow
    app.include_router(router)
    app.include_router(admin_router)
    from backend import orders, returns_api, web_returns  # web orders, returns, vouchers (issue 6)

    for extra in (orders.router, web_returns.router, returns_api.devices, returns_api.channel, returns_api.admin):
        app.include_router(extra)
    from backend import clienteling_api  # customer search, profile, carts, cases, notes (issue 4)
    from backend import pickups_api  # click and collect, reservations (issue 5)
    from backend import receipts_api  # digital receipts by their short link (issue 16)

    for extra in (pickups_api.channel, pickups_api.admin, pickups_api.devices,
                  clienteling_api.devices, clienteling_api.channel, receipts_api.router):
        app.include_router(extra)
    from backend import reconciliations_api  # reconciliations, stock adjustments (issue 12)

    for extra in (reconciliations_api.devices, reconciliations_api.admin):
        app.include_router(extra)
    from backend import quick_keys_api  # the tills' product grid per store (issue 13)

    app.include_router(quick_keys_api.admin)
    from backend import fulfilment_api, transfers_api  # transfers, the endless aisle (issue 14)

    for extra in (transfers_api.devices, transfers_api.admin, fulfilment_api.devices, fulfilment_api.channel):
        app.include_router(extra)
    from backend import stock_api  # expected deliveries, the receiving report (issue 14)

    app.include_router(stock_api.admin)
    app.include_router(stock_api.devices)
    from backend import stock_costs  # cost prices (issue 14)

    app.include_router(stock_costs.admin)
    from backend import gift_cards_api, loyalty_points, price_history  # gift cards, points, prices (issue 15)

    for extra in (gift_cards_api.channel, gift_cards_api.devices, loyalty_points.devices, price_history.admin):
        app.include_router(extra)
    from backend import cart_pricing, promotions_api  # promotions, coupons, cart pricing (issue 15)

    for extra in (promotions_api.admin, promotions_api.devices, promotions_api.channel, cart_pricing.router):
        app.include_router(extra)
    return app


def openapi_text() -> str:
    """The OpenAPI document as committed in backend/openapi.json: keys sorted, indent 2, so
    that a diff shows only real changes (tests/backend/test_openapi.py keeps the file fresh)."""
    spec = create_app("sqlite://", "unused").openapi()  # no connection is made
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
