"""§ 11 PAngV at the center: every price a product had per channel, from when, by the center's
clock, and the lowest price of the 30 days before a reduction (the pure rule
pos_app.prices.lowest_price, which the till uses too).

    PUT /v1/admin/prices/{channel}/{product_id}           {gross_cents}: set a price (recorded)
    GET /v1/admin/prices/{channel}/{product_id}/history   the history and the reduction in force
    PUT /v1/admin/products/{product_id}/content           {amount, unit, per_100}: the Grundpreis's net content

`channel` is a store id; "WEB" is the web shop. A price set through here goes to the stores
through the change feed with the reduction's reference (PriceData.lowest_30_days_cents, set
only while the price is reduced), so the till's screen, receipt and label can state it.

A price from before the history (seeded, or set another way) is recorded at its first change as
in force since 30 days before: the best the center knows, and it is never lower than it was.

Thread: request threads; one write transaction per price (the commit-order rule of
backend.changelog: the price row first, the change row last).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field, StrictBool
from sqlalchemy import Connection, insert, select, update

from backend import changelog
from backend.admin import require_admin
from backend.changelog import PendingChange
from backend.gift_cards_models import PriceHistory, ProductContent
from backend.models import Barcode, Price, Product, Store
from backend.returns_api import NOT_FOUND, Database
from backend.schemas import Input, PathId, PathText, Problem
from pos_app.prices.lowest_price import WINDOW, PriceChange, current_reduction
from pos_app.prices.unit_price import MAX_CONTENT
from sync.protocol import ChangeKind, Cents

admin = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})
MAX_HISTORY = 1000  # rows read per product and channel: a price changed daily for almost three years


def history(conn: Connection, product_id: int, channel: str) -> list[PriceChange]:
    rows = conn.execute(select(PriceHistory.valid_from, PriceHistory.price_cents)
                        .where(PriceHistory.product_id == product_id, PriceHistory.channel == channel)
                        .order_by(PriceHistory.valid_from.desc(), PriceHistory.id.desc()).limit(MAX_HISTORY)).all()
    return [PriceChange(at, int(cents)) for at, cents in reversed(rows)]


def feed_data(conn: Connection, product_id: int, channel: str, cents: int, now: datetime) -> dict[str, Any]:
    """The feed's PriceData for a price, with the reduction's reference while it is reduced."""
    data: dict[str, Any] = {"product_id": product_id, "store_id": channel, "gross_cents": cents}
    reduction = current_reduction(history(conn, product_id, channel), now)
    if reduction is not None:
        data["lowest_30_days_cents"] = reduction.lowest_30_days_cents
    return data


def set_price(conn: Connection, product_id: int, channel: str, cents: int, now: datetime) -> list[PendingChange]:
    """Set and record a price; the feed changes to append (none when the price is the same)."""
    old = conn.execute(select(Price.gross_cents).where(Price.product_id == product_id, Price.store_id == channel)
                       .with_for_update()).scalar()
    if old == cents:
        return []
    if old is not None and not conn.execute(select(PriceHistory.id).where(
            PriceHistory.product_id == product_id, PriceHistory.channel == channel).limit(1)).first():
        conn.execute(insert(PriceHistory).values(product_id=product_id, channel=channel, price_cents=old,
                                                 valid_from=now - WINDOW))
    if old is None:
        conn.execute(insert(Price).values(product_id=product_id, store_id=channel, gross_cents=cents))
    else:
        conn.execute(update(Price).where(Price.product_id == product_id, Price.store_id == channel)
                     .values(gross_cents=cents))
    conn.execute(insert(PriceHistory).values(product_id=product_id, channel=channel, price_cents=cents, valid_from=now))
    return [PendingChange(ChangeKind.PRICE, f"{product_id}@{channel}", channel,
                          feed_data(conn, product_id, channel, cents, now))]


class PriceIn(Input):
    gross_cents: Cents


class PriceStep(BaseModel):
    valid_from: datetime
    price_cents: int


class PriceHistoryOut(BaseModel):
    product_id: int
    channel: str
    price_cents: int | None
    history: list[PriceStep]
    reduced_since: datetime | None  # the first step of the reduction in force (None: not reduced)
    before_cents: int | None
    lowest_30_days_cents: int | None  # what a reduction must state (§ 11 PAngV)


def _check(conn: Connection, channel: str, product_id: int) -> None:
    if conn.execute(select(Product.id).where(Product.id == product_id)).first() is None:
        raise HTTPException(404, f"Artikel {product_id} unbekannt")
    if conn.execute(select(Store.id).where(Store.id == channel)).first() is None:
        raise HTTPException(404, f"Kanal {channel} unbekannt")


def _out(conn: Connection, channel: str, product_id: int) -> PriceHistoryOut:
    now = datetime.now(timezone.utc)
    steps = history(conn, product_id, channel)
    price = conn.execute(select(Price.gross_cents).where(Price.product_id == product_id,
                                                         Price.store_id == channel)).scalar()
    red = current_reduction(steps, now)
    return PriceHistoryOut(product_id=product_id, channel=channel, price_cents=price,
                           history=[PriceStep(valid_from=s.at, price_cents=s.price_cents) for s in steps],
                           reduced_since=red.started_at if red else None,
                           before_cents=red.before_cents if red else None,
                           lowest_30_days_cents=red.lowest_30_days_cents if red else None)


@admin.put("/prices/{channel}/{product_id}", response_model=PriceHistoryOut, responses=NOT_FOUND)
def put_price(channel: PathText, product_id: PathId, body: PriceIn, db: Database) -> PriceHistoryOut:
    """Set a product's price in a channel; recorded in the history with the center's time and
    sent to the channel's tills with the lowest 30-day price while it is a reduction."""
    now = datetime.now(timezone.utc)
    with db.writing() as conn:
        _check(conn, channel, product_id)
        changes = set_price(conn, product_id, channel, body.gross_cents, now)
        if changes:
            changelog.append(conn, changes, now)
    with db.reading() as conn:
        return _out(conn, channel, product_id)


@admin.get("/prices/{channel}/{product_id}/history", response_model=PriceHistoryOut, responses=NOT_FOUND)
def get_history(channel: PathText, product_id: PathId, db: Database) -> PriceHistoryOut:
    with db.reading() as conn:
        _check(conn, channel, product_id)
        return _out(conn, channel, product_id)


# ---- the Grundpreis: a product's net content --------------------------------------------------


class ContentIn(Input):
    amount: int = Field(ge=1, le=MAX_CONTENT, description="the net content in `unit`")
    unit: Literal["g", "kg", "ml", "l", "mm", "cm", "m"]
    per_100: StrictBool = Field(default=False, description="Grundpreis per 100 g / 100 ml (packs up to 250 g / ml)")


class ContentOut(BaseModel):
    product_id: int
    amount: int
    unit: str
    per_100: bool


def product_doc(conn: Connection, product_id: int) -> dict[str, Any]:
    """The feed's ProductData of a product, with its net content."""
    p = conn.execute(select(Product).where(Product.id == product_id)).first()
    assert p is not None
    codes = conn.execute(select(Barcode.code, Barcode.symbology).where(Barcode.product_id == product_id)
                         .order_by(Barcode.code)).all()
    doc: dict[str, Any] = {"id": p.id, "sku": p.sku, "name": p.name, "category": p.category,
                           "vat_percent": p.vat_percent, "active": bool(p.active),
                           "barcodes": [{"code": c, "symbology": s} for c, s in codes]}
    content = conn.execute(select(ProductContent).where(ProductContent.product_id == product_id)).first()
    if content is not None:
        doc.update(content_amount=content.amount, content_unit=content.unit, content_per_100=bool(content.per_100))
    from backend.stock_costs import costs  # the cost price (issue 14), when the product has one

    cost = costs(conn, [product_id]).get(product_id)
    if cost is not None:
        doc["cost_cents"] = cost
    return doc


@admin.put("/products/{product_id}/content", response_model=ContentOut, responses=NOT_FOUND)
def put_content(product_id: PathId, body: ContentIn, db: Database) -> ContentOut:
    """Set a product's net content (every store's Grundpreis follows with the feed)."""
    now = datetime.now(timezone.utc)
    with db.writing() as conn:
        if conn.execute(select(Product.id).where(Product.id == product_id).with_for_update()).first() is None:
            raise HTTPException(404, f"Artikel {product_id} unbekannt")
        values = {"amount": body.amount, "unit": body.unit, "per_100": body.per_100}
        if conn.execute(select(ProductContent.product_id).where(ProductContent.product_id == product_id)).first():
            conn.execute(update(ProductContent).where(ProductContent.product_id == product_id).values(**values))
        else:
            conn.execute(insert(ProductContent).values(product_id=product_id, **values))
        changelog.append(conn, [PendingChange(ChangeKind.PRODUCT, str(product_id), None,
                                              product_doc(conn, product_id))], now)
    return ContentOut(product_id=product_id, **values)
