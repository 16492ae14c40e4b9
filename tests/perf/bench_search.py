"""Product search as you type, on the 1,000,000-product store: every prefix (from 2 letters) of
words a cashier would type, timed through Catalog.search (the query the till runs)."""
from __future__ import annotations

import random
import time

from common import bench_store, percentile, report

from pos_app.store.catalog import Catalog
from pos_app.store.db import open_database

QUERIES = ["samtsofa grün", "kuscheldecke", "kaffee", "leinen bettwäsche", "jeans slim", "vase glas",
           "teelicht", "sneaker weiß", "kissen samt", "schal wolle", "tisch eiche", "lampe messing",
           "becher", "müsli", "pullover", "teppich", "handtuch", "bluse", "gürtel leder", "kerze"]


def run() -> None:
    db = open_database(bench_store())
    catalog = Catalog(db, "BER")
    rng = random.Random(1)
    with db.reading() as s:
        names = [r[0] for r in s.execute(__import__("sqlalchemy").text(
            "SELECT name FROM products WHERE id IN (SELECT abs(random()) % 1000000 FROM products LIMIT 60)"))]
    typed = QUERIES + [" ".join(n.lower().split()[:2]) for n in names]
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
