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


CHANGE_DATA[ChangeKind.DELIVERY] = DeliveryData
PAYLOADS[(STOCK_RECEIVED, 1)] = StockReceivedV1
