"""A sale's promotions in the wire protocol (issue 15): the optional `pricing` block of
sale.completed (sync.protocol.SaleCompletedV1). In a module of its own, below sync.protocol
(which imports it), so the arrows run one way and the protocol module stays small.

Pure data, like sync.protocol.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sync.protocol_fields import Id, PositiveCents


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PromotionShareV1(_Strict):
    line_no: Id
    cents: PositiveCents


class SalePromotionV1(_Strict):
    """A promotion the till applied (pos_app.prices): its definition as the till had it, what it
    saved, and that saving allocated to the lines it came from (included in their
    line_discount_cents). Returns refund by this allocation (pos_app.prices.refunds)."""

    promotion_id: Id
    saving_cents: PositiveCents
    lines: list[PromotionShareV1] = Field(min_length=1, max_length=2000)
    definition: dict[str, Any]

    @model_validator(mode="after")
    def _allocated(self) -> "SalePromotionV1":
        if sum(share.cents for share in self.lines) != self.saving_cents:
            raise ValueError("the promotion's shares do not add up to its saving")
        return self


class SalePricingV1(_Strict):
    """How the till priced the sale's promotions: the customer's tier as the till knew it (and
    the customer, whose tier the center judges by its own books), the coupons it accepted, each
    promotion applied. Optional in v1 (issue 15): older tills omit it."""

    tier: str | None = Field(default=None, max_length=20)
    customer_id: Id | None = Field(default=None, description=(
        "the customer attached to the sale: the center prices it again by the tier IT holds for them"))
    coupons: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list, max_length=10)
    applied: list[SalePromotionV1] = Field(default_factory=list, max_length=200)
