"""Soak: the till as the app builds it, driven through 20,000 scans and 500 cash sales in one
process, as a store would run it all day (issue 18: PySide6 6.12.0 aborted the till after about
3,500 scans by draining None's reference count).

    make soak        # or: .venv/bin/python tests/perf/soak_till.py
    POS_SOAK_SCANS=20000 POS_SOAK_SALES=500 POS_SOAK_TIMEOUT_S=1200 (the defaults)

The parent process builds a store (the demo generator, 20,000 products; 2,000 closed and 100
open pickup orders through the feed path), starts a real ESC/POS printer on loopback
(tests/tcp_printer.py) and runs the till in a child process, which reports after every batch of
sales: None's reference count, resident memory, scan-to-line latency. Fails (exit 1) when the
child crashes (a signal such as SIGABRT from "Fatal Python error: none_dealloc", or any error),
when None's count falls by more than POS_SOAK_NONE_BOUND (default 2,000; 6.12.0 lost about 10
per scan, i.e. 200,000), over the whole run or summed around each scan (from the wedge's signal until the event loop has
painted), when memory grows by more than POS_SOAK_RSS_BOUND_MB (default 150)
from the first batch to the last, when a sale did not complete, or when a sale's receipt did
not arrive at the printer. It asserts nothing about time; it prints the latencies.

A rise of None's count cannot abort the process and is only reported: PySide6 6.11.3 keeps one
reference to None for every Python-made Qt object that Qt deletes (deleteLater), about 250 a
sale (the payment dialog's widgets); memory stays flat. That rise would hide a fall over the
whole run, hence the sum around each scan: Qt deletes closed dialogs between turns of the
event loop, never inside a scan.

The till runs inside app.exec() (AppTill.drive), one scan or sale per turn of the event loop,
so what Qt defers to the loop (deleting closed dialogs) happens as in the store.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCANS = int(os.environ.get("POS_SOAK_SCANS", "20000"))
SALES = int(os.environ.get("POS_SOAK_SALES", "500"))
BATCHES = int(os.environ.get("POS_SOAK_BATCHES", "20"))
PRODUCTS = int(os.environ.get("POS_SOAK_PRODUCTS", "20000"))
TIMEOUT_S = float(os.environ.get("POS_SOAK_TIMEOUT_S", "1200"))
NONE_BOUND = int(os.environ.get("POS_SOAK_NONE_BOUND", "2000"))
RSS_BOUND_MB = float(os.environ.get("POS_SOAK_RSS_BOUND_MB", "150"))
# For the soak's own test (tests/test_soak.py): make the till abort, or drop references to None
# the way PySide6 6.12.0 did, to show that the soak fails then.
FAULT = os.environ.get("POS_SOAK_FAULT", "")
# How many references the drain fault takes per scan. The till itself keeps a few more references
# to None per scan while its memos fill (about +8 a scan in a short run: the price engine's bounded
# judgement and eligibility memos, cached lookups), which hides a drain of ten in a 300-scan test;
# the harness test takes 40 so that what it proves does not depend on that noise.
DRAIN_PER_SCAN = int(os.environ.get("POS_SOAK_DRAIN", "10"))


def _fault(scans: int) -> None:
    if FAULT == "abort" and scans == 50:
        os.abort()
    if FAULT == "drain-none":
        import ctypes

        for _ in range(DRAIN_PER_SCAN):  # 6.12.0: ten void calls a scan, each one reference less
            ctypes.pythonapi.Py_DecRef(ctypes.py_object(None))


def build_store(path: Path) -> None:
    from pickup_history import seed_history
    from till_rig import pickup_products

    from pos_app.demo.generator import generate
    from pos_app.store.local import LocalStore

    generate(path, products=PRODUCTS, customers=2000, force=True)
    store = LocalStore.open(path, "BER-K1")
    try:
        seed_history(store, 2000, 100, pickup_products(store, 200))
    finally:
        store.close()


# ---- the child: the till itself ---------------------------------------------------------------


def child(db_path: Path, printer_port: int) -> int:
    from common import percentile
    from pickup_history import apply_pages, order_doc
    from till_rig import AppTill, barcodes_of, none_refcount, pickup_products, rss_mb

    from pos_app.config import PrinterSettings, Settings

    settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer_port, timeout_s=2.0))
    rig = AppTill(db_path, settings)
    per_sale = max(1, SCANS // SALES)
    codes = rig.codes(min(SCANS, 5000), seed=11)
    held = barcodes_of(rig.store, pickup_products(rig.store, 200)[:40])  # the walk-in guard says no to some
    sales_per_batch = max(1, SALES // BATCHES)
    counts = {"scans": 0, "sales": 0, "refused": 0, "none_scans": 0}
    print(json.dumps({"batch": 0, "scans": 0, "sales": 0, "none": none_refcount(),
                      "rss_mb": round(rss_mb(), 1)}), flush=True)

    def day() -> Iterator[None]:
        """One scan or one sale per turn of the event loop, as input arrives in the store."""
        for batch in range(1, BATCHES + 1):
            times: list[float] = []
            for _sale in range(sales_per_batch):
                for _i in range(per_sale):
                    n = counts["scans"]
                    code = held[(n // 7) % len(held)] if n % 23 == 11 else codes[n % len(codes)]
                    before = sys.getrefcount(None)  # around the scan alone: Qt deletes nothing in it
                    times.append(rig.scan(code))
                    if FAULT:
                        _fault(counts["scans"] + 1)  # as if inside Qt's calls of this scan
                    counts["none_scans"] += sys.getrefcount(None) - before
                    counts["refused"] += bool(rig.till.message.property("error"))
                    counts["scans"] += 1
                    yield
                if rig.till.session.cart.is_empty():
                    continue  # everything refused: nothing to sell
                message = rig.pay_cash()
                if not message.startswith("Bon "):
                    raise RuntimeError(f"sale {counts['sales'] + 1} did not complete: {message}")
                counts["sales"] += 1
                yield
            # the feed keeps coming: new pickup orders, older ones closed (the index moves under the till)
            apply_pages(rig.store, [order_doc(f"S{batch:03d}{n}", "new" if n < 3 else "collected", [(pid, 1)])
                                    for n, pid in enumerate(pickup_products(rig.store, 5, seed=batch))])
            print(json.dumps({"batch": batch, **counts, "none": none_refcount(), "rss_mb": round(rss_mb(), 1),
                              "p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2)}),
                  flush=True)
            yield

    try:
        rig.drive(day())
    except RuntimeError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    rig.close()
    return 0


# ---- the parent: set up, watch, judge ---------------------------------------------------------


def run() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.escpos_decode import decode
    from tests.tcp_printer import TcpPrinter

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="omnipos-soak-") as tmp, TcpPrinter() as printer:
        db = Path(tmp) / "store.db"
        build_store(db)
        print(f"soak: store with {PRODUCTS:,} products and 2,100 pickup orders built in "
              f"{time.perf_counter() - started:.0f} s; {SCANS:,} scans, {SALES} sales in {BATCHES} batches", flush=True)
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(db), str(printer.port)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        reports, failures = [], []
        deadline = time.monotonic() + TIMEOUT_S
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if "error" in data:
                failures.append(data["error"])
                continue
            reports.append(data)
            print(f"  batch {data['batch']:>2}: {data['scans']:>6,} scans {data['sales']:>4} sales  "
                  f"None refs {data['none']:>7,}  RSS {data['rss_mb']:6.1f} MB"
                  + (f"  scan p50/p99 {data['p50_ms']:.2f}/{data['p99_ms']:.2f} ms" if "p50_ms" in data else ""),
                  flush=True)
            if time.monotonic() > deadline:
                proc.kill()
                failures.append(f"not finished within {TIMEOUT_S:.0f} s (POS_SOAK_TIMEOUT_S)")
                break
        code = proc.wait()
        stderr = proc.stderr.read() if proc.stderr else ""
        if code != 0:
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            last = reports[-1] if reports else {"scans": 0}
            failures.append(f"the till process died ({how}) after about {last['scans']:,} scans; stderr:\n"
                            + "\n".join(stderr.strip().splitlines()[-15:]))
        if len(reports) >= 2:
            first, last = reports[0], reports[-1]
            drift = last["none"] - first["none"]
            growth = last["rss_mb"] - reports[1]["rss_mb"]
            print(f"soak: None's reference count {first['none']:,} -> {last['none']:,} (drift {drift:+,}; "
                  f"a fall of more than {NONE_BOUND:,} fails); RSS {reports[1]['rss_mb']:.1f} -> {last['rss_mb']:.1f} MB after the "
                  f"first batch (bound +{RSS_BOUND_MB:.0f}); scan p50/p99 {reports[1].get('p50_ms')}/"
                  f"{reports[1].get('p99_ms')} ms in the first batch, {last.get('p50_ms')}/{last.get('p99_ms')} "
                  f"ms in the last", flush=True)
            lowest = min(r["none"] for r in reports)
            over_scans = last.get("none_scans", 0)
            print(f"soak: None's reference count summed around each scan (no dialog is deleted there): "
                  f"{over_scans:+,}", flush=True)
            fell = max(first["none"] - lowest, -over_scans)
            if fell > NONE_BOUND:  # the direction that ends in "none_dealloc"
                failures.append(f"None's reference count fell by {fell:,} (bound {NONE_BOUND:,}): "
                                "a Qt binding that drops references to None")
            if growth > RSS_BOUND_MB:
                failures.append(f"resident memory grew by {growth:.0f} MB (bound {RSS_BOUND_MB:.0f})")
            if code == 0 and last["scans"] < SCANS - SALES:
                failures.append(f"only {last['scans']} scans were made")
            sold = last["sales"]
            try:
                jobs = printer.wait_for_jobs(sold, timeout=30)
            except TimeoutError as exc:
                failures.append(str(exc))
                jobs = printer.jobs()
            numbers = {data for job in jobs for _kind, data in decode(job).barcodes}
            if len(numbers) < sold:
                failures.append(f"{sold} sales, but only {len(numbers)} receipts with a number were printed")
            print(f"soak: {sold} sales, {len(jobs)} print jobs, {len(numbers)} receipt numbers printed", flush=True)
        elif code == 0:
            failures.append("the till reported nothing")
    took = time.perf_counter() - started
    for failure in failures:
        print(f"SOAK FAILED: {failure}", flush=True)
    print(f"soak: {'FAILED' if failures else 'passed'} in {took:.0f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.exit(child(Path(sys.argv[2]), int(sys.argv[3])))
    sys.exit(run())
