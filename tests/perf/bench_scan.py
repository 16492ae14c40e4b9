"""Scan to line visible, on the 1,000,000-product store: the real till screen (offscreen), a
barcode handed over as the wedge scanner does, until the cart table has repainted."""
from __future__ import annotations

import random
import time

from common import bench_store, percentile, report, rss_mb
from sqlalchemy import text


def run() -> None:
    from PySide6.QtWidgets import QApplication

    from pos_app.store.local import LocalStore
    from pos_app.store.staff import StaffMember
    from pos_app.till import TillSession
    from ui.till_view import TillView

    from ui.app import resources_dir

    app = QApplication.instance() or QApplication([])
    app.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))
    store = LocalStore.open(bench_store(), "BER-K1")
    from tests.store_fixture import ensure_open_till

    ensure_open_till(store)  # selling needs an open till
    with store.db.reading() as s:
        codes = [r[0] for r in s.execute(text(
            "SELECT code FROM barcodes WHERE symbology = 'EAN13' AND rowid IN "
            "(SELECT abs(random()) % (SELECT max(rowid) FROM barcodes) FROM barcodes LIMIT 3000)"))]
    random.Random(2).shuffle(codes)
    view = TillView(TillSession(store, StaffMember(0, "Benchmark", "cashier")))
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    painted, full = [], []
    for i, code in enumerate(codes[:2000]):
        if i % 40 == 0:
            view.session.cart.clear()
            view.refresh()
            app.processEvents()
        t0 = time.perf_counter()
        view.on_scanned(code)
        app.processEvents()  # the event loop paints what changed: the line is on screen
        t1 = time.perf_counter()
        view.table.viewport().repaint()  # for comparison: the whole table painted again
        t2 = time.perf_counter()
        painted.append((t1 - t0) * 1000)
        full.append((t1 - t0 + t2 - t1) * 1000)
    report("scan to line visible: scans", f"{len(painted)} (carts of up to 40 lines)")
    report("scan to line visible: p50 / p99 / max (ms)",
           f"{percentile(painted, 50):.2f} / {percentile(painted, 99):.2f} / {max(painted):.2f}  (target p99 <= 16)")
    report("  same plus a full table repaint: p50 / p99 (ms)",
           f"{percentile(full, 50):.2f} / {percentile(full, 99):.2f}")
    report("resident memory after scanning (MB)", f"{rss_mb():.0f}  (target <= 300)")
    view.close()
    view.deleteLater()
    app.processEvents()
    store.close()


if __name__ == "__main__":
    run()
