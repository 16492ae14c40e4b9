"""Where the till states the lowest 30-day price (§ 11 PAngV): one rule for the cart on the
screen (ui.cart_model), the product search (ui.till_view) and the receipt (pos_app.store.sales).

The figure itself comes from the center (its price history, pos_app.prices.lowest_price run
with the center's clock) through the feed (price_indications): the till never computes it from
its own clock. A product has an indication only while its price here is reduced, so a line
states it when its product has one and the line is sold at that reduced price or below (a
promotion on top, a cashier's lower price). A line whose price the cashier raised above the
reduced price shows no reduction and states nothing.

Known limit: a promotion on a product whose regular price is not reduced states no lowest
price, because the feed brings the figure only for reduced prices.

Thread: any; no I/O.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pos_app.i18n import t
from pos_app.money import format_euro

if TYPE_CHECKING:
    from pos_app.cart import CartLine


def stated_lowest_price(line: CartLine) -> int | None:
    """The lowest 30-day price this line states, or None when it shows no reduction."""
    lowest = line.product.lowest_30_days_cents
    if lowest is None or line.unit_price_cents > line.product.unit_price_cents:
        return None
    return lowest


def lowest_price_hint(lowest_cents: int) -> str:
    """The screen's text (translated; the receipt's is lowest_price.lowest_price_text, German)."""
    return t("Niedrigster Preis der letzten 30 Tage: {price}", price=format_euro(lowest_cents))
