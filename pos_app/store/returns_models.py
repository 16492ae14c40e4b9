"""The store file's tables for returns, vouchers, the synced return policy and price history
(migration 0004_returns). Imported at the end of pos_app.store.models, so that Base.metadata
always knows them.

A return takes its number from the same per-till counter as sales (`devices.last_receipt_no`):
German receipts run in one gap-free sequence per till, whatever the transaction is.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.store.models import Base


class Return(Base):
    __tablename__ = "returns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    return_number: Mapped[str] = mapped_column(String(40), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    cashier_id: Mapped[int] = mapped_column(Integer)
    cashier_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[str] = mapped_column(String(32))
    original_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)  # sale | order | None (blind)
    original_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    original_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approved_by: Mapped[str] = mapped_column(String(80), default="")  # manager's name (blind returns)
    total_cents: Mapped[int] = mapped_column(Integer)
    exchange_sale_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_id: Mapped[str] = mapped_column(String(36))  # its outbox event: pending until the center has it
    receipt_token: Mapped[str | None] = mapped_column(String(32), nullable=True)  # pos_app.digital_receipt
    __table_args__ = (Index("ix_returns_original", "original_kind", "original_id"),
                      Index("ix_returns_customer", "customer_id"))


class ReturnLine(Base):
    __tablename__ = "return_lines"
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_line_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    product_id: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    refund_cents: Mapped[int] = mapped_column(Integer)
    vat_percent: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(12))
    reason_code: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str] = mapped_column(String(200), default="")


class ReturnTender(Base):
    __tablename__ = "return_tenders"
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # cash | card | voucher | exchange
    amount_cents: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(60), default="")


class Voucher(Base):
    """Store credit this till knows of: issued here, or checked at the center before it was
    taken as a tender. The center holds the authoritative balance."""

    __tablename__ = "vouchers"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    initial_cents: Mapped[int] = mapped_column(Integer)
    balance_cents: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[str] = mapped_column(String(32))
    return_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StorePolicy(Base):
    """Policies set at the center, as the feed brought them (key "returns"), as JSON."""

    __tablename__ = "store_policies"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class PriceHistory(Base):
    """A price that was valid until `until` (written by a trigger on every price change), for
    "the lowest price of the last 30 days" of a blind return."""

    __tablename__ = "price_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(16))
    gross_cents: Mapped[int] = mapped_column(Integer)
    until: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_price_history_product_store", "product_id", "store_id", "until"),)
