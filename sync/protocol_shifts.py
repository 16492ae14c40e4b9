"""The Z report in the wire protocol (day.closed v1): one till's shift closed with a blind cash
count (pos_app.shift). Importing sync.protocol imports this module too, which registers the
payload in PAYLOADS; import the classes from here. Pure data, like sync.protocol.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pos_app import limits
from sync.protocol import PAYLOADS, Cents, Count, EventType, Moment, PositiveCents, SignedCents, _Strict


class CountAmountV1(_Strict):
    count: Count
    amount_cents: SignedCents


class TenderTotalV1(_Strict):
    kind: str = Field(min_length=1, max_length=12)
    count: Count
    amount_cents: SignedCents


class VatTotalV1(_Strict):
    percent: Literal[0, 7, 19]
    gross_cents: SignedCents
    net_cents: SignedCents
    vat_cents: SignedCents


class CashCountV1(_Strict):
    float_cents: Cents
    cash_tenders_cents: SignedCents
    paid_in_cents: Cents
    paid_out_cents: Cents
    drops_cents: Cents
    expected_cents: SignedCents
    counted_cents: Cents


class CashMovementV1(_Strict):
    created_at: Moment
    kind: Literal["paid_in", "paid_out", "drop"]
    business_case: str = Field(min_length=1, max_length=32)  # DSFinV-K GV_TYP
    amount_cents: PositiveCents
    note: str = Field(max_length=limits.REASON_TEXT)
    actor_name: str = Field(max_length=limits.PERSON_NAME)


class DayClosedV1(_Strict):
    """A Z report: one till's shift closed with a blind cash count (pos_app.shift.ShiftReport)."""

    z_number: int = Field(ge=1, le=limits.MAX_COUNT)
    device_id: str = Field(min_length=1, max_length=32)
    store_id: str = Field(min_length=1, max_length=16)
    store_name: str = Field(max_length=120)
    opened_at: Moment
    opened_by: str = Field(max_length=limits.PERSON_NAME)
    as_of: Moment  # the closing time
    closed_by: str = Field(max_length=limits.PERSON_NAME)
    first_receipt: str = Field(max_length=40)
    last_receipt: str = Field(max_length=40)
    sales: CountAmountV1
    returns: CountAmountV1
    tenders: list[TenderTotalV1] = Field(max_length=20)
    vat: list[VatTotalV1] = Field(max_length=3)
    line_discounts: CountAmountV1
    cart_discounts: CountAmountV1
    price_overrides: Count
    voids: CountAmountV1
    cash: CashCountV1
    movements: list[CashMovementV1] = Field(max_length=5000)
    pending_events: Count
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
