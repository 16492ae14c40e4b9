"""Product search as you type, on the 1,000,000-product store: every prefix (from 2 letters) of
words a cashier would type, timed through Catalog.search (the query the till runs). The query
mix is the same at every store size (POS_BENCH_PRODUCTS): fixed words plus names computed from
the demo generator (catalog_names), never drawn from the store itself."""
from __future__ import annotations

import random
import time

from common import bench_store, percentile, report

from pos_app.store.catalog import Catalog
from pos_app.store.db import open_database

QUERIES = ["samtsofa grün", "kuscheldecke", "kaffee", "leinen bettwäsche", "jeans slim", "vase glas",
           "teelicht", "sneaker weiß", "kissen samt", "schal wolle", "tisch eiche", "lampe messing",
           "becher", "müsli", "pullover", "teppich", "handtuch", "bluse", "gürtel leder", "kerze"]


MIX_FROM = 10_000  # the query names come from the first 10,000 products: in every store size


def catalog_names(count: int, seed: int = 1) -> list[str]:
    """`count` product names drawn from the demo generator's first MIX_FROM products (computed,
    not read from the store): the generator names product n the same at every catalog size, so
    every store size gets the same query mix and sizes compare like for like. (The old draw,
    `abs(random()) % 1000000` in SQL, gave smaller stores other names and fewer of them.)"""
    from itertools import islice

    from pos_app.demo.rows import DEFAULT_SEED, product_specs

    names = [spec[0] for spec in islice(product_specs(MIX_FROM, DEFAULT_SEED), MIX_FROM)]
    return random.Random(seed).sample(names, count)


def run() -> None:
    db = open_database(bench_store())
    catalog = Catalog(db, "BER")
    rng = random.Random(1)
    report("search as you type: query mix", f"{len(QUERIES)} fixed + 60 generated names (same at every size)")
    typed = QUERIES + [" ".join(n.lower().split()[:2]) for n in catalog_names(60)]
    timings, hits = [], []
    catalog.search("warm up", 30)
    for text in typed:
        for end in range(2, len(text) + 1):
            t0 = time.perf_counter()
            found = catalog.search(text[:end], 30)
            timings.append((time.perf_counter() - t0) * 1000)
            hits.append(len(found))
    rng.shuffle(timings)
    report("search as you type: keystrokes", f"{len(timings)}")
    report("search as you type: p50 / p95 / max (ms)",
           f"{percentile(timings, 50):.1f} / {percentile(timings, 95):.1f} / {max(timings):.1f}  (target p95 <= 30)")
    db.close()


if __name__ == "__main__":
    run()
