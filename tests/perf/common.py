"""Shared by the benchmarks: the 1,000,000-product store they run on, and percentiles.

The store is generated once into var/bench/ (about a minute or two; kept for the next run).
Benchmarks print figures; they assert nothing about time.
"""
from __future__ import annotations

import math
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCH_DIR = Path(os.environ.get("POS_BENCH_DIR", ROOT / "var" / "bench"))
PRODUCTS = int(os.environ.get("POS_BENCH_PRODUCTS", "1000000"))
CUSTOMERS = int(os.environ.get("POS_BENCH_CUSTOMERS", "1000000"))


def bench_store() -> Path:
    """The benchmark store file, generated if missing or of another size."""
    from pos_app.demo.generator import generate

    path = BENCH_DIR / "store.db"
    if path.exists():
        with sqlite3.connect(path) as conn:
            count = conn.execute("SELECT count(*) FROM products").fetchone()[0]
        if count == PRODUCTS or (PRODUCTS == 0):
            return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Generating the benchmark store: {PRODUCTS:,} products, {CUSTOMERS:,} customers …", flush=True)
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 5 or done == total:
            last[0] = now
            print(f"  {stage}: {done:,}/{total:,}", flush=True)

    result = generate(path, products=PRODUCTS, customers=CUSTOMERS, progress=progress, force=True)
    print(f"  done in {result.seconds:.1f} s", flush=True)
    return path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def report(name: str, figure: str) -> None:
    print(f"{name:<44} {figure}", flush=True)
