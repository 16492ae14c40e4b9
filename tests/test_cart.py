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

SETTINGS = settings(max_examples=200, deadline=None)
SLOW_SETTINGS = settings(max_examples=120, deadline=None)

TEE = ProductSnapshot(1, "TEE-1", "Tee", 399, VatRate.REDUCED)
KAFFEE = ProductSnapshot(2, "KAF-1", "Kaffee", 1299, VatRate.STANDARD)
TASSE = ProductSnapshot(3, "TAS-1", "Tasse", 1000, VatRate.STANDARD)
BROT = ProductSnapshot(4, "BRO-1", "Brot", 1235, VatRate.REDUCED)
PRODUCTS = [TEE, KAFFEE, TASSE, BROT]
MANAGER = Approval(7, "Maria Manager")


def pct(value, reason="Stammkunde") -> Discount:
    return Discount.parse(DiscountKind.PERCENT, value, reason)


def amt(cents, reason="Kulanz") -> Discount:
    return Discount.parse(DiscountKind.AMOUNT, cents, reason)


def state(cart: Cart):
    """Everything an operation could change."""
    return (copy.deepcopy(cart.to_dict()), cart.payment_started, cart._next_line_id)


def check_totals_invariants(cart: Cart) -> None:
    totals = cart.totals()
    assert len(totals.lines) == len(cart.lines)
    assert sum(p.cart_discount_cents for p in totals.lines) == totals.cart_discount_cents
    assert totals.total_cents == sum(p.total_cents for p in totals.lines)
    assert totals.total_cents == sum(row.gross_cents for row in totals.vat)
    assert totals.total_cents == (totals.gross_before_discounts_cents - totals.line_discounts_cents
                                  - totals.cart_discount_cents)
    assert totals.gross_before_discounts_cents == sum(line.gross_cents for line in cart.lines)
    assert totals.line_discounts_cents == sum(line.discount_cents for line in cart.lines)
    for priced in totals.lines:
        assert priced.cart_discount_cents >= 0
        assert priced.total_cents >= 0
    # one VAT row per rate that occurs, A before B, computed on the summed gross of that rate
    rates_present = [r for r in VatRate if any(line.product.vat is r for line in cart.lines)]
    assert [row.rate for row in totals.vat] == rates_present
    for row in totals.vat:
        gross = sum(p.total_cents for p in totals.lines if p.line.product.vat is row.rate)
        assert row.gross_cents == gross
        assert row.vat_cents == vat_from_gross(gross, row.rate)
        assert row.net_cents + row.vat_cents == row.gross_cents


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
