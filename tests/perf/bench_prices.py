"""Promotions: pricing a 200-line cart with 1,000 active promotions (the engine alone, as the
till and the center both run it), and scan to line visible with 1,000 promotions in the
store (the scan benchmark's rig and measurement, tests/perf/bench_scan.py, unchanged).

    .venv/bin/python tests/perf/bench_prices.py          # targets: p95 <= 5 ms; p99 <= 16 ms

The 1,000 promotions are of every kind, each on 1-3 products of the cart (or of the scanned
articles) or on one of their categories, a quarter of them on the cart as a whole: every
promotion is a candidate for the carts priced, the engine's worst case. Prints figures,
asserts nothing about time. "A new cart" drops the judgements the book remembers before
each pricing (the center's next cart); "the same cart again" keeps them (a re-check, the
customer display); "scan by scan" prices a cart growing by one line as the till does.
"""
from __future__ import annotations

import json
import os
import random
import time
from datetime import datetime, timezone

from common import bench_store, percentile, report

from pos_app.prices.engine import PricingContext, PricingLine, PromotionBook
from tests.prices_helpers import random_promotion

PROMOTIONS = int(os.environ.get("POS_BENCH_PROMOTIONS", "1000"))
CART_LINES = 200
PRICINGS = int(os.environ.get("POS_BENCH_PRICINGS", "500"))
NOW = datetime.now(timezone.utc)


def engine_figures(assortment: int = CART_LINES) -> None:
    """`assortment`: the promotions are on products 1..assortment (the cart holds 1..200):
    200 is the worst case (every promotion is on the cart's products), 2,000 a shop where the
    1,000 promotions cover a wider range than one cart."""
    rnd = random.Random(15)
    promos = [random_promotion(rnd, pid, products=assortment, at=NOW, categories=20)
              for pid in range(1, PROMOTIONS + 1)]
    t0 = time.perf_counter()
    book = PromotionBook(promos)
    built_ms = (time.perf_counter() - t0) * 1000
    lines = [PricingLine(i, i, f"K{rnd.randint(1, 20)}", rnd.randint(1, 4), rnd.randint(50, 20000))
             for i in range(1, CART_LINES + 1)]
    ctx = PricingContext(NOW, "BER", "store", tier="Gold", coupons=("C1", "C2"))
    book.price(lines, ctx)  # the context's eligibility and the products' covering promotions, once
    new: tuple[list[float], list[float]] = ([], [])
    again: tuple[list[float], list[float]] = ([], [])
    applied = 0
    for _ in range(PRICINGS):
        for timings, cpu, fresh in (new + (True,), again + (False,)):
            if fresh:
                book.forget()  # a cart the book has not judged yet (the center's next cart)
            c0, t0 = time.thread_time(), time.perf_counter()
            cart = book.price(lines, ctx)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            applied = len(cart.applied)
    candidates = len(book._line_candidates(lines)) + len(book._on_cart)
    report("prices: engine", f"{CART_LINES}-line cart, {PROMOTIONS:,} active promotions on {assortment:,} products "
                             f"({candidates} touch the cart, {applied} applied), book built in {built_ms:.1f} ms")
    for label, (timings, cpu) in (("a new cart", new), ("the same cart again", again)):
        report(f"prices: {label} priced p50 / p95 / max (ms)",
               f"{percentile(timings, 50):.2f} / {percentile(timings, 95):.2f} / {max(timings):.2f}  (target p95 <= 5)")
        report("  CPU time per pricing p50 / p95 (ms)", f"{percentile(cpu, 50):.2f} / {percentile(cpu, 95):.2f}")
    # the till: the cart priced again after every scan, one line more each time
    book.forget()
    timings, cpu = [], []
    for n in range(1, CART_LINES + 1):
        c0, t0 = time.thread_time(), time.perf_counter()
        book.price(lines[:n], ctx)
        if n > CART_LINES - 50:
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    report(f"prices: scan by scan, carts of {CART_LINES - 49}-{CART_LINES} lines p50 / p95 (ms)",
           f"{percentile(timings, 50):.2f} / {percentile(timings, 95):.2f}  CPU {percentile(cpu, 50):.2f} / "
           f"{percentile(cpu, 95):.2f}")
    report("  load average while measuring", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def scan_figures() -> None:
    import bench_scan
    from till_rig import AppTill

    rig = AppTill(bench_store())
    store = rig.store
    try:
        codes = rig.codes(int(os.environ.get("POS_BENCH_SCANS", "2000")))
        with store.db.reading() as s:
            from sqlalchemy import text

            scanned = sorted({r[0] for r in s.execute(text(
                "SELECT product_id FROM barcodes WHERE code IN (SELECT value FROM json_each(:c))"),
                {"c": json.dumps(codes)})})
            categories = sorted({r[0] for r in s.execute(text(
                "SELECT DISTINCT category FROM products WHERE id IN (SELECT value FROM json_each(:p))"),
                {"p": json.dumps(scanned)}) if r[0]})
        rnd = random.Random(16)
        rows = []
        for pid in range(1, PROMOTIONS + 1):
            promo = random_promotion(rnd, 900_000 + pid, products=len(scanned), at=NOW, categories=1)
            data = promo.to_dict()  # products and categories of the scanned articles
            data["product_ids"] = sorted({scanned[i - 1] for i in data["product_ids"]})
            if len(data["product_ids"]) < 2 and data["kind"] == "bundle":
                data["product_ids"] = scanned[:2]
            data["categories"] = [rnd.choice(categories)] if data["categories"] and categories else []
            rows.append((data["id"], json.dumps(data), datetime.now(timezone.utc).isoformat()))
        with store.db.writing() as s:
            s.connection().exec_driver_sql("INSERT INTO promotions (id, data, received_at) VALUES (?, ?, ?)", rows)
        report("scan with promotions", f"{PROMOTIONS:,} promotions on the scanned articles in the store")
        bench_scan.measure(rig)
    finally:
        with store.db.writing() as s:  # the shared benchmark store stays as it was
            s.connection().exec_driver_sql("DELETE FROM promotions WHERE id > 900000")
        rig.close()


def run() -> None:
    engine_figures(CART_LINES)
    engine_figures(2000)
    scan_figures()


if __name__ == "__main__":
    run()
