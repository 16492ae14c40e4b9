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
from bisect import bisect_right
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


# What a line promotion can save at most on units of value V (all it covers, nothing taken yet):
# (V * mul) // div - sub + per_line * (lines covered), at most V, at least 0; nothing at all
# below `least` units. Savings never grow when units are taken, so this bounds every later
# judgement too (docs/prices.md, "Speed").
Bound = tuple[int, int, int, int, int]  # (mul, div, sub, per_line, least)


def _bound_of(p: Promotion) -> Bound:
    if p.kind is PromotionKind.PERCENT_OFF:  # each line rounds half up: less than a cent more
        return (int(p.percent * 100), 10_000, -1, 1, 1)  # type: ignore[operator]
    if p.kind is PromotionKind.BUY_X_PAY_Y:  # in each group of `buy`, the buy - pay cheapest are free
        buy = p.buy or 2
        return (buy - (p.pay or 0), buy, 0, 0, buy)
    if p.kind is PromotionKind.MIX_MATCH:  # a group of `buy` units saves its value - price
        return (1, 1, p.price_cents or 0, 0, p.buy or 2)
    if p.kind is PromotionKind.BUNDLE:  # a set of one of each saves its value - price
        return (1, 1, p.price_cents or 0, 0, len(p.product_ids))
    return (1, 1, 0, 0, 1)  # amount off, member price: at most what the units cost


def _first_bounds(specs: dict[int, Bound], found: dict[int, list[int]], values: list[int],
                  avail: list[int]) -> list[tuple[int, int]]:
    """The lazy greedy's candidates before any judgement: (-upper bound of the saving,
    promotion id), best first (a sorted list is walked, not popped: cheaper than a heap).
    A candidate that cannot save anything (too few units) is left out."""
    heap = []
    value_of, avail_of = values.__getitem__, avail.__getitem__
    for pid, idxs in found.items():
        mul, div, sub, per_line, least = specs[pid]
        if least > 1 and sum(map(avail_of, idxs)) < least:
            continue
        value = sum(map(value_of, idxs))
        bound = (value * mul) // div - sub + per_line * len(idxs)
        if bound > value:
            bound = value
        heap.append((-bound if bound > 0 else 0, pid))
    heap.sort()
    return heap


_UNJUDGED = object()


class _Eligible:
    """The promotions of a book that apply to one context key (store, channel, tier, coupons)
    between two window boundaries, and, per (product, category), the eligible line promotions
    covering it (filled as carts ask). Immutable but for that memo (a benign race: any thread
    computes the same tuple)."""

    __slots__ = ("low", "high", "ids", "on_cart", "covers")

    def __init__(self, low: datetime | None, high: datetime | None, ids: frozenset[int],
                 on_cart: tuple[Promotion, ...]) -> None:
        self.low, self.high, self.ids = low, high, ids
        # (promotion, threshold, hundredths of a percent or None, amount), in id order (_cart_saving)
        self.on_cart = tuple(
            (p, p.threshold_cents or 0 if p.kind is PromotionKind.THRESHOLD else 0,
             None if p.percent is None else int(p.percent * 100), p.amount_cents or 0) for p in on_cart)
        self.covers: dict[tuple[int, str], tuple[int, ...]] = {}


class PromotionBook:
    """The promotions a till or the center knows, indexed for pricing. Immutable once built;
    its memos (eligibility per context, covering promotions per product) only ever get the
    same answer again, so a book may be shared by threads."""

    MEMO_CONTEXTS = 64  # context keys remembered (stores x channels x tiers x coupon sets seen)
    MEMO_JUDGEMENTS = 20_000  # judgements remembered (a few MB), then forgotten all at once

    def __init__(self, promotions: Iterable[Promotion]) -> None:
        self.promotions = {p.id: p for p in promotions}
        self._by_product: dict[int, list[Promotion]] = defaultdict(list)
        self._by_category: dict[str, list[Promotion]] = defaultdict(list)
        self._on_cart: list[Promotion] = []
        self._line_promotions: list[Promotion] = []
        # compiled once here; a bundle's rule needs the cart's products and is compiled per cart
        self._rules: dict[int, Rule] = {}
        self._product_sets: dict[int, frozenset[int]] = {}
        self._bounds: dict[int, Bound] = {}  # see _bound_of
        moments: set[datetime] = set()
        for p in sorted(self.promotions.values(), key=lambda p: p.id):
            for moment in (p.starts_at, p.ends_at):
                if moment is not None:
                    moments.add(moment)
            if p.on_cart:
                self._on_cart.append(p)
                continue
            self._line_promotions.append(p)
            self._product_sets[p.id] = frozenset(p.product_ids)
            if p.kind is not PromotionKind.BUNDLE:
                self._rules[p.id] = compile_rule(p, {})
            self._bounds[p.id] = _bound_of(p)
            for pid in p.product_ids:
                self._by_product[pid].append(p)
            for category in p.categories:
                self._by_category[category].append(p)
        self._moments = sorted(moments)  # window boundaries: eligibility is constant between two
        self._eligible: dict[tuple[str, str, str | None, frozenset[str]], _Eligible] = {}
        # (promotion id, covered line indexes, their free units, unit prices, products for a
        # bundle) -> the rule's judgement: a rule reads nothing else, so a cart priced again
        # (the next scan, the center's re-check) does not judge its unchanged lines again
        self._judgements: dict[tuple[Any, ...], Use | None] = {}

    def forget(self) -> None:
        """Drop the judgements remembered (benchmarks: the next cart priced as a new one)."""
        self._judgements = {}

    def __len__(self) -> int:
        return len(self.promotions)

    def price(self, lines: Iterable[PricingLine], ctx: PricingContext) -> PricedCart:
        return price_cart(self, list(lines), ctx)

    def eligible(self, ctx: PricingContext, coupons: frozenset[str]) -> _Eligible:
        """The promotions that apply in `ctx` (`applies`), remembered per context key until the
        trusted clock crosses the next window boundary."""
        key = (ctx.store_id, ctx.channel, ctx.tier, coupons)
        at = ctx.at
        hit = self._eligible.get(key)
        if hit is not None and (hit.low is None or hit.low <= at) and (hit.high is None or at < hit.high):
            return hit
        k = bisect_right(self._moments, at) if self._moments else 0
        entry = _Eligible(
            self._moments[k - 1] if k else None, self._moments[k] if k < len(self._moments) else None,
            frozenset(p.id for p in self._line_promotions if applies(p, ctx, coupons)),
            tuple(p for p in self._on_cart if applies(p, ctx, coupons)))
        if len(self._eligible) >= self.MEMO_CONTEXTS:
            self._eligible = {}
        self._eligible[key] = entry
        return entry

    def _covering(self, entry: _Eligible, product_id: int, category: str) -> tuple[int, ...]:
        """Ids of the eligible line promotions covering a line of `product_id` in `category`:
        those naming the product, then those naming its category (not the product), in id order."""
        ids = entry.ids
        found = [p.id for p in self._by_product.get(product_id, ()) if p.id in ids]
        if category:
            found += [p.id for p in self._by_category.get(category, ())
                      if p.id in ids and product_id not in self._product_sets[p.id]]
        cover = entry.covers[(product_id, category)] = tuple(found)
        return cover

    def _line_candidates(self, lines: list[PricingLine]) -> dict[int, list[int]]:
        """promotion id -> the indexes of the promotable lines it covers (in or out of scope)."""
        found: dict[int, list[int]] = {}
        for i, line in enumerate(lines):
            if not line.promotable:
                continue
            for p in self._by_product.get(line.product_id, ()):
                found.setdefault(p.id, []).append(i)
            if line.category:
                for p in self._by_category.get(line.category, ()):
                    if line.product_id not in self._product_sets[p.id]:
                        found.setdefault(p.id, []).append(i)
        return found


def price_cart(book: PromotionBook, lines: list[PricingLine], ctx: PricingContext) -> PricedCart:
    """The resolution described in the module docstring."""
    coupons = frozenset(normal_code(c) for c in ctx.coupons)
    entry = book.eligible(ctx, coupons)
    covers = entry.covers
    n = len(lines)
    units = [line.unit_price_cents for line in lines]
    avail = [0] * n
    values = [0] * n  # line index -> the value of its units
    found: defaultdict[int, list[int]] = defaultdict(list)  # promotion id -> indexes of its lines
    free = 0  # units free on lines some candidate covers: none left, nothing more can save
    for i, line in enumerate(lines):
        if not line.promotable:
            continue
        q = avail[i] = line.quantity
        values[i] = units[i] * q
        cover = covers.get((line.product_id, line.category))
        if cover is None:
            cover = book._covering(entry, line.product_id, line.category)
        if cover:
            free += q
            for pid in cover:
                found[pid].append(i)
    per_line: list[list[LineDiscount]] = [[] for _ in lines]
    discount = [0] * n
    applied: list[AppliedPromotion] = []
    promos, rules, memo = book.promotions, book._rules, book._judgements
    product_of: dict[int, int] | None = None
    # Lazy greedy: a candidate enters with an upper bound of what it can save (_bound_of) and
    # is judged exactly only when it reaches the top; a judgement is stale once units it counted
    # on were taken since. Savings never grow when units are taken, so this picks exactly what
    # judging everything again after each step would pick (same ties).
    order = _first_bounds(book._bounds, found, values, avail)  # not judged yet: (-bound, id), ascending
    heap: list[tuple[int, int]] = []  # judged: (-saving, id)
    judged: dict[int, tuple[Use, int]] = {}  # promotion id -> (exact judgement, step it was made at)
    taken_at = [0] * n  # line index -> the step at which units of it were last taken
    step = k = 0
    pop, push = heapq.heappop, heapq.heappush
    avail_of, taken_of = avail.__getitem__, taken_at.__getitem__
    unjudged = len(order)
    while free:
        # the best of both: the next unjudged bound and the best judgement (the heap of both, merged)
        if heap and (k == unjudged or heap[0] < order[k]):
            pid = pop(heap)[1]
            use, when = judged.pop(pid)
            idxs = found[pid]
            fresh = max(map(taken_of, idxs)) <= when
        elif k < unjudged:
            pid = order[k][1]
            k += 1
            idxs = found[pid]
            fresh = False
        else:
            break
        if not fresh:
            if any(map(avail_of, idxs)):
                rule = rules.get(pid)
                key = (pid, tuple(idxs), tuple(map(avail_of, idxs)), tuple(map(units.__getitem__, idxs)),
                       None if rule else tuple([lines[j].product_id for j in idxs]))
                use = memo.get(key, _UNJUDGED)  # type: ignore[assignment]
                if use is _UNJUDGED:
                    if rule is None:  # a bundle: its rule needs the cart's products
                        if product_of is None:
                            product_of = {j: line.product_id for j, line in enumerate(lines)}
                        rule = compile_rule(promos[pid], product_of)
                    use = rule(idxs, avail, units)  # type: ignore[assignment]
                    if len(memo) >= book.MEMO_JUDGEMENTS:
                        memo = book._judgements = {}
                    memo[key] = use
                if use:
                    judged[pid] = (use, step)
                    push(heap, (-use.saving, pid))
            continue
        step += 1
        for i, q in use.taken:
            avail[i] -= q
            free -= q
            taken_at[i] = step
        for i, cents in use.shares(units):
            per_line[i].append(LineDiscount(pid, cents))
            discount[i] += cents
        p = promos[pid]
        applied.append(AppliedPromotion(pid, p.name, p.kind.value, use.saving, p.coupon_code))
    totals = [line.unit_price_cents * line.quantity - discount[i] if line.promotable else 0
              for i, line in enumerate(lines)]
    base = sum(totals)
    best: tuple[int, int, Promotion] | None = None
    for p, threshold, hundredths, amount in entry.on_cart:
        if base < threshold:
            continue
        saving = round_half_up(base * hundredths, 10_000) if hundredths is not None else min(amount, base)
        if saving > 0 and (best is None or saving > best[0]):  # in id order: a tie keeps the lower id
            best = (saving, p.id, p)
    if best is not None:
        saving, pid, p = best
        for i, share in enumerate(largest_remainder(saving, totals)):
            if share:
                per_line[i].append(LineDiscount(pid, share))
        applied.append(AppliedPromotion(pid, p.name, p.kind.value, saving, p.coupon_code))
    return PricedCart(
        lines=tuple(PricedLine(line.line_id, line.unit_price_cents * line.quantity, tuple(per_line[i]))
                    for i, line in enumerate(lines)),
        applied=tuple(applied))
