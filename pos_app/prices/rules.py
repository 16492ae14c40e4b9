"""The line-level rules of the promotion engine (pos_app.prices.engine), one compiled function
per promotion: given the covered lines, the units still free on each and their unit prices,
what the promotion would save and on which units. Savings never grow when units are taken
(the engine's lazy resolution relies on it). Pure; any thread.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pos_app.prices.allocation import largest_remainder
from pos_app.prices.promotions import Promotion, PromotionKind


@dataclass(frozen=True, slots=True)
class Use:
    saving: int
    taken: tuple[tuple[int, int], ...]  # (line index, units)
    discounts: tuple[tuple[int, int], ...] | None  # (line index, cents); None: spread when applied

    def shares(self, units: list[int]) -> tuple[tuple[int, int], ...]:
        """Per line: the discount itself, or a group promotion's saving spread over the units it
        took in proportion to their price (largest remainder: exact cents)."""
        if self.discounts is not None:
            return self.discounts
        parts = largest_remainder(self.saving, [units[i] * q for i, q in self.taken])
        return tuple((i, c) for (i, _), c in zip(self.taken, parts) if c)


# A line-level rule, compiled once per promotion: (covered line indexes, units free per line,
# unit price per line) -> what it would save on what is free, or None.
Rule = Callable[[list[int], list[int], list[int]], "Use | None"]


def _runs(idxs: list[int], avail: list[int], units: list[int]) -> list[tuple[int, int, int]]:
    """(-unit price, line index, units free) of the covered lines, dearest first."""
    return sorted([(-units[i], i, avail[i]) for i in idxs if avail[i] > 0])


def _percent_rule(p: Promotion) -> Rule:
    hundredths = int(p.percent * 100)  # type: ignore[operator]

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> Use | None:
        taken, discounts, saving = [], [], 0
        for i in idxs:
            q = avail[i]
            if q > 0:
                off = (2 * units[i] * q * hundredths + 10_000) // 20_000  # percent_of, half up, in integers
                if off > 0:
                    taken.append((i, q))
                    discounts.append((i, off))
                    saving += off
        return Use(saving, tuple(taken), tuple(discounts)) if saving else None
    return rule


def _amount_rule(p: Promotion) -> Rule:
    amount = p.amount_cents or 0

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> Use | None:
        taken, discounts, saving = [], [], 0
        for i in idxs:
            q = avail[i]
            if q > 0 and units[i] > 0:
                off = (amount if amount < units[i] else units[i]) * q
                taken.append((i, q))
                discounts.append((i, off))
                saving += off
        return Use(saving, tuple(taken), tuple(discounts)) if saving else None
    return rule


def _member_rule(p: Promotion) -> Rule:
    price = p.price_cents or 0

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> Use | None:
        taken, discounts, saving = [], [], 0
        for i in idxs:
            q = avail[i]
            if q > 0 and units[i] > price:
                off = (units[i] - price) * q
                taken.append((i, q))
                discounts.append((i, off))
                saving += off
        return Use(saving, tuple(taken), tuple(discounts)) if saving else None
    return rule


def _buy_x_pay_y_rule(p: Promotion) -> Rule:
    """Dearest first in groups of `buy`; the cheapest `buy - pay` of each group are free."""
    buy, pay = p.buy or 2, p.pay or 0

    def free_before(k: int) -> int:
        return (k // buy) * (buy - pay) + max(0, k % buy - pay)

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> Use | None:
        runs = _runs(idxs, avail, units)
        n = (sum(r[2] for r in runs) // buy) * buy
        if n == 0:
            return None
        pos, saving, taken = 0, 0, []
        for neg_price, i, count in runs:
            if pos >= n:
                break
            c = min(count, n - pos)
            saving -= neg_price * (free_before(pos + c) - free_before(pos))
            taken.append((i, c))
            pos += c
        return Use(saving, tuple(taken), None) if saving > 0 else None
    return rule


def _mix_match_rule(p: Promotion) -> Rule:
    """Groups of `buy` units, dearest first, for `price_cents` each, while a group saves: the
    units are walked dearest first once; a group inside one line is counted whole, a group
    spanning lines is filled from the next lines (`open_*`)."""
    size, price = p.buy or 2, p.price_cents or 0

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> Use | None:
        saving, taken_by = 0, {}
        open_value = open_count = 0
        open_parts: list[tuple[int, int]] = []
        for neg_price, i, count in _runs(idxs, avail, units):
            unit = -neg_price
            if open_count:  # complete the group begun on dearer lines
                c = min(size - open_count, count)
                open_value += unit * c
                open_count += c
                open_parts.append((i, c))
                count -= c
                if open_count < size:
                    continue
                if open_value <= price:
                    break
                saving += open_value - price
                for j, c in open_parts:
                    taken_by[j] = taken_by.get(j, 0) + c
                open_value = open_count = 0
                open_parts = []
            if count >= size:  # whole groups inside this line: all alike
                if unit * size <= price:
                    break
                k = count // size
                saving += k * (unit * size - price)
                taken_by[i] = taken_by.get(i, 0) + k * size
                count -= k * size
            if count:
                open_value, open_count, open_parts = unit * count, count, [(i, count)]
        if saving <= 0:
            return None
        return Use(saving, tuple(sorted(taken_by.items())), None)
    return rule


def _bundle_rule(p: Promotion, product_of: dict[int, int]) -> Rule:
    """Sets of one of each product (dearest units first) for `price_cents`, while a set saves."""
    price, components = p.price_cents or 0, p.product_ids

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> Use | None:
        parts = []
        for pid in components:
            runs = [[-r[0], r[1], r[2]] for r in _runs([i for i in idxs if product_of[i] == pid], avail, units)]
            if not runs:
                return None
            parts.append(runs)
        saving, taken_by = 0, defaultdict(int)
        heads = [0] * len(parts)
        while all(h < len(runs) for h, runs in zip(heads, parts)):
            value = sum(runs[h][0] for h, runs in zip(heads, parts))
            if value <= price:
                break
            k = min(runs[h][2] for h, runs in zip(heads, parts))
            saving += k * (value - price)
            for n, (h, runs) in enumerate(zip(heads, parts)):
                taken_by[runs[h][1]] += k
                runs[h][2] -= k
                if runs[h][2] == 0:
                    heads[n] += 1
        if saving <= 0:
            return None
        return Use(saving, tuple(sorted(taken_by.items())), None)
    return rule


def compile_rule(p: Promotion, product_of: dict[int, int]) -> Rule:
    """The line-level rule of `p` (`product_of`: line index -> product id, for bundles)."""
    if p.kind is PromotionKind.PERCENT_OFF:
        return _percent_rule(p)
    if p.kind is PromotionKind.AMOUNT_OFF:
        return _amount_rule(p)
    if p.kind is PromotionKind.MEMBER_PRICE:
        return _member_rule(p)
    if p.kind is PromotionKind.BUY_X_PAY_Y:
        return _buy_x_pay_y_rule(p)
    if p.kind is PromotionKind.MIX_MATCH:
        return _mix_match_rule(p)
    return _bundle_rule(p, product_of)
