"""The wire protocol between a store device and the central backend, shared by both sides.

Pure data (pydantic models), no I/O and no imports from the store app or the backend, so that
both can depend on it. Versioned: every event carries `type` and `schema_version`; a payload is
validated against the model registered for that pair, and an unknown pair is refused.

Push: POST /v1/events with a PushRequest (events in the device's order). Each event is applied
in one database transaction at the center and its id (the idempotency key, a UUID made once at
the store) recorded with the outcome; a replay gets the first outcome back (as `duplicate`) and
changes nothing; the same id with a different payload is `rejected`. A malformed batch (bad
JSON, wrong types, unknown types, too many events) is refused whole with 422 and nothing stored.

Pull: GET /v1/changes?after=N&limit=M gives a ChangePage: changes with a server-assigned
sequence greater than N, in order. Sequences become visible in order (the center serialises
appends to its change log), so a device that has applied everything up to N never misses N-1.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import Enum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PROTOCOL_VERSION = 1
MAX_BATCH_EVENTS = 500
MAX_PAGE_CHANGES = 5000
MAX_BODY_BYTES = 8 * 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- event payloads ------------------------------------------------------------------------


class EventType(str, Enum):
    SALE_COMPLETED = "sale.completed"
    AUDIT_RECORDED = "audit.recorded"
    DAY_CLOSED = "day.closed"


class SaleLineV1(_Strict):
    line_no: int = Field(ge=1)
    product_id: int = Field(ge=1)
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=9999)
    unit_price_cents: int = Field(ge=0)
    list_price_cents: int = Field(ge=0)
    line_discount_cents: int = Field(ge=0)
    cart_discount_cents: int = Field(ge=0)
    total_cents: int = Field(ge=0)
    vat_percent: Literal[0, 7, 19]


class TenderV1(_Strict):
    kind: Literal["cash", "card"]
    amount_cents: int = Field(gt=0)
    given_cents: int = Field(gt=0)
    reference: str = Field(default="", max_length=60)


class VatRowV1(_Strict):
    percent: Literal[0, 7, 19]
    gross_cents: int
    vat_cents: int


class SaleCompletedV1(_Strict):
    sale_id: UUID
    receipt_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    cashier_id: int
    created_at: datetime
    total_cents: int = Field(ge=0)
    cart_discount_cents: int = Field(ge=0)
    lines: list[SaleLineV1] = Field(min_length=1, max_length=2000)
    tenders: list[TenderV1] = Field(min_length=1, max_length=20)
    vat: list[VatRowV1]

    @model_validator(mode="after")
    def _adds_up(self) -> "SaleCompletedV1":
        if sum(line.total_cents for line in self.lines) != self.total_cents:
            raise ValueError("the line totals do not add up to total_cents")
        if sum(t.amount_cents for t in self.tenders) != self.total_cents:
            raise ValueError("the tenders do not add up to total_cents")
        if sum(r.gross_cents for r in self.vat) != self.total_cents:
            raise ValueError("the VAT rows do not add up to total_cents")
        return self


class AuditRecordedV1(_Strict):
    created_at: datetime
    actor_id: int | None
    actor_name: str = Field(max_length=80)
    action: str = Field(min_length=1, max_length=40)
    details: dict[str, Any]
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class CountAmountV1(_Strict):
    count: int = Field(ge=0)
    amount_cents: int


class TenderTotalV1(_Strict):
    kind: str = Field(min_length=1, max_length=12)
    count: int = Field(ge=0)
    amount_cents: int


class VatTotalV1(_Strict):
    percent: Literal[0, 7, 19]
    gross_cents: int
    net_cents: int
    vat_cents: int


class CashCountV1(_Strict):
    float_cents: int = Field(ge=0)
    cash_tenders_cents: int
    paid_in_cents: int = Field(ge=0)
    paid_out_cents: int = Field(ge=0)
    drops_cents: int = Field(ge=0)
    expected_cents: int
    counted_cents: int = Field(ge=0)


class CashMovementV1(_Strict):
    created_at: datetime
    kind: Literal["paid_in", "paid_out", "drop"]
    business_case: str = Field(min_length=1, max_length=32)  # DSFinV-K GV_TYP
    amount_cents: int = Field(gt=0)
    note: str = Field(max_length=200)
    actor_name: str = Field(max_length=80)


class DayClosedV1(_Strict):
    """A Z report: one till's shift closed with a blind cash count (pos_app.shift.ShiftReport)."""

    z_number: int = Field(ge=1)
    device_id: str = Field(min_length=1, max_length=32)
    store_id: str = Field(min_length=1, max_length=16)
    store_name: str = Field(max_length=120)
    opened_at: datetime
    opened_by: str = Field(max_length=80)
    as_of: datetime  # the closing time
    closed_by: str = Field(max_length=80)
    first_receipt: str = Field(max_length=40)
    last_receipt: str = Field(max_length=40)
    sales: CountAmountV1
    returns: CountAmountV1
    tenders: list[TenderTotalV1] = Field(max_length=20)
    vat: list[VatTotalV1] = Field(max_length=3)
    line_discounts: CountAmountV1
    cart_discounts: CountAmountV1
    price_overrides: int = Field(ge=0)
    voids: CountAmountV1
    cash: CashCountV1
    movements: list[CashMovementV1] = Field(max_length=5000)
    pending_events: int = Field(ge=0)

    @model_validator(mode="after")
    def _adds_up(self) -> "DayClosedV1":
        total = self.sales.amount_cents + self.returns.amount_cents
        if sum(t.amount_cents for t in self.tenders) != total:
            raise ValueError("the tenders do not add up to sales + returns")
        if sum(v.gross_cents for v in self.vat) != total:
            raise ValueError("the VAT rows do not add up to sales + returns")
        c = self.cash
        if c.float_cents + c.cash_tenders_cents + c.paid_in_cents - c.paid_out_cents - c.drops_cents != c.expected_cents:
            raise ValueError("the expected cash does not add up")
        return self


PAYLOADS: dict[tuple[str, int], type[_Strict]] = {
    (EventType.SALE_COMPLETED.value, 1): SaleCompletedV1,
    (EventType.AUDIT_RECORDED.value, 1): AuditRecordedV1,
    (EventType.DAY_CLOSED.value, 1): DayClosedV1,
}


# ---- push ----------------------------------------------------------------------------------


class Event(_Strict):
    id: UUID  # the idempotency key
    device_id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=1)
    type: str = Field(min_length=1, max_length=40)
    schema_version: int = Field(ge=1)
    created_at: datetime
    payload: dict[str, Any]

    @model_validator(mode="after")
    def _known_and_valid(self) -> "Event":
        model = PAYLOADS.get((self.type, self.schema_version))
        if model is None:
            raise ValueError(f"unknown event type {self.type!r} version {self.schema_version}")
        model.model_validate(self.payload)
        return self

    def parsed(self) -> _Strict:
        return PAYLOADS[(self.type, self.schema_version)].model_validate(self.payload)

    def payload_hash(self) -> str:
        """What makes two sends of one key "the same event": type, version and payload."""
        body = json.dumps([self.type, self.schema_version, self.payload], sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


class PushRequest(_Strict):
    events: list[Event] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class Outcome(str, Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before (by an earlier send of the same key)
    REJECTED = "rejected"  # a business rule refused it; `reason` says why; never retried as is


class EventResult(_Strict):
    id: UUID
    outcome: Outcome
    reason: str | None = None
    change_seq: int | None = None  # the last change-log sequence this event produced, if any


class PushResponse(_Strict):
    results: list[EventResult]


# ---- pull ----------------------------------------------------------------------------------


class ChangeKind(str, Enum):
    PRODUCT = "product"
    PRICE = "price"
    STOCK = "stock"
    CUSTOMER = "customer"


class BarcodeData(_Strict):
    code: str
    symbology: Literal["EAN13", "EAN8", "UPCA", "CODE128"]


class ProductData(_Strict):
    id: int
    sku: str
    name: str
    category: str
    vat_percent: Literal[0, 7, 19]
    active: bool
    barcodes: list[BarcodeData]


class PriceData(_Strict):
    product_id: int
    store_id: str
    gross_cents: int = Field(ge=0)


class StockData(_Strict):
    product_id: int
    store_id: str
    quantity: int


class CustomerData(_Strict):
    id: int
    number: str
    first_name: str
    last_name: str
    street: str
    zip_code: str
    city: str
    phone: str
    email: str
    home_store_id: str | None


CHANGE_DATA: dict[ChangeKind, type[_Strict]] = {
    ChangeKind.PRODUCT: ProductData,
    ChangeKind.PRICE: PriceData,
    ChangeKind.STOCK: StockData,
    ChangeKind.CUSTOMER: CustomerData,
}


class Change(_Strict):
    seq: int
    kind: ChangeKind
    key: str  # "42" for a product, "42@BER" for a price or stock row
    data: dict[str, Any] | None  # None: deleted

    def parsed(self) -> _Strict | None:
        return None if self.data is None else CHANGE_DATA[self.kind].model_validate(self.data)


class ChangePage(_Strict):
    changes: list[Change]
    next_cursor: int  # pass as `after` next time (the last seq in this page, or `after` if empty)
    has_more: bool
    high_water: int  # the newest sequence at the center when the page was read (for progress)


# ---- reads that need the center ------------------------------------------------------------


class StoreStock(_Strict):
    store_id: str
    store_name: str
    quantity: int


class StockResponse(_Strict):
    product_id: int
    stores: list[StoreStock]


class DeviceInfo(_Strict):
    device_id: str
    store_id: str
    name: str


