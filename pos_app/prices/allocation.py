"""Exact-cent allocation: a discount split over the lines (or units) it came from.

Largest remainder: every part is the floor of its proportional share, the cents left over go to
the parts with the largest remainders (ties: the earlier part). The parts add up to the total
exactly and none exceeds its weight when the total does not exceed the sum of the weights, so a
line's discount is never more than the line. Pure; any thread.
"""
from __future__ import annotations


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split `total` cents over `weights` (non-negative) proportionally; sum(result) == total."""
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocation needs non-negative amounts")
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        if total and not weight_sum:
            raise ValueError("cannot allocate a discount over nothing")
        return [0] * len(weights)
    shares = [total * w // weight_sum for w in weights]
    left = total - sum(shares)
    if left:
        order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
        for i in order[:left]:
            shares[i] += 1
    return shares
