"""Returns benchmarks against the real backend process (prints figures, asserts nothing):

1. looking a purchase up at the center over HTTP (GET /v1/purchases/{number}), for web orders
   and for store sales, with some returns already recorded against them;
2. the center applying return.completed events (pushed in batches of 200, each event checked
   against its locked original and restocked);
3. a return at the till, from finding the receipt to the committed transaction (fsync included).

    .venv/bin/python tests/perf/bench_returns.py                      # SQLite center
    POS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python tests/perf/bench_returns.py                  # PostgreSQL center
    POS_BENCH_RETURNS=2000 ...                                        # more purchases/returns
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from common import ROOT, percentile, report

sys.path.insert(0, str(ROOT))

COUNT = int(os.environ.get("POS_BENCH_RETURNS", "500"))
PRODUCTS = (30, 40, 50)


def main() -> None:
    import requests

    from tests.backend.test_returns import return_event
    from tests.backend_server import BackendServer, fresh_database

    with tempfile.TemporaryDirectory() as tmp, fresh_database(Path(tmp)) as url, BackendServer(url) as center:
        dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"center: {dialect}; {COUNT} web orders, {COUNT} store sales, {COUNT} returns", flush=True)
        token = center.register_device("BER-K1", "BER", "Kasse 1")
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        admin = {"Authorization": f"Bearer {center.admin_token}"}
        orders = []
        t = time.perf_counter()
        for n in range(COUNT):
            lines = [{"product_id": p, "quantity": 1, "unit_price_cents": 10_00} for p in PRODUCTS]
            orders.append(requests.post(f"{center.url}/v1/channel/orders", headers=admin, timeout=10, json={
                "channel": "web", "lines": lines, "tenders": [{"kind": "card", "amount_cents": 30_00}]}).json())
        report("web orders placed (POST /v1/channel/orders)", f"{(time.perf_counter() - t) / COUNT * 1000:.1f} ms each")

        sales = []
        for start in range(0, COUNT, 200):
            batch = []
            for seq in range(start + 1, min(COUNT, start + 200) + 1):
                sale_id = str(uuid.uuid4())
                now = datetime.now(timezone.utc).isoformat()
                batch.append({"id": str(uuid.uuid4()), "device_id": "BER-K1", "seq": seq, "type": "sale.completed",
                              "schema_version": 1, "created_at": now, "payload": {
                                  "sale_id": sale_id, "receipt_number": f"BER-K1-{seq:06d}", "store_id": "BER",
                                  "device_id": "BER-K1", "cashier_id": 1, "created_at": now, "total_cents": 30_00,
                                  "cart_discount_cents": 0, "lines": [{
                                      "line_no": i, "product_id": p, "sku": f"S{p}", "name": f"Artikel {p}",
                                      "quantity": 1, "unit_price_cents": 10_00, "list_price_cents": 10_00,
                                      "line_discount_cents": 0, "cart_discount_cents": 0, "total_cents": 10_00,
                                      "vat_percent": 19} for i, p in enumerate(PRODUCTS, 1)],
                                  "tenders": [{"kind": "cash", "amount_cents": 30_00, "given_cents": 30_00}],
                                  "vat": [{"percent": 19, "gross_cents": 30_00, "vat_cents": 4_79}]}})
                sales.append((sale_id, f"BER-K1-{seq:06d}"))
            assert http.post(f"{center.url}/v1/events", json={"events": batch}, timeout=60).status_code == 200

        events = []
        for n, (order, (sale_id, receipt)) in enumerate(zip(orders, sales)):
            if n % 2:
                original = {"kind": "order", "id": order["id"], "number": order["order_number"]}
                tenders = [("card", 10_00, "")]
            else:
                original = {"kind": "sale", "id": sale_id, "number": receipt}
                tenders = [("cash", 10_00, "")]
            events.append(return_event("BER-K1", "BER", COUNT + n + 1, original,
                                       [(1, PRODUCTS[0], 1, 10_00, "resellable")], tenders))
        t = time.perf_counter()
        outcomes = []
        for start in range(0, len(events), 200):
            answer = http.post(f"{center.url}/v1/events", json={"events": events[start:start + 200]}, timeout=120)
            outcomes += [r["outcome"] for r in answer.json()["results"]]
        spent = time.perf_counter() - t
        report("return.completed applied at the center", f"{spent / len(events) * 1000:.2f} ms per event "
                                                         f"({outcomes.count('applied')}/{len(events)} applied)")

        for label, numbers in (("look-up of a web order (QR text)", [o["qr_payload"] for o in orders]),
                               ("look-up of a store receipt", [r for _, r in sales])):
            times = []
            for number in numbers:
                t = time.perf_counter()
                assert http.get(f"{center.url}/v1/purchases/{number}", timeout=10).status_code == 200
                times.append((time.perf_counter() - t) * 1000)
            report(label + ", p50 / p95", f"{percentile(times, 50):.1f} ms / {percentile(times, 95):.1f} ms")
        bench_till(Path(tmp))


def bench_till(tmp: Path) -> None:
    from pos_app.returns import Choice, ReturnsService
    from tests.store_fixture import EAN_DECKE, build_store, open_store
    from tests.sync_helpers import LENA, sell

    store = open_store(build_store(tmp / "till.db"))
    try:
        receipts = [sell(store, EAN_DECKE).receipt_number for _ in range(100)]
        service = ReturnsService(store, LENA)
        times = []
        for receipt in receipts:
            t = time.perf_counter()
            purchase = service.find(receipt).purchase
            items = service.items(purchase, [Choice(1, 1)])
            service.complete(purchase, items, service.propose_refund(purchase, items[0].refund_cents))
            times.append((time.perf_counter() - t) * 1000)
        report("a return at the till (find, check, commit), p50 / p95",
               f"{percentile(times, 50):.1f} ms / {percentile(times, 95):.1f} ms")
    finally:
        store.close()


if __name__ == "__main__":
    main()
