"""Random promotions for the promotion tests (engine, center endpoint, benchmark)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from pos_app.prices.promotions import Promotion, PromotionKind as K


def random_promotion(rnd: random.Random, pid: int, *, products: int, at: datetime,
                     categories: int = 3) -> Promotion:
    """One promotion of any kind, on a few of products 1..`products` or categories K1..Kn;
    some with a window around `at`, a tier, a coupon C1/C2."""
    kind = rnd.choice(list(K))
    targets = tuple(sorted(rnd.sample(range(1, products + 1), k=min(products, rnd.randint(1, 3)))))
    cats = (f"K{rnd.randint(1, categories)}",) if rnd.random() < 0.3 else ()
    extra: dict = {}
    if rnd.random() < 0.2:
        extra["starts_at"] = at - timedelta(days=rnd.randint(-2, 3))
        extra["ends_at"] = extra["starts_at"] + timedelta(days=rnd.randint(1, 5))
    if rnd.random() < 0.15:
        extra["coupon_code"] = rnd.choice(["C1", "C2"])
    if rnd.random() < 0.1:
        extra["tiers"] = ("Gold",)
    on_cart = rnd.random() < 0.25
    if kind is K.PERCENT_OFF:
        return Promotion(pid, f"P{pid}", kind, percent=Decimal(rnd.randint(1, 9000)) / 100,
                         product_ids=() if on_cart else targets, categories=() if on_cart else cats, **extra)
    if kind is K.AMOUNT_OFF:
        return Promotion(pid, f"P{pid}", kind, amount_cents=rnd.randint(1, 3000),
                         product_ids=() if on_cart else targets, categories=() if on_cart else cats, **extra)
    if kind is K.MEMBER_PRICE:
        extra["tiers"] = ("Gold",)
        return Promotion(pid, f"P{pid}", kind, price_cents=rnd.randint(0, 3000), product_ids=targets, **extra)
    if kind is K.BUY_X_PAY_Y:
        buy = rnd.randint(2, 4)
        return Promotion(pid, f"P{pid}", kind, buy=buy, pay=rnd.randint(0, buy - 1), product_ids=targets,
                         categories=cats, **extra)
    if kind is K.MIX_MATCH:
        return Promotion(pid, f"P{pid}", kind, buy=rnd.randint(2, 4), price_cents=rnd.randint(0, 6000),
                         product_ids=targets, categories=cats, **extra)
    if kind is K.BUNDLE:
        parts = tuple(sorted(rnd.sample(range(1, products + 1), k=min(products, rnd.randint(2, 3)))))
        if len(parts) < 2:
            parts = (1, 2)
        return Promotion(pid, f"P{pid}", kind, price_cents=rnd.randint(0, 6000), product_ids=parts, **extra)
    if rnd.random() < 0.5:
        return Promotion(pid, f"P{pid}", kind, threshold_cents=rnd.randint(1, 20000),
                         percent=Decimal(rnd.randint(1, 5000)) / 100, **extra)
    return Promotion(pid, f"P{pid}", kind, threshold_cents=rnd.randint(1, 20000), amount_cents=rnd.randint(1, 3000),
                     **extra)


def random_promotions(rnd: random.Random, count: int, *, products: int, at: datetime) -> list[Promotion]:
    return [random_promotion(rnd, pid, products=products, at=at) for pid in range(1, count + 1)]
