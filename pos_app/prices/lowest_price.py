"""§ 11 PAngV: a price reduction states the lowest price of the previous 30 days.

One pure rule, used by the center (which keeps the price history per product and channel with
its own clock, backend.price_history) and by the till (screen, receipt, label) with what the
feed brought. A reduction is measured against the price history, never against a device's
clock: callers pass the moment from trusted time (pos_app.trusted_time / backend.trusted_time).

The rules, as written here:
- The reference is the lowest price in force at any moment of the 30 days before the
  reduction started (the price in force when the window opened counts, the reduced price does
  not).
- A reduction that goes on in steps (10 % off, then 20 % off, no rise in between) keeps the
  reference of its first step (§ 11 (3) PAngV): the start is found by walking back over the
  falling run of prices.
- Without a history long enough (a product listed 10 days ago) the lowest price of the days
  it was on sale counts.

Thread: any; no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pos_app.money import format_euro

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class PriceChange:
    """From `at` on, the price is `price_cents` (until the next change)."""

    at: datetime
    price_cents: int


@dataclass(frozen=True)
class Reduction:
    """A price reduction in force: since when, from what, and the lowest price before it."""

    started_at: datetime
    price_cents: int
    before_cents: int  # the price just before the (first step of the) reduction
    lowest_30_days_cents: int


def _sorted(history: Sequence[PriceChange]) -> list[PriceChange]:
    return sorted(history, key=lambda c: c.at)


def price_at(history: Sequence[PriceChange], moment: datetime) -> int | None:
    """The price in force at `moment`; None before the first price."""
    found = None
    for change in _sorted(history):
        if change.at > moment:
            break
        found = change.price_cents
    return found


def lowest_before(history: Sequence[PriceChange], moment: datetime, window: timedelta = WINDOW) -> int | None:
    """The lowest price in force at any moment of [moment - window, moment); None without one."""
    start = moment - window
    lowest: int | None = None
    for change in _sorted(history):
        if change.at >= moment:
            break
        if change.at <= start:
            lowest = change.price_cents  # the price in force when the window opened (a later one replaces it)
            continue
        lowest = change.price_cents if lowest is None else min(lowest, change.price_cents)
    return lowest


def _effective(history: Sequence[PriceChange], moment: datetime) -> list[PriceChange]:
    """Changes up to `moment`, without repeats of the same price (they change nothing)."""
    out: list[PriceChange] = []
    for change in _sorted(history):
        if change.at > moment:
            break
        if not out or out[-1].price_cents != change.price_cents:
            out.append(change)
    return out


def current_reduction(history: Sequence[PriceChange], moment: datetime) -> Reduction | None:
    """The reduction in force at `moment` (the last change lowered the price), or None."""
    changes = _effective(history, moment)
    if len(changes) < 2 or changes[-1].price_cents >= changes[-2].price_cents:
        return None
    first = len(changes) - 1
    while first > 1 and changes[first - 1].price_cents < changes[first - 2].price_cents:
        first -= 1  # a step of the same falling run: the reference stays that of its first step
    started = changes[first].at
    lowest = lowest_before(history, started)
    assert lowest is not None  # there is a change before `started`
    return Reduction(started_at=started, price_cents=changes[-1].price_cents,
                     before_cents=changes[first - 1].price_cents, lowest_30_days_cents=lowest)


def reduction_against(history: Sequence[PriceChange], offered_cents: int, moment: datetime) -> Reduction | None:
    """A promotion's price `offered_cents` from `moment` on, measured against the regular price
    history (the promotion engine's reductions): None when it is not lower than the price in force."""
    regular = price_at(history, moment)
    if regular is None or offered_cents >= regular:
        return None
    lowest = lowest_before(history, moment)
    return Reduction(started_at=moment, price_cents=offered_cents, before_cents=regular,
                     lowest_30_days_cents=regular if lowest is None else min(lowest, regular))


def lowest_price_text(lowest_cents: int) -> str:
    """The line for receipts and labels (the store's legal language, plain German)."""
    return f"Niedrigster Preis der letzten 30 Tage: {format_euro(lowest_cents)}"
