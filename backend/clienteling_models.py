"""The center's clienteling tables (migration 0004_clienteling): consents with their history,
the profile's free parts (preferences, important dates), per-field change times for the merge
rule, notes, service cases with their steps, web carts and wishlists, and which customer a till
sale belonged to. Same conventions as backend.models.

Why a sale's customer is a table of its own and not a column of `sales`: the till sends it as a
separate event (customer.sale) right behind sale.completed, so the hot sale path
(backend.batch_push) stays as it is.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, BigId, JSONData, UtcDateTime


class CustomerConsent(Base):
    """Every consent given or withdrawn, never updated: the newest per channel counts."""

    __tablename__ = "customer_consents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # email | sms | phone | post
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(80))
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    __table_args__ = (Index("ix_customer_consents_customer", "customer_id", "channel", "recorded_at"),)


class CustomerProfile(Base):
    """What a customer row does not hold: preferences, important dates, loyalty enrolment,
    the time each contact field was last changed (last-writer-wins), erasure."""

    __tablename__ = "customer_profiles"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)  # sizes, brands, styles
    important_dates: Mapped[list[Any]] = mapped_column(JSONData, default=list)  # [{"label", "date"}]
    field_times: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)  # field -> ISO time
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_in: Mapped[str] = mapped_column(String(16), default="")  # store id or "web"
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CustomerNote(Base):
    __tablename__ = "customer_notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID (the till's, or made here)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    channel: Mapped[str] = mapped_column(String(16))  # store | web | phone | email | chat
    source: Mapped[str] = mapped_column(String(40), default="")  # e.g. the store id
    author: Mapped[str] = mapped_column(String(80), default="")
    text: Mapped[str] = mapped_column(Text)
    # the center's clock when it recorded the note (created_at: when it was written, corrected)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ServiceCase(Base):
    __tablename__ = "service_cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    case_number: Mapped[str] = mapped_column(String(20), unique=True)  # SC-000123
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    opened_channel: Mapped[str] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_channel: Mapped[str | None] = mapped_column(String(16), nullable=True)


class CaseStep(Base):
    __tablename__ = "case_steps"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    case_id: Mapped[str] = mapped_column(ForeignKey("service_cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    channel: Mapped[str] = mapped_column(String(16))  # email | phone | chat | store | web
    source: Mapped[str] = mapped_column(String(40), default="")
    author: Mapped[str] = mapped_column(String(80), default="")
    text: Mapped[str] = mapped_column(Text)
    # the center's clock when it recorded the step: the order of a case's steps
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    __table_args__ = (Index("ix_case_steps_case", "case_id", "created_at"),)


class CartItem(Base):
    """The customer's web cart (one per customer), as the web shop last put it."""

    __tablename__ = "cart_items"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WishlistItem(Base):
    __tablename__ = "wishlist_items"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SaleCustomer(Base):
    __tablename__ = "sale_customers"
    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
