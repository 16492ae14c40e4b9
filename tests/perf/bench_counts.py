"""Counts with the scanner on the 1,000,000-product store (issue 14):

- a count of 5,000 scans (every 10th with a quantity entry, every 50th a recount): scan to
  counted line (the barcode looked up, the scope checked, this device's figure written with its
  outbox event, the line handed back), p50/p99;
- the variance list of a whole-store count over the 1,000,000 products (every product with
  stock is in scope; not counted = 0): summary (units, value at cost and at the store's prices)
  and the 200 biggest differences, computed and put into a Qt table model shown in a QTableView.
  Every product has a cost price (filled once into the bench store: 55 % of the net price, as
  the center's demo seed gives them), so the value at cost joins a full table.

    .venv/bin/python tests/perf/bench_counts.py

Figures only; nothing here asserts a time. The count is started fresh on the bench store and
its rows and events are removed afterwards, so the store stays as the other benchmarks expect.
"""
from __future__ import annotations

import random
import time

from common import bench_store, percentile, report

SCANS = 5000


def run() -> None:
    from PySide6.QtWidgets import QApplication

    from pos_app.stock.counts import StockCounts
    from pos_app.store.local import LocalStore
    from pos_app.store.staff import StaffMember

    app = QApplication.instance() or QApplication([])
    path = bench_store()
    with __import__("sqlite3").connect(path) as conn:
        device = conn.execute("SELECT id FROM devices ORDER BY id LIMIT 1").fetchone()[0]
    store = LocalStore.open(path, device)
    _fill_costs(store)
    person, manager = StaffMember(1, "Bench", "cashier"), StaffMember(2, "Bench Leitung", "manager")
    counts = StockCounts(store)
    count = counts.start("store", person, manager)
    try:
        with store.db.reading() as s:
            rows = s.connection().exec_driver_sql(
                "SELECT b.code, b.product_id FROM barcodes b JOIN stock st ON st.product_id = b.product_id "
                "WHERE st.store_id = ? LIMIT 200000", (store.store_id,)).all()
        rng = random.Random(14)
        picks = [rows[rng.randrange(len(rows))] for _ in range(SCANS)]
        timings: list[float] = []
        cpu_scan = time.process_time()
        for i, (code, pid) in enumerate(picks):
            t0 = time.perf_counter()
            if i % 50 == 49:
                counts.recount(count.count_id, int(pid), rng.randint(0, 9), person)
            else:
                counts.scan(count.count_id, code, person, quantity=rng.randint(2, 6) if i % 10 == 9 else 1)
            timings.append((time.perf_counter() - t0) * 1000)
        cpu_scan = time.process_time() - cpu_scan
        report("count: scans", f"{SCANS:,} ({counts.get(count.count_id).lines:,} products counted)")
        report("count: CPU per scan (ms)", f"{cpu_scan / SCANS * 1000:.2f}")
        report("count: scan to counted line p50 (ms)", f"{percentile(timings, 50):.2f}")
        report("count: scan to counted line p99 (ms)", f"{percentile(timings, 99):.2f}")

        t0, cpu0 = time.perf_counter(), time.process_time()
        variance = counts.variance(count.count_id, limit=200)
        computed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        view = _show(app, variance)
        shown = time.perf_counter() - t0
        report("variance: products in the list", f"{variance.products:,} ({variance.differing:,} differ)")
        report("variance: units / value (EUR)", f"{variance.units:+,} / {variance.value_cents / 100:+,.2f}")
        report("variance: value at cost (EUR)", f"{variance.value_cost_cents / 100:+,.2f}")
        report("variance: computed (s)", f"{computed:.2f} (CPU {cpu:.2f} s on two threads; a loaded box waits)")
        report("variance: computed and shown (s)", f"{shown:.2f}")
        view.close()
    finally:
        with store.db.writing() as s:  # leave the bench store as it was
            conn = s.connection()
            conn.exec_driver_sql("DELETE FROM count_lines WHERE count_id = ?", (count.count_id,))
            conn.exec_driver_sql("DELETE FROM stock_counts WHERE count_id = ?", (count.count_id,))
            conn.exec_driver_sql("DELETE FROM outbox WHERE type LIKE 'count.%' AND status = 'pending'")
        store.close()


def _fill_costs(store) -> None:  # type: ignore[no-untyped-def]
    """Cost prices for every product of the bench store, once (as the feed would bring them)."""
    with store.db.writing() as s:
        conn = s.connection()
        if conn.exec_driver_sql("SELECT COUNT(*) FROM product_costs").scalar_one():
            return
        conn.exec_driver_sql(
            "INSERT INTO product_costs (product_id, cost_cents) SELECT p.id, MIN(pr.gross_cents) * 55 / (100 + p.vat_percent) "
            "FROM products p JOIN prices pr ON pr.product_id = p.id GROUP BY p.id")


def _show(app, variance):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    model = QStandardItemModel(0, 6)
    model.setHorizontalHeaderLabels(("Artikel", "Soll", "Gezählt", "Differenz", "Wert EK", "Wert VK"))
    for line in variance.lines:
        cost = "–" if line.value_cost_cents is None else f"{line.value_cost_cents / 100:+.2f}"
        model.appendRow([QStandardItem(line.name), QStandardItem(str(line.expected)), QStandardItem(str(line.counted)),
                         QStandardItem(f"{line.variance:+d}"), QStandardItem(cost),
                         QStandardItem(f"{line.value_cents / 100:+.2f}")])
    view = QTableView()
    view.setModel(model)
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    return view


if __name__ == "__main__":
    run()
