"""A full day of a busy store, minute by minute: does the till stay as fast and as small from the
first scan at 08:00 to the last at 20:00? (issue 18)

    .venv/bin/python tests/perf/bench_day.py      # POS_DAY_CSV=day.csv writes every minute

The till as the app builds it (tests/perf/till_rig.py: ui.app.open_window, all glue, a cashier
logged in by PIN) on a copy of the 1,000,000-product benchmark store with its pickup history
(10,000 closed, 200 open orders), inside the app's own event loop. The day is simulated, not
waited for: 720 minutes with a busy store's traffic (quiet mornings, a lunch peak, a late
afternoon peak; up to 30 scans a minute, about 9,000 in all), customers with 1-15 items who pay
cash through the payment dialog, and the center's feed bringing new pickup orders and closing
old ones every 10 minutes (the walk-in guard's index moves under the till). Printed per hour:
scans, sales, scan to line p50/p99, the UI thread's CPU per scan, resident memory and None's
reference count; then the first hour against the last. Prints figures, asserts nothing.
"""
from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from common import bench_store, percentile, report
from pickup_history import apply_pages, order_doc, seed_history
from till_rig import AppTill, barcodes_of, none_refcount, pickup_products, rss_mb

OPENS, CLOSES = 8, 20  # 08:00 to 20:00
# scans a minute by hour of the day: a busy store's curve
TRAFFIC = {8: 6, 9: 10, 10: 14, 11: 18, 12: 28, 13: 24, 14: 14, 15: 14, 16: 20, 17: 30, 18: 26, 19: 12}


def run() -> None:
    source = bench_store()
    with tempfile.TemporaryDirectory(prefix="omnipos-day-") as tmp:
        db = Path(tmp) / "store.db"
        shutil.copy(source, db)  # the day's sales stay out of the shared benchmark store
        rig = AppTill(db)
        try:
            day(rig)
        finally:
            rig.close()


def day(rig: AppTill) -> None:
    store = rig.store
    held_products = pickup_products(store, 300)
    seed_history(store, 10_000, 200, held_products)
    codes = rig.codes(12_000, seed=3)
    held = barcodes_of(store, held_products[:60])
    rng = random.Random(18)
    minutes: list[dict[str, float]] = []
    hours: list[dict[str, float]] = []

    def shop() -> Iterator[None]:
        scans = sales = orders = 0
        basket = rng.randint(1, 15)
        in_basket = 0
        hour_times: list[float] = []
        hour_cpu: list[float] = []
        hour_sales = 0
        for minute in range(OPENS * 60, CLOSES * 60):
            hour = minute // 60
            times: list[float] = []
            for _ in range(max(1, int(rng.gauss(TRAFFIC[hour], TRAFFIC[hour] / 5)))):
                code = rng.choice(held) if rng.random() < 0.04 else codes[scans % len(codes)]
                times.append(rig.scan(code))
                hour_cpu.append(rig.last_cpu_ms)
                scans += 1
                in_basket += 1
                yield
                if in_basket >= basket:
                    if not rig.till.session.cart.is_empty():
                        message = rig.pay_cash()
                        if not message.startswith("Bon "):
                            raise RuntimeError(f"a sale did not complete at {minute // 60}:{minute % 60:02d}: {message}")
                        sales += 1
                        hour_sales += 1
                        yield
                    basket, in_basket = rng.randint(1, 15), 0
            if minute % 10 == 0:  # the feed: new orders for pickup today, earlier ones collected
                orders += 1
                docs = [order_doc(f"D{orders:04d}", "new", [(rng.choice(held_products), 1)])]
                if orders > 3:
                    docs.append(order_doc(f"D{orders - 3:04d}", "collected", [(held_products[0], 1)]))
                apply_pages(store, docs)
            hour_times.extend(times)
            minutes.append({"minute": minute, "scans": len(times), "p50_ms": percentile(times, 50),
                            "max_ms": max(times), "rss_mb": rss_mb()})
            if minute % 60 == 59:
                hours.append({"hour": hour, "scans": len(hour_times), "sales": hour_sales,
                              "p50": percentile(hour_times, 50), "p99": percentile(hour_times, 99),
                              "cpu50": percentile(hour_cpu, 50), "cpu99": percentile(hour_cpu, 99),
                              "rss": rss_mb(), "none": none_refcount()})
                h = hours[-1]
                print(f"  {hour:02d}:00-{hour + 1:02d}:00  {h['scans']:>5} scans {h['sales']:>4} sales  "
                      f"scan p50/p99 {h['p50']:6.2f}/{h['p99']:6.2f} ms  CPU p50/p99 {h['cpu50']:5.2f}/"
                      f"{h['cpu99']:5.2f} ms  RSS {h['rss']:6.1f} MB  None {h['none']:,}", flush=True)
                hour_times, hour_cpu, hour_sales = [], [], 0

    print(f"A day of a busy store ({OPENS:02d}:00-{CLOSES:02d}:00), 1,000,000 products, "
          "10,000 closed + 200 open pickup orders:", flush=True)
    rig.drive(shop())
    first, last = hours[0], hours[-1]
    busiest = max(hours, key=lambda h: h["scans"])
    report("day: scans / sales", f"{sum(h['scans'] for h in hours):,} / {sum(h['sales'] for h in hours):,}")
    report("day: scan p50/p99 first hour, last hour (ms)",
           f"{first['p50']:.2f}/{first['p99']:.2f}, {last['p50']:.2f}/{last['p99']:.2f}  "
           f"(busiest {busiest['hour']:02d}:00 {busiest['p50']:.2f}/{busiest['p99']:.2f})")
    report("day: UI CPU per scan p50/p99 first, last (ms)",
           f"{first['cpu50']:.2f}/{first['cpu99']:.2f}, {last['cpu50']:.2f}/{last['cpu99']:.2f}")
    report("day: resident memory first hour, last hour (MB)", f"{first['rss']:.0f}, {last['rss']:.0f}")
    report("day: load average at the end", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if os.environ.get("POS_DAY_CSV"):
        import csv

        with open(os.environ["POS_DAY_CSV"], "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(minutes[0]))
            writer.writeheader()
            writer.writerows(minutes)
        print(f"every minute: {os.environ['POS_DAY_CSV']}", file=sys.stderr)


if __name__ == "__main__":
    run()
