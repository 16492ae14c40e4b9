"""Loyalty points as a discount: the one rule for the till and the center (pure, any thread).

- Rate: 100 points = 1 EUR (1 point = 1 cent), redeemed in whole hundreds (at least 100).
- The center checks the customer's balance (points earned by pos_app.loyalty, less points
  redeemed, plus points given back) before a till may take them; the discount can be at most
  the cart's total.
- The discount is allocated to the lines like a cart discount, in proportion to their totals,
  exact to the cent (largest remainder; ties to the earlier line), so a return refunds what
  was really paid per line.
- A return gives back the points of the discount share it takes back, rounded half up, never
  more than were redeemed for the sale in total.
"""
from __future__ import annotations

from collections.abc import Sequence

from pos_app.i18n import t
from pos_app.money import round_half_up

CENTS_PER_POINT = 1
POINTS_STEP = 100  # 100 points = 1 EUR


def discount_cents(points: int) -> int:
    return points * CENTS_PER_POINT


def check_redemption(points: int, balance_points: int, cart_total_cents: int) -> str | None:
    """Why `points` cannot be redeemed now (German, for the cashier), or None."""
    if isinstance(points, bool) or not isinstance(points, int) or points < POINTS_STEP or points % POINTS_STEP:
        return t("Treuepunkte werden in Schritten von {step} eingelöst (100 Punkte = 1 €).", step=POINTS_STEP)
    if points > balance_points:
        return t("Der Kunde hat nur {balance} Punkte.", balance=max(balance_points, 0))
    if discount_cents(points) > cart_total_cents:
        return t("Mehr Punkte als der Bon wert ist (höchstens {most} Punkte).",
                 most=cart_total_cents // POINTS_STEP * POINTS_STEP)
    return None


def allocate(discount: int, line_totals: Sequence[int]) -> list[int]:
    """The discount per line, in proportion to the line totals, adding up to `discount` exactly."""
    total = sum(max(x, 0) for x in line_totals)
    if discount < 0 or discount > total:
        raise ValueError("the discount must be within 0 and the lines' total")
    if total == 0:
        return [0 for _ in line_totals]
    exact = [discount * max(x, 0) for x in line_totals]
    shares = [e // total for e in exact]
    left = discount - sum(shares)
    order = sorted(range(len(line_totals)), key=lambda i: (-(exact[i] % total), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def points_back(redeemed_points: int, discount: int, returned_discount: int, already_back: int = 0) -> int:
    """Points a return gives back for `returned_discount` cents of the sale's `discount`."""
    if redeemed_points <= 0 or discount <= 0 or returned_discount <= 0:
        return 0
    due = round_half_up(redeemed_points * min(returned_discount, discount), discount)
    return max(0, min(due, redeemed_points - max(already_back, 0)))
