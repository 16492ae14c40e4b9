"""Sync benchmarks against the real backend process (prints figures, asserts nothing):

1. the first pull of a big catalog into an empty till (SyncWorker.pull, pages of 5,000),
   split into the time spent waiting for the center and applying pages locally;
2. draining 10,000 queued sales to the center (SyncWorker.push_pending, batches of 200).

    .venv/bin/python tests/perf/bench_sync.py            # 1,000,000 products, SQLite center
    POS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        POS_BENCH_SYNC_PRODUCTS=1000000 .venv/bin/python tests/perf/bench_sync.py
    POS_BENCH_SYNC_CENTER_URL=sqlite:///var/center-1m.db POS_BENCH_SYNC_SALES=0 ...  # reuse a seeded center

The center is seeded with `pos-backend seed --products N` (its own time is printed too).
"""
from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, report

sys.path.insert(0, str(ROOT))

PRODUCTS = int(os.environ.get("POS_BENCH_SYNC_PRODUCTS", "1000000"))
CUSTOMERS = int(os.environ.get("POS_BENCH_SYNC_CUSTOMERS", "10000"))
SALES = int(os.environ.get("POS_BENCH_SYNC_SALES", "10000"))
BATCH = int(os.environ.get("POS_BENCH_SYNC_BATCH", "200"))


def empty_till(path: Path):  # type: ignore[no-untyped-def]
    from tests.store_fixture import build_store, open_store

    build_store(path)
    with sqlite3.connect(path) as conn:
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
    return open_store(path)


def bench_pull(store, client) -> None:  # type: ignore[no-untyped-def]
    from sync import client as client_module
    from sync.worker import SyncWorker

    waited = [0.0]
    fetch = client_module.FeedStream.fetch

    def timed_fetch(self, after: int, limit: int):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return fetch(self, after, limit)
        finally:
            waited[0] += time.perf_counter() - t

    client_module.FeedStream.fetch = timed_fetch  # type: ignore[method-assign]
    last = [0.0]

    def show(status) -> None:  # type: ignore[no-untyped-def]
        now = time.perf_counter()
        if status.pulling and (now - last[0] > 5):
            last[0] = now
            print(f"  pull {status.pull_fraction or 0:.0%}", flush=True)

    worker = SyncWorker(store.db, client, on_status=show)
    t0 = time.perf_counter()
    try:
        results = worker.pull()
    finally:
        client_module.FeedStream.fetch = fetch  # type: ignore[method-assign]
    total = time.perf_counter() - t0
    changes = sum(r.products + r.prices + r.stock + r.customers for r in results)
    with store.db.reading() as s:
        from sqlalchemy import text

        products = s.execute(text("SELECT COUNT(*) FROM products")).scalar_one()
    report("first pull: products in the till", f"{products:,}")
    report("first pull: changes, pages", f"{changes:,} in {len(results)} pages")
    report("first pull: total (s)", f"{total:.1f}")
    report("first pull: waiting for the center (s)", f"{waited[0]:.1f} (not overlapped with applying)")
    report("first pull: parsing + applying pages (s)", f"{total - waited[0]:.1f}")
    report("first pull: changes/s", f"{changes / total:,.0f}")


def bench_push(store, client) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from pos_app.store.staff import StaffMember
    from pos_app.till import TillSession
    from sync.worker import SyncWorker

    with store.db.reading() as s:
        codes = [r[0] for r in s.execute(text(
            "SELECT MIN(b.code) FROM barcodes b JOIN prices p ON p.product_id = b.product_id AND p.store_id = 'BER' "
            "GROUP BY b.product_id LIMIT 50")).all()]
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    t0 = time.perf_counter()
    for i in range(SALES):
        session.scan(codes[i % len(codes)])
        session.scan(codes[(i * 7 + 3) % len(codes)])
        session.pay_cash(session.cart.totals().total_cents)
        session.complete()
    report(f"queued {SALES:,} sales at the till (s)", f"{time.perf_counter() - t0:.1f}")
    worker = SyncWorker(store.db, client, batch_size=BATCH)
    t0 = time.perf_counter()
    stats = worker.push_pending()
    took = time.perf_counter() - t0
    report(f"push: {stats.sent:,} events in {stats.requests} requests of {BATCH} (s)", f"{took:.1f}")
    report("push: events/s", f"{stats.sent / took:,.0f}")
    t0 = time.perf_counter()
    worker.pull()  # the stock rows those sales moved come back through the feed
    report("pull after the push (s)", f"{time.perf_counter() - t0:.1f}")


def main() -> None:
    from sync.client import CenterClient
    from tests.backend_server import BackendServer, fresh_database, run_cli

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp, fresh_database(Path(tmp)) as fresh:
        url = os.environ.get("POS_BENCH_SYNC_CENTER_URL") or fresh  # a center seeded before, to save time
        if url == fresh:
            t0 = time.perf_counter()
            run_cli("seed", "--products", str(PRODUCTS), "--customers", str(CUSTOMERS), "--database-url", url,
                    timeout=3600)
            report(f"center seeded: {PRODUCTS:,} products, {CUSTOMERS:,} customers ({url.split(':')[0]}) (s)",
                   f"{time.perf_counter() - t0:.1f}")
        with BackendServer(url, seed=False) as server:
            client = CenterClient(server.url, server.register_device("BER-K1", "BER", "Kasse 1"), timeout=(3.05, 120))
            store = empty_till(Path(tmp) / "store.db")
            try:
                bench_pull(store, client)
                if SALES:
                    bench_push(store, client)
            except Exception:
                print(server.stderr_text()[-3000:], file=sys.stderr)
                raise
            finally:
                store.close()


if __name__ == "__main__":
    main()
