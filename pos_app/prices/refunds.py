"""Returns refund what was paid: the one rule the till and the center both apply.

A sale keeps, per line, what was paid after every promotion (the allocation of
pos_app.prices.engine). When goods come back:

    held      = the units not returned before;   kept = held minus what comes back now
    refund    = (paid for the held units) - (price of the kept units, re-priced)
                clamped to 0 .. (paid share of all units returned so far - refunded before)

Re-priced means: the kept units at the sale's unit prices, through the engine, with the
promotions that the sale got (nothing newer, nothing ended since) and the sale's own context.
So a kept cart that no longer reaches a threshold pays the threshold discount back out of the
refund (the clawback), a returned unit of a 3-for-2 refunds nothing while the other two still
cost what was paid for all three, and when everything is back the refunds add up to exactly
what was paid, never more (docs/prices.md has the worked examples). Lines outside the engine
(a manual price or discount: `promotable` False) are kept at their paid share (rounded down).

Pure; any thread.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pos_app.i18n import t
from pos_app.prices.allocation import largest_remainder
from pos_app.prices.engine import PricingContext, PricingLine, PromotionBook
from pos_app.prices.promotions import Promotion


class RefundError(ValueError):
    """A return that does not fit the sale (more than is left, an unknown line)."""


@dataclass(frozen=True)
class SoldLine:
    line_id: int
    product_id: int
    category: str
    quantity: int
    unit_price_cents: int  # before promotions
    paid_cents: int  # the line's total after every promotion
    promotable: bool = True


@dataclass(frozen=True)
class Refund:
    refund_cents: int
    per_line: dict[int, int]  # line id -> cents refunded for it now
    clawback_cents: int  # the paid share of the returned units that is kept back


def paid_share(line: SoldLine, units: int) -> int:
    """What `units` of the line cost: its paid total pro rata, rounded down, exact for all."""
    if units >= line.quantity:
        return line.paid_cents
    return line.paid_cents * units // line.quantity


def refund_for_return(sold: Iterable[SoldLine], promotions: Iterable[Promotion], ctx: PricingContext,
                      returned_before: Mapping[int, int], refunded_before_cents: int,
                      returning: Mapping[int, int]) -> Refund:
    """The refund for `returning` (line id -> units), given what came back before."""
    lines = list(sold)
    by_id = {line.line_id: line for line in lines}
    for line_id, units in returning.items():
        line = by_id.get(line_id)
        if line is None:
            raise RefundError(t("Die Position {line} gibt es auf diesem Bon nicht.", line=line_id))
        if units < 1 or units > line.quantity - returned_before.get(line_id, 0):
            raise RefundError(t("Von Position {line} sind nur noch {left} Stück zurückzugeben.",
                                line=line_id, left=line.quantity - returned_before.get(line_id, 0)))
    held_paid = sum(line.paid_cents for line in lines) - refunded_before_cents
    kept_lines, kept_fixed = [], 0
    for line in lines:
        kept = line.quantity - returned_before.get(line.line_id, 0) - returning.get(line.line_id, 0)
        if kept <= 0:
            continue
        if line.promotable:
            kept_lines.append(PricingLine(line.line_id, line.product_id, line.category, kept, line.unit_price_cents))
        else:
            kept_fixed += paid_share(line, kept)
    kept_price = PromotionBook(promotions).price(kept_lines, ctx).total_cents + kept_fixed
    returned_share = sum(paid_share(line, returned_before.get(line.line_id, 0) + returning.get(line.line_id, 0))
                         for line in lines)
    cap = max(0, returned_share - refunded_before_cents)
    refund = min(max(0, held_paid - kept_price), cap)
    ids = sorted(returning)
    now_shares = [paid_share(by_id[i], returned_before.get(i, 0) + returning[i])
                  - paid_share(by_id[i], returned_before.get(i, 0)) for i in ids]
    weights = now_shares if sum(now_shares) else [by_id[i].unit_price_cents * returning[i] for i in ids]
    if refund and not sum(weights):
        weights = [returning[i] for i in ids]
    split = largest_remainder(refund, weights)
    return Refund(refund, {i: c for i, c in zip(ids, split)}, max(0, sum(now_shares) - refund))
