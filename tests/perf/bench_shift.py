"""How long the manager waits on a long day: the X report, a paid out and the Z close of a
shift with POS_BENCH_SHIFT_SALES sales (default 3,000; 3 lines, cash or card each) and
POS_BENCH_SHIFT_RETURNS returns of them (default 300, cash refunds) on the small test store, then
the DSFinV-K export of that day from the stored Z report. Prints figures, asserts nothing.

    .venv/bin/python tests/perf/bench_shift.py
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from common import report

SALES = int(os.environ.get("POS_BENCH_SHIFT_SALES", "3000"))
RETURNS = int(os.environ.get("POS_BENCH_SHIFT_RETURNS", "300"))


def run() -> None:
    from pos_app.cart import Cart
    from pos_app.fiscal.dsfinvk import export
    from pos_app.fiscal.dsfinvk.from_store import closings_from_store
    from pos_app.refunds import RefundTender
    from pos_app.returns import Choice, ReturnsService
    from pos_app.payment import Payment
    from pos_app.shift import BusinessCase, MovementKind
    from pos_app.store.staff import StaffMember
    from tests.store_fixture import build_store, open_store

    lena, jonas = StaffMember(1, "Lena Schmidt", "cashier"), StaffMember(2, "Jonas Weber", "manager")
    with tempfile.TemporaryDirectory(prefix="bench-shift-") as tmp:
        store = open_store(build_store(Path(tmp) / "store.db"))
        products = [store.catalog.product(i) for i in (1, 2, 3)]
        receipts: list[str] = []
        t0 = time.perf_counter()
        for n in range(SALES):
            cart = Cart()
            for product in products:
                cart.add(product)  # type: ignore[arg-type]
            totals = cart.totals()
            payment = Payment(totals.total_cents)
            if n % 2:
                payment.add_card(totals.total_cents, True)
            else:
                payment.add_cash(totals.total_cents + 1000)
            store.sales.complete(totals, payment, lena)
            if n % 2 == 0 and n // 2 < RETURNS:
                receipts.append(store.sales.recent(1)[0].receipt_number)
        report("shift: sales written", f"{SALES:,} in {time.perf_counter() - t0:.1f} s")
        returns = ReturnsService(store, lena)
        t0 = time.perf_counter()
        for number in receipts:
            purchase = returns.find(number).purchase
            items = returns.items(purchase, [Choice(1, 1)])
            returns.complete(purchase, items, [RefundTender("cash", items[0].refund_cents)])
        report("shift: returns written (find, check, book)", f"{len(receipts):,} in {time.perf_counter() - t0:.1f} s")
        times = []
        for _ in range(5):
            t = time.perf_counter()
            x = store.cashbook.x_report()
            times.append((time.perf_counter() - t) * 1000)
        report(f"shift: X report over {x.sales.count:,} sales and {x.returns.count:,} returns, median (ms)",
               f"{statistics.median(times):.0f}")
        t = time.perf_counter()
        store.cashbook.move(MovementKind.DROP, BusinessCase.GELDTRANSIT, 10000, "Tresor", jonas)
        report("shift: cash drop (ms)", f"{(time.perf_counter() - t) * 1000:.0f}")
        t = time.perf_counter()
        closed = store.cashbook.close(x.cash.expected_cents - 10000, jonas)
        report(f"shift: Z close (Z {closed.z_number}, report + audit + event) (ms)",
               f"{(time.perf_counter() - t) * 1000:.0f}")
        t = time.perf_counter()
        closings = closings_from_store(store)
        done = export(store, closings[0].local_day, closings[0].local_day, closings, Path(tmp) / "dsfinvk")
        report(f"shift: DSFinV-K export of that day ({done.receipts:,} Belege, {len(done.mismatches)} differences) (s)",
               f"{time.perf_counter() - t:.2f}")
        store.close()


if __name__ == "__main__":
    run()
