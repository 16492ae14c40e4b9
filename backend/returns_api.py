"""HTTP endpoints for returns and store credit.

Devices (their own token):
    GET  /v1/purchases/{number}     a sale of any store or a web order, with what already came back
    GET  /v1/vouchers/{code}        a voucher's balance (the till checks it before taking it)
Web shop (admin token, server to server):
    GET  /v1/channel/vouchers/{code}
    POST /v1/channel/vouchers/{code}/redeem   {amount_cents, reference}: idempotent per reference
Operators (admin token):
    GET  /v1/admin/return-policy, PUT /v1/admin/return-policy (synced to every store via the feed)
    GET  /v1/admin/returns          returns recorded, with their lines (for operators and tests)
    GET  /v1/admin/vouchers         vouchers (?negative=true: spent below zero)

Thread: request threads (FastAPI's pool); each request its own connection.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from sqlalchemy import insert, select

from backend import purchases, returns
from backend.admin import require_admin
from backend.auth import DeviceIdentity, authenticate_device
from backend.db import BackendDatabase
from backend.returns_models import Return, ReturnLine, ReturnTender, Voucher, VoucherMovement
from backend.schemas import Input, PathText, Problem, QueryText
from pos_app.return_policy import ReturnPolicy
from pos_app import limits
from sync.protocol import PositiveCents, PurchaseResponse, VoucherBalance, refuse_unstorable

MAX_POLICY_DAYS = 3650

_device_bearer = HTTPBearer(auto_error=False, scheme_name="DeviceToken")
NOT_FOUND = {404: {"model": Problem, "description": "Not found"}}


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


def _device(request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_device_bearer)]) -> DeviceIdentity:
    device = authenticate_device(_db(request), credentials.credentials if credentials else None)
    if device is None:
        raise HTTPException(401, "missing or unknown device token", headers={"WWW-Authenticate": "Bearer"})
    return device


Database = Annotated[BackendDatabase, Depends(_db)]
Device = Annotated[DeviceIdentity, Depends(_device)]
devices = APIRouter(prefix="/v1", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})
channel = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                    responses={401: {"model": Problem, "description": "No or wrong admin token"}})
admin = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@devices.get("/purchases/{number}", response_model=PurchaseResponse, responses=NOT_FOUND)
def purchase(number: PathText, device: Device, db: Database) -> PurchaseResponse:
    """Receipt number (any till, any store), sale id, order number or an order's QR text
    ("ORDER:<number>"). Lines carry the quantity already returned over every channel; tenders
    what was already refunded to them."""
    with db.reading() as conn:
        found = purchases.find(conn, number)
        if found is None:
            raise HTTPException(404, f"Kein Bon und keine Bestellung mit der Nummer {purchases.normalise_number(number)}")
        return purchases.load(conn, found)


def _balance(db: BackendDatabase, code: str) -> VoucherBalance:
    with db.reading() as conn:
        row = conn.execute(select(Voucher.code, Voucher.balance_cents, Voucher.initial_cents, Voucher.issued_store_id,
                                  Voucher.issued_at).where(Voucher.code == code.strip().upper())).first()
    if row is None:
        raise HTTPException(404, f"Gutschein {code.strip().upper()} unbekannt")
    return VoucherBalance(code=row[0], balance_cents=row[1], initial_cents=row[2], issued_store_id=row[3],
                          issued_at=row[4])


@devices.get("/vouchers/{code}", response_model=VoucherBalance, responses=NOT_FOUND)
def voucher_for_device(code: PathText, device: Device, db: Database) -> VoucherBalance:
    """A voucher's balance as the center knows it (redemptions still in tills' outboxes not yet)."""
    return _balance(db, code)


@channel.get("/vouchers/{code}", response_model=VoucherBalance, responses=NOT_FOUND)
def voucher_for_shop(code: PathText, db: Database) -> VoucherBalance:
    return _balance(db, code)


class RedeemIn(Input):
    amount_cents: PositiveCents
    reference: str = Field(min_length=1, max_length=60, description="the shop's order or payment id; "
                                                                     "sending it again redeems nothing more")


@channel.post("/vouchers/{code}/redeem", response_model=VoucherBalance, responses={
    **NOT_FOUND, 409: {"model": Problem, "description": "Balance too low, or the reference was used for "
                                                       "another amount"}})
def redeem(code: PathText, body: RedeemIn, db: Database) -> VoucherBalance:
    """Spend store credit in the web shop. Idempotent: the same reference again answers with
    the balance and takes nothing more."""
    code = code.strip().upper()
    with db.writing() as conn:
        balance = conn.execute(select(Voucher.balance_cents).where(Voucher.code == code).with_for_update()).scalar()
        if balance is None:
            raise HTTPException(404, f"Gutschein {code} unbekannt")
        before = conn.execute(select(VoucherMovement.delta_cents).where(
            VoucherMovement.code == code, VoucherMovement.kind == "redeemed",
            VoucherMovement.reference == body.reference)).scalar()
        if before is not None:
            if -before != body.amount_cents:
                raise HTTPException(409, f"reference {body.reference} redeemed {-before} cents before")
        elif balance < body.amount_cents:
            raise HTTPException(409, f"Gutschein {code}: Restwert {balance} Cent, verlangt {body.amount_cents}")
        else:
            conn.execute(Voucher.__table__.update().where(Voucher.code == code)
                         .values(balance_cents=Voucher.balance_cents - body.amount_cents))
            conn.execute(insert(VoucherMovement).values(code=code, delta_cents=-body.amount_cents, kind="redeemed",
                                                        reference=body.reference, store_id="WEB",
                                                        created_at=datetime.now(timezone.utc)))
    return _balance(db, code)


@admin.get("/return-policy")
def get_policy(db: Database) -> dict[str, Any]:
    """The return policy every channel follows (pos_app.return_policy.ReturnPolicy.to_dict)."""
    with db.reading() as conn:
        return returns.current_policy(conn).to_dict()


@admin.put("/return-policy", responses={422: {"model": Problem, "description": "Not a readable policy"}})
def put_policy(body: dict[str, Any], db: Database) -> dict[str, Any]:
    """Set the return policy; every store gets it with its next pull of the change feed."""
    try:
        refuse_unstorable(body)
        policy = ReturnPolicy.from_dict(body)
        _within_limits(policy)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    with db.writing() as conn:
        returns.set_policy(conn, policy, note=str(body.get("note", "")))
    with db.reading() as conn:
        return returns.current_policy(conn).to_dict()


def _within_limits(policy: ReturnPolicy) -> None:
    """Day counts and amounts every till and the center can compute with (a window of 10**30
    days was stored, and every later return check overflowed)."""
    days = [policy.window_days, policy.blind_price_days, policy.blind_limit_days,
            *(r.window_days for r in policy.category_rules if r.window_days is not None)]
    if any(not 0 <= d <= MAX_POLICY_DAYS for d in days):
        raise ValueError(f"return policy: day counts must be within 0..{MAX_POLICY_DAYS}")
    if not 0 <= policy.blind_limit_cents <= limits.MAX_CENTS or not 0 <= policy.version <= limits.MAX_COUNT:
        raise ValueError(f"return policy: blind_limit_cents within 0..{limits.MAX_CENTS}, version within "
                         f"0..{limits.MAX_COUNT}")
    if any(not 1 <= p <= limits.MAX_ID for p in policy.final_sale_product_ids):
        raise ValueError(f"return policy: product ids within 1..{limits.MAX_ID}")


@admin.get("/vouchers", response_model=list[VoucherBalance])
def list_vouchers(db: Database, negative: bool = False) -> list[VoucherBalance]:
    """Vouchers, newest first; `negative=true`: only those spent below zero (the same credit
    spent at two offline tills), for the operator to follow up."""
    stmt = select(Voucher.code, Voucher.balance_cents, Voucher.initial_cents, Voucher.issued_store_id,
                  Voucher.issued_at).order_by(Voucher.issued_at.desc()).limit(10_000)
    if negative:
        stmt = stmt.where(Voucher.balance_cents < 0)
    with db.reading() as conn:
        rows = conn.execute(stmt).all()
    return [VoucherBalance(code=r[0], balance_cents=r[1], initial_cents=r[2], issued_store_id=r[3], issued_at=r[4])
            for r in rows]


@admin.get("/returns")
def list_returns(db: Database, original_number: QueryText | None = None) -> list[dict[str, Any]]:
    """Returns recorded at the center, oldest first, with lines and refund tenders."""
    stmt = select(Return).order_by(Return.received_at, Return.id)
    if original_number is not None:
        stmt = stmt.where(Return.original_number == original_number)
    with db.reading() as conn:
        heads = conn.execute(stmt).mappings().all()
        ids = [h["id"] for h in heads]
        lines = conn.execute(select(ReturnLine).where(ReturnLine.return_id.in_(ids))
                             .order_by(ReturnLine.return_id, ReturnLine.line_no)).mappings().all()
        tenders = conn.execute(select(ReturnTender).where(ReturnTender.return_id.in_(ids))
                               .order_by(ReturnTender.return_id, ReturnTender.seq)).mappings().all()
    out = []
    for h in heads:
        item = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in h.items()}
        item["lines"] = [dict(line) for line in lines if line["return_id"] == h["id"]]
        item["tenders"] = [dict(t) for t in tenders if t["return_id"] == h["id"]]
        out.append(item)
    return out
