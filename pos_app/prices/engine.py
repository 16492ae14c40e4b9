"""The resolution: which promotions a cart gets, and what each line costs. One engine for the
till (cart totals, receipt) and the center (`POST /v1/channel/carts/price`, re-pricing a store's
sale): same input, same cents.

The rule (docs/prices.md):
1. Eligible promotions: in the window on the trusted clock (`PricingContext.at`), in scope
   (store, channel, customer tier), and, for a coupon promotion, its code presented.
2. Line level, exclusive per unit: each unit of a line gets at most one line-level promotion
   (percent/amount off, member price, buy X pay Y, mix and match, bundle). Best for the
   customer, greedily: the promotion that saves most on the units still free is applied
   (ties: the lower promotion id), its units are taken, and the rest are judged again on what
   is left, until none saves anything. A promotion applies once, to as many units (groups,
   sets) as it can take.
3. Cart level, exclusive: of the cart promotions (threshold, percent or amount off the cart) the
   one saving most on the subtotal after step 2 is applied (ties: the lower id); thresholds are
   judged on that discounted subtotal.
4. Each promotion's saving is allocated to the lines it came from (pos_app.prices.allocation),
   so a return refunds what was paid (pos_app.prices.refunds).
Lines marked not promotable (a manual price or discount at the till) take part in nothing.

Speed: `PromotionBook` indexes the promotions by product and category once; a cart looks at
the promotions of its own products only (a 200-line cart with 1,000 promotions: see
tests/perf/bench_prices.py). Pure; any thread; a book is immutable and may be shared.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


from pos_app.money import round_half_up
from pos_app.prices.allocation import largest_remainder
from pos_app.prices.promotions import Promotion, PromotionKind, normal_code


@dataclass(frozen=True)
class PricingLine:
    line_id: int
    product_id: int
    category: str
    quantity: int
    unit_price_cents: int
    promotable: bool = True

    @property
    def gross_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class PricingContext:
    """Who buys where and when. `at` is trusted time (the center's clock, or the till's clock
    corrected by the offset the center told it: pos_app.trusted_time), never the raw device clock."""

    at: datetime
    store_id: str = ""
    channel: str = "store"
    tier: str | None = None
    coupons: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineDiscount:
    promotion_id: int
    cents: int


@dataclass(frozen=True)
class PricedLine:
    line_id: int
    gross_cents: int
    discounts: tuple[LineDiscount, ...]

    @property
    def discount_cents(self) -> int:
        return sum(d.cents for d in self.discounts)

    @property
    def total_cents(self) -> int:
        return self.gross_cents - self.discount_cents


@dataclass(frozen=True)
class AppliedPromotion:
    promotion_id: int
    name: str
    kind: str
    saving_cents: int
    coupon_code: str | None = None


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    applied: tuple[AppliedPromotion, ...]

    @property
    def gross_cents(self) -> int:
        return sum(line.gross_cents for line in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(a.saving_cents for a in self.applied)

    @property
    def total_cents(self) -> int:
        return self.gross_cents - self.discount_cents

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [{"line_id": ln.line_id, "gross_cents": ln.gross_cents, "total_cents": ln.total_cents,
                       "discounts": [{"promotion_id": d.promotion_id, "cents": d.cents} for d in ln.discounts]}
                      for ln in self.lines],
            "applied": [{"promotion_id": a.promotion_id, "name": a.name, "kind": a.kind,
                         "saving_cents": a.saving_cents, "coupon_code": a.coupon_code} for a in self.applied],
            "gross_cents": self.gross_cents, "discount_cents": self.discount_cents, "total_cents": self.total_cents,
        }


def applies(p: Promotion, ctx: PricingContext, coupons: frozenset[str]) -> bool:
    """In its window (trusted time), in scope, and its coupon presented."""
    if p.starts_at is not None and ctx.at < p.starts_at:
        return False
    if p.ends_at is not None and ctx.at >= p.ends_at:
        return False
    if p.stores and ctx.store_id not in p.stores:
        return False
    if p.channels and ctx.channel not in p.channels:
        return False
    if p.tiers and ctx.tier not in p.tiers:
        return False
    return p.coupon_code is None or normal_code(p.coupon_code) in coupons


@dataclass(frozen=True, slots=True)
class _Use:
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
Rule = Callable[[list[int], list[int], list[int]], "_Use | None"]


def _runs(idxs: list[int], avail: list[int], units: list[int]) -> list[tuple[int, int, int]]:
    """(-unit price, line index, units free) of the covered lines, dearest first."""
    return sorted([(-units[i], i, avail[i]) for i in idxs if avail[i] > 0])


def _percent_rule(p: Promotion) -> Rule:
    hundredths = int(p.percent * 100)  # type: ignore[operator]

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> _Use | None:
        taken, discounts, saving = [], [], 0
        for i in idxs:
            q = avail[i]
            if q > 0:
                off = (2 * units[i] * q * hundredths + 10_000) // 20_000  # percent_of, half up, in integers
                if off > 0:
                    taken.append((i, q))
                    discounts.append((i, off))
                    saving += off
        return _Use(saving, tuple(taken), tuple(discounts)) if saving else None
    return rule


def _amount_rule(p: Promotion) -> Rule:
    amount = p.amount_cents or 0

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> _Use | None:
        taken, discounts, saving = [], [], 0
        for i in idxs:
            q = avail[i]
            if q > 0 and units[i] > 0:
                off = (amount if amount < units[i] else units[i]) * q
                taken.append((i, q))
                discounts.append((i, off))
                saving += off
        return _Use(saving, tuple(taken), tuple(discounts)) if saving else None
    return rule


def _member_rule(p: Promotion) -> Rule:
    price = p.price_cents or 0

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> _Use | None:
        taken, discounts, saving = [], [], 0
        for i in idxs:
            q = avail[i]
            if q > 0 and units[i] > price:
                off = (units[i] - price) * q
                taken.append((i, q))
                discounts.append((i, off))
                saving += off
        return _Use(saving, tuple(taken), tuple(discounts)) if saving else None
    return rule


def _buy_x_pay_y_rule(p: Promotion) -> Rule:
    """Dearest first in groups of `buy`; the cheapest `buy - pay` of each group are free."""
    buy, pay = p.buy or 2, p.pay or 0

    def free_before(k: int) -> int:
        return (k // buy) * (buy - pay) + max(0, k % buy - pay)

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> _Use | None:
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
        return _Use(saving, tuple(taken), None) if saving > 0 else None
    return rule


def _mix_match_rule(p: Promotion) -> Rule:
    """Groups of `buy` units, dearest first, for `price_cents` each, while a group saves."""
    size, price = p.buy or 2, p.price_cents or 0

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> _Use | None:
        runs = [[-r[0], r[1], r[2]] for r in _runs(idxs, avail, units)]
        saving, taken_by = 0, defaultdict(int)
        r = 0
        while r < len(runs):
            if runs[r][2] >= size:  # whole groups inside one run: all alike
                unit, i, count = runs[r]
                if unit * size <= price:
                    break
                k = count // size
                saving += k * (unit * size - price)
                taken_by[i] += k * size
                runs[r][2] -= k * size
                if runs[r][2] == 0:
                    r += 1
                continue
            group, need, j = [], size, r
            while need and j < len(runs):
                c = min(need, runs[j][2])
                if c:
                    group.append((j, c))
                    need -= c
                j += 1
            if need:
                break
            value = sum(runs[j][0] * c for j, c in group)
            if value <= price:
                break
            saving += value - price
            for j, c in group:
                taken_by[runs[j][1]] += c
                runs[j][2] -= c
            while r < len(runs) and runs[r][2] == 0:
                r += 1
        if saving <= 0:
            return None
        return _Use(saving, tuple(sorted(taken_by.items())), None)
    return rule


def _bundle_rule(p: Promotion, product_of: dict[int, int]) -> Rule:
    """Sets of one of each product (dearest units first) for `price_cents`, while a set saves."""
    price, components = p.price_cents or 0, p.product_ids

    def rule(idxs: list[int], avail: list[int], units: list[int]) -> _Use | None:
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
        return _Use(saving, tuple(sorted(taken_by.items())), None)
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


def _cart_saving(p: Promotion, base: int) -> int:
    if p.kind is PromotionKind.THRESHOLD and base < (p.threshold_cents or 0):
        return 0
    if p.percent is not None:
        return round_half_up(base * int(p.percent * 100), 10_000)
    return min(p.amount_cents or 0, base)


class PromotionBook:
    """The promotions a till or the center knows, indexed for pricing. Immutable once built."""

    def __init__(self, promotions: Iterable[Promotion]) -> None:
        self.promotions = {p.id: p for p in promotions}
        self._by_product: dict[int, list[Promotion]] = defaultdict(list)
        self._by_category: dict[str, list[Promotion]] = defaultdict(list)
        self._on_cart: list[Promotion] = []
        self._rules: dict[int, Rule] = {}  # compiled once, on first use (any thread: a benign race)
        for p in sorted(self.promotions.values(), key=lambda p: p.id):
            if p.on_cart:
                self._on_cart.append(p)
                continue
            for pid in p.product_ids:
                self._by_product[pid].append(p)
            for category in p.categories:
                self._by_category[category].append(p)

    def __len__(self) -> int:
        return len(self.promotions)

    def price(self, lines: Iterable[PricingLine], ctx: PricingContext) -> PricedCart:
        return price_cart(self, list(lines), ctx)

    def _line_candidates(self, lines: list[PricingLine]) -> dict[int, list[int]]:
        """promotion id -> the indexes of the promotable lines it covers."""
        found: dict[int, list[int]] = {}
        by_product, by_category = self._by_product, self._by_category
        for i, line in enumerate(lines):
            if not line.promotable:
                continue
            for p in by_product.get(line.product_id, ()):
                idxs = found.get(p.id)
                if idxs is None:
                    found[p.id] = [i]
                else:
                    idxs.append(i)
            if line.category:
                for p in by_category.get(line.category, ()):
                    if line.product_id not in p.product_ids:
                        idxs = found.get(p.id)
                        if idxs is None:
                            found[p.id] = [i]
                        else:
                            idxs.append(i)
        return found

    def _rule(self, p: Promotion, product_of: dict[int, int]) -> Rule:
        if p.kind is PromotionKind.BUNDLE:
            return compile_rule(p, product_of)
        rule = self._rules.get(p.id)
        if rule is None:
            rule = self._rules[p.id] = compile_rule(p, product_of)
        return rule


def price_cart(book: PromotionBook, lines: list[PricingLine], ctx: PricingContext) -> PricedCart:
    """The resolution described in the module docstring."""
    coupons = frozenset(normal_code(c) for c in ctx.coupons)
    avail = [line.quantity if line.promotable else 0 for line in lines]
    units = [line.unit_price_cents for line in lines]
    product_of = {i: line.product_id for i, line in enumerate(lines)}
    per_line: list[list[LineDiscount]] = [[] for _ in lines]
    applied: list[AppliedPromotion] = []
    promos = book.promotions
    candidates: dict[int, tuple[Promotion, list[int], Rule]] = {}
    heap: list[tuple[int, int]] = []
    for pid, idxs in book._line_candidates(lines).items():
        p = promos[pid]
        if applies(p, ctx, coupons):
            candidates[pid] = (p, idxs, book._rule(p, product_of))
            bound = 0
            for i in idxs:
                bound += units[i] * avail[i]
            heap.append((-bound, pid))
    # Lazy greedy: a candidate enters with an upper bound of what it can save (the value of the
    # units it covers) and is judged exactly only when it reaches the top; a judgement is stale
    # once units it counted on were taken since. Savings never grow when units are taken, so this
    # picks exactly what judging everything again after each step would pick (same ties).
    heapq.heapify(heap)
    judged: dict[int, tuple[_Use, int]] = {}  # promotion id -> (exact judgement, step it was made at)
    taken_at = [0] * len(lines)  # line index -> the step at which units of it were last taken
    step = 0
    while heap:
        _, pid = heapq.heappop(heap)
        p, idxs, rule = candidates[pid]
        fresh = judged.pop(pid, None)
        if fresh is not None:
            use, when = fresh
            for i in idxs:
                if taken_at[i] > when:
                    fresh = None
                    break
        if fresh is None:
            for i in idxs:
                if avail[i]:
                    use = rule(idxs, avail, units)  # type: ignore[assignment]
                    if use:
                        judged[pid] = (use, step)
                        heapq.heappush(heap, (-use.saving, pid))
                    break
            continue
        step += 1
        for i, q in use.taken:
            avail[i] -= q
            taken_at[i] = step
        for i, cents in use.shares(units):
            per_line[i].append(LineDiscount(pid, cents))
        applied.append(AppliedPromotion(pid, p.name, p.kind.value, use.saving, p.coupon_code))
    totals = [line.gross_cents - sum(d.cents for d in per_line[i]) if line.promotable else 0
              for i, line in enumerate(lines)]
    base = sum(totals)
    best: tuple[int, int, Promotion] | None = None
    for p in book._on_cart:
        if applies(p, ctx, coupons):
            saving = _cart_saving(p, base)
            if saving > 0 and (best is None or (-saving, p.id) < (-best[0], best[1])):
                best = (saving, p.id, p)
    if best is not None:
        saving, pid, p = best
        for i, share in enumerate(largest_remainder(saving, totals)):
            if share:
                per_line[i].append(LineDiscount(pid, share))
        applied.append(AppliedPromotion(pid, p.name, p.kind.value, saving, p.coupon_code))
    return PricedCart(
        lines=tuple(PricedLine(line.line_id, line.gross_cents, tuple(per_line[i])) for i, line in enumerate(lines)),
        applied=tuple(applied))
