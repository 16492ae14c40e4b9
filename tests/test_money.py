"""Money: integer cents, half-up rounding, parsing what a cashier types, German formatting."""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.money import MoneyError, format_euro, parse_euro, percent_of, round_half_up

SETTINGS = settings(max_examples=200, deadline=None)


def _reference_half_up(numerator: int, denominator: int) -> int:
    """Exact reference: round |n/d| half up, then put the sign back (half away from zero)."""
    exact = abs(Fraction(numerator, denominator))
    magnitude = math.floor(exact + Fraction(1, 2))
    return -magnitude if numerator < 0 else magnitude


# ---- round_half_up ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (0, 7, 0),
        (10, 5, 2),
        (1, 3, 0),
        (2, 3, 1),
        (5, 10, 1),  # exactly .5 -> up
        (15, 10, 2),
        (25, 10, 3),  # .5 goes up, not to even (banker's rounding would give 2)
        (35, 10, 4),
        (4, 10, 0),
        (6, 10, 1),
        (149, 100, 1),
        (150, 100, 2),
        (-5, 10, -1),  # negative .5 -> away from zero
        (-15, 10, -2),
        (-25, 10, -3),
        (-4, 10, 0),
        (-6, 10, -1),
        (-1, 3, 0),
        (-2, 3, -1),
        (1, 2, 1),
        (-1, 2, -1),
        (10**30 + 1, 2, 5 * 10**29 + 1),  # exact for huge ints (no float involved)
    ],
)
def test_round_half_up_known_values(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


@pytest.mark.parametrize("denominator", [0, -1, -100])
def test_round_half_up_rejects_non_positive_denominator(denominator):
    with pytest.raises(ValueError):
        round_half_up(10, denominator)


def test_round_half_up_returns_int():
    assert type(round_half_up(7, 2)) is int


@SETTINGS
@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=1, max_value=10**6))
def test_round_half_up_matches_exact_reference(numerator, denominator):
    assert round_half_up(numerator, denominator) == _reference_half_up(numerator, denominator)


@SETTINGS
@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=1, max_value=10**6))
def test_round_half_up_is_within_half_and_symmetric(numerator, denominator):
    result = round_half_up(numerator, denominator)
    assert abs(Fraction(result) - Fraction(numerator, denominator)) <= Fraction(1, 2)
    assert round_half_up(-numerator, denominator) == -result


@SETTINGS
@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_round_half_up_of_exact_multiple_is_exact(quotient, denominator):
    assert round_half_up(quotient * denominator, denominator) == quotient


# ---- percent_of ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("cents", "percent", "expected"),
    [
        (1000, Decimal(10), 100),
        (1235, Decimal(10), 124),  # 123.5 -> 124 (half up)
        (1225, Decimal(10), 123),  # 122.5 -> 123 (not to even)
        (999, Decimal("12.5"), 125),  # 124.875
        (1, Decimal(50), 1),  # 0.5 -> 1
        (1, Decimal(49), 0),
        (0, Decimal(30), 0),
        (12345, Decimal(100), 12345),
        (-1235, Decimal(10), -124),  # away from zero
    ],
)
def test_percent_of_known_values(cents, percent, expected):
    assert percent_of(cents, percent) == expected


@SETTINGS
@given(
    st.integers(min_value=0, max_value=10**9),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
)
def test_percent_of_matches_exact_half_up(cents, percent):
    exact = Fraction(cents) * Fraction(percent) / 100
    assert percent_of(cents, percent) == math.floor(exact + Fraction(1, 2))
    assert 0 <= percent_of(cents, percent) <= cents


# ---- parse_euro ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("12,5", 1250),
        ("12", 1200),
        ("0,5", 50),
        ("0,01", 1),
        ("0", 0),
        (",50", 50),
        ("1.234,56", 123456),
        ("1.234.567,89", 123456789),
        ("€ 3", 300),
        ("3 €", 300),
        ("3€", 300),
        ("12,50 EUR", 1250),
        ("  12,50  ", 1250),
        ("\t7,00\n", 700),
        ("1 234,56", 123456),  # spaces (e.g. as a group separator) are dropped
        ("0012,50", 1250),
    ],
)
def test_parse_euro_accepts(text, cents):
    result = parse_euro(text)
    assert result == cents
    assert type(result) is int


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "€",
        "EUR",
        "abc",
        "12a",
        "1,234",  # three decimals
        "12,345",
        "0,001",
        "12.505",
        "NaN",
        "nan",
        "sNaN",
        "inf",
        "-inf",
        "Infinity",
        "12,50,1",
        "1..2",
        "--5",
    ],
)
def test_parse_euro_rejects_with_money_error(text):
    with pytest.raises(MoneyError) as info:
        parse_euro(text)
    assert str(info.value)  # a message for the cashier


def test_money_error_is_a_value_error():
    assert issubclass(MoneyError, ValueError)


def test_parse_euro_empty_message_asks_for_an_amount():
    with pytest.raises(MoneyError, match="Betrag"):
        parse_euro("  ")


def test_parse_euro_three_decimals_message_mentions_two_decimals():
    with pytest.raises(MoneyError, match="zwei Nachkommastellen"):
        parse_euro("1,234")


@pytest.mark.parametrize("text", ["1e30", "99999999999999999999999999999"])
def test_parse_euro_huge_amount_raises_money_error(text):
    with pytest.raises(MoneyError):
        parse_euro(text)


@pytest.mark.parametrize("text", ["1e3", "1_000", "1.23,45"])
def test_parse_euro_rejects_non_cashier_syntax(text):
    with pytest.raises(MoneyError):
        parse_euro(text)


@SETTINGS
@given(st.integers(min_value=0, max_value=10**12))
def test_parse_euro_reads_german_and_dot_decimal_forms(cents):
    euros, rest = divmod(cents, 100)
    assert parse_euro(f"{euros},{rest:02d}") == cents
    assert parse_euro(f"{euros}.{rest:02d}") == cents
    assert parse_euro(f"€ {euros},{rest:02d}") == cents


# ---- format_euro -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (123456, "1.234,56 €"),
        (0, "0,00 €"),
        (5, "0,05 €"),
        (50, "0,50 €"),
        (100, "1,00 €"),
        (99999, "999,99 €"),
        (100000, "1.000,00 €"),
        (123456789, "1.234.567,89 €"),
        (-5, "-0,05 €"),
        (-123456, "-1.234,56 €"),
        (-100, "-1,00 €"),
    ],
)
def test_format_euro_known_values(cents, text):
    assert format_euro(cents) == text


def test_format_euro_without_symbol():
    assert format_euro(123456, symbol=False) == "1.234,56"
    assert format_euro(-7, symbol=False) == "-0,07"


@SETTINGS
@given(st.integers(min_value=0, max_value=10**12))
def test_format_then_parse_round_trips(cents):
    assert parse_euro(format_euro(cents)) == cents
    assert parse_euro(format_euro(cents, symbol=False)) == cents


@pytest.mark.parametrize("text", ["-5", "-0,01", "- 3"])
def test_parse_euro_refuses_negative_amounts(text):
    with pytest.raises(MoneyError, match="negativ"):
        parse_euro(text)


@pytest.mark.parametrize("text", ["1.234", "12.505"])
def test_parse_euro_refuses_ambiguous_grouping_without_decimals(text):
    with pytest.raises(MoneyError):
        parse_euro(text)


@SETTINGS
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_euro_shape(cents):
    text = format_euro(cents, symbol=False)
    assert text.startswith("-") == (cents < 0)
    body = text.lstrip("-")
    whole, frac = body.split(",")
    assert len(frac) == 2
    groups = whole.split(".")
    assert all(len(g) == 3 for g in groups[1:])
    assert 1 <= len(groups[0]) <= 3
    assert format_euro(cents) == text + " €"
