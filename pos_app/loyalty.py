"""The loyalty rule, shared by the till (receipt) and the center (profile): 1 point per full
euro of a purchase; a refund takes off 1 point per full euro. Tiers by points held: Bronze from
0, Silber from 500, Gold from 2,000. Pure functions, total over every integer: a blind return
for a customer with no purchases leaves the points below zero, which is still Bronze (the
center's profile answered HTTP 500 for it once: StopIteration out of `tier_for`)."""
from __future__ import annotations

TIERS = ((2000, "Gold"), (500, "Silber"), (0, "Bronze"))
LOWEST_TIER = TIERS[-1][1]


def points_for(cents: int) -> int:
    """Points for a purchase (or a refund) of `cents`: nothing for zero or less."""
    return max(cents, 0) // 100


def tier_for(points: int) -> str:
    """The tier for the points held; any points below the lowest floor are the lowest tier."""
    return next((name for floor, name in TIERS if points >= floor), LOWEST_TIER)
