"""Price indications: the § 11 PAngV rule on a long price history (a price changed every day
for almost three years, the center's MAX_HISTORY), the Grundpreis, and a whole promotion's
shelf labels rendered to ESC/POS (500 labels, the dialog's maximum). Prints figures, asserts
nothing.

    .venv/bin/python tests/perf/bench_prices.py
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

from common import percentile, report

from hardware.label_printer import render_labels
from pos_app.prices.labels import ShelfLabel, label_sheet
from pos_app.prices.lowest_price import PriceChange, current_reduction
from pos_app.prices.unit_price import unit_price


def main() -> None:
    rng = random.Random(15)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    history = [PriceChange(start + timedelta(days=d), rng.randint(500, 2000)) for d in range(1000)]
    now = start + timedelta(days=1000)
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        current_reduction(history, now)
        times.append((time.perf_counter() - t0) * 1000)
    report("lowest 30-day price, 1,000 changes",
           f"p50 {percentile(times, 50):.3f} ms, p95 {percentile(times, 95):.3f} ms")
    t0 = time.perf_counter()
    for i in range(100_000):
        unit_price(100 + i % 5000, 1 + i % 2000, ("g", "ml", "cm", "kg")[i % 4], per_100=bool(i % 2))
    report("Grundpreis, 100,000 calls", f"{(time.perf_counter() - t0) * 1000:.0f} ms in all")
    labels = [ShelfLabel(f"Artikel {i}", f"SKU-{i}", 199 + i, "4006381333931", 250, "g", True, 299 + i, 189 + i)
              for i in range(500)]
    t0 = time.perf_counter()
    data = render_labels(label_sheet(labels))
    report("500 shelf labels to ESC/POS", f"{(time.perf_counter() - t0) * 1000:.0f} ms, {len(data):,} bytes")


if __name__ == "__main__":
    main()
