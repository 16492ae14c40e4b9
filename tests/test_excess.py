"""pos_app.excess: what an over-return or an overdrawn voucher puts at stake (pure rule)."""
from __future__ import annotations

from pos_app.excess import LineLeft, over_return, overdrawn_cents


def line(bought: int = 2, returned: int = 0, paid: int = 200_00, refunded: int = 0) -> dict[int, LineLeft]:
    return {1: LineLeft(1, "Sofa", bought, returned, paid, refunded)}


def test_within_what_is_left_nothing_is_at_stake() -> None:
    excess = over_return("BER-K1-000001", line(), {1: (1, 100_00)}, {"cash": 200_00}, {"cash": 100_00})
    assert not excess and excess.at_stake_cents == 0 and excess.reasons == ()


def test_one_unit_too_many_puts_its_refund_at_stake() -> None:
    excess = over_return("BER-K1-000001", line(returned=2, refunded=200_00), {1: (1, 100_00)},
                         {"cash": 0}, {"cash": 100_00})
    assert excess and excess.excess_quantity == 1
    assert excess.at_stake_cents == 100_00  # the lines' figure and the tenders' overlap: not added
    assert any("gekauft 2, schon zurück 2, jetzt 1" in r for r in excess.reasons)
    assert any("Bar" in r for r in excess.reasons)


def test_more_refunded_than_paid_and_more_cash_than_paid_in_cash() -> None:
    money = over_return("X", line(bought=1, paid=50_00), {1: (1, 80_00)}, {"card": 80_00}, {"card": 80_00})
    assert money.at_stake_cents == 30_00 and "zu viel erstattet" in money.reasons[0]
    cash = over_return("X", line(), {1: (1, 100_00)}, {"cash": 40_00, "card": 160_00}, {"cash": 100_00})
    assert cash.at_stake_cents == 60_00 and "Bar" in cash.reasons[0]


def test_overdrawn_voucher() -> None:
    assert overdrawn_cents(1_000, 400) == 0
    assert overdrawn_cents(300, 500) == 200
    assert overdrawn_cents(-100, 500) == 500  # already below zero: covers nothing
