"""Scan to line visible, on the 1,000,000-product store with a click-and-collect history of
10,000 closed and 200 open pickup orders: the till exactly as the app builds it
(ui.app.open_window, every glue module installed, the walk-in guard on the session, a cashier
logged in by PIN), a barcode handed over by the wedge's signal, until the event loop has painted.

    .venv/bin/python tests/perf/bench_scan.py        # POS_BENCH_PROFILE=1: cProfile of the scans

Also counted: the Qt warning "This plugin does not support propagateSizeHints()", which the
offscreen plugin prints whenever the top-level window re-lays out (it should not, per scan).
"""
from __future__ import annotations

import os
import time

from common import bench_store, percentile, report
from pickup_history import seed_history
from till_rig import AppTill, barcodes_of, pickup_products, rss_mb

SCANS = int(os.environ.get("POS_BENCH_SCANS", "2000"))
CLOSED_ORDERS = int(os.environ.get("POS_BENCH_CLOSED_ORDERS", "10000"))
OPEN_ORDERS = int(os.environ.get("POS_BENCH_OPEN_ORDERS", "200"))
CART_LINES = 40


def run() -> None:
    rig = AppTill(bench_store())
    try:
        measure(rig)
    finally:
        rig.close()


def measure(rig: AppTill) -> None:
    store = rig.store
    t0 = time.perf_counter()
    reserved_products = pickup_products(store, 300)
    seed_history(store, CLOSED_ORDERS, OPEN_ORDERS, reserved_products)
    seeded_s = time.perf_counter() - t0
    guard = rig.window.session.reservation_guard
    assert guard is not None, "the pickup glue did not install the walk-in guard"
    codes = rig.codes(SCANS)
    # every 10th scan is an article that pickup orders hold units of (the guard's busy path)
    held = barcodes_of(store, reserved_products[:50])
    codes = [held[i % len(held)] if i % 10 == 5 else c for i, c in enumerate(codes)]
    till = rig.till
    for code in codes[:50]:  # warm up (first paints, caches)
        rig.scan(code)
    till.session.cart.clear()
    till.refresh()
    rig.app.processEvents()

    profiler = None
    if os.environ.get("POS_BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
    relayouts_before = rig.warnings.relayouts()
    painted, cpu, refused_ms = [], [], []
    for i, code in enumerate(codes):
        if i % CART_LINES == 0:
            till.session.cart.clear()  # a new customer (no void entry: nothing was sold)
            till.refresh()
            rig.app.processEvents()
        if profiler:
            profiler.enable()
        painted.append(rig.scan(code))
        cpu.append(rig.last_cpu_ms)
        if profiler:
            profiler.disable()
        if till.message.property("error"):
            refused_ms.append(painted[-1])
    relayouts = rig.warnings.relayouts() - relayouts_before
    report("scan to line: store", f"{CLOSED_ORDERS:,} closed + {OPEN_ORDERS:,} open pickup orders "
                                  f"(seeded/checked in {seeded_s:.1f} s), app glue installed")
    report("scan to line visible: scans", f"{len(painted)} (carts of up to {CART_LINES} lines, "
                                         f"{len(refused_ms)} refused by the walk-in guard)")
    report("scan to line visible: p50 / p99 / max (ms)",
           f"{percentile(painted, 50):.2f} / {percentile(painted, 99):.2f} / {max(painted):.2f}  (target p99 <= 8)")
    report("  UI thread CPU per scan: p50 / p99 (ms)", f"{percentile(cpu, 50):.2f} / {percentile(cpu, 99):.2f}")
    if refused_ms:
        report("  refused scans (message only): p50 / p99 (ms)",
               f"{percentile(refused_ms, 50):.2f} / {percentile(refused_ms, 99):.2f}")
    report("  load average while measuring", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    report("top-level re-layouts during the scans", f"{relayouts} (propagateSizeHints warnings)")
    report("resident memory after scanning (MB)", f"{rss_mb():.0f}  (target <= 300)")
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    run()
