"""make bench: every benchmark, one after the other, each printing its figures."""
from __future__ import annotations

import platform
import time

import bench_camera
import bench_counts
import bench_customers
import bench_scan
import bench_search
import bench_start
from common import CUSTOMERS, PRODUCTS, bench_store, report


def main() -> None:
    print(f"OmniPOS benchmarks on {platform.node()} ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}")
    t0 = time.perf_counter()
    bench_store()
    report("store", f"{PRODUCTS:,} products, {CUSTOMERS:,} customers")
    bench_search.run()
    bench_scan.run()
    bench_start.run()
    bench_camera.run()
    bench_customers.run()
    bench_counts.run()  # issue 14: a count of 5,000 scans, the variance of the whole store
    report("all benchmarks took (s)", f"{time.perf_counter() - t0:.0f}")


if __name__ == "__main__":
    main()
