"""`POST /v1/channel/carts/price`: the web shop and the contact center price a cart with the
till's own engine (pos_app.prices.engine), so a cart costs the same to the cent on the web, on
the phone and at the till.

The center decides everything it is the authority for: the unit prices (the store's price
list for channel "store", the web shop's, store "WEB", for "web" and "phone"), each product's
category, the customer's loyalty tier (from their points, pos_app.loyalty), the time (its own
clock), and which coupon codes are valid now (unknown, ended or used-up codes are listed in
`coupons_refused` and not applied). Pricing reserves nothing: a coupon is used when the order
is placed (POST /v1/channel/coupons/redeem).

`reprice` is the same pricing for a store's sale (the center's re-check, docs/prices.md).

Thread: request threads; one read transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from backend import promotions
from backend.admin import require_admin
from backend.db import BackendDatabase
from backend.models import Customer, Price, Product, Store
from backend.schemas import Input, Problem
from pos_app.loyalty import tier_for
from pos_app.prices.engine import PricedCart, PricingContext, PricingLine, PromotionBook
from pos_app.prices.promotions import CODE_LENGTH, normal_code
from sync.protocol import Id, Quantity

WEB_STORE = "WEB"


class CartLineIn(Input):
    product_id: Id
    quantity: Quantity


class CartIn(Input):
    channel: Literal["web", "phone", "store"] = "web"
    store_id: str | None = Field(default=None, min_length=1, max_length=16,
                                 description="channel store: the store whose prices and promotions apply")
    customer_id: Id | None = None
    coupon_codes: list[Annotated[str, Field(min_length=1, max_length=CODE_LENGTH)]] = Field(
        default_factory=list, max_length=10)
    lines: list[CartLineIn] = Field(min_length=1, max_length=500)


class DiscountOut(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    promotion_id: int
    name: str
    cents: int


class PricedLineOut(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_no: int
    product_id: int
    quantity: int
    unit_price_cents: int
    gross_cents: int
    discount_cents: int
    total_cents: int
    discounts: list[DiscountOut]


class AppliedOut(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    promotion_id: int
    name: str
    kind: str
    saving_cents: int
    coupon_code: str | None


class PricedCartOut(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: str
    store_id: str
    tier: str | None
    priced_at: datetime
    lines: list[PricedLineOut]
    applied: list[AppliedOut]
    gross_cents: int
    discount_cents: int
    total_cents: int
    coupons_refused: list[str]


class Unpriceable(ValueError):
    pass


def customer_tier(conn: Connection, customer_id: int | None) -> str | None:
    """The customer's loyalty tier as their profile shows it (None: no customer)."""
    if customer_id is None:
        return None
    if conn.execute(select(Customer.id).where(Customer.id == customer_id)).first() is None:
        raise Unpriceable(f"customer_id: unknown customer {customer_id}")
    from backend.customer_profile import build_profile

    profile = build_profile(conn, customer_id)
    return profile["loyalty"]["tier"] if profile else tier_for(0)


def price(conn: Connection, cart: CartIn, now: datetime) -> PricedCartOut:
    store_id = WEB_STORE if cart.channel != "store" else (cart.store_id or "")
    if cart.channel == "store" and not cart.store_id:
        raise Unpriceable("store_id: channel store needs the store")
    if conn.execute(select(Store.id).where(Store.id == store_id)).first() is None:
        raise Unpriceable(f"store_id: unknown store {store_id!r}")
    ids = sorted({ln.product_id for ln in cart.lines})
    categories = dict(conn.execute(select(Product.id, Product.category).where(Product.id.in_(ids))).all())
    if missing := [p for p in ids if p not in categories]:
        raise Unpriceable("lines: unknown product id " + ", ".join(map(str, missing[:20])))
    prices = dict(conn.execute(select(Price.product_id, Price.gross_cents)
                               .where(Price.product_id.in_(ids), Price.store_id == store_id)).all())
    if unpriced := [p for p in ids if p not in prices]:
        raise Unpriceable(f"lines: no price in {store_id} for product " + ", ".join(map(str, unpriced[:20])))
    tier = customer_tier(conn, cart.customer_id)
    valid, refused = [], []
    for code in dict.fromkeys(normal_code(c) for c in cart.coupon_codes):
        row = promotions.coupon_promotion(conn, code, now)
        limit = row.data.get("coupon_limit") if row is not None else None
        if row is None or (limit is not None and promotions.uses(conn, code) >= limit):
            refused.append(code)
        else:
            valid.append(code)
    lines = [PricingLine(n, ln.product_id, categories[ln.product_id] or "", ln.quantity, prices[ln.product_id])
             for n, ln in enumerate(cart.lines, 1)]
    ctx = PricingContext(now, store_id=store_id, channel=cart.channel, tier=tier, coupons=tuple(valid))
    priced = promotions.active_book(conn, now).price(lines, ctx)
    return _out(cart, store_id, tier, now, lines, priced, refused)


def _out(cart: CartIn, store_id: str, tier: str | None, now: datetime, lines: list[PricingLine],
         priced: PricedCart, refused: list[str]) -> PricedCartOut:
    names = {a.promotion_id: a.name for a in priced.applied}
    return PricedCartOut(
        channel=cart.channel, store_id=store_id, tier=tier, priced_at=now,
        lines=[PricedLineOut(line_no=ln.line_id, product_id=ln.product_id, quantity=ln.quantity,
                             unit_price_cents=ln.unit_price_cents, gross_cents=p.gross_cents,
                             discount_cents=p.discount_cents, total_cents=p.total_cents,
                             discounts=[DiscountOut(promotion_id=d.promotion_id, name=names[d.promotion_id],
                                                    cents=d.cents) for d in p.discounts])
               for ln, p in zip(lines, priced.lines)],
        applied=[AppliedOut(promotion_id=a.promotion_id, name=a.name, kind=a.kind, saving_cents=a.saving_cents,
                            coupon_code=a.coupon_code) for a in priced.applied],
        gross_cents=priced.gross_cents, discount_cents=priced.discount_cents, total_cents=priced.total_cents,
        coupons_refused=refused)


def reprice(book: PromotionBook, lines: list[PricingLine], ctx: PricingContext) -> PricedCart:
    """A store's sale priced again by the center's rules (its promotions at the sale's trusted time)."""
    return book.price(lines, ctx)


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


router = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                   responses={401: {"model": Problem, "description": "No or wrong admin token"}})


@router.post("/carts/price", response_model=PricedCartOut, responses={
    422: {"description": "Unknown product, store or customer; a product without a price (names the field)"}})
def price_cart(body: CartIn, db: Annotated[BackendDatabase, Depends(_db)]) -> PricedCartOut:
    """Price a cart of the web shop or the contact center (or a store's, for a look) with the
    promotions live now; the same prices to the cent as the till's."""
    from backend.promotions import _now

    try:
        with db.reading() as conn:
            return price(conn, body, _now())
    except Unpriceable as exc:
        raise HTTPException(422, str(exc)) from exc
