"""Cart rules: price overrides, voids after payment, discounts that outgrow their line, parking, spread(), property-based carts."""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.cart import (
    MAX_QUANTITY,
    Approval,
    ApprovalAction,
    ApprovalPolicy,
    ApprovalRequired,
    Cart,
    CartChange,
    CartError,
    CartLine,
    Discount,
    DiscountKind,
    ProductSnapshot,
    spread,
)
from pos_app.vat import VatRate, VatRow, vat_from_gross

from tests.cart_helpers import (  # noqa: F401
    SETTINGS, SLOW_SETTINGS, TEE, KAFFEE, TASSE, BROT, PRODUCTS, MANAGER, pct, amt, state, check_totals_invariants,
)



# ---- price override --------------------------------------------------------------------------

@pytest.mark.parametrize("new_price", [1, 299, 399, 500, 100000])
def test_price_override_always_needs_approval(new_price):
    cart = Cart()
    cart.add(TEE)
    before = state(cart)
    with pytest.raises(ApprovalRequired) as info:
        cart.override_price(1, new_price, "Preisschild falsch")
    assert info.value.action is ApprovalAction.PRICE_OVERRIDE
    assert "Tee" in info.value.description
    assert state(cart) == before


def test_price_override_with_approval():
    cart = Cart()
    cart.add(TEE, 2)
    change = cart.override_price(1, 299, "  Preisschild falsch ", MANAGER)
    assert change.kind == "override"
    assert change.line_id == 1
    action, approval, description = change.approval
    assert action is ApprovalAction.PRICE_OVERRIDE
    assert approval == MANAGER
    assert "3,99 €" in description and "2,99 €" in description
    line = cart.line(1)
    assert line.override_price_cents == 299
    assert line.override_reason == "Preisschild falsch"
    assert line.product.unit_price_cents == 399  # the snapshot stays
    assert cart.totals().total_cents == 598


@pytest.mark.parametrize("new_price", [0, -1, -399])
@pytest.mark.parametrize("approval", [None, MANAGER])
def test_price_override_not_positive_refused(new_price, approval):
    cart = Cart()
    cart.add(TEE)
    before = state(cart)
    with pytest.raises(CartError):
        cart.override_price(1, new_price, "Preisschild falsch", approval)
    assert state(cart) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_price_override_without_reason_refused(reason):
    cart = Cart()
    cart.add(TEE)
    before = state(cart)
    with pytest.raises(CartError):
        cart.override_price(1, 299, reason, MANAGER)
    assert state(cart) == before


# ---- voids after payment started -------------------------------------------------------------

def test_remove_before_payment_needs_no_approval():
    cart = Cart()
    cart.add(TEE)
    cart.add(KAFFEE)
    assert cart.remove(1) == CartChange("removed", 1, None)
    assert [line.line_id for line in cart.lines] == [2]
    cart.set_quantity(2, 3)
    assert cart.set_quantity(2, 1) == CartChange("quantity", 2, None)


def test_remove_after_payment_started_requires_approval():
    cart = Cart()
    cart.add(TEE)
    cart.add(KAFFEE)
    cart.payment_started = True
    before = state(cart)
    with pytest.raises(ApprovalRequired) as info:
        cart.remove(1)
    assert info.value.action is ApprovalAction.VOID_AFTER_PAYMENT
    assert state(cart) == before
    change = cart.remove(1, MANAGER)
    assert change.kind == "removed"
    assert change.line_id == 1
    assert change.approval[0] is ApprovalAction.VOID_AFTER_PAYMENT
    assert change.approval[1] == MANAGER
    assert [line.line_id for line in cart.lines] == [2]


def test_lowering_quantity_after_payment_started_requires_approval():
    cart = Cart()
    cart.add(TEE, 3)
    cart.payment_started = True
    before = state(cart)
    with pytest.raises(ApprovalRequired) as info:
        cart.set_quantity(1, 2)
    assert info.value.action is ApprovalAction.VOID_AFTER_PAYMENT
    assert state(cart) == before
    change = cart.set_quantity(1, 2, MANAGER)
    assert change.approval[0] is ApprovalAction.VOID_AFTER_PAYMENT
    assert change.approval[1] == MANAGER
    assert cart.line(1).quantity == 2


def test_raising_quantity_after_payment_started_needs_no_approval():
    cart = Cart()
    cart.add(TEE, 3)
    cart.payment_started = True
    assert cart.set_quantity(1, 4) == CartChange("quantity", 1, None)
    assert cart.set_quantity(1, 4) == CartChange("quantity", 1, None)  # unchanged quantity
    assert cart.add(TEE) == CartChange("quantity", 1)
    assert cart.line(1).quantity == 5


def test_clear_resets_everything():
    cart = Cart()
    cart.add(TEE)
    cart.add(KAFFEE)
    cart.set_cart_discount(pct(5))
    assert cart.clear() == CartChange("cleared")
    assert cart.is_empty()
    assert cart.cart_discount is None
    assert cart.payment_started is False
    assert cart.add(TASSE) == CartChange("added", 1)


# ---- bugs: discounts that outgrow their line ------------------------------------------------

def test_lowering_quantity_never_makes_line_total_negative():
    cart = Cart()
    cart.add(ProductSnapshot(40, "S", "Schal", 500, VatRate.STANDARD), 3)
    cart.set_line_discount(1, amt(1000), MANAGER)
    try:
        cart.set_quantity(1, 1)
    except (CartError, ApprovalRequired):
        pass
    assert cart.line(1).total_cents >= 0
    assert cart.totals().total_cents >= 0


def test_lowering_quantity_cannot_bypass_discount_approval():
    cart = Cart()
    cart.add(ProductSnapshot(40, "S", "Schal", 500, VatRate.STANDARD), 10)
    cart.set_line_discount(1, amt(500))  # 10 %: allowed without approval
    with pytest.raises((ApprovalRequired, CartError)):
        cart.set_quantity(1, 1)


def test_price_override_never_makes_line_total_negative():
    cart = Cart()
    cart.add(TASSE)
    cart.set_line_discount(1, amt(500), MANAGER)
    try:
        cart.override_price(1, 100, "Ausstellungsstück", MANAGER)
    except CartError:
        pass
    assert cart.line(1).total_cents >= 0


def test_removing_line_never_makes_cart_total_negative():
    cart = Cart()
    cart.add(ProductSnapshot(40, "S", "Schal", 500, VatRate.REDUCED), 2)
    cart.add(ProductSnapshot(41, "M", "Mütze", 500, VatRate.STANDARD), 2)
    cart.set_cart_discount(amt(1500), MANAGER)
    try:
        cart.remove(2)
    except CartError:
        pass
    totals = cart.totals()
    assert totals.total_cents >= 0
    assert all(p.total_cents >= 0 for p in totals.lines)


def test_stale_cart_discount_keeps_totals_consistent():
    cart = Cart()
    cart.add(TASSE)
    cart.add(KAFFEE)
    cart.set_line_discount(2, pct(100), MANAGER)
    cart.set_cart_discount(amt(300), MANAGER)
    try:
        cart.remove(1)
    except CartError:
        pass
    check_totals_invariants(cart)


# ---- parking: to_dict / load -----------------------------------------------------------------

def _busy_cart() -> Cart:
    cart = Cart()
    cart.add(TEE, 3)
    cart.add(KAFFEE)
    cart.add(TASSE, 2)
    cart.set_line_discount(2, pct("12.5"), MANAGER)
    cart.override_price(3, 850, "Ausstellungsstück", MANAGER)
    cart.set_line_discount(3, amt(100))
    cart.remove(1)
    cart.set_cart_discount(pct(5))
    return cart


def test_to_dict_load_round_trip():
    cart = _busy_cart()
    data = json.loads(json.dumps(cart.to_dict()))  # parked carts are stored as JSON
    other = Cart()
    other.add(BROT)
    other.payment_started = True
    assert other.load(data) == CartChange("loaded")
    assert other.to_dict() == cart.to_dict()
    assert other.totals() == cart.totals()
    assert other.lines == cart.lines
    assert other.cart_discount == cart.cart_discount
    assert other.payment_started is False
    # the next line gets a fresh id after the highest loaded one
    assert other.add(BROT) == CartChange("added", 4)


def test_load_empty():
    cart = _busy_cart()
    cart.load({"lines": [], "cart_discount": None})
    assert cart.is_empty()
    assert cart.cart_discount is None
    assert cart.add(TEE) == CartChange("added", 1)


def test_cart_line_dict_round_trip():
    line = CartLine(5, TEE, 3, pct(5), 350, "Kratzer")
    assert CartLine.from_dict(json.loads(json.dumps(line.to_dict()))) == line


# ---- spread() --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (400, [1000, 3000], [100, 300]),
        (100, [1, 1, 1], [34, 33, 33]),
        (10, [1, 2], [3, 7]),
        (2, [1, 1, 1], [1, 1, 0]),
        (0, [5, 5], [0, 0]),
        (7, [0, 0], [0, 0]),
        (7, [], []),
        (0, [], []),
        (5, [0, 10, 0], [0, 5, 0]),
        (1, [3, 3, 4], [0, 0, 1]),
    ],
)
def test_spread_known(total, weights, expected):
    assert spread(total, weights) == expected


weights_lists = st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30)


@SETTINGS
@given(weights_lists, st.data())
def test_spread_properties(weights, data):
    total = data.draw(st.integers(min_value=0, max_value=max(sum(weights), 0)))
    shares = spread(total, weights)
    weight_sum = sum(weights)
    assert len(shares) == len(weights)
    assert all(isinstance(s, int) for s in shares)
    assert all(s >= 0 for s in shares)
    if weight_sum == 0:
        assert shares == [0] * len(weights)
        return
    assert sum(shares) == total
    for share, weight in zip(shares, weights):
        exact = Fraction(total * weight, weight_sum)
        assert abs(share - exact) < 1  # floor or ceiling of the exact share
        assert share <= weight  # never more than the line (total <= sum of weights)
        if weight == 0:
            assert share == 0


@SETTINGS
@given(weights_lists, st.integers(min_value=0, max_value=10**9))
def test_spread_sum_exact_for_any_total(weights, total):
    shares = spread(total, weights)
    if sum(weights) > 0:
        assert sum(shares) == total
        assert all(s >= 0 for s in shares)
        # largest remainder: proportional within one cent, and monotonic in the weight
        for a, wa in zip(shares, weights):
            assert abs(a - Fraction(total * wa, sum(weights))) < 1
            for b, wb in zip(shares, weights):
                if wa > wb:
                    assert a >= b


# ---- property-based carts --------------------------------------------------------------------

products = st.builds(
    ProductSnapshot,
    product_id=st.integers(min_value=1, max_value=10**6),
    sku=st.just("SKU"),
    name=st.just("Artikel"),
    unit_price_cents=st.integers(min_value=1, max_value=100_000),
    vat=st.sampled_from(list(VatRate)),
)
percents = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)


@st.composite
def line_discounts(draw, gross: int):
    kind = draw(st.sampled_from([None, DiscountKind.PERCENT, DiscountKind.AMOUNT]))
    if kind is None:
        return None
    if kind is DiscountKind.PERCENT:
        return Discount(kind, draw(percents), "Grund")
    return Discount(kind, Decimal(draw(st.integers(min_value=1, max_value=gross))), "Grund")


@st.composite
def carts(draw):
    cart = Cart()
    specs = draw(st.lists(st.tuples(products, st.integers(min_value=1, max_value=50)), min_size=1, max_size=8))
    for index, (product, quantity) in enumerate(specs):
        cart.add(ProductSnapshot(index + 1, product.sku, product.name, product.unit_price_cents, product.vat),
                 quantity)
    for line in list(cart.lines):
        discount = draw(line_discounts(line.gross_cents))
        cart.set_line_discount(line.line_id, discount, MANAGER)
    subtotal = sum(line.total_cents for line in cart.lines)
    kind = draw(st.sampled_from([None, DiscountKind.PERCENT, DiscountKind.AMOUNT]))
    if kind is DiscountKind.PERCENT:
        cart.set_cart_discount(Discount(kind, draw(percents), "Grund"), MANAGER)
    elif kind is DiscountKind.AMOUNT and subtotal > 0:
        cart.set_cart_discount(Discount(kind, Decimal(draw(st.integers(1, subtotal))), "Grund"), MANAGER)
    return cart


@SLOW_SETTINGS
@given(carts())
def test_cart_totals_invariants(cart):
    check_totals_invariants(cart)
    totals = cart.totals()
    expected_off = cart.cart_discount.cents_off(sum(line.total_cents for line in cart.lines)) \
        if cart.cart_discount else 0
    assert totals.cart_discount_cents == expected_off
    assert 0 <= totals.total_cents <= totals.gross_before_discounts_cents


@SLOW_SETTINGS
@given(carts())
def test_cart_to_dict_load_round_trips(cart):
    data = json.loads(json.dumps(cart.to_dict()))
    other = Cart()
    other.load(data)
    assert other.totals() == cart.totals()
    assert other.to_dict() == cart.to_dict()


@SETTINGS
@given(st.integers(min_value=1, max_value=100_000), st.integers(min_value=1, max_value=20), percents)
def test_line_percent_discount_approval_rule(price, quantity, percent):
    cart = Cart()
    cart.add(ProductSnapshot(1, "S", "Artikel", price, VatRate.STANDARD), quantity)
    gross = price * quantity
    off = Discount(DiscountKind.PERCENT, percent, "Grund").cents_off(gross)
    before = state(cart)
    over_limit = percent > 10  # judged on the percent itself, not on rounded cents
    if over_limit:
        with pytest.raises(ApprovalRequired):
            cart.set_line_discount(1, Discount(DiscountKind.PERCENT, percent, "Grund"))
        assert state(cart) == before
        change = cart.set_line_discount(1, Discount(DiscountKind.PERCENT, percent, "Grund"), MANAGER)
        assert change.approval[1] == MANAGER
    else:
        change = cart.set_line_discount(1, Discount(DiscountKind.PERCENT, percent, "Grund"))
        assert change.approval is None
    assert cart.line(1).total_cents == gross - off


# Random operation sequences: a refused operation changes nothing; with percent discounts only
# (which scale with the line), the totals invariants hold after every step.

line_ids = st.integers(min_value=1, max_value=6)
approvals = st.sampled_from([None, MANAGER])
quantities = st.one_of(st.integers(min_value=-1, max_value=12), st.sampled_from([MAX_QUANTITY, MAX_QUANTITY + 1]))


def operations(amounts: bool):
    discount_kinds = [DiscountKind.PERCENT, DiscountKind.AMOUNT] if amounts else [DiscountKind.PERCENT]
    discounts = st.one_of(
        st.none(),
        st.builds(lambda k, p, a: Discount(k, p if k is DiscountKind.PERCENT else Decimal(a), "Grund"),
                  st.sampled_from(discount_kinds), percents, st.integers(min_value=1, max_value=5000)),
    )
    return st.one_of(
        st.tuples(st.just("add"), st.sampled_from(PRODUCTS), quantities),
        st.tuples(st.just("qty"), line_ids, quantities, approvals),
        st.tuples(st.just("remove"), line_ids, approvals),
        st.tuples(st.just("line_discount"), line_ids, discounts, approvals),
        st.tuples(st.just("cart_discount"), discounts, approvals),
        st.tuples(st.just("override"), line_ids, st.integers(min_value=-10, max_value=5000),
                  st.sampled_from(["", "Preisschild"]), approvals),
        st.tuples(st.just("start_payment")),
    )


def apply(cart: Cart, op) -> CartChange | None:
    name = op[0]
    if name == "add":
        return cart.add(op[1], op[2])
    if name == "qty":
        return cart.set_quantity(op[1], op[2], op[3])
    if name == "remove":
        return cart.remove(op[1], op[2])
    if name == "line_discount":
        return cart.set_line_discount(op[1], op[2], op[3])
    if name == "cart_discount":
        return cart.set_cart_discount(op[1], op[2])
    if name == "override":
        return cart.override_price(op[1], op[2], op[3], op[4])
    cart.payment_started = True
    return None


def run_operations(ops, check_invariants: bool) -> None:
    cart = Cart()
    for op in ops:
        before = state(cart)
        old_lines = {line.line_id: line.quantity for line in cart.lines}
        try:
            change = apply(cart, op)
        except (CartError, ApprovalRequired):
            assert state(cart) == before, op
            continue
        if change is not None:
            assert isinstance(change, CartChange)
        # a void or a lowered quantity after payment started went through only with an approval
        if before[1] and op[0] == "remove":
            assert op[2] is not None
        if before[1] and op[0] == "qty" and op[2] < old_lines[op[1]]:
            assert op[3] is not None
        if op[0] == "override":
            assert op[4] is not None and op[2] > 0
        if check_invariants:
            check_totals_invariants(cart)


@SLOW_SETTINGS
@given(st.lists(operations(amounts=True), max_size=25))
def test_refused_operations_change_nothing(ops):
    run_operations(ops, check_invariants=False)


@SLOW_SETTINGS
@given(st.lists(operations(amounts=False), max_size=25))
def test_totals_invariants_after_any_percent_operations(ops):
    run_operations(ops, check_invariants=True)
