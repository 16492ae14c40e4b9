"""German VAT on gross prices.

Rule (documented in the README): prices are gross. VAT is computed once per rate on the sum of
the gross amounts at that rate, after all discounts, as gross * rate / (100 + rate), rounded half
up to the cent; net = gross - VAT. Summing per rate (not per line) is what German receipts show
and avoids a cent of drift across many lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pos_app.money import round_half_up


class VatRate(Enum):
    STANDARD = (19, "A")
    REDUCED = (7, "B")

    def __init__(self, percent: int, letter: str) -> None:
        self.percent = percent
        self.letter = letter

    @classmethod
    def from_percent(cls, percent: int) -> "VatRate":
        for rate in cls:
            if rate.percent == percent:
                return rate
        raise ValueError(f"unknown VAT rate {percent} %")


@dataclass(frozen=True)
class VatRow:
    rate: VatRate
    gross_cents: int
    vat_cents: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.vat_cents


def vat_from_gross(gross_cents: int, rate: VatRate) -> int:
    return round_half_up(gross_cents * rate.percent, 100 + rate.percent)


def breakdown(gross_by_rate: dict[VatRate, int]) -> list[VatRow]:
    """One row per rate that occurs, in the order A (19 %), B (7 %)."""
    rows = []
    for rate in VatRate:
        if rate in gross_by_rate:
            gross = gross_by_rate[rate]
            rows.append(VatRow(rate, gross, vat_from_gross(gross, rate)))
    return rows
