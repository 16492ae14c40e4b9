"""The center's click-and-collect tables (migration 0005_pickups).

A pickup order is what a store hands over at its counter: a web order for pickup (prepaid
online or paid in the store) or a reservation (kind "reservation": nothing paid, the goods put
aside for a customer). It lives next to web_orders rather than in it because a pay-in-store
order and a reservation have no web sale at all: their sale, if any, is the till's.

Reserved stock is not a stored counter: it is the sum, over the orders of a store that still
hold goods (new, picking, ready, expired), of each line's quantity less what was short-picked.
A counter would have to be kept right by every state change; a sum over a handful of open
orders per store cannot drift (backend.pickups.reserved).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, BigId, UtcDateTime


class PickupOrder(Base):
    __tablename__ = "pickup_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40), unique=True)  # in the QR: "ORDER:<number>"
    kind: Mapped[str] = mapped_column(String(12))  # order | reservation
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    web_order_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # prepaid orders
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    second_person: Mapped[str] = mapped_column(String(120), default="")  # may collect too
    payment: Mapped[str] = mapped_column(String(12))  # prepaid | in_store | none (reservation)
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    pickup_by: Mapped[datetime] = mapped_column(UtcDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    handed_over_by: Mapped[str] = mapped_column(String(32), default="")  # device id
    sale_id: Mapped[str] = mapped_column(String(36), default="")  # the till's sale (pay in store)
    refund_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # prepaid, refused at the counter
    total_cents: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_pickup_orders_store_state", "store_id", "state"),)


class PickupLine(Base):
    __tablename__ = "pickup_lines"
    order_id: Mapped[str] = mapped_column(ForeignKey("pickup_orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    vat_percent: Mapped[int] = mapped_column(Integer)
    short_quantity: Mapped[int] = mapped_column(Integer, default=0)  # not found when picking
    short_reason: Mapped[str] = mapped_column(String(200), default="")
    collected_quantity: Mapped[int] = mapped_column(Integer, default=0)


class PickupNotification(Base):
    """A message to the customer as the NotificationSender recorded it (sending is elsewhere)."""

    __tablename__ = "pickup_notifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("pickup_orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # ready | reminder
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    recipient: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
