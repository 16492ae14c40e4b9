"""Money is integer cents everywhere inside the app; Decimal only at the edges (parsing, display).

Rounding rule (used by every computation in the app): half up, away from zero, to the cent
(kaufmännisches Runden). Nothing here ever touches a float.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class MoneyError(ValueError):
    """An amount typed by a person could not be understood."""


def round_half_up(numerator: int, denominator: int) -> int:
    """Divide two integers and round half away from zero, exactly (no float involved)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return sign * q


def percent_of(cents: int, percent: Decimal) -> int:
    """`percent` % of `cents`, rounded half up to the cent."""
    value = (Decimal(cents) * percent / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)


def parse_euro(text: str) -> int:
    """Parse what a cashier types ("12,50", "12.50", "12", "€ 1.234,56") into cents.

    Raises MoneyError with a message a person understands.
    """
    raw = text.strip().replace("€", "").replace("EUR", "").replace(" ", "")
    if not raw:
        raise MoneyError("Bitte einen Betrag eingeben.")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise MoneyError(f"„{text}“ ist kein gültiger Betrag.") from None
    if not value.is_finite():
        raise MoneyError(f"„{text}“ ist kein gültiger Betrag.")
    if value != value.quantize(Decimal("0.01")):
        raise MoneyError("Beträge haben höchstens zwei Nachkommastellen.")
    return int(value * 100)


def format_euro(cents: int, symbol: bool = True) -> str:
    """German formatting: 1.234,56 € (negative amounts with a leading minus)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    text = f"{sign}{grouped},{rest:02d}"
    return f"{text} €" if symbol else text
