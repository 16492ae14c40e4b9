"""The center's tables for gift cards and the price history (migration 0015_gift_cards).

A gift card IS a voucher (backend.returns_models.Voucher: code, balance, movements), so every
channel that takes a voucher takes a gift card, with one balance. `gift_cards` marks the
vouchers that were SOLD (multi-purpose vouchers, "Mehrzweckgutscheine": no VAT at the sale, the
VAT is due on the goods they pay for) and by which sale: `sale_reference` is unique, so a web
order or a till's sale issues its card once however often it is sent.

`gift_card_reservations`: the web shop's two-step payment (reserve, then capture or release).
A reservation takes the amount off the balance at once (movement "reserved"), so every
channel sees only what is really free; a release gives it back ("released"). (code, reference)
is unique: the same reservation asked again is the same reservation.

`price_history`: every price a product had per channel (store id; "WEB" is the web shop), from
when, by the center's clock (§ 11 PAngV, backend.price_history).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend import returns_models as _returns_models  # noqa: F401  (the vouchers table the keys point at)
from backend.models import Base, BigId, UtcDateTime


class GiftCard(Base):
    __tablename__ = "gift_cards"
    code: Mapped[str] = mapped_column(ForeignKey("vouchers.code"), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # what it was sold for
    store_id: Mapped[str] = mapped_column(String(16))  # where it was sold ("WEB": the web shop)
    sale_reference: Mapped[str] = mapped_column(String(60), unique=True)  # the till's sale id, the shop's order
    sold_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the center's clock when it learned of it


class GiftCardReservation(Base):
    __tablename__ = "gift_card_reservations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("vouchers.code"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # held | captured | released
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    __table_args__ = (UniqueConstraint("code", "reference", name="uq_gift_card_reservations_ref"),)


class PriceHistory(Base):
    __tablename__ = "price_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (Index("ix_price_history_product_channel", "product_id", "channel", "valid_from"),)


class LoyaltyRedemption(Base):
    """Loyalty points redeemed as a discount (kind "redeemed", points > 0) or given back by a
    return (kind "returned", points < 0 in the balance's sense: stored positive). `reference`:
    the sale id (redeemed) or the return id (returned); unique per kind, so a retry books once."""

    __tablename__ = "loyalty_redemptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(BigInteger)
    sale_reference: Mapped[str] = mapped_column(String(60))  # the sale the points were redeemed for
    reference: Mapped[str] = mapped_column(String(60))
    discount_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("kind", "reference", name="uq_loyalty_redemptions_ref"),)


class ProductContent(Base):
    """A product's net content for the Grundpreis (pos_app.prices.unit_price): an integer amount
    and a unit (g, kg, ml, l, mm, cm, m); `per_100`: shown per 100 g / 100 ml where customary.
    Fed to the stores with the product (sync.protocol.ProductData.content_*)."""

    __tablename__ = "product_contents"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(4))
    per_100: Mapped[bool] = mapped_column(Boolean, default=False)
