"""The center's tables for web orders, returns, vouchers and the return policy (migration
0002_orders_returns). Same conventions as backend.models: integer cents, UTC timestamps,
the stores' own ids (a return's id is the till's UUID).

Why web orders have tables of their own and are not "sales of store WEB": a web order has no
till, no cashier and no receipt number; it has an order number, a customer, tenders a till
never takes (PayPal) and, later, a life of its own (shipping, click and collect: issues 4/5
add their columns and tables next to these). Returns point at either kind by
(`original_kind`, `original_id`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, BigId, JSONData, UtcDateTime


class WebOrder(Base):
    """An order from a channel other than a till (channel "web" today)."""

    __tablename__ = "web_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made by the center
    order_number: Mapped[str] = mapped_column(String(40), unique=True)  # W-2026-000123, in the QR
    channel: Mapped[str] = mapped_column(String(12))  # web
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"), nullable=True)  # pickup store
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    total_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="placed")
    __table_args__ = (Index("ix_web_orders_customer", "customer_id", "created_at"),)


class WebOrderLine(Base):
    __tablename__ = "web_order_lines"
    order_id: Mapped[str] = mapped_column(ForeignKey("web_orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    vat_percent: Mapped[int] = mapped_column(Integer)


class WebOrderTender(Base):
    __tablename__ = "web_order_tenders"
    order_id: Mapped[str] = mapped_column(ForeignKey("web_orders.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # card | paypal | voucher
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(60), default="")


class Return(Base):
    """Goods taken back (return.completed from a till)."""

    __tablename__ = "returns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the till's UUID
    return_number: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    original_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)  # sale | order | NULL (blind)
    original_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    original_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approved_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cashier_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    total_cents: Mapped[int] = mapped_column(BigInteger)
    # when the center dates the return (backend.trusted_time.event_time) and on what basis
    event_time: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    event_time_basis: Mapped[str | None] = mapped_column(String(24), nullable=True)
    # booked although it breaks the return policy (window, final sale) as judged at that time:
    # what was broken, and the refund at stake; NULL when within the policy
    policy_breach: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    policy_breach_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (Index("ix_returns_original", "original_kind", "original_id"),
                      Index("ix_returns_customer", "customer_id", "created_at"))


class ReturnLine(Base):
    __tablename__ = "return_lines"
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    refund_cents: Mapped[int] = mapped_column(BigInteger)
    vat_percent: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(12))  # resellable | damaged (recorded, not restocked)
    reason_code: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str] = mapped_column(String(200), default="")


class ReturnTender(Base):
    __tablename__ = "return_tenders"
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # cash | card | voucher | exchange
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(60), default="")


class Voucher(Base):
    """Store credit: a code and a balance, usable at any till and in the web shop."""

    __tablename__ = "vouchers"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    initial_cents: Mapped[int] = mapped_column(BigInteger)
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    issued_store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    return_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class VoucherMovement(Base):
    """Every change of a voucher's balance. (kind, reference) is unique per voucher, which makes
    a redemption by the web shop idempotent (the same order redeems once)."""

    __tablename__ = "voucher_movements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(ForeignKey("vouchers.code"), index=True)
    delta_cents: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(12))  # issued | redeemed
    reference: Mapped[str] = mapped_column(String(60))  # return id, sale id, order number
    store_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("code", "kind", "reference", name="uq_voucher_movements_ref"),)


class PolicyRow(Base):
    """Policies set at the center (one row per key; "returns" today), as JSON."""

    __tablename__ = "policies"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONData)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
