"""Returns in the web shop (POST /v1/channel/returns, admin token): the same policy and the
same checks as at a till, so a web order can come back partly by post and partly in a store,
never more than was bought.

The shop names the order and its lines; the center works out the refund (the per-unit shares of
pos_app.refunds, the same code the tills use), checks the policy (window, final sale, reasons:
pos_app.return_policy) and records the return like a till's return.completed (backend.returns),
in store "WEB": resellable items go back into the web warehouse's stock. The money goes back
to the order's tenders (card and PayPal up to what each paid, less what was refunded already),
or all of it as a voucher when the shop asks for store credit or the policy says so.

Thread: request threads; one write transaction per return.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from backend import purchases, returns
from backend.admin import require_admin
from backend.changelog import PendingChange, append
from backend.db import BackendDatabase
from backend.schemas import Input, Problem
from pos_app import limits
from pos_app.refunds import PurchaseLine, RefundError
from pos_app.return_policy import PolicyError
from sync.protocol import ReturnCompletedV1

WEB_STORE = "WEB"


class _In(Input):
    """Request bodies (backend.schemas.Input: the one text check)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebReturnLineIn(_In):
    line_no: int = Field(ge=1, le=limits.MAX_COUNT)
    quantity: int = Field(ge=1, le=999)
    condition: Literal["resellable", "damaged"] = "resellable"
    reason_code: str = Field(min_length=1, max_length=40)
    reason_text: str = Field(default="", max_length=200)


class WebReturnIn(_In):
    order_number: str = Field(min_length=1, max_length=40)
    lines: list[WebReturnLineIn] = Field(min_length=1, max_length=500)
    store_credit: StrictBool = False


class WebReturnOut(_Out):
    return_id: str
    return_number: str
    total_cents: int
    tenders: list[dict[str, int | str]]


class WebReturnRefused(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def record_web_return(db: BackendDatabase, body: WebReturnIn) -> WebReturnOut:
    now = datetime.now(timezone.utc)
    with db.writing() as conn:
        found = purchases.find(conn, body.order_number, lock=True)
        if found is None or found.kind != "order":
            raise WebReturnRefused(404, f"Keine Bestellung {body.order_number}")
        order = purchases.load(conn, found)
        policy = returns.current_policy(conn)
        lines = {line.line_no: PurchaseLine(line.line_no, line.product_id, line.sku, line.name, line.category,
                                            line.quantity, line.returned_quantity, line.total_cents,
                                            line.refunded_cents, line.vat_percent) for line in order.lines}
        out_lines = []
        try:
            for n, asked in enumerate(body.lines, 1):
                line = lines.get(asked.line_no)
                if line is None:
                    raise RefundError(f"{order.number} hat keine Position {asked.line_no}")
                policy.check_reason(asked.reason_code, asked.reason_text)
                policy.check_item(line.product_id, line.name, line.category, order.created_at, now)
                refund = line.refund_for(asked.quantity)
                lines[asked.line_no] = replace(line, returned_quantity=line.returned_quantity + asked.quantity,
                                               refunded_cents=line.refunded_cents + refund)
                out_lines.append({"line_no": n, "original_line_no": line.line_no, "product_id": line.product_id,
                                  "sku": line.sku, "name": line.name, "quantity": asked.quantity,
                                  "refund_cents": refund, "vat_percent": line.vat_percent,
                                  "condition": asked.condition, "reason_code": asked.reason_code,
                                  "reason_text": asked.reason_text})
        except (RefundError, PolicyError) as exc:
            raise WebReturnRefused(409, str(exc)) from exc
        total = sum(line["refund_cents"] for line in out_lines)
        tenders = _refund_tenders(order.tenders, total, body.store_credit or policy.refund_as_store_credit)
        return_id = str(uuid.uuid4())
        number = f"R-{order.number}-{secrets.token_hex(2).upper()}"
        payload = ReturnCompletedV1.model_validate({
            "return_id": return_id, "return_number": number, "store_id": WEB_STORE, "device_id": "web-shop",
            "cashier_id": 0, "created_at": now, "total_cents": total, "lines": out_lines, "tenders": tenders,
            "original": {"kind": "order", "id": order.id, "number": order.number}, "customer_id": order.customer_id})
        changes: list[PendingChange] = []
        reason = returns.record_return(conn, return_id, None, payload, now, changes)
        if reason is not None:
            raise WebReturnRefused(409, reason)
        if changes:  # the commit-order rule: the feed append is the last contending statement
            append(conn, changes, now)
    return WebReturnOut(return_id=return_id, return_number=number, total_cents=total, tenders=tenders)


def _refund_tenders(paid: list, total: int, store_credit: bool) -> list[dict[str, int | str]]:
    """Card, then PayPal, up to what each paid and was not refunded yet; the rest (and all of it
    as store credit) as a new voucher."""
    if total == 0:
        return []
    if store_credit:
        return [{"kind": "voucher", "amount_cents": total, "reference": _voucher_code()}]
    out, left = [], total
    for kind in ("card", "paypal"):
        cap = sum(t.amount_cents - t.refunded_cents for t in paid if t.kind == kind)
        take = min(max(cap, 0), left)
        if take:
            out.append({"kind": kind, "amount_cents": take, "reference": ""})
            left -= take
    if left:
        out.append({"kind": "voucher", "amount_cents": left, "reference": _voucher_code()})
    return out


def _voucher_code() -> str:
    return "GS-" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


router = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                   responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@router.post("/returns", response_model=WebReturnOut, status_code=201, responses={
    404: {"model": Problem, "description": "No such order"},
    409: {"model": Problem, "description": "Refused: more than bought, policy (window, final sale, reason)"}})
def post_web_return(body: WebReturnIn, db: Annotated[BackendDatabase, Depends(_db)]) -> WebReturnOut:
    """A return handled by the web shop (see the module docstring)."""
    try:
        return record_web_return(db, body)
    except WebReturnRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
