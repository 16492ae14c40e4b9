"""The center's reconciliation tables (migration 0007_reconciliations).

`reconciliations`: one open item per store and cause (backend.reconciliations). `cause` is
unique: raising the same cause again (a replayed event, a second negative sale of a product
whose alert is still open) finds the row instead of making another. Closing fills resolution,
closed_by, closed_at and the closing's reference (the store's event id, or "admin").

`payment_refunds`: money sent back through the payment provider (backend.payment_provider),
one row per order and tender, keyed by an idempotency key that the provider sees too, so a
cancel called twice (or retried after a crash) never refunds twice. `status` is "pending" from
the moment the row is committed until the provider answered with its refund id.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, JSONData, UtcDateTime


class Reconciliation(Base):
    __tablename__ = "reconciliations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    cause: Mapped[str] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(8))  # open | closed
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    refs: Mapped[list[str]] = mapped_column(JSONData)
    details: Mapped[dict[str, Any]] = mapped_column(JSONData)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolution: Mapped[str] = mapped_column(String(20), default="")
    closed_by: Mapped[str] = mapped_column(String(80), default="")
    closed_ref: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_reconciliations_store_status", "store_id", "status"),)


class PaymentRefund(Base):
    __tablename__ = "payment_refunds"
    idempotency_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40), index=True)
    tender_kind: Mapped[str] = mapped_column(String(12))
    payment_reference: Mapped[str] = mapped_column(String(60), default="")
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8))  # pending | refunded
    provider_refund_id: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
