"""What a sale keeps of its promotions: the `pricing` block of sale.completed
(sync.protocol_sale_pricing), built from the cart's totals. Per applied promotion: its
definition as the till had it (so a return re-prices by the promotions of the sale, not by
today's), its saving, and that saving allocated to the lines (line numbers of the sale).

Pure; any thread.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pos_app.prices.engine import AppliedPromotion, LineDiscount
from pos_app.prices.promotions import Promotion


def pricing_block(line_promotions: Sequence[Sequence[LineDiscount]], applied: Sequence[AppliedPromotion],
                  definitions: Mapping[int, Promotion], tier: str | None,
                  coupons: Sequence[str], customer_id: int | None = None) -> dict[str, Any] | None:
    """`line_promotions`: per sale line (line_no = position + 1), its promotions' shares.
    `customer_id`: the sale's customer (the center re-prices by the tier it holds for them).
    None when no promotion applied."""
    if not applied:
        return None
    shares: dict[int, list[dict[str, int]]] = {}
    for no, discounts in enumerate(line_promotions, start=1):
        for d in discounts:
            shares.setdefault(d.promotion_id, []).append({"line_no": no, "cents": d.cents})
    block: dict[str, Any] = {
        "tier": tier,
        "coupons": sorted({c.strip().upper() for c in coupons}),
        "applied": [{"promotion_id": a.promotion_id, "saving_cents": a.saving_cents,
                     "lines": shares.get(a.promotion_id, []), "definition": definitions[a.promotion_id].to_dict()}
                    for a in applied],
    }
    if customer_id is not None:
        block["customer_id"] = customer_id
    return block
