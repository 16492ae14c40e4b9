"""The center's tables of stock operations (migration 0012_stock_operations).

`deliveries`: expected deliveries (advance shipping notices) for one store each, created by an
operator (backend.stock_api) and fed to that store (ChangeKind.DELIVERY). `lines` are what the
notice expects; the status moves expected -> received (by the store's stock.received event) or
expected -> cancelled (an operator).

`stock_receipts`: each goods receipt booked by a store (one per stock.received event, keyed by
the store's receipt id): what it said it received, so a receipt sent again under another
idempotency key is recognised and its goods are not booked twice.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, JSONData, UtcDateTime


class Delivery(Base):
    __tablename__ = "deliveries"
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    supplier: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10))  # expected | received | cancelled
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONData)  # [{product_id, quantity}]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    received_by: Mapped[str] = mapped_column(String(80), default="")
    receipt_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    __table_args__ = (Index("ix_deliveries_store_status", "store_id", "status"),)


class StockReceipt(Base):
    __tablename__ = "stock_receipts"
    receipt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16), index=True)
    delivery_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    supplier: Mapped[str] = mapped_column(String(80), default="")
    event_id: Mapped[str] = mapped_column(String(64))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONData)  # the store's lines + the center's expected
    received_by: Mapped[str] = mapped_column(String(80))
    reconciliation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # its discrepancy
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StockCount(Base):
    """A count a store's manager started (count.started); booked when approved (count.approved)."""

    __tablename__ = "stock_counts"
    count_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # store | category | products
    categories: Mapped[list[str]] = mapped_column(JSONData)
    product_ids: Mapped[list[int]] = mapped_column(JSONData)
    status: Mapped[str] = mapped_column(String(10))  # open | booked | cancelled (0016_stock_costs widens it)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    booked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    approved_by: Mapped[str] = mapped_column(String(80), default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSONData)  # lines, variance_units, variance_cents


class StockCountLine(Base):
    """One product of a count: the center's snapshot of its stock when the first figure for it
    arrived here (or its recount did), each device's figure, their sum, and what was booked."""

    __tablename__ = "stock_count_lines"
    count_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict[str, int]] = mapped_column(JSONData)  # device id -> its figure
    counted: Mapped[int] = mapped_column(Integer)
    booked_delta: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ProductCost(Base):
    """A product's cost price (net purchase price per unit, in cents; migration 0016_stock_costs):
    what a count's variance is worth to the retailer. Set by an operator (backend.stock_costs),
    fed to the stores with the product (sync.protocol.ProductData.cost_cents)."""

    __tablename__ = "product_costs"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    cost_cents: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
