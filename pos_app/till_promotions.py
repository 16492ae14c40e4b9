"""Promotions and coupons at the till: the cart's prices by the shared engine
(pos_app.prices.engine), the coupons a customer hands over, and what a sale records of both.

Coupons (docs/prices.md, "Coupons offline"): a code must belong to a promotion this till knows
that is live now (trusted time). Online, the center takes one use at once (`online_check`,
POST /v1/coupons/redeem; refused when used up). When the center cannot be reached, the offline
rule: each code is accepted once per till (table offline_coupons), and the sale's outbox sends
the redemption; the center books it and, beyond the coupon's limit, opens a coupon_overused
reconciliation. A coupon whose promotion did not apply to the sale is not redeemed.

A use taken online is given back when the coupon leaves the cart without a sale (removed,
the cart voided or parked, or its promotion did not apply to the sale): the outbox sends
coupon.released, once per redemption, in the same transaction that forgets the coupon here
(the sale's, for a coupon that did not apply). Offline coupons took no use at the center:
nothing to give back, except when the center's yes was lost on the way (the till then took the
coupon offline, yet the center counted the use): so offline coupons are released too, flagged
`offline`, and the center frees such a use if it has it and otherwise changes nothing.

Thread: the UI thread (the till session's); the online check is the app's to run briefly
(it has a short timeout) or to leave unset.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pos_app.cart import CartError, PricedLine
from pos_app.i18n import t
from pos_app.prices.engine import AppliedPromotion, PricedCart, PricingContext, PricingLine, PromotionBook, applies
from pos_app.prices.promotions import normal_code
from pos_app.prices.sale_pricing import pricing_block
from pos_app.store import promotion_models
from pos_app.store.outbox import append_event
from pos_app.clock import iso, utc_now

COUPON_REDEEMED = "coupon.redeemed"  # sync.protocol_prices
COUPON_RELEASED = "coupon.released"  # sync.protocol_prices
MAX_COUPONS = 10
REUSE_S = 1.0  # a priced cart is reused for the same inputs this long (windows move on the clock)


class CouponRefused(Exception):
    """The center said no (unknown, ended, used up); the message is for the cashier."""


class CenterUnreachable(Exception):
    """The online check could not reach the center: the offline rule applies."""


# (code, redemption id) -> None, or raises CouponRefused / CenterUnreachable
OnlineCheck = Callable[[str, str], None]


@dataclass(frozen=True)
class Coupon:
    code: str
    promotion_id: int
    name: str
    redemption_id: str
    offline: bool


class TillPromotions:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.shelf = promotion_models.PromotionShelf(store.db)
        self.tier: str | None = None  # the attached customer's loyalty tier (member prices)
        self.coupons: list[Coupon] = []
        self.online_check: OnlineCheck | None = None  # set by the app when a center is configured
        self._last: tuple[Any, float, PricedCart] | None = None  # (inputs, when, answer): see price()

    @property
    def store_id(self) -> str:
        return str(self.store.catalog.store_id)

    def context(self, at: datetime) -> PricingContext:
        return PricingContext(at, store_id=self.store_id, channel="store", tier=self.tier,
                              coupons=tuple(c.code for c in self.coupons))

    def price(self, lines: list[PricingLine]) -> PricedCart:
        """The cart's pricer (pos_app.cart.Pricer). One scan asks for the totals several times
        (the till, the table, the customer display): the same cart with the same promotions,
        coupons and tier within REUSE_S gets the same answer without pricing it again."""
        book, now = self.shelf.look()
        key = (tuple(lines), tuple(c.code for c in self.coupons), self.tier, id(book))
        stamp = time.monotonic()
        if self._last is not None and self._last[0] == key and stamp - self._last[1] < REUSE_S:
            return self._last[2]
        priced = book.price(lines, self.context(now))
        self._last = (key, stamp, priced)
        return priced

    def add_coupon(self, raw: str) -> Coupon:
        code = normal_code(raw)
        if not code:
            raise CartError(t("Bitte einen Gutscheincode eingeben."))
        if any(c.code == code for c in self.coupons):
            raise CartError(t("Der Gutschein {code} ist schon auf dem Bon.", code=code))
        if len(self.coupons) >= MAX_COUPONS:
            raise CartError(t("Höchstens {n} Gutscheine je Bon.", n=MAX_COUPONS))
        book, now = self.shelf.look()
        promo = self._promotion_for(book, code, now)
        if promo is None:
            raise CartError(t("Der Gutschein {code} ist unbekannt oder gilt hier und heute nicht.", code=code))
        redemption_id, offline = str(uuid.uuid4()), True
        if self.online_check is not None:
            try:
                self.online_check(code, redemption_id)
                offline = False
            except CouponRefused as exc:
                raise CartError(t("Gutschein {code} abgelehnt: {reason}", code=code, reason=str(exc))) from None
            except CenterUnreachable:
                offline = True
        if offline and self._used_offline_here(code):
            raise CartError(t("Der Gutschein {code} wurde an dieser Kasse schon offline eingelöst.", code=code))
        coupon = Coupon(code, promo.id, promo.name, redemption_id, offline)
        self.coupons.append(coupon)
        return coupon

    def remove_coupon(self, code: str) -> None:
        """Take a coupon off the cart; a use taken online goes back to the center."""
        gone = [c for c in self.coupons if c.code == normal_code(code)]
        if not gone:
            raise CartError(t("Der Gutschein {code} ist nicht auf dem Bon.", code=normal_code(code)))
        self._release(gone)
        self.coupons = [c for c in self.coupons if c not in gone]
        self._last = None

    def clear(self) -> None:
        """The cart leaves without a sale (void, park): online uses go back to the center."""
        self._release(self.coupons)
        self.forget()

    def forget(self) -> None:
        """After a sale (book_coupons settled every coupon in the sale's transaction)."""
        self.coupons = []
        self.tier = None

    def _release(self, coupons: Sequence[Coupon]) -> None:
        if not coupons:
            return
        with self.store.db.writing() as s:
            self.append_releases(s, coupons, iso(utc_now()))

    def append_releases(self, s: Session, coupons: Sequence[Coupon], at: str) -> None:
        for coupon in coupons:
            append_event(s, self.store.device_id, COUPON_RELEASED, {
                "redemption_id": coupon.redemption_id, "code": coupon.code, "offline": coupon.offline,
                "released_at": at}, at)

    def pricing_for(self, lines: Sequence[PricedLine], applied: Sequence[AppliedPromotion],
                    customer_id: int | None = None) -> dict[str, Any] | None:
        """The sale's `pricing` block (None: no promotion applied), naming the sale's customer."""
        book, _ = self.shelf.look()
        return pricing_block([p.promotions for p in lines], applied, book.promotions, self.tier,
                             [c.code for c in self.coupons], customer_id)

    def book_coupons(self, s: Session, receipt_number: str, applied: Sequence[AppliedPromotion], at: str) -> None:
        """In the sale's transaction: one coupon.redeemed event per coupon whose promotion
        applied (offline ones also take this till's one offline use of the code); an online
        coupon whose promotion did not apply gives its use back (coupon.released)."""
        saved = {a.promotion_id: a.saving_cents for a in applied}
        self.append_releases(s, [c for c in self.coupons if c.promotion_id not in saved], at)
        for coupon in self.coupons:
            if coupon.promotion_id not in saved:
                continue
            if coupon.offline:
                promotion_models.claim_offline_coupon(s, coupon.code, coupon.redemption_id, receipt_number)
            append_event(s, self.store.device_id, COUPON_REDEEMED, {
                "redemption_id": coupon.redemption_id, "code": coupon.code, "promotion_id": coupon.promotion_id,
                "store_id": self.store_id, "reference": receipt_number, "saving_cents": saved[coupon.promotion_id],
                "offline": coupon.offline, "redeemed_at": at}, at)

    def _promotion_for(self, book: PromotionBook, code: str, now: datetime) -> Any:
        ctx = PricingContext(now, store_id=self.store_id, channel="store", tier=self.tier, coupons=(code,))
        for promo in sorted(book.promotions.values(), key=lambda p: p.id):
            if promo.coupon_code and normal_code(promo.coupon_code) == code and applies(promo, ctx, frozenset({code})):
                return promo
        return None

    def _used_offline_here(self, code: str) -> bool:
        from sqlalchemy import text

        with self.store.db.reading() as s:
            return s.execute(text("SELECT 1 FROM offline_coupons WHERE code = :c"), {"c": code}).first() is not None
