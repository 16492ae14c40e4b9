"""The loyalty rule, shared by the till (receipt) and the center (profile): 1 point per full
euro of a purchase; a refund takes off 1 point per full euro. Tiers by points held: Bronze from
0, Silber from 500, Gold from 2,000. Pure functions."""
from __future__ import annotations

TIERS = ((2000, "Gold"), (500, "Silber"), (0, "Bronze"))


def points_for(cents: int) -> int:
    return max(cents, 0) // 100


def tier_for(points: int) -> str:
    return next(name for floor, name in TIERS if points >= floor)
