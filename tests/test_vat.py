"""German VAT on gross prices: per rate, on the summed gross, half up to the cent."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.vat import VatRate, VatRow, breakdown, vat_from_gross

SETTINGS = settings(max_examples=200, deadline=None)

rates = st.sampled_from(list(VatRate))
gross_amounts = st.integers(min_value=0, max_value=10**10)


def test_rates_and_letters():
    assert VatRate.STANDARD.percent == 19
    assert VatRate.STANDARD.letter == "A"
    assert VatRate.REDUCED.percent == 7
    assert VatRate.REDUCED.letter == "B"
    assert list(VatRate) == [VatRate.STANDARD, VatRate.REDUCED]


def test_from_percent():
    assert VatRate.from_percent(19) is VatRate.STANDARD
    assert VatRate.from_percent(7) is VatRate.REDUCED


@pytest.mark.parametrize("percent", [0, 16, 5, 20, -19])
def test_from_percent_unknown_rate_refused(percent):
    with pytest.raises(ValueError):
        VatRate.from_percent(percent)


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (11900, VatRate.STANDARD, 1900),  # 119,00 € -> 19,00 €
        (10700, VatRate.REDUCED, 700),
        (1070, VatRate.REDUCED, 70),  # 10,70 € -> 0,70 €
        (119, VatRate.STANDARD, 19),
        (107, VatRate.REDUCED, 7),
        (1, VatRate.STANDARD, 0),  # 0,01 €: 0.16 ct -> 0
        (1, VatRate.REDUCED, 0),  # 0.065 ct -> 0
        (0, VatRate.STANDARD, 0),
        (0, VatRate.REDUCED, 0),
        # Rounding up matters (truncation would be one cent less):
        (100, VatRate.STANDARD, 16),  # 15.966.. -> 16
        (1000, VatRate.STANDARD, 160),  # 159.66.. -> 160
        (4, VatRate.STANDARD, 1),  # 0.638.. -> 1
        (8, VatRate.REDUCED, 1),  # 0.523.. -> 1
        (999, VatRate.STANDARD, 160),  # 159.50.. -> 160 (just above the half)
        # and rounding down matters (ceiling would be one cent more):
        (1000, VatRate.REDUCED, 65),  # 65.42.. -> 65
        (3, VatRate.STANDARD, 0),  # 0.479 -> 0
        (7, VatRate.REDUCED, 0),  # 0.457 -> 0
        (1999, VatRate.STANDARD, 319),  # 319.17 -> 319
        (-11900, VatRate.STANDARD, -1900),  # returns/negative gross
        (-100, VatRate.STANDARD, -16),
    ],
)
def test_vat_from_gross_known_figures(gross, rate, vat):
    assert vat_from_gross(gross, rate) == vat


def test_half_up_not_truncation_nor_bankers():
    # 20 * 7 / 107 = 1.308 -> 1 ; 23 * 7 / 107 = 1.504.. -> 2 (truncation would give 1)
    assert vat_from_gross(23, VatRate.REDUCED) == 2
    assert vat_from_gross(22, VatRate.REDUCED) == 1  # 1.439 -> 1


def test_vat_row_net():
    row = VatRow(VatRate.STANDARD, 11900, 1900)
    assert row.net_cents == 10000


@SETTINGS
@given(gross_amounts, rates)
def test_net_plus_vat_is_gross(gross, rate):
    row = breakdown({rate: gross})[0]
    assert row.gross_cents == gross
    assert row.net_cents + row.vat_cents == gross
    assert row.vat_cents == vat_from_gross(gross, rate)


@SETTINGS
@given(st.integers(min_value=-(10**10), max_value=10**10), rates)
def test_vat_within_half_a_cent_of_exact_value(gross, rate):
    exact = Fraction(gross * rate.percent, 100 + rate.percent)
    vat = vat_from_gross(gross, rate)
    assert abs(vat - exact) <= Fraction(1, 2)
    assert abs(vat - exact) < 1


@SETTINGS
@given(gross_amounts, rates)
def test_vat_matches_exact_half_up(gross, rate):
    exact = Fraction(gross * rate.percent, 100 + rate.percent)
    # half up: smallest integer v with v - exact > -1/2 ... i.e. floor(exact + 1/2)
    assert vat_from_gross(gross, rate) == int(exact + Fraction(1, 2))


@SETTINGS
@given(gross_amounts, rates)
def test_vat_is_monotonic_and_bounded(gross, rate):
    vat = vat_from_gross(gross, rate)
    assert 0 <= vat <= gross
    assert vat_from_gross(gross + 1, rate) >= vat


@SETTINGS
@given(gross_amounts, rates)
def test_net_recomputes_gross(gross, rate):
    # net * (100 + rate) / 100 is within a cent of the gross
    net = gross - vat_from_gross(gross, rate)
    back = Fraction(net * (100 + rate.percent), 100)
    assert abs(back - gross) < 1


def test_breakdown_empty():
    assert breakdown({}) == []


def test_breakdown_order_is_a_then_b_regardless_of_insertion_order():
    rows = breakdown({VatRate.REDUCED: 1070, VatRate.STANDARD: 11900})
    assert [row.rate.letter for row in rows] == ["A", "B"]
    assert rows == [VatRow(VatRate.STANDARD, 11900, 1900), VatRow(VatRate.REDUCED, 1070, 70)]


def test_breakdown_only_rates_that_occur():
    assert breakdown({VatRate.REDUCED: 1070}) == [VatRow(VatRate.REDUCED, 1070, 70)]
    assert breakdown({VatRate.STANDARD: 119}) == [VatRow(VatRate.STANDARD, 119, 19)]


def test_breakdown_keeps_a_zero_rate_row_that_occurs():
    rows = breakdown({VatRate.STANDARD: 0})
    assert rows == [VatRow(VatRate.STANDARD, 0, 0)]


def test_vat_on_summed_gross_not_per_line():
    # Three lines of 0,04 € at 19 %: per line 0.638 -> 1 ct each = 3 ct; on the sum 12 ct -> 1.92 -> 2 ct.
    assert sum(vat_from_gross(4, VatRate.STANDARD) for _ in range(3)) == 3
    assert breakdown({VatRate.STANDARD: 12})[0].vat_cents == 2


@SETTINGS
@given(st.dictionaries(rates, gross_amounts, max_size=2))
def test_breakdown_properties(gross_by_rate):
    rows = breakdown(gross_by_rate)
    assert [row.rate for row in rows] == [r for r in VatRate if r in gross_by_rate]
    assert sum(row.gross_cents for row in rows) == sum(gross_by_rate.values())
    for row in rows:
        assert row.gross_cents == gross_by_rate[row.rate]
        assert row.vat_cents == vat_from_gross(row.gross_cents, row.rate)
        assert row.net_cents + row.vat_cents == row.gross_cents
