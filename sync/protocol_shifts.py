"""The Z report in the wire protocol (day.closed v1): one till's shift closed with a blind cash
count (pos_app.shift). Importing sync.protocol imports this module too, which registers the
payload in PAYLOADS; import the classes from here. Pure data, like sync.protocol.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from sync.protocol import PAYLOADS, EventType, _Strict


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
    # added later to v1 as optional (older senders omit them): store credit issued by returns and
    # vouchers redeemed by sales, both not cash
    vouchers_issued: CountAmountV1 = CountAmountV1(count=0, amount_cents=0)
    vouchers_redeemed: CountAmountV1 = CountAmountV1(count=0, amount_cents=0)

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


PAYLOADS[(EventType.DAY_CLOSED.value, 1)] = DayClosedV1
