"""Gift cards in the wire protocol: the center's answers about a card and a web reservation
(the web shop and the till read them). Pure data, like sync.protocol.

A till's redemption travels as a `voucher` tender of sale.completed (sync.protocol.TenderV1):
a gift card is a voucher, so it needs no event of its own for that.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from sync.protocol import _Strict


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
