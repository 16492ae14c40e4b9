"""The engine's speed-ups change no result (pos_app.prices.engine, docs/prices.md "Speed"):
the first bounds really bound what a promotion saves, and a book whose memos are warm (the
eligibility per context across window boundaries, the covering promotions per product, the
judgements per covered lines) prices every cart exactly as a fresh book does: a cart growing
scan by scan at the till, quantities changed, coupons and tiers changed, the clock moving
across promotion windows."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.prices.engine import PricingContext, PricingLine, PromotionBook, _first_bounds, applies
from pos_app.prices.promotions import Promotion, PromotionKind as K
from pos_app.prices.rules import compile_rule
from tests.prices_helpers import random_promotions
from tests.test_prices_engine import NOW


def random_line(rnd, line_id: int) -> PricingLine:  # type: ignore[no-untyped-def]
    return PricingLine(line_id, rnd.randint(1, 8), f"K{rnd.randint(1, 3)}", rnd.randint(1, 5),
                       rnd.randint(0, 4000), promotable=rnd.random() > 0.1)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_first_bound_is_never_below_what_the_promotion_saves(rnd) -> None:  # type: ignore[no-untyped-def]
    promos = [p for p in random_promotions(rnd, 20, products=8, at=NOW) if not p.on_cart]
    lines = [random_line(rnd, i) for i in range(1, rnd.randint(2, 10))]
    book = PromotionBook(promos)
    avail = [ln.quantity if ln.promotable else 0 for ln in lines]
    units = [ln.unit_price_cents for ln in lines]
    product_of = {i: ln.product_id for i, ln in enumerate(lines)}
    found = book._line_candidates(lines)
    bounds = {pid: -neg for neg, pid in _first_bounds(book._bounds, found, [u * q for u, q in zip(units, avail)],
                                                       avail)}
    for pid, idxs in found.items():
        use = compile_rule(book.promotions[pid], product_of)(idxs, avail, units)
        if pid not in bounds:  # left out: it can save nothing
            assert use is None
        else:
            assert (use.saving if use else 0) <= bounds[pid]


@settings(max_examples=80, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_warm_book_prices_a_growing_cart_as_a_fresh_book_does(rnd) -> None:  # type: ignore[no-untyped-def]
    promos = random_promotions(rnd, 30, products=8, at=NOW)
    warm = PromotionBook(promos)
    lines: list[PricingLine] = []
    at = NOW
    for step in range(1, 16):
        change = rnd.random()
        if change < 0.6 or not lines:  # a scan: one line more, at the end
            lines.append(random_line(rnd, step))
        elif change < 0.8:  # the quantity of a line changed
            k = rnd.randrange(len(lines))
            old = lines[k]
            lines[k] = PricingLine(old.line_id, old.product_id, old.category, rnd.randint(1, 5),
                                   old.unit_price_cents, old.promotable)
        else:  # a line voided
            del lines[rnd.randrange(len(lines))]
        at += timedelta(hours=rnd.choice([0, 0, 1, 13, 30]))  # across promotion windows too
        ctx = PricingContext(at, rnd.choice(["BER", "HAM"]), rnd.choice(["store", "web"]),
                             tier=rnd.choice([None, "Gold"]), coupons=tuple(rnd.sample(["C1", "C2", "c1 "], k=rnd.randint(0, 2))))
        got = warm.price(lines, ctx)
        assert got == PromotionBook(promos).price(lines, ctx)
        assert got == warm.price(lines, ctx)  # priced again: all judgements remembered


def test_the_eligibility_memo_follows_the_trusted_clock_across_a_window() -> None:
    promo = Promotion(1, "Woche", K.PERCENT_OFF, percent=Decimal(10), product_ids=(1,),
                      starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=2))
    book = PromotionBook([promo])
    cart = [PricingLine(1, 1, "", 1, 1000)]
    totals = []
    for hours in (0, 0.5, 1, 1.5, 2, 1.5, 0):
        ctx = PricingContext(NOW + timedelta(hours=hours), "BER")
        totals.append(book.price(cart, ctx).total_cents)
        assert (totals[-1] == 900) == applies(promo, ctx, frozenset())
    assert totals == [1000, 1000, 900, 900, 1000, 900, 1000]


def test_the_memos_stay_bounded() -> None:
    book = PromotionBook([Promotion(1, "Zehn", K.PERCENT_OFF, percent=Decimal(10), product_ids=(1,))])
    for n in range(book.MEMO_CONTEXTS * 2):
        book.price([PricingLine(1, 1, "", 1 + n, 1000)], PricingContext(NOW, f"S{n}"))
    assert len(book._eligible) <= book.MEMO_CONTEXTS
    assert len(book._judgements) <= book.MEMO_JUDGEMENTS
