"""The gift card rules shared by the till and the center (pure, any thread).

Offline rule (documented in docs/prices.md): without the center, a till takes a gift card only
if it knows the card's balance from an earlier online check (or sold the card itself), and then
at most
    the balance it last saw, less what this till took from the card since (sent or not), and
    OFFLINE_DAILY_LIMIT_CENTS less what this till took from the card today without the center.
Two offline tills can still spend the same credit twice (each within its limit): the center
books both sales as they happened (the goods left) and opens a `gift_card_overdrawn`
reconciliation for the amount below zero; nothing is refused or erased. The daily limit caps
what that can cost per card, till and day.
"""
from __future__ import annotations

import re
import secrets

from pos_app import limits
from pos_app.i18n import t

OFFLINE_DAILY_LIMIT_CENTS = 5000  # 50 EUR per card, till and (the store's local) day without the center
MIN_SALE_CENTS = 500  # what a gift card can be sold for: 5 EUR ...
MAX_SALE_CENTS = 50_000  # ... to 500 EUR (an anonymous multi-purpose voucher: keep below the GwG thresholds)
CODE_PREFIX = "GK-"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
CODE_PATTERN = re.compile(r"^GK-[A-HJ-NP-Z2-9]{12}$")
OVERDRAWN = "gift_card_overdrawn"  # the reconciliation kind (pos_app.reconciliation_rules)


def new_code() -> str:
    """A fresh card number: 12 random characters from 32 (60 bits), not guessable."""
    return CODE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def is_gift_card_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code.strip().upper()))


def redeems_gift_card(kind: str, reference: str) -> bool:
    """A tender that redeems a multi-purpose voucher (a gift card, not a return's store credit):
    DSFinV-K books it as the business case MehrzweckgutscheinEinloesung (USt-Schlüssel 5, the
    amount negative), not as a Zahlart, and the TSE signs it in the not-taxable field
    (pos_app.fiscal.records.amounts_for_sale, pos_app.fiscal.dsfinvk.export)."""
    return kind == "voucher" and is_gift_card_code(reference)


def check_sale_amount(cents: int) -> str | None:
    """Why `cents` cannot be the value of a gift card sold, or None (German, for the cashier
    and the web shop's 422)."""
    if isinstance(cents, bool) or not isinstance(cents, int) or not MIN_SALE_CENTS <= cents <= MAX_SALE_CENTS:
        return t("Ein Geschenkgutschein hat einen Wert von {low} bis {high} €", low=MIN_SALE_CENTS // 100,
                 high=MAX_SALE_CENTS // 100)
    return None


def offline_allowance(known_balance_cents: int | None, taken_here_since_cents: int,
                      taken_offline_today_cents: int, daily_limit_cents: int = OFFLINE_DAILY_LIMIT_CENTS) -> int:
    """What a till may take from a card without the center (cents, >= 0).

    `known_balance_cents`: the card's free balance when this till last saw it (None: never, so
    nothing); `taken_here_since_cents`: what this till took from it since that look (pending
    or sent); `taken_offline_today_cents`: what it took today without the center."""
    if known_balance_cents is None:
        return 0
    left = known_balance_cents - max(taken_here_since_cents, 0)
    room = daily_limit_cents - max(taken_offline_today_cents, 0)
    return max(0, min(left, room, limits.MAX_CENTS))


def overdrawn_by(balance_after_cents: int) -> int:
    """How much a sale took beyond the card's balance (0 when it stayed at or above zero)."""
    return max(0, -balance_after_cents)
