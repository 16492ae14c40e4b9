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
   is left, until none saves anything.
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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pos_app.money import percent_of
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


@dataclass(frozen=True)
class _Use:
    saving: int
    taken: tuple[tuple[int, int], ...]  # (line index, units)
    discounts: tuple[tuple[int, int], ...]  # (line index, cents)


def _spread(saving: int, taken: list[tuple[int, int]], lines: list[PricingLine]) -> _Use:
    """A group promotion's saving over the units it took, in proportion to their price."""
    shares = largest_remainder(saving, [lines[i].unit_price_cents * q for i, q in taken])
    return _Use(saving, tuple(taken), tuple((i, s) for (i, _), s in zip(taken, shares) if s))


def _runs(idxs: Iterable[int], avail: list[int], lines: list[PricingLine]) -> list[tuple[int, int, int]]:
    """(unit price, line index, units free) of the covered lines, dearest first."""
    return sorted(((lines[i].unit_price_cents, i, avail[i]) for i in idxs if avail[i] > 0),
                  key=lambda r: (-r[0], r[1]))


def _per_unit(p: Promotion, idxs: list[int], avail: list[int], lines: list[PricingLine]) -> _Use | None:
    taken, discounts = [], []
    for i in idxs:
        q = avail[i]
        if q <= 0:
            continue
        unit = lines[i].unit_price_cents
        if p.kind is PromotionKind.PERCENT_OFF:
            off = percent_of(unit * q, p.percent)  # type: ignore[arg-type]
        elif p.kind is PromotionKind.AMOUNT_OFF:
            off = min(p.amount_cents or 0, unit) * q
        else:  # member price
            off = max(0, unit - (p.price_cents or 0)) * q
        if off > 0:
            taken.append((i, q))
            discounts.append((i, off))
    saving = sum(d for _, d in discounts)
    return _Use(saving, tuple(taken), tuple(discounts)) if saving else None


def _buy_x_pay_y(p: Promotion, idxs: list[int], avail: list[int], lines: list[PricingLine]) -> _Use | None:
    """Dearest first in groups of `buy`; the cheapest `buy - pay` of each group are free."""
    buy, pay = p.buy or 2, p.pay or 0
    runs = _runs(idxs, avail, lines)
    n = (sum(r[2] for r in runs) // buy) * buy
    if n == 0:
        return None

    def free_before(k: int) -> int:
        return (k // buy) * (buy - pay) + max(0, k % buy - pay)

    pos, saving, taken = 0, 0, []
    for price, i, count in runs:
        if pos >= n:
            break
        c = min(count, n - pos)
        saving += price * (free_before(pos + c) - free_before(pos))
        taken.append((i, c))
        pos += c
    return _spread(saving, taken, lines) if saving > 0 else None


def _mix_match(p: Promotion, idxs: list[int], avail: list[int], lines: list[PricingLine]) -> _Use | None:
    """Groups of `buy` units, dearest first, for `price_cents` each, while a group saves."""
    size, price = p.buy or 2, p.price_cents or 0
    runs = [list(r) for r in _runs(idxs, avail, lines)]
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
    return _spread(saving, sorted(taken_by.items()), lines)


def _bundle(p: Promotion, idxs: list[int], avail: list[int], lines: list[PricingLine]) -> _Use | None:
    """Sets of one of each product (dearest units first) for `price_cents`, while a set saves."""
    parts = []
    for pid in p.product_ids:
        runs = [list(r) for r in _runs((i for i in idxs if lines[i].product_id == pid), avail, lines)]
        if not runs:
            return None
        parts.append(runs)
    saving, taken_by = 0, defaultdict(int)
    heads = [0] * len(parts)
    while all(h < len(runs) for h, runs in zip(heads, parts)):
        value = sum(runs[h][0] for h, runs in zip(heads, parts))
        if value <= p.price_cents:  # type: ignore[operator]
            break
        k = min(runs[h][2] for h, runs in zip(heads, parts))
        saving += k * (value - (p.price_cents or 0))
        for n, (h, runs) in enumerate(zip(heads, parts)):
            taken_by[runs[h][1]] += k
            runs[h][2] -= k
            if runs[h][2] == 0:
                heads[n] += 1
    if saving <= 0:
        return None
    return _spread(saving, sorted(taken_by.items()), lines)


_LINE_RULES = {
    PromotionKind.PERCENT_OFF: _per_unit, PromotionKind.AMOUNT_OFF: _per_unit, PromotionKind.MEMBER_PRICE: _per_unit,
    PromotionKind.BUY_X_PAY_Y: _buy_x_pay_y, PromotionKind.MIX_MATCH: _mix_match, PromotionKind.BUNDLE: _bundle,
}


def _cart_saving(p: Promotion, base: int) -> int:
    if p.kind is PromotionKind.THRESHOLD and base < (p.threshold_cents or 0):
        return 0
    if p.percent is not None:
        return percent_of(base, p.percent)
    return min(p.amount_cents or 0, base)


class PromotionBook:
    """The promotions a till or the center knows, indexed for pricing. Immutable once built."""

    def __init__(self, promotions: Iterable[Promotion]) -> None:
        self.promotions = {p.id: p for p in promotions}
        self._by_product: dict[int, list[Promotion]] = defaultdict(list)
        self._by_category: dict[str, list[Promotion]] = defaultdict(list)
        self._on_cart: list[Promotion] = []
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

    def _line_candidates(self, lines: list[PricingLine]) -> dict[int, tuple[Promotion, list[int]]]:
        found: dict[int, tuple[Promotion, list[int]]] = {}
        for i, line in enumerate(lines):
            if not line.promotable:
                continue
            for p in self._by_product.get(line.product_id, ()):
                found.setdefault(p.id, (p, []))[1].append(i)
            if line.category:
                for p in self._by_category.get(line.category, ()):
                    if line.product_id not in p.product_ids:
                        found.setdefault(p.id, (p, []))[1].append(i)
        return found


def price_cart(book: PromotionBook, lines: list[PricingLine], ctx: PricingContext) -> PricedCart:
    """The resolution described in the module docstring."""
    coupons = frozenset(normal_code(c) for c in ctx.coupons)
    avail = [line.quantity if line.promotable else 0 for line in lines]
    per_line: list[list[LineDiscount]] = [[] for _ in lines]
    applied: list[AppliedPromotion] = []
    heap: list[tuple[int, int, int]] = []
    candidates = {pid: c for pid, c in book._line_candidates(lines).items() if applies(c[0], ctx, coupons)}
    version, cached = 0, {}
    for pid, (p, idxs) in candidates.items():
        use = _LINE_RULES[p.kind](p, idxs, avail, lines)
        if use:
            cached[pid] = use
            heap.append((-use.saving, pid, version))
    heapq.heapify(heap)
    while heap:
        neg, pid, seen = heapq.heappop(heap)
        p, idxs = candidates[pid]
        if seen != version:  # units were taken since: judge again on what is left
            use = _LINE_RULES[p.kind](p, idxs, avail, lines)
            if use:
                cached[pid] = use
                heapq.heappush(heap, (-use.saving, pid, version))
            continue
        use = cached[pid]
        for i, q in use.taken:
            avail[i] -= q
        for i, cents in use.discounts:
            per_line[i].append(LineDiscount(pid, cents))
        applied.append(AppliedPromotion(pid, p.name, p.kind.value, use.saving, p.coupon_code))
        version += 1
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
