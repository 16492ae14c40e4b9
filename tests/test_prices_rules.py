"""§ 11 PAngV lowest price, Grundpreis and shelf labels: the pure rules and the label bytes
(real ESC/POS from hardware.label_printer, read back by tests/escpos_decode.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hardware.label_printer import render_labels
from pos_app.prices.labels import Ean13Row, ShelfLabel, label_rows, label_sheet
from pos_app.prices.lowest_price import (PriceChange, current_reduction, lowest_before, lowest_price_text, price_at,
                                         reduction_against)
from pos_app.prices.unit_price import ContentError, unit_price
from pos_app.receipt import PAPER_58MM, PAPER_80MM, BarcodeRow
from tests.escpos_decode import decode

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


# ---- lowest price of the previous 30 days ---------------------------------------------------------

def test_lowest_price_counts_the_price_in_force_when_the_window_opened() -> None:
    history = [PriceChange(day(0), 1299), PriceChange(day(20), 999), PriceChange(day(25), 1299),
               PriceChange(day(60), 899)]
    red = current_reduction(history, day(61))
    assert red is not None and red.price_cents == 899 and red.before_cents == 1299
    assert red.lowest_30_days_cents == 1299  # 999 was 35 days before the reduction: outside the window
    assert lowest_before(history, day(50)) == 999  # window opened on day 20 at 999


def test_a_temporary_low_inside_the_window_is_the_reference() -> None:
    history = [PriceChange(day(0), 1000), PriceChange(day(40), 700), PriceChange(day(45), 1000),
               PriceChange(day(50), 800)]
    red = current_reduction(history, day(51))
    assert red is not None and red.lowest_30_days_cents == 700
    assert lowest_price_text(red.lowest_30_days_cents) == "Niedrigster Preis der letzten 30 Tage: 7,00 €"


def test_a_stepwise_reduction_keeps_the_reference_of_its_first_step() -> None:
    history = [PriceChange(day(0), 2000), PriceChange(day(10), 1500), PriceChange(day(50), 1200),
               PriceChange(day(80), 1000)]
    red = current_reduction(history, day(81))
    assert red is not None and red.started_at == day(10) and red.before_cents == 2000
    assert red.lowest_30_days_cents == 2000  # not 1200 or 1500: the run started on day 10


def test_no_reduction_after_a_rise_or_without_history() -> None:
    assert current_reduction([PriceChange(day(0), 500), PriceChange(day(5), 600)], day(6)) is None
    assert current_reduction([PriceChange(day(0), 500)], day(6)) is None
    assert current_reduction([PriceChange(day(0), 500), PriceChange(day(5), 500)], day(6)) is None
    assert price_at([PriceChange(day(1), 500)], day(0)) is None


def test_a_future_change_does_not_count_yet() -> None:
    history = [PriceChange(day(0), 900), PriceChange(day(10), 700)]
    assert current_reduction(history, day(9)) is None
    assert current_reduction(history, day(10)) is not None


def test_a_young_product_uses_the_days_it_was_on_sale() -> None:
    history = [PriceChange(day(0), 400), PriceChange(day(3), 350), PriceChange(day(5), 300)]
    red = current_reduction(history, day(6))
    assert red is not None and red.lowest_30_days_cents == 400 and red.before_cents == 400


def test_a_promotion_price_is_measured_against_the_regular_history() -> None:
    history = [PriceChange(day(0), 1000), PriceChange(day(20), 900), PriceChange(day(30), 1100)]
    red = reduction_against(history, 800, day(40))
    assert red is not None and red.before_cents == 1100 and red.lowest_30_days_cents == 900
    assert reduction_against(history, 1100, day(40)) is None


# ---- Grundpreis ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "amount", "unit", "per_100", "cents", "ref", "same"), [
    (499, 250, "g", False, 1996, "1 kg", False),
    (499, 250, "g", True, 200, "100 g", False),  # 1.996 rounds half up to 2,00
    (499, 251, "g", True, 1988, "1 kg", False),  # more than 250 g: per 100 g not allowed
    (119, 1, "l", False, 119, "1 l", True),  # exactly 1 l: equals the price, need not be shown
    (119, 1000, "ml", True, 119, "1 l", True),
    (229, 750, "ml", False, 305, "1 l", False),  # 305.33
    (1, 3, "kg", False, 0, "1 kg", False),  # 0.33 cents: rounds to 0
    (1299, 25, "m", False, 52, "1 m", False),  # 51.96
    (350, 50, "cm", True, 700, "1 m", False),  # no 100 g rule for length
    (0, 500, "g", False, 0, "1 kg", False),
    (10**10 - 1, 1, "g", False, (10**10 - 1) * 1000, "1 kg", False),
])
def test_unit_price(price: int, amount: int, unit: str, per_100: bool, cents: int, ref: str, same: bool) -> None:
    up = unit_price(price, amount, unit, per_100)
    assert (up.cents, up.reference, up.same_as_price) == (cents, ref, same)


@pytest.mark.parametrize(("price", "amount", "unit"), [
    (100, 0, "g"), (100, -5, "g"), (100, 10, "stk"), (100, 10, "KG"), (-1, 10, "g"), (100, True, "g"),
    (100, 10_000_001, "g"),
])
def test_unit_price_refuses_what_gives_no_unit_price(price: int, amount: int, unit: str) -> None:
    with pytest.raises(ContentError):
        unit_price(price, amount, unit)


# ---- shelf labels -------------------------------------------------------------------------------

def test_reduced_label_bytes_carry_price_unit_price_lowest_price_and_ean13() -> None:
    label = ShelfLabel("Kaffee Crema 250 g", "KAF-250", 399, "4006381333931", 250, "g", per_100=True,
                       before_cents=549, lowest_30_days_cents=449)
    out = decode(render_labels(label_rows(label), "TM-T88V", paper=PAPER_80MM))
    assert out.text_lines[:3] == ["Kaffee Crema 250 g", "statt".ljust(42 - len("5,49 €")) + "5,49 €", "3,99 €"]
    assert "Grundpreis 1,60 € / 100 g" in out.text_lines
    assert "Niedrigster Preis der letzten 30 Tage:" in out.text_lines and "4,49 €" in out.text_lines
    assert out.barcodes == [("EAN13", "400638133393")]  # GS k 67: the printer adds the check digit
    assert out.cuts == 1
    price_line = next(ln for ln in out.lines if ln.text == "3,99 €")
    assert price_line.double_width and price_line.bold and price_line.align == "right"


def test_a_sheet_prints_every_label_and_internal_codes_as_code128() -> None:
    labels = [ShelfLabel("Milch", "M1", 119, "4006381333931", 1, "l"),
              ShelfLabel("Brot", "B1", 289, "BROT-1", 750, "g"),
              ShelfLabel("Tüte", "T1", 10)]
    rows = label_sheet(labels, PAPER_58MM)
    assert sum(isinstance(r, Ean13Row) for r in rows) == 1 and sum(isinstance(r, BarcodeRow) for r in rows) == 1
    out = decode(render_labels(rows, "TM-T88V", paper=PAPER_58MM))
    assert out.cuts == 3
    assert ("CODE128", "BROT-1") in out.barcodes and ("EAN13", "400638133393") in out.barcodes
    assert "Grundpreis 3,85 € / 1 kg" in out.text_lines
    assert not any(line.startswith("Grundpreis") and "1 l" in line for line in out.text_lines)  # 1 l = price
    assert all(len(line) <= PAPER_58MM.chars for line in out.text_lines)


def test_a_reduced_price_without_the_lowest_price_is_refused() -> None:
    with pytest.raises(ValueError, match="niedrigsten Preis"):
        label_rows(ShelfLabel("Milch", "M1", 99, before_cents=119))


def test_a_bad_check_digit_is_not_printed_as_ean13() -> None:
    rows = label_rows(ShelfLabel("Milch", "M1", 99, "4006381333932"))
    assert not any(isinstance(r, Ean13Row) for r in rows)


# ---- loyalty points as a discount -------------------------------------------------------------

def test_points_rule_and_allocation_to_the_cent() -> None:
    from pos_app.prices.points import allocate, check_redemption, points_back

    assert check_redemption(300, 500, 10_00) is None
    assert check_redemption(250, 500, 10_00) is not None and check_redemption(0, 500, 10_00) is not None
    assert check_redemption(600, 500, 10_00) is not None and check_redemption(300, 500, 2_99) is not None
    assert allocate(100, [1000, 2000, 0]) == [33, 67, 0] and allocate(101, [100, 100, 100]) == [34, 34, 33]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]  # ties to the earlier line
    assert allocate(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError):
        allocate(5, [1, 1])
    assert points_back(200, 200, 50) == 50 and points_back(200, 200, 500, already_back=50) == 150
    assert points_back(300, 299, 100) == 100 and points_back(0, 0, 10) == 0
