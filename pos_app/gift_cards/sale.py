"""Selling a gift card at the till, and its printout.

A gift card is a multi-purpose voucher: selling it is no turnover (no VAT; the goods it pays
for carry the VAT when it is spent). So the till books the cash as a paid in of DSFinV-K
business case MehrzweckgutscheinKauf (pos_app.store.cashbook: signed by the TSE as a Beleg
with the amount in the not-taxable field, in the Z report's cash and business cases, in the
DSFinV-K export's Bonpos and Z_GV_Typ), and in the SAME transaction queues the event
gift_card.sold (the center issues the card, once per sale) and remembers the balance for the
offline rule. Both happen or neither; a till killed before the commit sold nothing.

Cash only for now (a card payment for a gift card is not built: see docs/prices.md).
Thread: the UI thread's worker or the caller's; the write is one short transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pos_app.clock import iso, local_format, utc_now
from pos_app.gift_cards.rules import check_sale_amount, new_code
from pos_app.money import format_euro
from pos_app.receipt import BarcodeRow, CutRow, PaperWidth, Row, TextRow, two_columns
from pos_app.shift import BusinessCase, MovementKind, ShiftError
from pos_app.store.gift_card_models import GiftCardBalance
from pos_app.store.local import LocalStore
from pos_app.store.outbox import append_event
from pos_app.store.staff import StaffMember

EVENT_TYPE = "gift_card.sold"  # sync.protocol.EventType.GIFT_CARD_SOLD (pos_app may not import sync)


class GiftCardSaleError(ValueError):
    """The card cannot be sold; the message is for the cashier."""


@dataclass(frozen=True)
class SoldGiftCard:
    sale_id: str
    code: str
    amount_cents: int
    movement_id: int
    sold_at: str
    tse_error: str  # "" when signed (or no TSE configured)


def sell_gift_card(store: LocalStore, amount_cents: int, by: StaffMember, code: str | None = None) -> SoldGiftCard:
    """Take `amount_cents` in cash for a new gift card. Refused (nothing written) for an amount
    outside 5 to 500 EUR or when the till is not open."""
    if (reason := check_sale_amount(amount_cents)) is not None:
        raise GiftCardSaleError(reason)
    code = code or new_code()
    sale_id, sold_at = str(uuid.uuid4()), iso(utc_now())
    payload = {"sale_id": sale_id, "code": code, "amount_cents": amount_cents, "store_id": store.store_id,
               "device_id": store.device_id, "cashier_id": by.id, "sold_at": sold_at, "tender": "cash"}

    def also(s: Session, movement_id: int) -> None:
        append_event(s, store.device_id, EVENT_TYPE, payload, sold_at)
        s.merge(GiftCardBalance(code=code, balance_cents=amount_cents, pending_cents=0, taken_here_cents=0,
                                checked_at=sold_at))

    try:
        moved = store.cashbook.move(MovementKind.PAID_IN, BusinessCase.MEHRZWECKGUTSCHEIN_KAUF, amount_cents,
                                    f"Geschenkgutschein {code}", by, store.fiscal, also=also)
    except ShiftError as exc:
        raise GiftCardSaleError(str(exc)) from exc
    return SoldGiftCard(sale_id, code, amount_cents, moved.movement_id, sold_at, moved.tse_failure)


def gift_card_rows(sold: SoldGiftCard, store_name: str, paper: PaperWidth) -> list[Row]:
    """The customer's gift card slip (plain German: a fiscal document): value, code as a
    barcode (scanned at the payment), and the VAT note of a multi-purpose voucher."""
    w = paper.chars
    return [TextRow(store_name, "center", bold=True), TextRow("GESCHENKGUTSCHEIN", "center", bold=True, double=True),
            TextRow(format_euro(sold.amount_cents), "center", bold=True, double=True),
            BarcodeRow(sold.code), TextRow(two_columns("Gutschein-Nr.:", sold.code, w)),
            TextRow(two_columns("Verkauft:", local_format(sold.sold_at), w)),
            TextRow("Einlösbar in allen Filialen und im Onlineshop."[:w]),
            TextRow("Mehrzweckgutschein: keine USt beim Kauf"[:w]), TextRow("-" * w),
            TextRow(two_columns("Bar", format_euro(sold.amount_cents), w)), CutRow()]
