"""Loyalty points redeemed as a discount, checked at the center (issue 15). The rule is
pos_app.prices.points (100 points = 1 EUR, whole hundreds, allocated to the lines like a cart
discount, given back pro rata by a return); the points earned are the profile's
(backend.customer_profile: pos_app.loyalty's 1 point per full euro).

    GET  /v1/loyalty/{customer_id}                                        the balance
    POST /v1/loyalty/{customer_id}/redemptions                            {points, sale_reference, cart_total_cents}
    POST /v1/loyalty/{customer_id}/redemptions/{sale_reference}/returns   {return_reference, returned_discount_cents}

Exactly once: one redemption per sale reference, one give-back per return reference (unique
rows); the same request again answers the same. A customer's rows are locked in order by the
customer row, so two tills redeeming at once cannot both spend the same points.

Thread: request threads.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, insert, select

from backend.customer_profile import build_profile
from backend.gift_cards_models import LoyaltyRedemption
from backend.models import Customer
from backend.returns_api import NOT_FOUND, Database, Device
from backend.schemas import Input, PathId, PathText, Problem
from pos_app.prices.points import POINTS_STEP, check_redemption, discount_cents, points_back
from sync.protocol import Cents, Count

devices = APIRouter(prefix="/v1", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})
CONFLICT = {409: {"model": Problem, "description": "Not enough points, or the reference was used otherwise"}}
REDEEMED, RETURNED = "redeemed", "returned"


class PointsBalance(BaseModel):
    customer_id: int
    points: int  # what may be redeemed now
    earned: int
    redeemed: int
    given_back: int
    cents_per_point: int = 1
    step: int = POINTS_STEP


class PointsRedeemIn(Input):
    points: Count
    sale_reference: str = Field(min_length=1, max_length=60, description="the till's sale id")
    cart_total_cents: Cents


class Redeemed(BaseModel):
    points: int
    discount_cents: int
    balance_points: int


class GiveBackIn(Input):
    return_reference: str = Field(min_length=1, max_length=60, description="the till's return id")
    returned_discount_cents: Cents


class GivenBack(BaseModel):
    points_back: int
    balance_points: int


def _sum(conn: Connection, customer_id: int, kind: str, sale: str | None = None) -> int:
    q = select(func.coalesce(func.sum(LoyaltyRedemption.points), 0)).where(
        LoyaltyRedemption.customer_id == customer_id, LoyaltyRedemption.kind == kind)
    if sale is not None:
        q = q.where(LoyaltyRedemption.sale_reference == sale)
    return int(conn.execute(q).scalar_one())


def balance(conn: Connection, customer_id: int, lock: bool = False) -> PointsBalance:
    q = select(Customer.id).where(Customer.id == customer_id)
    if conn.execute(q.with_for_update() if lock else q).first() is None:
        raise HTTPException(404, f"Kunde {customer_id} unbekannt")
    profile = build_profile(conn, customer_id)
    assert profile is not None
    earned = int(profile["loyalty"]["points"])
    redeemed, back = _sum(conn, customer_id, REDEEMED), _sum(conn, customer_id, RETURNED)
    return PointsBalance(customer_id=customer_id, points=earned - redeemed + back, earned=earned, redeemed=redeemed,
                         given_back=back)


@devices.get("/loyalty/{customer_id}", response_model=PointsBalance, responses=NOT_FOUND)
def get_balance(customer_id: PathId, device: Device, db: Database) -> PointsBalance:
    with db.reading() as conn:
        return balance(conn, customer_id)


@devices.post("/loyalty/{customer_id}/redemptions", response_model=Redeemed, status_code=201,
              responses={**NOT_FOUND, **CONFLICT})
def redeem(customer_id: PathId, body: PointsRedeemIn, device: Device, db: Database) -> Redeemed:
    """Redeem points for a sale's discount (checked here; the till books the discount)."""
    now = datetime.now(timezone.utc)
    with db.writing() as conn:
        held = balance(conn, customer_id, lock=True)
        found = conn.execute(select(LoyaltyRedemption.points).where(
            LoyaltyRedemption.kind == REDEEMED, LoyaltyRedemption.reference == body.sale_reference)).scalar()
        if found is not None:
            if found != body.points:
                raise HTTPException(409, f"Verkauf {body.sale_reference} hat schon {found} Punkte eingelöst")
            return Redeemed(points=found, discount_cents=discount_cents(found), balance_points=held.points)
        if (reason := check_redemption(body.points, held.points, body.cart_total_cents)) is not None:
            raise HTTPException(409, reason)
        conn.execute(insert(LoyaltyRedemption).values(
            customer_id=customer_id, kind=REDEEMED, points=body.points, sale_reference=body.sale_reference,
            reference=body.sale_reference, discount_cents=discount_cents(body.points), created_at=now))
    return Redeemed(points=body.points, discount_cents=discount_cents(body.points),
                    balance_points=held.points - body.points)


@devices.post("/loyalty/{customer_id}/redemptions/{sale_reference}/returns", response_model=GivenBack,
              responses={**NOT_FOUND, **CONFLICT})
def give_back(customer_id: PathId, sale_reference: PathText, body: GiveBackIn, device: Device,
              db: Database) -> GivenBack:
    """A return took back goods of a sale paid partly with points: their share goes back."""
    now = datetime.now(timezone.utc)
    with db.writing() as conn:
        balance(conn, customer_id, lock=True)
        row = conn.execute(select(LoyaltyRedemption.points, LoyaltyRedemption.discount_cents).where(
            LoyaltyRedemption.kind == REDEEMED, LoyaltyRedemption.reference == sale_reference,
            LoyaltyRedemption.customer_id == customer_id)).first()
        if row is None:
            raise HTTPException(404, f"Keine Punkte-Einlösung für Verkauf {sale_reference}")
        done = conn.execute(select(LoyaltyRedemption.points).where(
            LoyaltyRedemption.kind == RETURNED, LoyaltyRedemption.reference == body.return_reference)).scalar()
        if done is None:
            back = points_back(int(row.points), int(row.discount_cents), body.returned_discount_cents,
                               _sum(conn, customer_id, RETURNED, sale_reference))
            conn.execute(insert(LoyaltyRedemption).values(
                customer_id=customer_id, kind=RETURNED, points=back, sale_reference=sale_reference,
                reference=body.return_reference, discount_cents=body.returned_discount_cents, created_at=now))
            done = back
        after = balance(conn, customer_id)
    return GivenBack(points_back=int(done), balance_points=after.points)
