"""What fiscal signing costs a sale, and how long a DSFinV-K export takes (figures, not tests).

Sale completion (TillSession.complete, the UI thread's wait after the payment dialog) on the
small test store: without a TSE, with the development TSE (two extra fsync'ed writes: start at
the first item on the TSE thread, finish at payment) and with the fiskaly stand-in on loopback.
Then the DSFinV-K export of N sales in one closing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/perf/bench_fiscal.py [N]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pos_app.clock import parse_iso  # noqa: E402
from pos_app.fiscal.dev_tse import DevelopmentTse  # noqa: E402
from pos_app.fiscal.dsfinvk import CashClosing, export  # noqa: E402
from pos_app.fiscal.fiskaly import FiskalyTse  # noqa: E402
from pos_app.fiscal.signing import FiscalSigner  # noqa: E402
from pos_app.store.models import Sale, SaleTender  # noqa: E402
from pos_app.store.staff import StaffMember  # noqa: E402
from pos_app.till import TillSession  # noqa: E402
from tests.fiskaly_standin import FiskalyStandIn  # noqa: E402
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, build_store, open_store  # noqa: E402

LENA = StaffMember(1, "Lena Schmidt", "cashier")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def sales(store, signer, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    session = TillSession(store, LENA, signer=signer)
    waits = []
    for _ in range(n):
        session.scan(EAN_DECKE)
        session.scan(EAN_KAFFEE)
        session.pay_cash(6000)
        started = time.perf_counter()
        session.complete()
        waits.append((time.perf_counter() - started) * 1000)
    return waits


def main() -> None:
    n_export = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    folder = Path(tempfile.mkdtemp(prefix="bench-fiscal-"))
    try:
        template = build_store(folder / "template.db")
        standin = FiskalyStandIn().start()
        kinds = {
            "no TSE": lambda store: None,
            "development TSE": lambda store: FiscalSigner(DevelopmentTse(store.db), "BER-K1"),
            "fiskaly stand-in (loopback)": lambda store: FiscalSigner(FiskalyTse(
                standin.base_url, FiskalyStandIn.API_KEY, FiskalyStandIn.API_SECRET, standin.tss_id,
                standin.client_uuid), "BER-K1"),
        }
        for name, make in kinds.items():
            path = folder / f"{len(name)}.db"
            shutil.copy(template, path)
            store = open_store(path)
            waits = sales(store, make(store), 60)[10:]
            print(f"complete a sale, {name}: p50 {percentile(waits, 50):.1f} ms, p95 {percentile(waits, 95):.1f} ms")
            store.close()
        standin.stop()

        path = folder / "export.db"
        shutil.copy(template, path)
        store = open_store(path)
        from sqlalchemy import text
        with store.db.writing() as s:  # plenty of stock for a long day
            s.execute(text("UPDATE stock SET quantity = 1000000"))
        signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
        sales(store, signer, n_export)
        by_tender, by_vat = defaultdict(int), defaultdict(int)
        with store.db.reading() as s:
            last = max(r.created_at for r in s.query(Sale))
            for t in s.query(SaleTender):
                by_tender[t.kind] += t.amount_cents
        by_vat[19], by_vat[7] = 3999 * n_export, 1299 * n_export
        closing = CashClosing(1, "BER-K1", parse_iso(last) + timedelta(seconds=1), dict(by_tender), dict(by_vat),
                              by_tender["cash"], by_tender["cash"])
        started = time.perf_counter()
        result = export(store, closing.local_day, closing.local_day, [closing], folder / "out")
        took = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (folder / "out").iterdir()) / 1e6
        print(f"DSFinV-K export of {result.receipts} sales ({len(result.files)} files, {size:.1f} MB): {took:.2f} s, "
              f"mismatches: {len(result.mismatches)}")
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
