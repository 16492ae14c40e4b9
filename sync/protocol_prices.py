"""Promotions in the wire protocol: the feed entries that carry them to every till (kind
"promotion", key: the promotion id, data: pos_app.prices.promotions.Promotion.to_dict(); None:
withdrawn), the till's event for a coupon it accepted (coupon.redeemed) and the one that gives
back a use taken online when the coupon left the cart without a sale (coupon.released: void,
park, coupon removed, or its promotion did not apply to the sale).

The offline coupon rule (docs/prices.md): a till that cannot reach the center accepts a coupon
code once per till; the event is pushed with the sale. The center counts every redemption in
the order it receives them; one beyond the coupon's limit is still booked (the customer got the
discount: a physical fact) and opens a `coupon_overused` reconciliation for the store with the
amount at stake. The redemption id is the idempotency key: the online check
(POST /v1/coupons/redeem) and this event with the same id count once.

Importing sync.protocol imports this module too, which registers the payload in PAYLOADS and
the feed data in CHANGE_DATA. Pure data, like sync.protocol.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from sync.protocol import CHANGE_DATA, PAYLOADS, ChangeKind, _Strict
from sync.protocol_fields import Cents, Id, Moment, refuse_unstorable

COUPON_REDEEMED = "coupon.redeemed"
COUPON_RELEASED = "coupon.released"
COUPON_CODE = 40


class PromotionData(_Strict):
    """A promotion as pos_app.prices.promotions.Promotion.to_dict() writes it (checked again by
    Promotion.from_dict when the till stores it)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: int
    name: str
    kind: str


class CouponRedeemedV1(_Strict):
    """A till gave a coupon's discount on a sale (online after the center's yes, or offline)."""

    redemption_id: UUID
    code: str = Field(min_length=1, max_length=COUPON_CODE)
    promotion_id: Id
    store_id: str = Field(min_length=1, max_length=16)
    reference: str = Field(min_length=1, max_length=40, description="the sale's receipt number")
    saving_cents: Cents
    offline: bool = False
    redeemed_at: Moment


class CouponReleasedV1(_Strict):
    """A till gives back a use it took online (POST /v1/coupons/redeem) for a cart that left
    without a sale. The center frees it once; a use a sale booked is never freed. `offline`: the
    till took the coupon offline (the center may still hold the use when its yes was lost on the
    way); the center then frees it if it has it and otherwise changes nothing."""

    redemption_id: UUID
    code: str = Field(min_length=1, max_length=COUPON_CODE)
    offline: bool = False
    released_at: Moment


class CouponRedeemRequest(_Strict):
    """POST /v1/coupons/redeem and /v1/channel/coupons/redeem: redeem one use, now."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return refuse_unstorable(data)

    redemption_id: UUID
    code: str = Field(min_length=1, max_length=COUPON_CODE)
    reference: str = Field(min_length=1, max_length=40)
    saving_cents: Cents = 0


class CouponRedeemResponse(_Strict):
    redemption_id: UUID
    code: str
    promotion_id: int
    outcome: Literal["redeemed", "replayed"]
    uses: int
    limit: int | None
    redeemed_at: datetime


PAYLOADS[(COUPON_REDEEMED, 1)] = CouponRedeemedV1
PAYLOADS[(COUPON_RELEASED, 1)] = CouponReleasedV1
CHANGE_DATA[ChangeKind.PROMOTION] = PromotionData
