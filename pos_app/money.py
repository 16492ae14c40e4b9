"""Money is integer cents everywhere inside the app; Decimal only at the edges (parsing, display).

Rounding rule (used by every computation in the app): half up, away from zero, to the cent
(kaufmännisches Runden). Nothing here ever touches a float.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pos_app.i18n import t


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


_PLAIN = re.compile(r"^(\d{0,15})(?:[.,](\d{1,2}))?$")  # 12 | 12,5 | 12,50 | 12.50 | ,50
_GROUPED = re.compile(r"^(\d{1,3}(?:\.\d{3})+),(\d{1,2})$")  # 1.234,56 (1.234 alone is ambiguous)


def parse_euro(text: str) -> int:
    """Parse what a cashier types ("12,50", "12.50", "12", "1.234,56", "€ 3") into cents.

    Only these forms are accepted (no exponents, no signs, at most two decimals); anything else
    raises MoneyError with a message a person understands.
    """
    raw = text.strip().replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    if not raw:
        raise MoneyError(t("Bitte einen Betrag eingeben."))
    if raw.startswith("-"):
        raise MoneyError(t("Der Betrag darf nicht negativ sein."))
    match = _PLAIN.match(raw) or _GROUPED.match(raw)
    if match is None or not (match.group(1) or match.group(2)):
        if re.fullmatch(r"\d+,\d{3,}", raw):
            raise MoneyError(t("Beträge haben höchstens zwei Nachkommastellen."))
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
            raise MoneyError(t("„{raw}“ ist mehrdeutig: bitte {replace} oder {raw},00 eingeben.", raw=raw, replace=raw.replace('.', '')))
        raise MoneyError(t("„{strip}“ ist kein gültiger Betrag.", strip=text.strip()))
    euros = int(match.group(1).replace(".", "") or "0")
    cents = int((match.group(2) or "0").ljust(2, "0"))
    return euros * 100 + cents


def format_euro(cents: int, symbol: bool = True) -> str:
    """German formatting: 1.234,56 € (negative amounts with a leading minus)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    text = f"{sign}{grouped},{rest:02d}"
    return f"{text} €" if symbol else text
