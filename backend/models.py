"""The center's tables (SQLAlchemy 2 typed models). Alembic owns the schema:
backend/migrations/versions holds the migrations, applied by `pos-backend migrate` and at
`serve` start.

Ids are the demo retailer's and the store's own (product 42 is product 42 in every till's
SQLite file), so no surrogate keys where the store already has a key. Money is integer cents.
Timestamps are timezone-aware UTC (timestamptz on PostgreSQL; ISO text on SQLite).

The change log (`changes`, `change_counter`) is what devices pull; backend.changelog explains
why sequences come from one counter row and not from a database sequence.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, DateTime, Dialect, ForeignKey, Index, Integer,
                        String, Text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

JSONData = JSON().with_variant(JSONB(), "postgresql")
# audit_entries.id: BIGINT identity on PostgreSQL, the rowid alias (INTEGER PRIMARY KEY) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both dialects (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the backend stores UTC only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # BER, HAM, MUC, WEB
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))  # store | web
    street: Mapped[str] = mapped_column(String(120), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")


class Device(Base):
    """A till or tablet. Only the SHA-256 of its token is kept: a leaked database does not let
    anyone push as a till (the token itself is shown once, at registration)."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # BER-K1
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), default="")
    vat_percent: Mapped[int] = mapped_column(Integer)  # 19, 7 or 0
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Barcode(Base):
    __tablename__ = "barcodes"
    code: Mapped[str] = mapped_column(String(48), primary_key=True)  # normalised lookup key
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    symbology: Mapped[str] = mapped_column(String(10))


class Price(Base):
    __tablename__ = "prices"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    gross_cents: Mapped[int] = mapped_column(Integer)


class Stock(Base):
    """Quantity on hand per product and store. May go below zero: a till that sold offline what
    the center thought was gone still sold it, and the shelf count will tell."""

    __tablename__ = "stock"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    street: Mapped[str] = mapped_column(String(120), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    home_store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"), nullable=True)


class Sale(Base):
    __tablename__ = "sales"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the store's UUID
    receipt_number: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # the push that brought it
    cashier_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())  # at the till
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())  # at the center
    total_cents: Mapped[int] = mapped_column(BigInteger)
    cart_discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    vat: Mapped[list[dict[str, int]]] = mapped_column(JSONData)  # [{percent, gross_cents, vat_cents}]
    # when the center dates the sale (backend.trusted_time: the till's corrected clock, bounded);
    # the purchase time return windows are measured from. NULL for sales recorded before it existed
    event_time: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    __table_args__ = (Index("ix_sales_device_created", "device_id", "created_at"),
                      Index("ix_sales_store_created", "store_id", "created_at"))


class SaleLine(Base):
    __tablename__ = "sale_lines"
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    list_price_cents: Mapped[int] = mapped_column(BigInteger)
    line_discount_cents: Mapped[int] = mapped_column(BigInteger)
    cart_discount_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    vat_percent: Mapped[int] = mapped_column(Integer)


class SaleTender(Base):
    __tablename__ = "sale_tenders"
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # cash | card
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    given_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(60), default="")


class AuditEntry(Base):
    """The stores' hash-chained audit log, kept as sent (the chain is per device)."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSONData)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_entries_device_created", "device_id", "created_at"),)


class DayClosing(Base):
    """A till's Z report (event day.closed), kept with the whole report as sent. One per device
    and Z number (backend.day_closings)."""

    __tablename__ = "day_closings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    z_number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_by: Mapped[str] = mapped_column(String(80))
    sales_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    cash_expected_cents: Mapped[int] = mapped_column(BigInteger)
    cash_counted_cents: Mapped[int] = mapped_column(BigInteger)
    cash_difference_cents: Mapped[int] = mapped_column(BigInteger)
    pending_events: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSONData)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (Index("ux_day_closings_device_z", "device_id", "z_number", unique=True),)


class ProcessedEvent(Base):
    """Every event id (the idempotency key) the center has seen, with its first outcome: a
    replay gets that outcome back and changes nothing."""

    __tablename__ = "processed_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    seq: Mapped[int] = mapped_column(BigInteger)  # the device's own sequence number
    type: Mapped[str] = mapped_column(String(40))
    payload_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12))  # applied | rejected
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    change_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (Index("ix_processed_events_device_seq", "device_id", "seq"),)


class Change(Base):
    """One entry of the change feed. `store_id` NULL: for every store (products, customers)."""

    __tablename__ = "changes"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(12))  # product | price | stock | customer
    key: Mapped[str] = mapped_column(String(64))  # "42", or "42@BER" for a price or stock row
    store_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONData, nullable=True)  # None: deleted
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The feed reads "store_id IS NULL" and "store_id = mine" as two ordered index ranges.
    __table_args__ = (Index("ix_changes_store_seq", "store_id", "seq"),)


class ChangeCounter(Base):
    """Exactly one row: the last change sequence handed out (see backend.changelog)."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (CheckConstraint("id = 1", name="ck_change_counter_single_row"),)


# Clienteling tables (issue 4): their own module, registered here so Base.metadata has them.
from backend import clienteling_models as _clienteling_models  # noqa: E402,F401
# Reconciliations and payment refunds (issue 12), registered the same way.
from backend import reconciliation_models as _reconciliation_models  # noqa: E402,F401
from backend import quick_keys_models as _quick_keys_models  # noqa: E402,F401
# Transfers between stores and fulfilment orders (issue 14), registered the same way.
from backend import transfers_models as _transfers_models  # noqa: E402,F401
# Expected deliveries and goods receipts (issue 14), registered the same way.
from backend import stock_models as _stock_models  # noqa: E402,F401
# Gift cards and the price history (issue 15), registered the same way.
from backend import gift_cards_models as _gift_cards_models  # noqa: E402,F401
# Promotions and coupon redemptions (issue 15), registered the same way.
from backend import promotions_models as _promotions_models  # noqa: E402,F401
