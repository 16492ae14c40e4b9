"""The store's promotion events, applied at the center (registered in backend.events._apply):

- coupon.redeemed: a coupon a till accepted (online after the center's yes, then a replay of
  that redemption id; or offline under the once-per-till rule). Booked in every case, beyond
  the coupon's limit with a coupon_overused reconciliation (backend.promotions.redeem); the use
  is marked sold (a release of it is then ignored);
- coupon.released: a use taken online given back (the cart left without a sale): freed once;
  a replay, or a release of a use a sale booked, changes nothing and is logged;
- a sale's pricing block (sale.completed): kept, and the sale priced again (`record_sale`);
- a sale without a pricing block (no promotion applied at the till): when promotions of the
  center would have applied to it (the till missed one, e.g. an old feed), a price_mismatch item
  with reason "missed_promotions" (`missed`); cheap when the store has none live at the sale's
  time (one cached book, backend.promotions.sale_book; no query per sale).

A refusal is a business rejection (the store's conflict list shows it), never an exception.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select

from backend import cart_pricing, promotions, reconciliations
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Product
from backend.promotions_models import SalePromotionRow
from pos_app.prices.engine import PricingContext, PricingLine, PromotionBook
from sync.protocol import SaleCompletedV1
from sync.protocol_prices import CouponRedeemedV1, CouponReleasedV1

HANDLED = (CouponRedeemedV1, CouponReleasedV1)
log = logging.getLogger(__name__)


def apply(conn: Connection, device: DeviceIdentity, payload: CouponRedeemedV1 | CouponReleasedV1, now: datetime,
          changes: list[PendingChange]) -> str | None:
    if isinstance(payload, CouponReleasedV1):
        return _release(conn, device, payload, now)
    if payload.store_id != device.store_id:
        return f"event for store {payload.store_id!r} from a device of {device.store_id!r}"
    try:
        _, made = promotions.redeem(
            conn, redemption_id=str(payload.redemption_id), code=payload.code, store_id=device.store_id,
            reference=payload.reference, saving_cents=payload.saving_cents, offline=True,
            redeemed_at=payload.redeemed_at, promotion_id=payload.promotion_id, now=now)
    except promotions.Refused as exc:
        return str(exc)
    promotions.mark_sold(conn, str(payload.redemption_id), now)
    changes += made
    return None


def _release(conn: Connection, device: DeviceIdentity, payload: CouponReleasedV1, now: datetime) -> str | None:
    try:
        outcome = promotions.release(conn, redemption_id=str(payload.redemption_id), code=payload.code,
                                     store_id=device.store_id, now=now, offline=payload.offline)
    except promotions.Refused as exc:
        return str(exc)
    if outcome not in ("released", "not taken"):
        log.warning("coupon.released for redemption %s (%s) from %s ignored: %s", payload.redemption_id,
                    payload.code, device.device_id, "a sale booked that use" if outcome == "sold" else outcome)
    return None


def record_sale(conn: Connection, event_id: str, sale: SaleCompletedV1, at: datetime,
                changes: list[PendingChange]) -> None:
    """Keep a store sale's promotions and price it again by the center's rules: its promotions
    live at the sale's trusted time, the coupons the sale names that the center knows for that
    time, the tier the CENTER holds for the sale's customer (`pricing.customer_id`; none without
    a customer or for one it does not know, whatever tier the till stated), and the sale's own
    list prices (so only the promotions are judged). A different saving opens a price_mismatch
    reconciliation with the difference (reason "tier" when the tiers differ); the till's receipt
    stands (the customer paid it)."""
    assert sale.pricing is not None
    sale_id = str(sale.sale_id)
    if sale.pricing.applied:
        conn.execute(insert(SalePromotionRow), [
            {"sale_id": sale_id, "promotion_id": a.promotion_id, "saving_cents": a.saving_cents,
             "definition": a.definition, "lines": [s.model_dump() for s in a.lines]} for a in sale.pricing.applied])
    shares: dict[int, int] = {}
    for applied in sale.pricing.applied:
        for share in applied.lines:
            shares[share.line_no] = shares.get(share.line_no, 0) + share.cents
    categories = dict(conn.execute(select(Product.id, Product.category)
                                   .where(Product.id.in_({ln.product_id for ln in sale.lines}))).all())
    lines = [PricingLine(ln.line_no, ln.product_id, categories.get(ln.product_id) or "", ln.quantity,
                         ln.list_price_cents,
                         promotable=ln.unit_price_cents == ln.list_price_cents
                         and ln.line_discount_cents == shares.get(ln.line_no, 0)) for ln in sale.lines]
    coupons = tuple(c for c in sale.pricing.coupons if promotions.coupon_promotion(conn, c, at) is not None)
    tier = center_tier(conn, sale.pricing.customer_id)
    ctx = PricingContext(at, store_id=sale.store_id, channel="store", tier=tier, coupons=coupons)
    center = promotions.active_book(conn, at).price(lines, ctx)
    store_cents = sum(a.saving_cents for a in sale.pricing.applied)
    if center.discount_cents == store_cents:
        return
    details = {"receipt_number": sale.receipt_number, "reason": "promotions", "store_saving_cents": store_cents,
               "center_saving_cents": center.discount_cents,
               "store_promotions": [a.promotion_id for a in sale.pricing.applied],
               "center_promotions": [a.promotion_id for a in center.applied]}
    if tier != sale.pricing.tier:
        details.update(reason="tier", store_tier=sale.pricing.tier, center_tier=tier,
                       customer_id=sale.pricing.customer_id)
    _, raised = reconciliations.raise_exception(
        conn, sale.store_id, "price_mismatch", abs(center.discount_cents - store_cents), [event_id], details)
    changes += raised


def center_tier(conn: Connection, customer_id: int | None) -> str | None:
    """The loyalty tier the center holds for the customer (backend.cart_pricing.customer_tier);
    None without a customer or for one the center does not know."""
    try:
        return cart_pricing.customer_tier(conn, customer_id)
    except cart_pricing.Unpriceable:
        return None


def missed(conn: Connection, book: PromotionBook, sales: Sequence[tuple[str, SaleCompletedV1, datetime]]
           ) -> dict[str, list[PendingChange]]:
    """Store sales without a pricing block (event id, sale, its trusted time), applied in this
    transaction: those the center's promotions would have given a saving get a price_mismatch
    item for that saving (the customer paid more; the sale stands as paid). `book`: the
    promotions of backend.promotions.sale_book. A sale whose store has no promotion live at its
    time costs a memo look-up; the others share one category query. Returns the feed changes
    per event id."""
    todo = [(event_id, sale, at) for event_id, sale, at in sales if sale.pricing is None
            and book.eligible(PricingContext(at, store_id=sale.store_id, channel="store"), frozenset()).ids]
    if not todo:
        return {}
    ids = {ln.product_id for _, sale, _ in todo for ln in sale.lines}
    categories = dict(conn.execute(select(Product.id, Product.category).where(Product.id.in_(ids))).all())
    out: dict[str, list[PendingChange]] = {}
    for event_id, sale, at in todo:
        lines = [PricingLine(ln.line_no, ln.product_id, categories.get(ln.product_id) or "", ln.quantity,
                             ln.list_price_cents,
                             promotable=ln.unit_price_cents == ln.list_price_cents and ln.line_discount_cents == 0)
                 for ln in sale.lines]
        center = book.price(lines, PricingContext(at, store_id=sale.store_id, channel="store"))
        if center.discount_cents <= 0:
            continue
        _, out[event_id] = reconciliations.raise_exception(
            conn, sale.store_id, "price_mismatch", center.discount_cents, [event_id],
            {"receipt_number": sale.receipt_number, "reason": "missed_promotions", "store_saving_cents": 0,
             "center_saving_cents": center.discount_cents, "store_promotions": [],
             "center_promotions": [a.promotion_id for a in center.applied]})
    return out
