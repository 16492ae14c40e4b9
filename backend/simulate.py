"""Business at the center that stores should hear about: price changes and stock movements
(goods received, stock counts), so the change feed has news for the tills in a demo or a test.

Web orders come from backend.orders, web carts and service cases from
backend.simulate_clienteling (`--orders`, `--carts`, `--cases`).

Each batch is one transaction that follows the commit-order rule (backend.changelog): the price
and stock rows are updated first, in key order, then the sequence numbers are taken, then the
change rows written, then COMMIT.

Every price changed here is recorded in the price history with the center's time, as a price set
through the admin API is (backend.price_history: a price without history counts as in force
since 30 days before), and a reduction goes to the stores with its lowest 30-day price, so a demo
shows § 11 PAngV on the till's screen, receipt and labels.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, bindparam, func, insert, select, tuple_, update

from backend import changelog
from backend.changelog import PendingChange
from backend.db import BackendDatabase
from backend.gift_cards_models import PriceHistory
from backend.models import Price, Product, Stock
from backend.price_history import feed_data
from pos_app.prices.lowest_price import WINDOW
from pos_app.demo.rows import STORE_IDS
from pos_app.demo.synthetic import price_point
from sync.protocol import ChangeKind

BATCH = 5_000


@dataclass(frozen=True)
class SimulateResult:
    prices: int
    stock: int
    high_water: int


def _pick(rng: random.Random, max_product: int, count: int) -> list[tuple[int, str]]:
    """`count` distinct (product, store) keys, sorted (a fixed lock order)."""
    count = min(count, max_product * len(STORE_IDS))
    keys: set[tuple[int, str]] = set()
    while len(keys) < count:
        keys.add((rng.randint(1, max_product), rng.choice(STORE_IDS)))
    return sorted(keys)


def _change_prices(conn: Connection, rng: random.Random, keys: list[tuple[int, str]]) -> list[PendingChange]:
    rows = conn.execute(select(Price.product_id, Price.store_id, Price.gross_cents)
                        .where(tuple_(Price.product_id, Price.store_id).in_(keys))
                        .order_by(Price.product_id, Price.store_id)).all()
    updates = []
    for pid, store, cents in rows:  # -15 % .. +15 %, keeping the price's ending (,99 stays ,99)
        new = price_point(cents * rng.randint(85, 115) // 100, cents)
        updates.append({"p": pid, "s": store, "v": new if new != cents else cents + 100, "old": cents})
    if not updates:
        return []
    conn.execute(update(Price).where(Price.product_id == bindparam("p"), Price.store_id == bindparam("s"))
                 .values(gross_cents=bindparam("v")).execution_options(synchronize_session=False), updates)
    now = datetime.now(timezone.utc)  # the center's clock, as backend.price_history.put_price
    _record_history(conn, updates, now)
    return [PendingChange(ChangeKind.PRICE, f"{u['p']}@{u['s']}", u["s"], feed_data(conn, u["p"], u["s"], u["v"], now))
            for u in updates]


def _record_history(conn: Connection, updates: list[dict[str, int | str]], now: datetime) -> None:
    """The new prices into the price history; a key without history first gets its old price as
    in force since 30 days before (the rule of backend.price_history.set_price)."""
    keys = [(u["p"], u["s"]) for u in updates]
    known = set(conn.execute(select(PriceHistory.product_id, PriceHistory.channel).distinct()
                             .where(tuple_(PriceHistory.product_id, PriceHistory.channel).in_(keys))).all())
    rows = [{"product_id": u["p"], "channel": u["s"], "price_cents": u["old"], "valid_from": now - WINDOW}
            for u in updates if (u["p"], u["s"]) not in known]
    rows += [{"product_id": u["p"], "channel": u["s"], "price_cents": u["v"], "valid_from": now} for u in updates]
    conn.execute(insert(PriceHistory), rows)


def _move_stock(conn: Connection, rng: random.Random, keys: list[tuple[int, str]]) -> list[PendingChange]:
    rows = conn.execute(select(Stock.product_id, Stock.store_id, Stock.quantity)
                        .where(tuple_(Stock.product_id, Stock.store_id).in_(keys))
                        .order_by(Stock.product_id, Stock.store_id)).all()
    updates = []
    for pid, store, quantity in rows:  # a delivery (+1..+12) or a count that found fewer (-1..-3)
        delta = rng.choice((-3, -2, -1, 1, 2, 3, 4, 6, 8, 12))
        updates.append({"p": pid, "s": store, "v": max(0, quantity + delta)})
    if updates:
        conn.execute(update(Stock).where(Stock.product_id == bindparam("p"), Stock.store_id == bindparam("s"))
                     .values(quantity=bindparam("v")).execution_options(synchronize_session=False), updates)
    return [PendingChange(ChangeKind.STOCK, f"{u['p']}@{u['s']}", u["s"],
                          {"product_id": u["p"], "store_id": u["s"], "quantity": u["v"]}) for u in updates]


def simulate(db: BackendDatabase, prices: int = 0, stock: int = 0, rng: random.Random | None = None) -> SimulateResult:
    """Change `prices` random price rows and `stock` random stock rows (all stores)."""
    rng = rng or random.Random()
    with db.reading() as conn:
        max_product = conn.execute(select(func.max(Product.id))).scalar()
        newest = changelog.high_water(conn)
    if not max_product:
        raise LookupError("the center has no products yet: run `pos-backend seed` first")
    done = {"prices": 0, "stock": 0}
    for kind, count, change in (("prices", prices, _change_prices), ("stock", stock, _move_stock)):
        keys = _pick(rng, max_product, count)
        for start in range(0, len(keys), BATCH):
            with db.writing() as conn:
                changes = change(conn, rng, keys[start:start + BATCH])
                if changes:  # the commit-order rule: last contending statement before COMMIT
                    newest = changelog.append(conn, changes)
            done[kind] += len(changes)
    return SimulateResult(done["prices"], done["stock"], newest)
