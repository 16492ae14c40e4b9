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
from typing import Any

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


def purchase_refunds(purchase: Any, returning: Mapping[int, int]) -> dict[int, int] | None:
    """The rule above for a pos_app.refunds.Purchase (line no -> units coming back): the refund
    per line, or None when the purchase got no promotion (then each line refunds its paid share,
    pos_app.refunds.PurchaseLine.refund_for). The till and the center both call this."""
    pricing = purchase.pricing
    if not pricing or not pricing.get("definitions"):
        return None
    sold = [SoldLine(line.line_no, line.product_id, line.category, line.quantity,
                     line.list_price_cents if line.list_price_cents is not None else 0, line.total_cents,
                     line.promotable and line.list_price_cents is not None) for line in purchase.lines]
    promotions = [Promotion.from_dict(d) for d in pricing["definitions"]]
    ctx = PricingContext(purchase.created_at, store_id=pricing.get("store_id") or "", channel="store",
                         tier=pricing.get("tier"), coupons=tuple(pricing.get("coupons") or ()))
    # the sale's own promotions, whatever their window says now: judged as at the sale
    promotions = [_timeless(p) for p in promotions]
    refund = refund_for_return(
        sold, promotions, ctx, {line.line_no: line.returned_quantity for line in purchase.lines},
        sum(line.refunded_cents for line in purchase.lines), returning)
    return refund.per_line


def _timeless(p: Promotion) -> Promotion:
    from dataclasses import replace

    return replace(p, starts_at=None, ends_at=None)


def sale_pricing(store_id: str, definitions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A purchase's `pricing` from the promotions its sale got (their definitions then): the
    coupons are theirs, the tier one all of them admit (each applied, so one exists)."""
    if not definitions:
        return None
    tiers: set[str] | None = None
    for d in definitions:
        if d.get("tiers"):
            tiers = set(d["tiers"]) if tiers is None else tiers & set(d["tiers"])
    return {"store_id": store_id, "tier": min(tiers) if tiers else None,
            "coupons": sorted({d["coupon_code"] for d in definitions if d.get("coupon_code")}),
            "definitions": definitions}


def promotable_lines(lines: Iterable[tuple[int, int, int, int]], shares: Mapping[int, int]) -> dict[int, bool]:
    """line no -> whether the engine priced it: (line no, unit price, list price, line discount)
    with the unit price the list price and no discount beyond the promotions' shares."""
    return {no: unit == listed and discount == shares.get(no, 0) for no, unit, listed, discount in lines}


def split_over_items(per_line: Mapping[int, int], items: list[tuple[int, int]]) -> list[int]:
    """A line's refund over the return items taken from it ((line no, units) each, in order),
    by units (largest remainder): what each item refunds."""
    out = [0] * len(items)
    for line_no, cents in per_line.items():
        idx = [k for k, (no, _) in enumerate(items) if no == line_no]
        for k, share in zip(idx, largest_remainder(cents, [items[k][1] for k in idx])):
            out[k] = share
    return out
