"""Loyalty points redeemed as a discount at the till (issue 15; docs/prices.md, "Loyalty points").

A PointsRedemption belongs to one sale (its reference is a fresh uuid, the center's
sale_reference). Applying it needs a customer attached to the sale and the center online: the
balance is the center's, so points are not redeemable offline (a clear message, nothing
changed). The till checks locally with pos_app.prices.points.check_redemption, then the center
redeems (`Center`, sync.points.CenterPoints over HTTP); a refusal (409) carries the center's
reason. The discount is allocated to the lines with points.allocate (exact cents).

Not built yet (say so, do not pretend): holding it in TillSession, the cart's totals and
receipt line, the release through the outbox on take-back / void / park, the sale event's
field and the till's dialog.

Thread: the UI thread (the till session's); the center call has the client's short timeout.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pos_app.i18n import t
from pos_app.prices import points as rule


class PointsRefused(Exception):
    """The points cannot be redeemed now; the message is for the cashier (German)."""


class PointsOffline(PointsRefused):
    """The center cannot be reached: points are not redeemable offline."""


@dataclass(frozen=True)
class PointsRedemption:
    customer_id: int
    reference: str
    points: int

    @property
    def discount_cents(self) -> int:
        return rule.discount_cents(self.points)

    def allocate(self, line_totals: Sequence[int]) -> list[int]:
        return rule.allocate(self.discount_cents, line_totals)


class Center(Protocol):
    """What the till needs of the center (sync.points.CenterPoints); both raise PointsOffline
    when it cannot be reached and PointsRefused with its reason when it says no."""

    def balance(self, customer_id: int) -> int: ...

    def redeem(self, customer_id: int, points: int, reference: str, cart_total_cents: int) -> int: ...


def most_redeemable(balance_points: int, cart_total_cents: int) -> int:
    """The most points that may be redeemed now (whole steps), for the dialog's field."""
    most = min(max(balance_points, 0), max(cart_total_cents, 0) // rule.CENTS_PER_POINT)
    return most // rule.POINTS_STEP * rule.POINTS_STEP


def redeem(center: Center | None, customer_id: int | None, points: int,
           cart_total_cents: int) -> PointsRedemption:
    """Check and redeem at the center; raises PointsRefused (nothing changed) when it cannot."""
    if customer_id is None:
        raise PointsRefused(t("Erst einen Kunden zum Verkauf wählen."))
    if center is None:
        raise PointsOffline(t("Treuepunkte gibt es nur mit der Zentrale (keine Zentrale eingerichtet)."))
    held = center.balance(customer_id)
    if (reason := rule.check_redemption(points, held, cart_total_cents)) is not None:
        raise PointsRefused(reason)
    reference = str(uuid.uuid4())
    taken = center.redeem(customer_id, points, reference, cart_total_cents)
    return PointsRedemption(customer_id, reference, taken)


def check_cart_change(redemption: PointsRedemption | None, new_total_cents: int) -> str | None:
    """Why a cart change must be refused (it would leave the total below the points discount)."""
    if redemption is not None and new_total_cents < redemption.discount_cents:
        return t("Erst die Treuepunkte zurücknehmen (Rabatt {cents} Cent), dann den Bon ändern.",
                 cents=redemption.discount_cents)
    return None
