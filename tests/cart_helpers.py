"""Shared by the cart tests: products, discounts, invariants."""
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
