"""The promotion engine (pos_app.prices): each kind, the resolution rule, allocation, refunds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.prices.allocation import largest_remainder
from pos_app.prices.engine import PricingContext, PricingLine, PromotionBook
from pos_app.prices.promotions import Promotion, PromotionError, PromotionKind as K
from pos_app.prices.refunds import RefundError, SoldLine, refund_for_return
from tests.prices_helpers import random_promotions

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
CTX = PricingContext(NOW, store_id="BER", channel="store")


def line(line_id: int, product_id: int, qty: int, unit: int, category: str = "") -> PricingLine:
    return PricingLine(line_id, product_id, category, qty, unit)


def price(promos: list[Promotion], lines: list[PricingLine], ctx: PricingContext = CTX):
    return PromotionBook(promos).price(lines, ctx)


def test_three_for_two_frees_the_cheapest_and_allocates_to_all_three() -> None:
    promo = Promotion(1, "3 für 2", K.BUY_X_PAY_Y, buy=3, pay=2, product_ids=(1, 2, 3))
    cart = price([promo], [line(1, 1, 1, 1000), line(2, 2, 1, 800), line(3, 3, 1, 500)])
    assert cart.discount_cents == 500
    assert [ln.discount_cents for ln in cart.lines] == [217, 174, 109]  # 500 by value 1000:800:500
    assert cart.total_cents == 1800


def test_buy_x_pay_y_groups_dearest_first() -> None:
    promo = Promotion(1, "3 für 2", K.BUY_X_PAY_Y, buy=3, pay=2, categories=("Tee",))
    cart = price([promo], [line(1, 1, 3, 1000, "Tee"), line(2, 2, 4, 100, "Tee")])
    assert cart.discount_cents == 1000 + 100  # (10,10,10) frees 10; (1,1,1) frees 1; one unit left over


def test_percent_amount_and_member_price_per_unit() -> None:
    promos = [Promotion(1, "10 % Kaffee", K.PERCENT_OFF, percent=Decimal(10), categories=("Kaffee",)),
              Promotion(2, "1 € auf Milch", K.AMOUNT_OFF, amount_cents=100, product_ids=(7,)),
              Promotion(3, "Gold-Preis", K.MEMBER_PRICE, price_cents=250, product_ids=(7,), tiers=("Gold",))]
    lines = [line(1, 5, 2, 999, "Kaffee"), line(2, 7, 3, 400)]
    assert price(promos, lines).discount_cents == 200 + 300
    gold = price(promos, lines, PricingContext(NOW, "BER", tier="Gold"))
    assert gold.discount_cents == 200 + 450  # the member price saves more than 1 € off: best of per unit


def test_mix_match_and_bundle() -> None:
    mix = Promotion(1, "3 Stück 10 €", K.MIX_MATCH, buy=3, price_cents=1000, product_ids=(1, 2))
    assert price([mix], [line(1, 1, 4, 450), line(2, 2, 2, 300)]).discount_cents == (1350 - 1000) + (1050 - 1000)
    bundle = Promotion(2, "Kamera-Set", K.BUNDLE, price_cents=20000, product_ids=(1, 2))
    cart = price([bundle], [line(1, 1, 2, 18000), line(2, 2, 1, 4000)])
    assert cart.discount_cents == 2000 and cart.lines[0].discount_cents + cart.lines[1].discount_cents == 2000


def test_threshold_is_judged_on_the_discounted_subtotal() -> None:
    promos = [Promotion(1, "20 % Schuhe", K.PERCENT_OFF, percent=Decimal(20), product_ids=(1,)),
              Promotion(2, "ab 100 € 10 %", K.THRESHOLD, threshold_cents=10000, percent=Decimal(10))]
    assert price(promos, [line(1, 1, 1, 11000)]).discount_cents == 2200  # 88 € left: below the threshold
    cart = price(promos, [line(1, 1, 1, 11000), line(2, 2, 1, 2000)])
    assert cart.discount_cents == 2200 + 1080
    assert [a.promotion_id for a in cart.applied] == [1, 2]


def test_one_line_promotion_per_unit_best_wins_ties_by_id() -> None:
    a = Promotion(5, "5 €", K.AMOUNT_OFF, amount_cents=500, product_ids=(1,))
    b = Promotion(3, "50 %", K.PERCENT_OFF, percent=Decimal(50), product_ids=(1,))
    cart = price([a, b], [line(1, 1, 1, 1000)])
    assert [x.promotion_id for x in cart.applied] == [3]  # both save 5 €: the lower id
    c = Promotion(9, "60 %", K.PERCENT_OFF, percent=Decimal(60), product_ids=(1,))
    assert [x.promotion_id for x in price([a, b, c], [line(1, 1, 1, 1000)]).applied] == [9]


def test_only_one_cart_promotion() -> None:
    promos = [Promotion(1, "5 € Bon", K.AMOUNT_OFF, amount_cents=500),
              Promotion(2, "ab 50 € 20 %", K.THRESHOLD, threshold_cents=5000, percent=Decimal(20))]
    assert [a.promotion_id for a in price(promos, [line(1, 1, 1, 6000)]).applied] == [2]
    assert [a.promotion_id for a in price(promos, [line(1, 1, 1, 2000)]).applied] == [1]


def test_scope_window_and_coupon() -> None:
    p = Promotion(1, "Web 10 %", K.PERCENT_OFF, percent=Decimal(10), product_ids=(1,), channels=("web",),
                  starts_at=NOW - timedelta(days=1), ends_at=NOW)
    lines = [line(1, 1, 1, 1000)]
    assert price([p], lines, PricingContext(NOW - timedelta(hours=1), channel="web")).discount_cents == 100
    assert price([p], lines, PricingContext(NOW, channel="web")).discount_cents == 0  # the end is exclusive
    assert price([p], lines, PricingContext(NOW - timedelta(hours=1), channel="store")).discount_cents == 0
    coupon = Promotion(2, "Gutschein", K.AMOUNT_OFF, amount_cents=300, coupon_code="WINTER5", stores=("BER",))
    assert price([coupon], lines).discount_cents == 0
    assert price([coupon], lines, PricingContext(NOW, "BER", coupons=(" winter5 ",))).discount_cents == 300
    assert price([coupon], lines, PricingContext(NOW, "HAM", coupons=("WINTER5",))).discount_cents == 0


def test_not_promotable_lines_take_part_in_nothing() -> None:
    promos = [Promotion(1, "10 %", K.PERCENT_OFF, percent=Decimal(10)),
              Promotion(2, "50 %", K.PERCENT_OFF, percent=Decimal(50), product_ids=(1,))]
    cart = price(promos, [PricingLine(1, 1, "", 1, 1000, promotable=False), line(2, 2, 1, 500)])
    assert [ln.discount_cents for ln in cart.lines] == [0, 50]


@pytest.mark.parametrize("data, field", [
    ({"kind": "percent_off", "percent": "120"}, "percent"),
    ({"kind": "percent_off", "percent": "-5"}, "percent"),
    ({"kind": "amount_off", "amount_cents": -1}, "amount_cents"),
    ({"kind": "member_price", "price_cents": -5, "product_ids": [1], "tiers": ["Gold"]}, "price_cents"),
    ({"kind": "buy_x_pay_y", "buy": 3, "pay": 5, "product_ids": [1]}, "pay"),
    ({"kind": "buy_x_pay_y", "buy": 3, "pay": 2}, "product_ids"),
    ({"kind": "threshold", "threshold_cents": 100}, "percent"),
    ({"kind": "amount_off", "amount_cents": 1, "starts_at": "2026-12-07T10:00:00+00:00",
      "ends_at": "2026-12-07T09:00:00+00:00"}, "ends_at"),
    ({"kind": "amount_off", "amount_cents": 1, "percent": "5"}, "percent"),
    ({"kind": "amount_off", "amount_cents": 1, "coupon_limit": 1}, "coupon_limit"),
    ({"kind": "bogus"}, "kind"),
])
def test_nonsense_is_refused_naming_the_field(data: dict, field: str) -> None:
    with pytest.raises(PromotionError) as caught:
        Promotion.from_dict({"id": 1, "name": "x", **data})
    assert caught.value.field == field


def test_dict_round_trip() -> None:
    p = Promotion(4, "Gold", K.MEMBER_PRICE, price_cents=99, product_ids=(1, 2), tiers=("Gold",),
                  starts_at=NOW, coupon_code="A", coupon_limit=1)
    assert Promotion.from_dict(p.to_dict()) == p


@given(st.integers(0, 10**6), st.lists(st.integers(0, 10**5), min_size=1, max_size=30))
def test_allocation_adds_up_exactly_and_never_exceeds_a_weight(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        total = 0
    total = min(total, sum(weights))
    shares = largest_remainder(total, weights)
    assert sum(shares) == total
    assert all(0 <= s <= w for s, w in zip(shares, weights))


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_random_carts_add_up_and_never_go_below_zero(rnd) -> None:
    promos = random_promotions(rnd, 12, products=10, at=NOW)
    lines = [line(i, rnd.randint(1, 10), rnd.randint(1, 5), rnd.randint(0, 5000), f"K{rnd.randint(1, 3)}")
             for i in range(1, rnd.randint(1, 12))]
    ctx = PricingContext(NOW, "BER", tier=rnd.choice([None, "Gold"]), coupons=("C1",))
    cart = price(promos, lines, ctx)
    assert all(0 <= ln.total_cents <= ln.gross_cents for ln in cart.lines)
    by_promo: dict[int, int] = {}
    for ln in cart.lines:
        for d in ln.discounts:
            by_promo[d.promotion_id] = by_promo.get(d.promotion_id, 0) + d.cents
    assert by_promo == {a.promotion_id: a.saving_cents for a in cart.applied}
    assert price(list(reversed(promos)), lines, ctx) == cart  # the order they were listed in does not matter


# ---- returns -----------------------------------------------------------------------------------

def sold(promos: list[Promotion], lines: list[PricingLine]) -> list[SoldLine]:
    cart = price(promos, lines)
    return [SoldLine(ln.line_id, ln.product_id, ln.category, ln.quantity, ln.unit_price_cents, p.total_cents)
            for ln, p in zip(lines, cart.lines)]


def test_three_for_two_returned_one_by_one_refunds_exactly_what_was_paid() -> None:
    promo = Promotion(1, "3 für 2", K.BUY_X_PAY_Y, buy=3, pay=2, product_ids=(1,))
    sale = sold([promo], [line(1, 1, 3, 1000)])
    assert sale[0].paid_cents == 2000
    first = refund_for_return(sale, [promo], CTX, {}, 0, {1: 1})
    assert first.refund_cents == 0 and first.clawback_cents == 666  # the other two still cost 20 €
    second = refund_for_return(sale, [promo], CTX, {1: 1}, 0, {1: 1})
    assert second.refund_cents == 1000
    third = refund_for_return(sale, [promo], CTX, {1: 2}, 1000, {1: 1})
    assert third.refund_cents == 1000  # all back: 2000 refunded, what was paid


def test_threshold_clawback_when_the_rest_drops_below() -> None:
    promo = Promotion(1, "ab 100 € 10 %", K.THRESHOLD, threshold_cents=10000, percent=Decimal(10))
    sale = sold([promo], [line(1, 1, 1, 9000), line(2, 2, 1, 3000)])
    assert [s.paid_cents for s in sale] == [8100, 2700]
    back = refund_for_return(sale, [promo], CTX, {}, 0, {2: 1})
    assert back.refund_cents == 10800 - 9000 and back.clawback_cents == 900
    rest = refund_for_return(sale, [promo], CTX, {2: 1}, back.refund_cents, {1: 1})
    assert back.refund_cents + rest.refund_cents == 10800


def test_a_return_while_the_rest_still_qualifies_refunds_the_paid_share() -> None:
    promo = Promotion(1, "ab 100 € 10 %", K.THRESHOLD, threshold_cents=10000, percent=Decimal(10))
    sale = sold([promo], [line(1, 1, 1, 12000), line(2, 2, 1, 3000)])
    assert refund_for_return(sale, [promo], CTX, {}, 0, {2: 1}).refund_cents == 2700


def test_a_return_of_more_than_is_left_is_refused() -> None:
    sale = sold([], [line(1, 1, 2, 1000)])
    with pytest.raises(RefundError):
        refund_for_return(sale, [], CTX, {1: 1}, 1000, {1: 2})
    with pytest.raises(RefundError):
        refund_for_return(sale, [], CTX, {}, 0, {9: 1})


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_returning_everything_in_any_order_refunds_what_was_paid_never_more(rnd) -> None:
    promos = random_promotions(rnd, 8, products=6, at=NOW)
    lines = [line(i, rnd.randint(1, 6), rnd.randint(1, 4), rnd.randint(1, 3000), "K1") for i in range(1, rnd.randint(2, 7))]
    sale = sold(promos, lines)
    units = [ln.line_id for ln in lines for _ in range(ln.quantity)]
    rnd.shuffle(units)
    returned: dict[int, int] = {}
    refunded = 0
    while units:
        take = {}
        for _ in range(rnd.randint(1, len(units))):
            lid = units.pop()
            take[lid] = take.get(lid, 0) + 1
        r = refund_for_return(sale, promos, CTX, returned, refunded, take)
        assert sum(r.per_line.values()) == r.refund_cents >= 0
        refunded += r.refund_cents
        assert refunded <= sum(s.paid_cents for s in sale)
        for lid, q in take.items():
            returned[lid] = returned.get(lid, 0) + q
    assert refunded == sum(s.paid_cents for s in sale)


def eager_line_stage(promos: list[Promotion], lines: list[PricingLine], ctx: PricingContext) -> list[tuple[int, int]]:
    """The resolution's line stage the slow way: judge every candidate again after each step."""
    from pos_app.prices.engine import applies
    from pos_app.prices.rules import compile_rule

    book = PromotionBook(promos)
    avail = [ln.quantity for ln in lines]
    units = [ln.unit_price_cents for ln in lines]
    product_of = {i: ln.product_id for i, ln in enumerate(lines)}
    left = {pid: idxs for pid, idxs in book._line_candidates(lines).items()
            if applies(book.promotions[pid], ctx, frozenset(ctx.coupons))}
    chosen = []
    while left:
        best = None
        for pid, idxs in sorted(left.items()):
            use = compile_rule(book.promotions[pid], product_of)(idxs, avail, units)
            if use and (best is None or use.saving > best[1].saving):
                best = (pid, use)
        if best is None:
            break
        pid, use = best
        for i, q in use.taken:
            avail[i] -= q
        chosen.append((pid, use.saving))
        del left[pid]
    return chosen


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_lazy_resolution_picks_what_judging_everything_each_step_picks(rnd) -> None:
    promos = [p for p in random_promotions(rnd, 25, products=8, at=NOW) if not p.on_cart]
    lines = [line(i, rnd.randint(1, 8), rnd.randint(1, 6), rnd.randint(1, 4000), f"K{rnd.randint(1, 3)}")
             for i in range(1, rnd.randint(2, 10))]
    ctx = PricingContext(NOW, "BER", tier="Gold", coupons=("C1",))
    fast = [(a.promotion_id, a.saving_cents) for a in price(promos, lines, ctx).applied]
    assert fast == eager_line_stage(promos, lines, ctx)
