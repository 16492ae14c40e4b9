"""`pos-backend seed --demo`: after the demo retailer, what makes every screen of a till show
something on the first start (`make run`): the quick keys of each store
(pos_app.quick_keys.demo), a few pickup orders for Berlin's queue, web carts and service cases,
and a few reduced prices per store, recorded in the price history with the center's time
(backend.price_history.set_price), so the till states their lowest 30-day price (§ 11 PAngV)
on its screen, receipt and labels. Only on a fresh seed, so starting the demo again does not pile up orders.

Thread: the CLI's.
"""
from __future__ import annotations

import random
from datetime import datetime, timezone

from sqlalchemy import select

from backend import changelog, quick_keys
from backend.db import BackendDatabase
from backend.models import Price, Product, Store
from backend.price_history import set_price
from pos_app.demo.synthetic import price_point
from pos_app.quick_keys.demo import demo_keys

DEMO_PICKUPS = 4
DEMO_CARTS = 3
DEMO_CASES = 3
DEMO_REDUCTIONS = 5  # per store: 20 % off a few of its quick-key products (or its first products)


def seed_demo(db: BackendDatabase, rng: random.Random, pickup_store: str = "BER") -> list[str]:
    """Quick keys, pickup orders, web carts and service cases; one line per thing made."""
    from backend.pickups_api import simulate_pickups
    from backend.simulate_clienteling import simulate_clienteling

    made: list[str] = []
    on_keys: dict[str, list[int]] = {}
    with db.writing() as conn:
        ids = dict(conn.execute(select(Product.name, Product.id).where(Product.active)).all())
        keys = demo_keys(ids.get)
        for store_id in conn.execute(select(Store.id).where(Store.kind == "store").order_by(Store.id)).scalars():
            doc = quick_keys.set_layout(conn, store_id, keys)
            made.append(f"quick keys\t{store_id}\t{len(doc['keys'])}")
            on_keys[store_id] = [k["product_id"] for k in doc["keys"] if k.get("product_id")]
    for store_id, preferred in on_keys.items():  # one transaction each: the feed's append comes last
        with db.writing() as conn:
            made.extend(_reduce(conn, store_id, preferred))
    for pickup in simulate_pickups(db, DEMO_PICKUPS, pickup_store, rng):
        made.append(f"pickup\t{pickup.order_number}\t{pickup.store_id}\t{pickup.total_cents}")
    made.extend(simulate_clienteling(db, DEMO_CARTS, DEMO_CASES, rng))
    return made


def _reduce(conn, store_id: str, preferred: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    """20 % off DEMO_REDUCTIONS products of the store (its quick keys first): price changes
    recorded in the history and fed with their lowest 30-day price, one line per reduction."""
    now = datetime.now(timezone.utc)
    prices = dict(conn.execute(select(Price.product_id, Price.gross_cents).where(Price.store_id == store_id)
                               .order_by(Price.product_id).limit(200)).all())
    chosen = [pid for pid in dict.fromkeys(preferred) if pid in prices]
    chosen += [pid for pid in prices if pid not in chosen]
    made, changes = [], []
    for pid in chosen[:DEMO_REDUCTIONS]:
        old = prices[pid]
        new = price_point(old * 80 // 100, old)
        if not 0 < new < old:
            continue
        changes += set_price(conn, pid, store_id, new, now)
        made.append(f"reduced\t{store_id}\t{pid}\t{old}\t{new}")
    if changes:
        changelog.append(conn, changes, now)
    return made
