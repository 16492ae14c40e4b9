"""The longest UI-thread stall while the till syncs: a timer probe on the UI thread (every 5 ms)
records the gaps between its ticks while the real SyncWorker thread pulls a catalog from the real
center process and pushes queued sales. The worker shares the GIL with the UI thread, so big
JSON pages parsed on the worker show up here. Target: longest stall <= 50 ms.

    .venv/bin/python tests/perf/bench_ui_stall.py   # POS_BENCH_STALL_PRODUCTS (default 200,000)

Knobs: POS_BENCH_STALL_PAGE / POS_BENCH_STALL_BATCH (feed page and push batch sizes),
POS_BENCH_STALL_GC_FREEZE=1, POS_BENCH_STALL_SAMPLE=1 (print every thread's stack when the UI
thread has not ticked for 40 ms). The sampler showed that an earlier version of this benchmark
counted the till's own sale commits (synchronous=FULL waits for fsync, ~45 ms on this disk) as
sync stalls; the selling loop is now outside the measurement.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, percentile, report

sys.path.insert(0, str(ROOT))
PRODUCTS = int(os.environ.get("POS_BENCH_STALL_PRODUCTS", "200000"))
SALES = int(os.environ.get("POS_BENCH_STALL_SALES", "2000"))
MODE = os.environ.get("POS_BENCH_STALL_MODE", "process")  # or "thread"


def _start_sampler(clock, last) -> None:  # type: ignore[no-untyped-def]
    """Diagnosis: when the UI thread has not ticked for 40 ms, print what every thread is doing."""
    import threading
    import traceback

    ui_id = threading.get_ident()

    def sample() -> None:
        reported = -1
        while True:
            time.sleep(0.01)
            if clock.elapsed() - last[0] > 40 and last[0] != reported:
                reported = last[0]
                frames = sys._current_frames()
                for tid, frame in frames.items():
                    who = "UI" if tid == ui_id else "worker" if tid != threading.get_ident() else None
                    if who:
                        print(f"--- {who} stalled {clock.elapsed() - last[0]} ms:", "".join(
                            traceback.format_stack(frame, limit=4)), file=sys.stderr)

    threading.Thread(target=sample, daemon=True).start()


def main() -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from bench_sync import empty_till
    from pos_app.store.staff import StaffMember
    from pos_app.till import TillSession
    from sync.client import CenterClient
    from sync.process import SyncProcess, WorkerSettings
    from sync.worker import SyncWorker
    from tests.backend_server import BackendServer, fresh_database, run_cli
    from ui.sync_glue import SyncGlue
    from ui.till_view import TillView

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-stall-") as tmp, fresh_database(Path(tmp)) as url:
        run_cli("seed", "--products", str(PRODUCTS), "--customers", "1000", "--database-url", url, timeout=3600)
        with BackendServer(url, seed=False) as server:
            token = server.register_device("BER-K1", "BER", "Kasse 1")
            client = CenterClient(server.url, token, timeout=(3.05, 120))
            store = empty_till(Path(tmp) / "store.db")
            view = TillView(TillSession(store, StaffMember(1, "Lena Schmidt", "cashier")))
            view.resize(1280, 800)
            view.show()
            page = int(os.environ.get("POS_BENCH_STALL_PAGE", "5000"))
            batch = int(os.environ.get("POS_BENCH_STALL_BATCH", "200"))
            if MODE == "thread":  # the worker on a thread of the till's process (before the fix)
                worker = SyncWorker(store.db, client, device_id="BER-K1", interval_s=3600, page_size=page,
                                    batch_size=batch)
            else:  # what the app does: the worker in its own process (sync/process.py)
                worker = SyncProcess(WorkerSettings(str(store.db.path), "BER-K1", server.url, token,
                                                  batch_size=batch, interval_s=3600, page_size=page,
                                                  timeout=(3.05, 120)))
            glue = SyncGlue(store, worker)
            gaps: list[float] = []
            clock = QElapsedTimer()
            clock.start()
            last = [clock.elapsed()]

            def tick() -> None:
                now = clock.elapsed()
                gaps.append(now - last[0])
                last[0] = now

            probe = QTimer()
            probe.setInterval(5)
            probe.timeout.connect(tick)
            probe.start()
            if os.environ.get("POS_BENCH_STALL_GC_FREEZE"):
                import gc

                gc.freeze()  # experiment: long-lived objects out of the collector's way
                gc.set_threshold(50_000, 20, 1000)
            if os.environ.get("POS_BENCH_STALL_SAMPLE"):
                _start_sampler(clock, last)
            t0 = time.perf_counter()
            glue.start()  # pull the catalog, on the worker thread
            phase = ["pull"]

            def watch() -> None:
                status = glue.status
                if status is None or status.state.value != "online" or status.pending:
                    return
                if phase[0] == "pull":  # catalog in: sell at the till (UI thread), then push them
                    phase[0] = "push"
                    session = view.session
                    codes = [c for (c,) in store.db.engine.connect().exec_driver_sql(
                        "SELECT MIN(code) FROM barcodes GROUP BY product_id LIMIT 40").fetchall()]
                    for i in range(SALES):
                        session.scan(codes[i % len(codes)])
                        session.pay_cash(session.cart.totals().total_cents)
                        session.complete()  # (each sale's commit waits for fsync: not a sync stall)
                    last[0] = clock.elapsed()  # the selling loop itself is not measured
                    glue.sync_now()
                elif phase[0] == "push":
                    app.quit()

            checker = QTimer()
            checker.setInterval(200)
            checker.timeout.connect(watch)
            checker.start()
            QTimer.singleShot(600_000, app.quit)
            app.exec()
            took = time.perf_counter() - t0
            glue.stop()
            report(f"UI stall while syncing ({PRODUCTS:,} products pulled, {SALES:,} sales pushed, worker: {MODE})",
                   f"{took:.0f} s of sync")
            report("UI timer probe (5 ms): p50 / p99 / longest gap (ms)",
                   f"{percentile(gaps, 50):.0f} / {percentile(gaps, 99):.0f} / {max(gaps):.0f}  (target longest <= 50)")
            view.close()
            store.close()


if __name__ == "__main__":
    main()
