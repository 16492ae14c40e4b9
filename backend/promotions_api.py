"""HTTP endpoints for promotions and coupons (backend.promotions).

    POST /v1/admin/promotions                 define a promotion (the operator; 422 names the field)
    GET  /v1/admin/promotions                 all, or those live now (?active=true)
    POST /v1/admin/promotions/{id}/end        end it now (the center's clock)
    POST /v1/coupons/redeem                   (device token) a till's online coupon check: one use
    POST /v1/channel/coupons/redeem           (admin token) the web shop's / contact center's

The cart pricing of the channels is backend.cart_pricing. A till that is offline books a coupon
through its outbox instead (event coupon.redeemed, sync.protocol_prices).

Thread: request threads; one write transaction per request, feed changes appended last.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from backend import changelog, promotions
from backend.admin import require_admin
from backend.api import Device
from backend.db import BackendDatabase
from backend.schemas import Input, PathId, Problem
from pos_app import limits
from pos_app.prices import promotions as rules
from sync.protocol import Cents, Id, Moment, PositiveCents
from sync.protocol_prices import CouponRedeemRequest, CouponRedeemResponse


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]
Kind = Literal["percent_off", "amount_off", "member_price", "buy_x_pay_y", "mix_match", "bundle", "threshold"]
ScopeText = Annotated[str, Field(min_length=1, max_length=20)]


class PromotionIn(Input):
    """A promotion as the operator defines it (pos_app.prices.promotions: kinds and checks)."""

    id: Id | None = Field(default=None, description="default: the next free id")
    name: str = Field(min_length=1, max_length=rules.NAME_LENGTH)
    kind: Kind
    percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)] | None = Field(
        default=None, description="percent_off, threshold: 0.01 .. 100 (two decimals)")
    amount_cents: PositiveCents | None = Field(default=None, description="amount_off (per unit, or off the cart), threshold")
    price_cents: Cents | None = Field(default=None, description="member_price (per unit), mix_match (per group), bundle (per set)")
    buy: int | None = Field(default=None, ge=2, le=100, description="buy_x_pay_y, mix_match: units in a group")
    pay: int | None = Field(default=None, ge=0, le=99, description="buy_x_pay_y: units paid of each group")
    threshold_cents: PositiveCents | None = Field(default=None, description="threshold: from this (discounted) subtotal")
    product_ids: list[Id] = Field(default_factory=list, max_length=rules.MAX_TARGETS)
    categories: list[Annotated[str, Field(min_length=1, max_length=limits.CATEGORY)]] = Field(
        default_factory=list, max_length=rules.MAX_TARGETS)
    stores: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(default_factory=list, max_length=rules.MAX_SCOPE)
    channels: list[Literal["store", "web", "phone"]] = Field(default_factory=list, max_length=3)
    tiers: list[ScopeText] = Field(default_factory=list, max_length=rules.MAX_SCOPE)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    coupon_code: str | None = Field(default=None, min_length=1, max_length=rules.CODE_LENGTH)
    coupon_limit: int | None = Field(default=None, ge=1, le=limits.MAX_COUNT, description="1: single use")


class PromotionOut(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: int
    name: str
    kind: str
    created_at: datetime
    ended_at: datetime | None


def _refused(exc: promotions.Refused) -> HTTPException:
    return HTTPException(exc.status, f"{exc.field}: {exc}" if exc.field else str(exc))


admin = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@admin.post("/promotions", response_model=PromotionOut, status_code=201, responses={
    409: {"model": Problem, "description": "The id is taken"},
    422: {"description": "A check failed (the message names the field), or an unknown product"}})
def add_promotion(body: PromotionIn, db: Db) -> dict[str, Any]:
    """Define a promotion once; every store gets it through the feed."""
    data = body.model_dump(mode="json")
    if body.percent is not None:
        data["percent"] = str(body.percent)
    try:
        with db.writing() as conn:
            made, changes = promotions.add(conn, data)
            changelog.append(conn, changes)
    except promotions.Refused as exc:
        raise _refused(exc) from exc
    return made


@admin.get("/promotions", response_model=list[PromotionOut])
def list_promotions(db: Db, active: bool = False) -> list[dict[str, Any]]:
    """Every promotion, or (active=true) those live now on the center's clock."""
    from backend.promotions import _now

    with db.reading() as conn:
        return promotions.listing(conn, _now() if active else None)


@admin.post("/promotions/{promotion_id}/end", response_model=PromotionOut, responses={
    404: {"model": Problem, "description": "No such promotion"}})
def end_promotion(promotion_id: PathId, db: Db) -> dict[str, Any]:
    """End a promotion now; ending it again changes nothing."""
    try:
        with db.writing() as conn:
            ended, changes = promotions.end(conn, promotion_id)
            if changes:
                changelog.append(conn, changes)
    except promotions.Refused as exc:
        raise _refused(exc) from exc
    return ended


_COUPON_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No coupon with this code is valid now"},
    409: {"model": Problem, "description": "The coupon is used up"}}


def _redeem(db: BackendDatabase, body: CouponRedeemRequest, store_id: str) -> dict[str, Any]:
    from backend.promotions import _now

    try:
        with db.writing() as conn:
            answer, changes = promotions.redeem(
                conn, redemption_id=str(body.redemption_id), code=body.code, store_id=store_id,
                reference=body.reference, saving_cents=body.saving_cents, offline=False, redeemed_at=_now())
            if changes:
                changelog.append(conn, changes)
    except promotions.Refused as exc:
        raise _refused(exc) from exc
    return answer


devices = APIRouter(prefix="/v1", tags=["devices"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})


@devices.post("/coupons/redeem", response_model=CouponRedeemResponse, responses=_COUPON_REFUSALS)
def redeem_at_till(body: CouponRedeemRequest, device: Device, db: Db) -> dict[str, Any]:
    """A till checks a coupon online and takes one use of it (same redemption id: counted once)."""
    return _redeem(db, body, device.store_id)


channel = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                    responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@channel.post("/coupons/redeem", response_model=CouponRedeemResponse, responses=_COUPON_REFUSALS)
def redeem_in_channel(body: CouponRedeemRequest, db: Db) -> dict[str, Any]:
    """The web shop or contact center takes one use of a coupon (same redemption id: counted once)."""
    return _redeem(db, body, "WEB")
