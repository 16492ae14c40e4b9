"""`pos-backend seed --demo`: after the demo retailer, what makes every screen of a till show
something on the first start (`make run`): the quick keys of each store
(pos_app.quick_keys.demo), a few pickup orders for Berlin's queue, web carts and service cases.
Only on a fresh seed, so starting the demo again does not pile up orders.

Thread: the CLI's.
"""
from __future__ import annotations

import random

from sqlalchemy import select

from backend import quick_keys
from backend.db import BackendDatabase
from backend.models import Product, Store
from pos_app.quick_keys.demo import demo_keys

DEMO_PICKUPS = 4
DEMO_CARTS = 3
DEMO_CASES = 3


def seed_demo(db: BackendDatabase, rng: random.Random, pickup_store: str = "BER") -> list[str]:
    """Quick keys, pickup orders, web carts and service cases; one line per thing made."""
    from backend.pickups_api import simulate_pickups
    from backend.simulate_clienteling import simulate_clienteling

    made: list[str] = []
    with db.writing() as conn:
        ids = dict(conn.execute(select(Product.name, Product.id).where(Product.active)).all())
        keys = demo_keys(ids.get)
        for store_id in conn.execute(select(Store.id).where(Store.kind == "store").order_by(Store.id)).scalars():
            doc = quick_keys.set_layout(conn, store_id, keys)
            made.append(f"quick keys\t{store_id}\t{len(doc['keys'])}")
    for pickup in simulate_pickups(db, DEMO_PICKUPS, pickup_store, rng):
        made.append(f"pickup\t{pickup.order_number}\t{pickup.store_id}\t{pickup.total_cents}")
    made.extend(simulate_clienteling(db, DEMO_CARTS, DEMO_CASES, rng))
    return made
