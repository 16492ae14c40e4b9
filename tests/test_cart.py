"""The cart at the till: lines, quantities, discounts, price overrides, approvals, totals, parking."""
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


# ---- empty cart and adding -------------------------------------------------------------------

def test_new_cart_is_empty_with_zero_totals():
    cart = Cart()
    assert cart.is_empty()
    totals = cart.totals()
    assert totals.lines == ()
    assert totals.total_cents == 0
    assert totals.gross_before_discounts_cents == 0
    assert totals.line_discounts_cents == 0
    assert totals.cart_discount_cents == 0
    assert totals.vat == ()


def test_add_creates_lines_with_increasing_ids():
    cart = Cart()
    assert cart.add(TEE) == CartChange("added", 1)
    assert cart.add(KAFFEE, 2) == CartChange("added", 2)
    assert not cart.is_empty()
    assert [(line.line_id, line.product, line.quantity) for line in cart.lines] == [(1, TEE, 1), (2, KAFFEE, 2)]
    assert cart.totals().total_cents == 399 + 2 * 1299


def test_adding_same_product_merges_quantity():
    cart = Cart()
    cart.add(TEE)
    cart.add(KAFFEE)
    change = cart.add(TEE, 2)
    assert change == CartChange("quantity", 1)
    assert len(cart.lines) == 2
    assert cart.line(1).quantity == 3
    assert cart.totals().total_cents == 3 * 399 + 1299


def test_adding_same_product_to_discounted_line_makes_a_new_line():
    cart = Cart()
    cart.add(TEE)
    cart.set_line_discount(1, pct(5))
    assert cart.add(TEE) == CartChange("added", 2)
    assert [line.quantity for line in cart.lines] == [1, 1]
    assert cart.line(1).discount is not None
    assert cart.line(2).discount is None


def test_adding_same_product_to_overridden_line_makes_a_new_line():
    cart = Cart()
    cart.add(TEE)
    cart.override_price(1, 299, "Mindesthaltbarkeit", MANAGER)
    assert cart.add(TEE) == CartChange("added", 2)
    assert cart.line(1).unit_price_cents == 299
    assert cart.line(2).unit_price_cents == 399


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, 10000, 1.5, 2.0, "2", True, None, Decimal(2)])
def test_add_invalid_quantity_refused_and_nothing_changes(quantity):
    cart = Cart()
    cart.add(KAFFEE)
    before = state(cart)
    with pytest.raises(CartError):
        cart.add(TEE, quantity)
    with pytest.raises(CartError):
        cart.add(KAFFEE, quantity)  # the merging path too
    assert state(cart) == before


def test_add_merge_beyond_max_quantity_refused_and_nothing_changes():
    cart = Cart()
    cart.add(TEE, MAX_QUANTITY - 1)
    before = state(cart)
    with pytest.raises(CartError):
        cart.add(TEE, 2)
    assert state(cart) == before
    cart.add(TEE, 1)
    assert cart.line(1).quantity == MAX_QUANTITY == 9999


def test_unknown_line_refused():
    cart = Cart()
    cart.add(TEE)
    before = state(cart)
    with pytest.raises(CartError):
        cart.line(99)
    with pytest.raises(CartError):
        cart.set_quantity(99, 2)
    with pytest.raises(CartError):
        cart.remove(99)
    with pytest.raises(CartError):
        cart.set_line_discount(99, pct(5))
    with pytest.raises(CartError):
        cart.override_price(99, 100, "x", MANAGER)
    assert state(cart) == before


# ---- quantities ------------------------------------------------------------------------------

def test_set_quantity():
    cart = Cart()
    cart.add(TEE)
    assert cart.set_quantity(1, 5) == CartChange("quantity", 1, None)
    assert cart.line(1).quantity == 5
    assert cart.set_quantity(1, 2) == CartChange("quantity", 1, None)
    assert cart.line(1).quantity == 2
    cart.set_quantity(1, MAX_QUANTITY)
    assert cart.line(1).quantity == 9999


@pytest.mark.parametrize("quantity", [0, -1, -100, 10000, MAX_QUANTITY + 1, 1.5, 3.0, "3", True, False, None,
                                      Decimal(3)])
def test_set_quantity_invalid_refused_and_nothing_changes(quantity):
    cart = Cart()
    cart.add(TEE, 2)
    cart.add(KAFFEE)
    before = state(cart)
    with pytest.raises(CartError):
        cart.set_quantity(1, quantity)
    assert state(cart) == before


# ---- Discount.parse --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (DiscountKind.PERCENT, 10, Decimal(10)),
        (DiscountKind.PERCENT, "12,5", Decimal("12.5")),
        (DiscountKind.PERCENT, "12.5", Decimal("12.5")),
        (DiscountKind.PERCENT, " 7,25 ", Decimal("7.25")),
        (DiscountKind.PERCENT, 100, Decimal(100)),
        (DiscountKind.PERCENT, Decimal("0.01"), Decimal("0.01")),
        (DiscountKind.AMOUNT, 500, Decimal(500)),
        (DiscountKind.AMOUNT, "1", Decimal(1)),
    ],
)
def test_discount_parse_accepts(kind, value, expected):
    discount = Discount.parse(kind, value, "  Stammkunde  ")
    assert discount.kind is kind
    assert discount.value == expected
    assert discount.reason == "Stammkunde"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (DiscountKind.PERCENT, "100.01"),
        (DiscountKind.PERCENT, 101),
        (DiscountKind.PERCENT, 1000),
        (DiscountKind.PERCENT, 0),
        (DiscountKind.PERCENT, -5),
        (DiscountKind.PERCENT, "12.345"),
        (DiscountKind.PERCENT, "abc"),
        (DiscountKind.PERCENT, ""),
        (DiscountKind.PERCENT, "NaN"),
        (DiscountKind.PERCENT, "sNaN"),
        (DiscountKind.PERCENT, "inf"),
        (DiscountKind.AMOUNT, 0),
        (DiscountKind.AMOUNT, -100),
        (DiscountKind.AMOUNT, "12.5"),
        (DiscountKind.AMOUNT, "Infinity"),
        (DiscountKind.AMOUNT, "x"),
    ],
)
def test_discount_parse_refuses(kind, value):
    with pytest.raises(CartError):
        Discount.parse(kind, value, "Stammkunde")


@pytest.mark.parametrize("reason", ["", " ", "\t\n"])
@pytest.mark.parametrize(("kind", "value"), [(DiscountKind.PERCENT, 5), (DiscountKind.AMOUNT, 100)])
def test_discount_without_reason_refused(kind, value, reason):
    with pytest.raises(CartError, match="Grund"):
        Discount.parse(kind, value, reason)


def test_discount_over_100_percent_message():
    with pytest.raises(CartError, match="100 %"):
        pct(150)


def test_discount_cents_off_and_describe():
    assert pct("12.5").cents_off(999) == 125  # 124.875 -> 125
    assert pct(10).cents_off(1225) == 123  # 122.5 -> 123 (half up)
    assert amt(250).cents_off(10000) == 250
    assert pct("12,5", "Mitarbeiter").describe() == "12.5 % (Mitarbeiter)"
    assert pct(10).describe() == "10 % (Stammkunde)"
    assert amt(250, "Kratzer").describe() == "2,50 € (Kratzer)"


def test_discount_dict_round_trip():
    for discount in (pct("12.5"), amt(250), pct(100)):
        assert Discount.from_dict(json.loads(json.dumps(discount.to_dict()))) == discount


# ---- line discounts and approval -------------------------------------------------------------

def test_line_discount_within_limit_needs_no_approval():
    cart = Cart()
    cart.add(TASSE, 2)  # 20,00
    change = cart.set_line_discount(1, pct(10))
    assert change == CartChange("discount", 1, None)
    line = cart.line(1)
    assert line.discount_cents == 200
    assert line.total_cents == 1800
    assert cart.totals().line_discounts_cents == 200
    assert cart.totals().total_cents == 1800


def test_line_discount_over_limit_requires_approval_and_nothing_changes():
    cart = Cart()
    cart.add(TASSE, 2)
    before = state(cart)
    with pytest.raises(ApprovalRequired) as info:
        cart.set_line_discount(1, pct(15))
    assert info.value.action is ApprovalAction.DISCOUNT_OVER_LIMIT
    assert "10" in info.value.description
    assert "Tasse" in info.value.description
    assert state(cart) == before
    assert cart.totals().total_cents == 2000

    change = cart.set_line_discount(1, pct(15), MANAGER)
    assert change.kind == "discount"
    assert change.line_id == 1
    assert change.approval is not None
    action, approval, description = change.approval
    assert action is ApprovalAction.DISCOUNT_OVER_LIMIT
    assert approval == MANAGER
    assert "Tasse" in description
    assert cart.totals().total_cents == 1700


def test_amount_line_discount_over_limit_requires_approval():
    cart = Cart()
    cart.add(TASSE)  # 10,00
    cart.set_line_discount(1, amt(100))  # exactly 10 %: no approval
    before = state(cart)
    with pytest.raises(ApprovalRequired):
        cart.set_line_discount(1, amt(101))
    assert state(cart) == before


def test_policy_limit_is_configurable():
    cart = Cart(policy=ApprovalPolicy(max_discount_percent=Decimal(20)))
    cart.add(TASSE)
    assert cart.set_line_discount(1, pct(20)).approval is None
    with pytest.raises(ApprovalRequired):
        cart.set_line_discount(1, pct("20.1"))


def test_amount_discount_larger_than_line_refused_even_with_approval():
    cart = Cart()
    cart.add(TEE, 2)  # 7,98
    before = state(cart)
    with pytest.raises(CartError):
        cart.set_line_discount(1, amt(799))
    with pytest.raises(CartError):
        cart.set_line_discount(1, amt(799), MANAGER)
    assert state(cart) == before
    cart.set_line_discount(1, amt(798), MANAGER)
    assert cart.line(1).total_cents == 0
    check_totals_invariants(cart)


def test_hundred_percent_line_discount_with_approval():
    cart = Cart()
    cart.add(TEE)
    cart.add(KAFFEE)
    cart.set_line_discount(1, pct(100), MANAGER)
    assert cart.line(1).total_cents == 0
    assert cart.totals().total_cents == 1299
    check_totals_invariants(cart)


def test_removing_line_discount_needs_no_approval():
    cart = Cart()
    cart.add(TASSE)
    cart.set_line_discount(1, pct(50), MANAGER)
    assert cart.set_line_discount(1, None) == CartChange("discount", 1, None)
    assert cart.line(1).discount is None
    assert cart.totals().total_cents == 1000


def test_percent_line_discount_scales_with_quantity():
    cart = Cart()
    cart.add(TASSE, 2)
    cart.set_line_discount(1, pct(10))
    cart.set_quantity(1, 5)
    assert cart.line(1).discount_cents == 500
    assert cart.totals().total_cents == 4500


def test_line_discount_exactly_at_limit_never_needs_approval():
    cart = Cart()
    cart.add(BROT)  # 12,35 €
    assert cart.set_line_discount(1, pct(10)).approval is None


def test_cart_discount_exactly_at_limit_never_needs_approval():
    cart = Cart()
    cart.add(BROT)
    assert cart.set_cart_discount(pct(10)).approval is None


def test_percent_over_limit_always_needs_approval():
    cart = Cart()
    cart.add(TASSE)  # 10,00 €
    with pytest.raises(ApprovalRequired):
        cart.set_line_discount(1, pct("10.04"))


# ---- cart discount ---------------------------------------------------------------------------

def test_cart_discount_on_empty_cart_refused():
    cart = Cart()
    with pytest.raises(CartError):
        cart.set_cart_discount(pct(5))
    assert cart.cart_discount is None
    assert cart.set_cart_discount(None) == CartChange("discount", None, None)


def test_cart_discount_spread_proportionally():
    cart = Cart()
    cart.add(TASSE)  # 1000
    cart.add(ProductSnapshot(9, "X", "Teller", 3000, VatRate.STANDARD))
    change = cart.set_cart_discount(pct(10))
    assert change == CartChange("discount", None, None)
    totals = cart.totals()
    assert totals.cart_discount_cents == 400
    assert [p.cart_discount_cents for p in totals.lines] == [100, 300]
    assert [p.total_cents for p in totals.lines] == [900, 2700]
    assert totals.total_cents == 3600
    check_totals_invariants(cart)


def test_cart_discount_largest_remainder():
    cart = Cart()
    for pid in (11, 12, 13):
        cart.add(ProductSnapshot(pid, f"P{pid}", f"P{pid}", 1000, VatRate.STANDARD))
    cart.set_cart_discount(amt(100))
    totals = cart.totals()
    assert [p.cart_discount_cents for p in totals.lines] == [34, 33, 33]
    assert totals.total_cents == 2900
    check_totals_invariants(cart)


def test_cart_discount_applies_after_line_discounts():
    cart = Cart()
    cart.add(TASSE, 2)  # 2000
    cart.set_line_discount(1, pct(10))  # 1800
    cart.set_cart_discount(pct(10))  # 180
    totals = cart.totals()
    assert totals.gross_before_discounts_cents == 2000
    assert totals.line_discounts_cents == 200
    assert totals.cart_discount_cents == 180
    assert totals.total_cents == 1620


def test_cart_discount_over_limit_requires_approval_and_nothing_changes():
    cart = Cart()
    cart.add(TASSE)
    before = state(cart)
    with pytest.raises(ApprovalRequired) as info:
        cart.set_cart_discount(pct(20))
    assert info.value.action is ApprovalAction.DISCOUNT_OVER_LIMIT
    assert state(cart) == before
    change = cart.set_cart_discount(pct(20), MANAGER)
    assert change.approval is not None
    assert change.approval[0] is ApprovalAction.DISCOUNT_OVER_LIMIT
    assert change.approval[1] == MANAGER
    assert cart.totals().total_cents == 800


def test_cart_amount_discount_larger_than_subtotal_refused():
    cart = Cart()
    cart.add(TEE)
    before = state(cart)
    with pytest.raises(CartError):
        cart.set_cart_discount(amt(400), MANAGER)
    assert state(cart) == before
    cart.set_cart_discount(amt(399), MANAGER)
    assert cart.totals().total_cents == 0
    check_totals_invariants(cart)


def test_cart_discount_after_payment_started_refused():
    cart = Cart()
    cart.add(TASSE)
    cart.payment_started = True
    before = state(cart)
    with pytest.raises(CartError):
        cart.set_cart_discount(pct(5))
    with pytest.raises(CartError):
        cart.set_cart_discount(None)
    assert state(cart) == before


def test_cart_discount_after_payment_started_refused_before_asking_for_approval():
    cart = Cart()
    cart.add(TASSE)
    cart.payment_started = True
    with pytest.raises(CartError):
        cart.set_cart_discount(pct(50))


# ---- VAT rows --------------------------------------------------------------------------------

def test_vat_rows_per_rate():
    cart = Cart()
    cart.add(ProductSnapshot(20, "B", "Buch", 1070, VatRate.REDUCED))
    cart.add(ProductSnapshot(21, "A", "Akku", 11900, VatRate.STANDARD))
    totals = cart.totals()
    assert totals.vat == (VatRow(VatRate.STANDARD, 11900, 1900), VatRow(VatRate.REDUCED, 1070, 70))
    assert totals.total_cents == 12970


def test_vat_computed_on_summed_gross_per_rate_not_per_line():
    cart = Cart()
    for pid in range(30, 33):
        cart.add(ProductSnapshot(pid, f"K{pid}", "Kaugummi", 4, VatRate.STANDARD))
    # per line 0.64 ct -> 1 ct each would give 3 ct; on the sum 12 ct -> 1.92 -> 2 ct
    assert cart.totals().vat == (VatRow(VatRate.STANDARD, 12, 2),)


def test_vat_after_cart_discount_uses_discounted_gross():
    cart = Cart()
    cart.add(ProductSnapshot(20, "B", "Buch", 1070, VatRate.REDUCED))
    cart.add(ProductSnapshot(21, "A", "Akku", 11900, VatRate.STANDARD))
    cart.set_cart_discount(pct(10))
    totals = cart.totals()
    assert totals.cart_discount_cents == 1297
    by_rate = {row.rate: row for row in totals.vat}
    assert by_rate[VatRate.STANDARD].gross_cents + by_rate[VatRate.REDUCED].gross_cents == 12970 - 1297
    check_totals_invariants(cart)
