"""The local store's tables (SQLAlchemy 2 typed models). The schema is owned by Alembic:
pos_app/store/migrations/versions holds the migrations applied at start-up.

Money columns are integer cents. Timestamps are ISO-8601 UTC strings (sortable, no driver
surprises on SQLite). Products are keyed by an integer id; barcodes point at them.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # BER, HAM, MUC, WEB
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8), default="store")  # store | web
    street: Mapped[str] = mapped_column(String(120), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # BER-K1
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(String(80))
    last_receipt_no: Mapped[int] = mapped_column(Integer, default=0)
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), default="")
    vat_percent: Mapped[int] = mapped_column(Integer)  # 19 or 7
    active: Mapped[bool] = mapped_column(default=True)


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
    __tablename__ = "stock"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    # one store's rows in one index range (a count's variance list, pos_app.stock.counts; 0018)
    __table_args__ = (Index("ix_stock_store_product", "store_id", "product_id", "quantity"),)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))  # cashier | associate | manager
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"), nullable=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # None: the store's default


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60), index=True)
    street: Mapped[str] = mapped_column(String(120), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    email: Mapped[str] = mapped_column(String(120), default="", index=True)
    home_store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"), nullable=True)


class Sale(Base):
    __tablename__ = "sales"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    receipt_no: Mapped[int] = mapped_column(Integer)
    receipt_number: Mapped[str] = mapped_column(String(40), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    cashier_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    cashier_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[str] = mapped_column(String(32), index=True)
    total_cents: Mapped[int] = mapped_column(Integer)
    cart_discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    cart_discount_reason: Mapped[str] = mapped_column(String(200), default="")
    change_cents: Mapped[int] = mapped_column(Integer, default=0)
    print_status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|printed|failed|digital
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    print_error: Mapped[str] = mapped_column(Text, default="")
    receipt_token: Mapped[str | None] = mapped_column(String(32), nullable=True)  # pos_app.digital_receipt
    __table_args__ = (Index("ix_sales_device_receipt", "device_id", "receipt_no", unique=True),)


class SaleLine(Base):
    __tablename__ = "sale_lines"
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    list_price_cents: Mapped[int] = mapped_column(Integer)
    line_discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    line_discount_reason: Mapped[str] = mapped_column(String(200), default="")
    cart_discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer)
    vat_percent: Mapped[int] = mapped_column(Integer)
    override_reason: Mapped[str] = mapped_column(String(200), default="")


class SaleTender(Base):
    __tablename__ = "sale_tenders"
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount_cents: Mapped[int] = mapped_column(Integer)
    given_cents: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(60), default="")


class ParkedSale(Base):
    __tablename__ = "parked_sales"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    cashier_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(120))
    cart_json: Mapped[str] = mapped_column(Text)


class OutboxEvent(Base):
    """One state change to send to the center, exactly once. `id` is the idempotency key."""

    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID, never regenerated
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    seq: Mapped[int] = mapped_column(Integer)  # per device, gap-free
    type: Mapped[str] = mapped_column(String(40))
    schema_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[str] = mapped_column(String(32))
    # pending -> sent (the center applied it) | conflict (the center refused it: `reason`);
    # conflict -> resent (a manager sent it again: as a new event, new key, same payload)
    #           | acknowledged (a manager took note; final)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    change_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the center's, once applied
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # why the center refused it
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)  # the manager who resolved it
    decided_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # created_at + the clock offset known when the event was written, and the center's time of
    # that measurement (NULL both: no offset known); see pos_app.trusted_time
    corrected_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    clock_synced_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # 5xx answers to this event sent alone (sync.worker._isolate): kept here, not in the worker's
    # memory, so a till that restarts (or crashes) in a loop still parks a poison event
    lone_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (
        Index("ix_outbox_device_seq", "device_id", "seq", unique=True),
        Index("ix_outbox_status_seq", "status", "seq"),
    )


class StockMovement(Base):
    """A change this device made to a stock row that the center's feed may not reflect yet.

    The local stock row already includes `delta` (the store sees its own sale at once).
    `applied_seq` is the center's change-log sequence of the event once the center applied it;
    a feed page at cursor N folds the movements with applied_seq <= N into the center's figure
    (see pos_app.store.sales.StockView for the rule).
    """

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(ForeignKey("outbox.id"), index=True)
    applied_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (Index("ix_stock_movements_product_store", "product_id", "store_id"),)


class SyncState(Base):
    """One row (id 1): how far this device has read the center's change feed, and when it last
    talked to the center. The cursor moves in the same transaction as the page it covers."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    high_water: Mapped[int] = mapped_column(Integer, default=0)
    last_push_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_pull_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # set only inside a feed transaction that indexes its new products for search in one
    # statement (much faster than the per-row trigger); never seen set by anyone else
    fts_deferred: Mapped[bool] = mapped_column(default=False, server_default="0")
    # the center's clock against this device's, as last measured by the sync worker
    # (pos_app.trusted_time; written by pos_app.store.clock_offset); NULL: never measured
    clock_offset_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clock_round_trip_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clock_measured_at: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the center's clock
    clock_samples: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEntry(Base):
    """Append-only, hash-chained: each entry's hash covers the previous entry's hash."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Shift(Base):
    """One opening-to-closing of a till (pos_app.store.cashbook). The sales of a shift are the
    device's receipts with receipt_no in (receipt_no_from, receipt_no_to]: numbers are taken
    gap-free inside the sale's transaction and a sale needs an open shift, so the range is
    exact. A closed shift is final (a trigger refuses any change) and nothing is ever deleted."""

    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[str] = mapped_column(String(32))
    opened_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_by_name: Mapped[str] = mapped_column(String(80))
    float_cents: Mapped[int] = mapped_column(Integer)
    receipt_no_from: Mapped[int] = mapped_column(Integer)  # the device's last receipt no at opening
    audit_id_from: Mapped[int] = mapped_column(Integer)  # the last audit entry at opening
    closed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    z_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    receipt_no_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_id_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    counted_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pending_events: Mapped[int | None] = mapped_column(Integer, nullable=True)  # unsent at closing
    report: Mapped[str | None] = mapped_column(Text, nullable=True)  # the Z report as closed (JSON)
    __table_args__ = (Index("ux_shifts_device_z", "device_id", "z_number", unique=True),
                      # at most one open shift per till
                      Index("ux_shifts_open", "device_id", unique=True, sqlite_where=text("closed_at IS NULL")))


class CashMovement(Base):
    """Cash put into or taken out of the drawer outside a sale: paid in, paid out, drop to
    the safe. `business_case` is the DSFinV-K business case (Privateinlage, Geldtransit, ...).
    Append-only (triggers)."""

    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))  # paid_in | paid_out | drop
    business_case: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(Integer)  # > 0; the kind gives the direction
    note: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80))


# The fiscal tables live in their own module; importing it here puts them into Base.metadata.
from pos_app.store import fiscal_models as _fiscal_models  # noqa: E402,F401
# Returns, vouchers, policies, price history (issue 6): their own module, registered here so
# that Base.metadata always has them.
from pos_app.store import returns_models  # noqa: E402,F401
# Click and collect (issue 5): the store's copy of its pickup orders, registered here too.
from pos_app.store import pickup_models as _pickup_models  # noqa: E402,F401
from pos_app.store import customer_models as _customer_models  # noqa: E402,F401  (issue 4)
from pos_app.store import tender_models as _tender_models  # noqa: E402,F401  (issue 12: interrupted payments)
from pos_app.store import reconciliation_models as _reconciliation_models  # noqa: E402,F401  (issue 12)
from pos_app.store import card_models as _card_models  # noqa: E402,F401  (issue 16: card terminal)
from pos_app.quick_keys import models as _quick_key_models  # noqa: E402,F401  (issue 13: the product grid)
from pos_app.store import transfer_models as _transfer_models  # noqa: E402,F401  (issue 14: transfers)
from pos_app.store import stock_models as _stock_models  # noqa: E402,F401  (issue 14: stock operations)
from pos_app.store import gift_card_models as _gift_card_models  # noqa: E402,F401  (issue 15: gift cards, PAngV)
from pos_app.store import promotion_models as _promotion_models  # noqa: E402,F401  (issue 15: promotions)
