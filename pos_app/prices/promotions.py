"""The promotion model: what a promotion is, where and when it applies, and its checks.

A promotion is defined once at the center (backend.promotions) and reaches every till through
the change feed as the same plain dict (`to_dict` / `from_dict`); both price carts with
pos_app.prices.engine. `check` refuses what can never price sensibly (a percentage over 100,
a negative price, a buy-3-pay-5, an empty window) with a message for the person who typed it;
the center answers it as a 422 naming the field.

Kinds (docs/prices.md):
- percent_off / amount_off: on the listed products or categories (per unit), or, with no
  products and no categories, on the cart;
- member_price: a unit price for customers of the listed loyalty tiers;
- buy_x_pay_y: of every `buy` units of the group (products and categories, so a mix-and-match
  group too), `buy - pay` are free, the cheapest of each group;
- mix_match: any `buy` units of the group for `price_cents` together;
- bundle: one of each listed product for `price_cents` together;
- threshold: from `threshold_cents` of the (already discounted) cart, percent or amount off.

Scope: stores, channels ("store", "web", "phone"), customer tiers; empty means all. Window:
[starts_at, ends_at) on the center's clock (trusted time at the till), never the raw device
clock. Pure; any thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from pos_app import limits
from pos_app.i18n import t

CHANNELS = ("store", "web", "phone")
MAX_TARGETS = 1000  # products or categories named by one promotion
MAX_SCOPE = 100  # stores, channels or tiers named by one promotion
NAME_LENGTH = 80
CODE_LENGTH = 40
TIER_LENGTH = 20


class PromotionError(ValueError):
    """A promotion that cannot be taken as typed; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PromotionKind(str, Enum):
    PERCENT_OFF = "percent_off"
    AMOUNT_OFF = "amount_off"
    MEMBER_PRICE = "member_price"
    BUY_X_PAY_Y = "buy_x_pay_y"
    MIX_MATCH = "mix_match"
    BUNDLE = "bundle"
    THRESHOLD = "threshold"


@dataclass(frozen=True)
class Promotion:
    id: int
    name: str
    kind: PromotionKind
    percent: Decimal | None = None
    amount_cents: int | None = None
    price_cents: int | None = None
    buy: int | None = None
    pay: int | None = None
    threshold_cents: int | None = None
    product_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    coupon_code: str | None = None
    coupon_limit: int | None = None  # redemptions in all (1: single use); the center counts

    @property
    def on_cart(self) -> bool:
        """A cart-level promotion (stage 2 of the resolution): thresholds, and percent or amount
        off with no products and no categories."""
        return self.kind is PromotionKind.THRESHOLD or (
            self.kind in (PromotionKind.PERCENT_OFF, PromotionKind.AMOUNT_OFF)
            and not self.product_ids and not self.categories)

    def covers(self, product_id: int, category: str) -> bool:
        return product_id in self.product_ids or (bool(category) and category in self.categories)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "kind": self.kind.value,
            "percent": None if self.percent is None else str(self.percent),
            "amount_cents": self.amount_cents, "price_cents": self.price_cents,
            "buy": self.buy, "pay": self.pay, "threshold_cents": self.threshold_cents,
            "product_ids": list(self.product_ids), "categories": list(self.categories),
            "stores": list(self.stores), "channels": list(self.channels), "tiers": list(self.tiers),
            "starts_at": _iso(self.starts_at), "ends_at": _iso(self.ends_at),
            "coupon_code": self.coupon_code, "coupon_limit": self.coupon_limit,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Promotion":
        """A promotion from its dict (the feed, the center's rows, an admin's request), checked."""
        try:
            kind = PromotionKind(d["kind"])
        except (KeyError, ValueError):
            raise PromotionError("kind", t("Unbekannte Art der Aktion: {kind}", kind=str(d.get("kind"))[:40])) from None
        percent = d.get("percent")
        if percent is not None:
            try:
                percent = Decimal(str(percent).replace(",", "."))
            except InvalidOperation:
                raise PromotionError("percent", t("„{value}“ ist kein gültiger Prozentsatz.",
                                                  value=str(percent)[:40])) from None
        promo = cls(
            id=d.get("id") or 0, name=str(d.get("name") or ""), kind=kind, percent=percent,
            amount_cents=d.get("amount_cents"), price_cents=d.get("price_cents"), buy=d.get("buy"),
            pay=d.get("pay"), threshold_cents=d.get("threshold_cents"),
            product_ids=tuple(d.get("product_ids") or ()), categories=tuple(d.get("categories") or ()),
            stores=tuple(d.get("stores") or ()), channels=tuple(d.get("channels") or ()),
            tiers=tuple(d.get("tiers") or ()), starts_at=_moment(d.get("starts_at"), "starts_at"),
            ends_at=_moment(d.get("ends_at"), "ends_at"), coupon_code=d.get("coupon_code") or None,
            coupon_limit=d.get("coupon_limit"))
        check(promo)
        return promo


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()


def _moment(value: Any, field: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise PromotionError(field, t("„{value}“ ist kein gültiger Zeitpunkt.", value=str(value)[:40])) from None
    if moment is not None and moment.tzinfo is None:
        raise PromotionError(field, t("Der Zeitpunkt braucht eine Zeitzone (UTC)."))
    return moment


def _whole(value: Any, field: str, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise PromotionError(field, t("{field} muss eine ganze Zahl von {low} bis {high} sein.",
                                      field=field, low=low, high=high))


def _texts(values: tuple[Any, ...], field: str, length: int) -> None:
    if len(values) > MAX_SCOPE:
        raise PromotionError(field, t("{field}: höchstens {count} Einträge.", field=field, count=MAX_SCOPE))
    for value in values:
        if type(value) is not str or not value.strip() or len(value) > length or limits.text_fault(value):
            raise PromotionError(field, t("{field}: „{value}“ ist kein gültiger Eintrag.",
                                          field=field, value=str(value)[:40]))


_NEEDS: dict[PromotionKind, tuple[str, ...]] = {
    PromotionKind.PERCENT_OFF: ("percent",),
    PromotionKind.AMOUNT_OFF: ("amount_cents",),
    PromotionKind.MEMBER_PRICE: ("price_cents",),
    PromotionKind.BUY_X_PAY_Y: ("buy", "pay"),
    PromotionKind.MIX_MATCH: ("buy", "price_cents"),
    PromotionKind.BUNDLE: ("price_cents",),
    PromotionKind.THRESHOLD: ("threshold_cents",),
}
_VALUES = ("percent", "amount_cents", "price_cents", "buy", "pay", "threshold_cents")


def check(p: Promotion) -> None:
    """Refuse a promotion that can never price sensibly (PromotionError naming the field)."""
    _whole(p.id, "id", 1, limits.MAX_ID)
    if not p.name.strip() or len(p.name) > NAME_LENGTH or limits.text_fault(p.name):
        raise PromotionError("name", t("Die Aktion braucht einen Namen (höchstens {n} Zeichen).", n=NAME_LENGTH))
    needed = _NEEDS[p.kind] + (("percent", "amount_cents") if p.kind is PromotionKind.THRESHOLD else ())
    for name in _VALUES:
        if getattr(p, name) is not None and name not in needed:
            raise PromotionError(name, t("{field} gehört nicht zu einer Aktion der Art {kind}.",
                                         field=name, kind=p.kind.value))
    for name in _NEEDS[p.kind]:
        if getattr(p, name) is None:
            raise PromotionError(name, t("Eine Aktion der Art {kind} braucht {field}.", kind=p.kind.value, field=name))
    if p.kind is PromotionKind.THRESHOLD and (p.percent is None) == (p.amount_cents is None):
        raise PromotionError("percent", t("Eine Schwellen-Aktion braucht entweder percent oder amount_cents."))
    if p.percent is not None:
        if not p.percent.is_finite() or not Decimal(0) < p.percent <= Decimal(100):
            raise PromotionError("percent", t("Der Prozentsatz muss größer als 0 und höchstens 100 sein."))
        if p.percent != p.percent.quantize(Decimal("0.01")):
            raise PromotionError("percent", t("Prozentsätze haben höchstens zwei Nachkommastellen."))
    for name in ("amount_cents", "threshold_cents"):
        if getattr(p, name) is not None:
            _whole(getattr(p, name), name, 1, limits.MAX_CENTS)
    if p.price_cents is not None:
        _whole(p.price_cents, "price_cents", 0, limits.MAX_CENTS)
    if p.buy is not None:
        _whole(p.buy, "buy", 2, 100)
    if p.pay is not None:
        _whole(p.pay, "pay", 0, (p.buy or 2) - 1)
    if len(p.product_ids) > MAX_TARGETS or len(p.categories) > MAX_TARGETS:
        raise PromotionError("product_ids", t("Höchstens {n} Artikel oder Warengruppen je Aktion.", n=MAX_TARGETS))
    for pid in p.product_ids:
        _whole(pid, "product_ids", 1, limits.MAX_ID)
    if len(set(p.product_ids)) != len(p.product_ids):
        raise PromotionError("product_ids", t("Ein Artikel steht doppelt in der Aktion."))
    _texts(p.categories, "categories", limits.CATEGORY)
    grouped = p.kind in (PromotionKind.BUY_X_PAY_Y, PromotionKind.MIX_MATCH, PromotionKind.MEMBER_PRICE)
    if grouped and not (p.product_ids or p.categories):
        raise PromotionError("product_ids", t("Die Aktion braucht Artikel oder Warengruppen."))
    if p.kind is PromotionKind.BUNDLE and (len(p.product_ids) < 2 or p.categories):
        raise PromotionError("product_ids", t("Ein Bundle besteht aus mindestens zwei Artikeln (keine Warengruppen)."))
    if p.kind is PromotionKind.THRESHOLD and (p.product_ids or p.categories):
        raise PromotionError("product_ids", t("Eine Schwellen-Aktion gilt für den ganzen Bon."))
    if p.kind is PromotionKind.MEMBER_PRICE and not p.tiers:
        raise PromotionError("tiers", t("Ein Mitgliederpreis braucht mindestens eine Kundenstufe."))
    _texts(p.stores, "stores", 16)
    _texts(p.tiers, "tiers", TIER_LENGTH)
    for channel in p.channels:
        if channel not in CHANNELS:
            raise PromotionError("channels", t("Unbekannter Kanal: {channel}", channel=str(channel)[:20]))
    if p.starts_at and p.ends_at and p.ends_at <= p.starts_at:
        raise PromotionError("ends_at", t("Das Ende der Aktion muss nach ihrem Beginn liegen."))
    for name in ("starts_at", "ends_at"):
        moment = getattr(p, name)
        if moment is not None and limits.moment_fault(moment):
            raise PromotionError(name, limits.moment_fault(moment) or "")
    if p.coupon_code is not None:
        code = p.coupon_code
        if (type(code) is not str or not code.strip() or len(code) > CODE_LENGTH or code != code.strip()
                or limits.text_fault(code)):
            raise PromotionError("coupon_code", t("Der Gutscheincode ist ungültig (1 bis {n} Zeichen).", n=CODE_LENGTH))
    if p.coupon_limit is not None:
        if p.coupon_code is None:
            raise PromotionError("coupon_limit", t("Ein Einlöse-Limit gibt es nur für Aktionen mit Gutscheincode."))
        _whole(p.coupon_limit, "coupon_limit", 1, limits.MAX_COUNT)


def normal_code(code: str) -> str:
    """Coupon codes compare without case and surrounding blanks (as a person types them)."""
    return code.strip().upper()
