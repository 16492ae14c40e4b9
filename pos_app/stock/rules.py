"""Rules of goods receipt and stock adjustments that the store and the center both apply.

Pure data and checks, no I/O: pos_app.stock.receiving / pos_app.stock.adjustments (the store)
and backend.stock_receiving (the center) import them, so a delivery line is short or over by
the same rule on both sides, and an adjustment's reason moves stock the same way. Any thread.

Messages raised here are for the person at the till (through pos_app.i18n.t).
"""
from __future__ import annotations

from dataclasses import dataclass

from pos_app.i18n import t

MAX_UNITS = 99_999  # of one product in one delivery or one adjustment (sync.protocol_stock.MAX_RECEIVED)

# The reasons a person gives for moving stock by hand, and which way each one moves it:
# -1 the units leave the stock, +1 they come in. (Issue 12's "count" and "correction" are signed
# by the difference itself; they stay in pos_app.reconciliations.)
ADJUSTMENT_SIGNS: dict[str, int] = {"damaged": -1, "theft": -1, "own_use": -1, "found": 1}
DEFAULT_PIN_LIMIT_CENTS = 50_00  # above this value (at the store's price) an adjustment needs a manager


class StockRuleError(ValueError):
    """Input that breaks a stock rule; the message is for the person (nothing was changed)."""


def adjustment_label(reason: str) -> str:
    labels = {"damaged": t("Beschädigt"), "theft": t("Diebstahl"), "own_use": t("Eigenverbrauch"),
              "found": t("Gefunden"), "count": t("Inventur"), "correction": t("Korrektur"),
              "conflict_acknowledged": t("Abgelehnter Vorgang gebucht")}
    return labels.get(reason, reason)


def adjustment_delta(reason: str, units: int) -> int:
    """The stock change of an adjustment of `units` (> 0) for `reason`. Raises StockRuleError."""
    if reason not in ADJUSTMENT_SIGNS:
        raise StockRuleError(t("Unbekannter Grund „{reason}“.", reason=reason))
    check_units(units, allow_zero=False)
    return ADJUSTMENT_SIGNS[reason] * units


def check_units(units: int, allow_zero: bool = True) -> None:
    if not isinstance(units, int) or isinstance(units, bool):
        raise StockRuleError(t("Die Menge muss eine ganze Zahl sein."))
    if units < 0:
        raise StockRuleError(t("Die Menge darf nicht negativ sein."))
    if units == 0 and not allow_zero:
        raise StockRuleError(t("Die Menge muss mindestens 1 sein."))
    if units > MAX_UNITS:
        raise StockRuleError(t("Höchstens {limit} Stück auf einmal.", limit=MAX_UNITS))


def needs_approval(value_cents: int, limit_cents: int) -> bool:
    """An adjustment worth more than the limit needs a manager's PIN (the limit itself does not)."""
    return abs(value_cents) > limit_cents


@dataclass(frozen=True)
class LineDifference:
    """How a delivery line differs from its notice: short (fewer units than expected, damaged
    ones not counted as delivered good), over (more), damaged (came broken)."""

    short: int
    over: int
    damaged: int

    @property
    def any(self) -> bool:
        return bool(self.short or self.over or self.damaged)


def line_difference(expected: int, received: int, damaged: int) -> LineDifference:
    """`received` good units and `damaged` broken ones against `expected`: a broken unit did
    arrive, so it is not short, but it is a difference of its own."""
    arrived = received + damaged
    return LineDifference(max(0, expected - arrived), max(0, arrived - expected), damaged)


def check_line(expected: int, received: int, damaged: int, reason: str) -> None:
    """Raise StockRuleError unless the line is bookable: bounded quantities, and a reason for
    every difference."""
    for units in (expected, received, damaged):
        check_units(units)
    if line_difference(expected, received, damaged).any and not reason.strip():
        raise StockRuleError(t("Bitte einen Grund für die Abweichung angeben."))
