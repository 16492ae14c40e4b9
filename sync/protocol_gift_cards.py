"""Gift cards in the wire protocol: the center's answers about a card and a web reservation
(the web shop and the till read them). Pure data, like sync.protocol.

A till's sale of a card is the event gift_card.sold (GiftCardSoldV1). A till's redemption
travels as a `voucher` tender of sale.completed (sync.protocol.TenderV1): a gift card is a
voucher, so it needs no event of its own for that.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from sync.protocol import PAYLOADS, EventType, Moment, _Strict
from sync.protocol_fields import PositiveCents, StaffId


class GiftCardOut(_Strict):
    code: str
    amount_cents: int  # what it was sold for
    balance_cents: int  # what is left (below zero: overdrawn by offline tills, a reconciliation is open)
    store_id: str  # where it was sold ("WEB": the web shop)
    sold_at: datetime
    offline_daily_limit_cents: int  # what a till may take from it per day without the center


class ReservationOut(_Strict):
    id: str
    code: str
    reference: str
    amount_cents: int
    status: Literal["held", "captured", "released"]
    balance_cents: int  # the card's balance after this step


class GiftCardSoldV1(_Strict):
    """A till sold a gift card for cash: the center issues the card (once per sale_id) with the
    code the till printed. The cash is the till's paid in of business case
    MehrzweckgutscheinKauf (no VAT: a multi-purpose voucher is taxed when it is spent)."""

    sale_id: UUID
    code: str = Field(pattern=r"^GK-[A-HJ-NP-Z2-9]{12}$")
    amount_cents: PositiveCents
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    cashier_id: StaffId
    sold_at: Moment
    tender: Literal["cash"] = "cash"


PAYLOADS.update({(EventType.GIFT_CARD_SOLD.value, 1): GiftCardSoldV1})
