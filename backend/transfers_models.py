"""The center's tables for stock between stores (migration 0013_transfers): transfers and
fulfilment orders (the endless aisle), each with its lines.

In transit is not a stored counter: it is the sum of `shipped` over the lines of transfers in
state "shipped" (backend.transfers.in_transit). Likewise the units a fulfilment order keeps
off the fulfilling store's shelf are the sum over its open orders (backend.fulfilment.reserved).
A counter would have to be kept right by every step; a sum over a handful of open documents
per store cannot drift, and cannot count a unit twice: a shipped unit has left the sender's
`stock` row and is not yet in the receiver's.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, UtcDateTime


class Transfer(Base):
    __tablename__ = "transfers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made at the requesting store
    number: Mapped[str] = mapped_column(String(40), unique=True)
    from_store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    to_store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    state: Mapped[str] = mapped_column(String(28))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    requested_by: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking: Mapped[str] = mapped_column(String(60), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")  # declined / cancelled: why
    __table_args__ = (Index("ix_transfers_from_state", "from_store_id", "state"),
                      Index("ix_transfers_to_state", "to_store_id", "state"))


class TransferLine(Base):
    __tablename__ = "transfer_lines"
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfers.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    requested: Mapped[int] = mapped_column(Integer)
    picked: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shipped: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit_cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # the sender's price: a difference's value


class FulfilmentOrder(Base):
    __tablename__ = "fulfilment_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # made at the selling till
    number: Mapped[str] = mapped_column(String(40), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))  # sold here
    fulfil_from: Mapped[str] = mapped_column(ForeignKey("stores.id"))  # picked and shipped there
    sale_id: Mapped[str] = mapped_column(String(36), default="")
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    delivery: Mapped[str] = mapped_column(String(10))  # ship | pickup
    address: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(20))
    ordered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ordered_by: Mapped[str] = mapped_column(String(80), default="")
    total_cents: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking: Mapped[str] = mapped_column(String(60), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    pickup_number: Mapped[str] = mapped_column(String(40), default="")  # the pickup order it became
    reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_fulfilment_from_state", "fulfil_from", "state"),)


class FulfilmentLine(Base):
    __tablename__ = "fulfilment_lines"
    order_id: Mapped[str] = mapped_column(ForeignKey("fulfilment_orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    picked: Mapped[int | None] = mapped_column(Integer, nullable=True)
