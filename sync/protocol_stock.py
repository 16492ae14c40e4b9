"""Stock operations in the wire protocol (issue 14): goods receipt and the reasons of a stock
adjustment.

- feed kind "delivery" (DeliveryData): an expected delivery (advance shipping notice) that the
  center holds for one store, key = its number; the store's copy follows its status;
- event stock.received (StockReceivedV1): the store booked a delivery: for each product what
  was expected, what came in good (into stock) and what came damaged (not into stock), with a
  reason for every difference. `delivery_number` is None for a delivery that came without a
  notice (a manager received it: `approved_by`).

The adjustment event itself (stock.adjusted) lives in sync.protocol_reconciliations, where
issue 12 put it; its reasons are ADJUSTMENT_REASONS below (the store's damaged/theft/own use/
found plus the count and correction of issue 12).

Importing sync.protocol imports this module too, which registers the payload in PAYLOADS and
the feed data in CHANGE_DATA; import the classes from here. Pure data, like sync.protocol.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from pos_app import limits
from sync.protocol import CHANGE_DATA, PAYLOADS, ChangeKind, Moment, _Strict

STOCK_RECEIVED = "stock.received"
COUNT_STARTED = "count.started"
COUNT_COUNTED = "count.counted"
COUNT_APPROVED = "count.approved"
COUNT_CANCELLED = "count.cancelled"
MAX_COUNT_PRODUCTS = 5000  # a shelf/area list
MAX_COUNTED = 999_999  # units of one product counted in one store
MAX_DELIVERY_LINES = 500
MAX_RECEIVED = 99_999  # units of one product in one delivery (a pallet of small things)
DELIVERY_NUMBER = 40


class DeliveryLineData(_Strict):
    product_id: int
    quantity: int  # expected


class DeliveryData(_Strict):
    """An expected delivery as the center holds it (backend.stock_receiving)."""

    number: str  # what the delivery note's barcode carries
    store_id: str
    supplier: str  # a supplier or the warehouse
    status: Literal["expected", "received", "cancelled"]
    lines: list[DeliveryLineData]
    created_at: datetime
    received_at: datetime | None = None
    received_by: str = ""


class ReceivedLineV1(_Strict):
    """One product of a booked delivery. `received` went into stock; `damaged` came broken and
    did not. A difference to `expected` (short, over, damaged) needs a reason."""

    product_id: int = Field(ge=1, le=limits.MAX_ID)
    expected: int = Field(ge=0, le=MAX_RECEIVED)
    received: int = Field(ge=0, le=MAX_RECEIVED)
    damaged: int = Field(default=0, ge=0, le=MAX_RECEIVED)
    reason: str = Field(default="", max_length=limits.REASON_TEXT)


class StockReceivedV1(_Strict):
    """A delivery booked at the store: its good units are on the shelf from that moment."""

    receipt_id: UUID
    store_id: str = Field(min_length=1, max_length=16)
    delivery_number: str | None = Field(default=None, min_length=1, max_length=DELIVERY_NUMBER)
    supplier: str = Field(default="", max_length=limits.PERSON_NAME)
    lines: list[ReceivedLineV1] = Field(min_length=1, max_length=MAX_DELIVERY_LINES)
    received_by: str = Field(min_length=1, max_length=limits.PERSON_NAME)
    approved_by: int | None = Field(default=None, ge=0, le=limits.MAX_ID)
    received_at: Moment

    @model_validator(mode="after")
    def _consistent(self) -> "StockReceivedV1":
        if len({line.product_id for line in self.lines}) != len(self.lines):
            raise ValueError("each product once per delivery")
        if self.delivery_number is None and self.approved_by is None:
            raise ValueError("a delivery without a notice needs a manager's approval")
        return self


class CountStartedV1(_Strict):
    """A manager started a count (PIN): the whole store, some categories, or a list of products
    (a shelf or area). Every device of the store joins it through the feed (CountData)."""

    count_id: UUID
    store_id: str = Field(min_length=1, max_length=16)
    scope: Literal["store", "category", "products"]
    categories: list[str] = Field(default_factory=list, max_length=50)
    product_ids: list[int] = Field(default_factory=list, max_length=MAX_COUNT_PRODUCTS)
    started_by: str = Field(min_length=1, max_length=limits.PERSON_NAME)
    approved_by: int = Field(ge=0, le=limits.MAX_ID)
    started_at: Moment

    @model_validator(mode="after")
    def _scoped(self) -> "CountStartedV1":
        if self.scope == "category" and not self.categories:
            raise ValueError("a category count names its categories")
        if self.scope == "products" and not self.product_ids:
            raise ValueError("a list count names its products")
        if any(not 0 < len(c) <= limits.CATEGORY for c in self.categories):
            raise ValueError(f"each category has 1 to {limits.CATEGORY} characters")
        if any(not 1 <= p <= limits.MAX_ID for p in self.product_ids):
            raise ValueError("product ids are 1 to 2**31-1")
        return self


class CountedLineV1(_Strict):
    """This device's figure for one product (absolute, so a replay changes nothing). `recount`:
    the line was counted again from scratch; it replaces every device's figure for it."""

    product_id: int = Field(ge=1, le=limits.MAX_ID)
    quantity: int = Field(ge=0, le=MAX_COUNTED)
    recount: bool = False


class CountCountedV1(_Strict):
    """Scans of one device in a count (usually one line per scan)."""

    count_id: UUID
    store_id: str = Field(min_length=1, max_length=16)
    lines: list[CountedLineV1] = Field(min_length=1, max_length=MAX_DELIVERY_LINES)
    counted_by: str = Field(min_length=1, max_length=limits.PERSON_NAME)
    counted_at: Moment


class CountApprovedV1(_Strict):
    """A manager approved the variance list (PIN): the center books it as adjustments."""

    count_id: UUID
    store_id: str = Field(min_length=1, max_length=16)
    approved_by: int = Field(ge=0, le=limits.MAX_ID)
    approved_by_name: str = Field(min_length=1, max_length=limits.PERSON_NAME)
    approved_at: Moment


class CountCancelledV1(_Strict):
    """A manager cancelled an open count (PIN) before approval: nothing is booked, figures that
    arrive later are refused (counts move no goods)."""

    count_id: UUID
    store_id: str = Field(min_length=1, max_length=16)
    cancelled_by: int = Field(ge=0, le=limits.MAX_ID)
    cancelled_by_name: str = Field(min_length=1, max_length=limits.PERSON_NAME)
    reason: str = Field(min_length=1, max_length=limits.REASON_TEXT)
    cancelled_at: Moment


class CountData(_Strict):
    """A count as the center holds it (backend.stock_counts), key = its id; for its store."""

    count_id: str
    store_id: str
    scope: Literal["store", "category", "products"]
    categories: list[str]
    product_ids: list[int]
    status: Literal["open", "booked", "cancelled"]
    started_by: str
    started_at: datetime
    booked_at: datetime | None = None
    lines: int = 0  # products counted (so far)
    variance_units: int = 0  # when booked: the sum of the booked changes
    variance_cents: int = 0  # ... at the store's prices


CHANGE_DATA[ChangeKind.DELIVERY] = DeliveryData
CHANGE_DATA[ChangeKind.COUNT] = CountData
PAYLOADS.update({
    (STOCK_RECEIVED, 1): StockReceivedV1,
    (COUNT_STARTED, 1): CountStartedV1,
    (COUNT_COUNTED, 1): CountCountedV1,
    (COUNT_APPROVED, 1): CountApprovedV1,
    (COUNT_CANCELLED, 1): CountCancelledV1,
})
