"""The center's promotion tables (migration 0014_promotions).

`promotions`: one row per promotion, defined once here (backend.promotions) and sent to every
store through the feed. `data` is the promotion as pos_app.prices.promotions.Promotion.to_dict()
writes it (the engine's one model); the columns beside it are what the center filters on.
`ended_at`: an operator ended it early (its `ends_at` moved to that moment); rows are never
deleted, past sales and refunds name them.

`sale_promotions`: the promotions each store sale got, as the till priced them.

`coupon_redemptions`: every use of a coupon code, online or offline, keyed by the till's (or
web shop's) redemption id, so a retried check or the offline event of an online redemption
counts once. `over_limit`: booked beyond the coupon's limit (an offline till), with a
coupon_overused reconciliation for the store. `released_at` (migration 0018_coupon_release): the
till gave the use back (the cart left without a sale: coupon.released); it no longer counts.
`sold_at`: a sale booked the use (its coupon.redeemed event); such a use is never released.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, JSONData, UtcDateTime


class PromotionRow(Base):
    __tablename__ = "promotions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONData)
    coupon_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)  # normalised
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class SalePromotionRow(Base):
    """A promotion a store's sale got (the sale event's pricing block): the definition the till
    had, the saving, its shares per line. Returns refund by these (pos_app.prices.refunds)."""

    __tablename__ = "sale_promotions"
    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    promotion_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    saving_cents: Mapped[int] = mapped_column(BigInteger)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONData)
    lines: Mapped[list[dict[str, int]]] = mapped_column(JSONData)


class CouponRedemption(Base):
    __tablename__ = "coupon_redemptions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the redemption id
    code: Mapped[str] = mapped_column(String(40))
    promotion_id: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(40))
    saving_cents: Mapped[int] = mapped_column(BigInteger)
    offline: Mapped[bool] = mapped_column(Boolean)
    over_limit: Mapped[bool] = mapped_column(Boolean)
    redeemed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sold_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    __table_args__ = (Index("ix_coupon_redemptions_code", "code"),)
