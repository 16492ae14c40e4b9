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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


from pos_app.money import round_half_up
from pos_app.prices.allocation import largest_remainder
from pos_app.prices.promotions import Promotion, PromotionKind, normal_code
from pos_app.prices.rules import Rule, Use, compile_rule


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
    judged: dict[int, tuple[Use, int]] = {}  # promotion id -> (exact judgement, step it was made at)
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
