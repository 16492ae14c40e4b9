"""The store's sync against the REAL backend process over HTTP on loopback
(tests/backend_server.py; PostgreSQL when $POS_TEST_DATABASE_URL is set, else SQLite).

The local store is the small test store (store BER, till BER-K1, its staff) with its catalog
emptied and then filled by the first pull from the center, which is seeded with the demo
retailer: so product ids, barcodes and prices are the center's, as on a real till.
"""
from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from pos_app.store.local import LocalStore
from pos_app.store.models import OutboxEvent, Price, Sale, StockMovement, SyncState
from sync import feed
from sync.client import CenterClient
from sync.protocol import Event
from sync.worker import State, SyncStatus, SyncWorker
from tests.backend_server import BackendServer, backend_database_url, run_cli
from tests.fault_proxy import FaultPlan, FaultProxy
from tests.store_fixture import open_store
from tests.sync_helpers import event_id_of, outbox_rows, sell, statuses

pytestmark = pytest.mark.slow

backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@dataclass
class Till:
    store: LocalStore
    center: BackendServer
    token: str

    def worker(self, url: str | None = None, **kwargs: object) -> tuple[SyncWorker, list[SyncStatus]]:
        seen: list[SyncStatus] = []
        client = CenterClient(url or self.center.url, str(kwargs.pop("token", self.token)), timeout=(1, 5))
        kwargs.setdefault("device_id", "BER-K1")
        return SyncWorker(self.store.db, client, on_status=seen.append, **kwargs), seen  # type: ignore[arg-type]

    def products(self, n: int = 3) -> list[tuple[str, int, int]]:
        """(barcode, product id, price) of `n` products with a price and enough stock here."""
        with self.store.db.reading() as s:
            rows = s.execute(text(
                "SELECT MIN(b.code), p.id, pr.gross_cents FROM products p JOIN barcodes b ON b.product_id = p.id "
                "JOIN prices pr ON pr.product_id = p.id AND pr.store_id = 'BER' "
                "JOIN stock st ON st.product_id = p.id AND st.store_id = 'BER' "
                "WHERE p.active AND st.quantity >= 5 GROUP BY p.id ORDER BY p.id LIMIT :n"), {"n": n}).all()
        assert len(rows) == n
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def quantity(self, product_id: int) -> int:
        with self.store.db.reading() as s:
            return s.execute(text("SELECT quantity FROM stock WHERE product_id = :p AND store_id = 'BER'"),
                             {"p": product_id}).scalar_one()

    def center_sales(self) -> list[tuple[str, str, int]]:
        rows = self.center.admin("GET", "/v1/admin/sales", params={"device_id": "BER-K1"}).json()
        return sorted((r["sale_id"], r["receipt_number"], r["total_cents"]) for r in rows)

    def local_sales(self) -> list[tuple[str, str, int]]:
        with self.store.db.reading() as s:
            return sorted((r.id, r.receipt_number, r.total_cents) for r in s.query(Sale))

    def center_quantity(self, product_id: int) -> int:
        [row] = self.center.admin("GET", "/v1/admin/stock",
                                  params={"product_id": [product_id], "store_id": "BER"}).json()
        return row["quantity"]


@pytest.fixture
def till(center: BackendServer, store_path: Path) -> Iterator[Till]:
    with sqlite3.connect(store_path) as conn:  # the center's catalog comes with the first pull
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
    store = open_store(store_path)
    token = center.register_device("BER-K1", "BER", "Kasse 1")
    first = Till(store, center, token)
    worker, seen = first.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    yield first
    store.close()


def test_first_pull_builds_the_catalog_in_pages_with_progress_and_a_failed_page_keeps_the_cursor(
        center, store_path, monkeypatch):
    with sqlite3.connect(store_path) as conn:
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
    store = open_store(store_path)
    till = Till(store, center, center.register_device("BER-K1", "BER", "Kasse 1"))
    try:
        calls = []

        def fail_on_second_page(*args: object) -> None:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("disk full (injected)")
            return original(*args)

        original = feed._apply_customers
        monkeypatch.setattr(feed, "_apply_customers", fail_on_second_page)
        worker, seen = till.worker(page_size=500)
        delay = worker.run_cycle()
        assert seen[-1].state is State.ERROR and "disk full" in seen[-1].last_error and 0 <= delay <= 1
        with store.db.reading() as s:
            after_first = s.get(SyncState, 1).cursor
            products = s.execute(text("SELECT COUNT(*) FROM products")).scalar_one()
        assert 0 < after_first and 0 < products  # page 1 committed with its cursor, page 2 not at all

        monkeypatch.undo()
        worker, seen = till.worker(page_size=500)
        assert worker.run_cycle() == worker.interval_s
        progress = [(st.pull_done, st.pull_total) for st in seen if st.pulling]
        assert len(progress) >= 3 and progress == sorted(progress)
        assert seen[-1].state is State.ONLINE and seen[-1].last_sync_at is not None
        with store.db.reading() as s:
            state = s.get(SyncState, 1)
            counts = s.execute(text("SELECT (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM prices), "
                                    "(SELECT COUNT(*) FROM customers)")).one()
        assert state.cursor > after_first and state.cursor <= state.high_water
        center_db = create_engine(center.database_url)
        with center_db.connect() as conn:
            expected = conn.execute(text("SELECT (SELECT COUNT(*) FROM products), "
                                         "(SELECT COUNT(*) FROM prices WHERE store_id = 'BER'), "
                                         "(SELECT COUNT(*) FROM customers)")).one()
        center_db.dispose()
        assert tuple(counts) == tuple(expected)
        code, pid, cents = till.products(1)[0]
        found = store.catalog.by_barcode(code)
        assert found is not None and (found.product_id, found.unit_price_cents) == (pid, cents)
    finally:
        store.close()


def test_sales_made_while_the_center_is_down_go_out_exactly_once(till):
    (code_a, _, _), (code_b, _, _) = till.products(2)
    till.center.stop()
    done = [sell(till.store, code_a), sell(till.store, code_a, code_b), sell(till.store, code_b)]
    worker, seen = till.worker()
    assert 0 <= worker.run_cycle() <= 1
    assert seen[-1].state is State.OFFLINE and seen[-1].pending == 3
    assert seen[-1].oldest_pending_age_s is not None

    till.center.start()  # same database, same port
    worker.wake()
    assert worker.run_cycle() == worker.interval_s
    assert seen[-1].state is State.ONLINE and seen[-1].pending == 0
    assert till.center_sales() == till.local_sales() and len(till.local_sales()) == 3
    assert set(statuses(till.store).values()) == {"sent"}
    assert {d.receipt_number for d in done} == {r for _, r, _ in till.center_sales()}

    worker.run_cycle()  # nothing new: nothing sent twice
    assert len(till.center_sales()) == 3


def test_a_lost_answer_is_sent_again_comes_back_duplicate_and_nothing_doubles(till):
    (code, pid, _), = till.products(1)
    before = till.center_quantity(pid)
    for _ in range(4):
        sell(till.store, code)
    with FaultProxy(till.center.url, plan=FaultPlan(path_prefix="/v1/events")) as proxy:
        proxy.force("lost_response")  # the center commits, the answer never arrives
        worker, seen = till.worker(proxy.url, batch_size=2)
        worker.run_cycle()
        assert seen[-1].state is State.OFFLINE and seen[-1].pending == 4
        assert len(till.center_sales()) == 2  # the first batch is in, the till does not know
        assert worker.run_cycle() == worker.interval_s
    assert seen[-1].pending == 0 and till.center_sales() == till.local_sales()
    processed = till.center.admin("GET", "/v1/admin/events", params={"device_id": "BER-K1"}).json()
    sale_events = [e for e in processed if e["type"] == "sale.completed"]
    assert len(sale_events) == 4 and {e["outcome"] for e in sale_events} == {"applied"}
    assert till.center_quantity(pid) == before - 4 == till.quantity(pid)
    rows = outbox_rows(till.store)
    assert all(r.status == "sent" and r.change_seq for r in rows)
    assert sorted(r.attempts for r in rows) == [1, 1, 2, 2]  # the first two went twice


def test_a_sale_of_a_product_the_center_does_not_know_is_booked_aside_and_reconciled(till):
    """A product only this till knows (issue 12): the sale is not refused and its goods are not
    dropped; the center books it with the till's line under a placeholder product, stock moves
    there too, and an unknown_product item opens with the line's value."""
    from pos_app.reconciliations import ReconciliationDesk
    from tests.consistency import differences

    (code, pid, cents), = till.products(1)
    with till.store.db.writing() as s:  # a product only this till knows
        s.execute(text("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                       "VALUES (999001, 'LOCAL-1', 'Nur lokal bekannt', 'Test', 19, 1)"))
        s.execute(text("INSERT INTO barcodes (code, product_id, symbology) VALUES ('LOCAL-1', 999001, 'CODE128')"))
        s.add(Price(product_id=999001, store_id="BER", gross_cents=500))
    first = sell(till.store, code)
    odd = sell(till.store, "LOCAL-1")
    last = sell(till.store, code)
    again = sell(till.store, "LOCAL-1", "LOCAL-1")  # a second sale of it: an item of its own
    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s
    assert worker.run_cycle() == worker.interval_s  # the feed brings the figures and the items
    assert set(statuses(till.store).values()) == {"sent"} and till.store.conflicts() == []
    assert {r for _, r, _ in till.center_sales()} == {s.receipt_number for s in (first, odd, last, again)}
    assert till.center_quantity(999001) == till.quantity(999001) == -3  # what left, on both sides
    items = till.center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "BER"}).json()
    assert sorted((i["kind"], i["amount_cents"], i["details"]["quantity"]) for i in items) == [
        ("unknown_product", 500, 1), ("unknown_product", 1000, 2)]  # no second, negative-stock item
    mine = next(i for i in items if i["details"]["receipt_number"] == odd.receipt_number)
    assert mine["refs"] == [event_id_of(till.store, odd.sale_id)]
    assert (mine["details"]["name"], mine["details"]["sku"]) == ("Nur lokal bekannt", "LOCAL-1")
    center_db = create_engine(till.center.database_url)
    with center_db.connect() as conn:
        line = conn.execute(text("SELECT product_id, sku, name, unit_price_cents FROM sale_lines "
                                 "WHERE sale_id = :s"), {"s": odd.sale_id}).one()
    center_db.dispose()
    assert tuple(line) == (999001, "LOCAL-1", "Nur lokal bekannt", 500)  # the till's line, kept
    desk = ReconciliationDesk(till.store)
    assert sorted(i.kind for i in desk.items()) == ["unknown_product", "unknown_product"]
    assert "Nur lokal bekannt" in next(i for i in desk.items() if i.id == mine["id"]).subject
    assert differences(till.center.database_url, till.store) == []
    for item in desk.items():
        desk.close(item.id, "written_off", "Muster, ausgebucht", 2, "Jonas Weber")
    assert worker.run_cycle() == worker.interval_s and worker.run_cycle() == worker.interval_s
    assert till.center.admin("GET", "/v1/admin/reconciliations", params={"store_id": "BER"}).json() == []
    assert differences(till.center.database_url, till.store) == []


def test_a_legacy_unknown_product_conflict_acknowledged_is_sent_again_not_dropped(till):
    """A conflict an older center raised for an unknown product: acknowledging it no longer drops
    the goods; it goes out again and today's center books it."""
    from pos_app.store.models import OutboxEvent as Row

    with till.store.db.writing() as s:
        s.execute(text("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                       "VALUES (999002, 'LOCAL-2', 'Alt', 'Test', 19, 1)"))
        s.execute(text("INSERT INTO barcodes (code, product_id, symbology) VALUES ('LOCAL-2', 999002, 'CODE128')"))
        s.add(Price(product_id=999002, store_id="BER", gross_cents=700))
    bad = sell(till.store, "LOCAL-2")
    bad_id = event_id_of(till.store, bad.sale_id)
    with till.store.db.writing() as s:  # as an older center answered it
        row = s.get(Row, bad_id)
        row.status, row.reason = "conflict", "unknown product id 999002"
    till.store.decide_conflict(bad_id, resend=False, manager_id=2, manager_name="Jonas Weber")
    assert statuses(till.store)[bad_id] == "resent"
    worker, _ = till.worker()
    assert worker.run_cycle() == worker.interval_s and worker.run_cycle() == worker.interval_s
    assert till.store.conflicts() == [] and till.center_quantity(999002) == till.quantity(999002) == -1
    assert bad.receipt_number in {r for _, r, _ in till.center_sales()}


def test_price_and_stock_changes_at_the_center_reach_the_till(till):
    (code, pid, _), = till.products(1)
    run_cli("simulate", "--prices", "400", "--stock", "400", "--seed", "5", "--database-url",
            till.center.database_url)
    worker, _ = till.worker()
    assert worker.run_cycle() == worker.interval_s
    center_db = create_engine(till.center.database_url)
    with center_db.connect() as conn:
        prices = dict(conn.execute(text("SELECT product_id, gross_cents FROM prices WHERE store_id = 'BER'")).all())
        stock = dict(conn.execute(text("SELECT product_id, quantity FROM stock WHERE store_id = 'BER'")).all())
    center_db.dispose()
    with till.store.db.reading() as s:
        local_prices = dict(s.execute(text("SELECT product_id, gross_cents FROM prices WHERE store_id = 'BER'")).all())
        local_stock = dict(s.execute(text("SELECT product_id, quantity FROM stock WHERE store_id = 'BER'")).all())
    assert local_prices == prices and local_stock == stock
    # the till reads the catalog from the database: the new price is there without a reload
    assert till.store.catalog.by_barcode(code).unit_price_cents == prices[pid]


def test_stock_another_till_sells_and_our_own_unsent_sale_are_counted_once_each(till):
    (code, pid, cents), = till.products(1)
    start = till.quantity(pid)
    assert start == till.center_quantity(pid)
    mine = sell(till.store, code, code)  # seen here at once, not sent yet
    assert till.quantity(pid) == start - 2

    # the other till of the store sells one; the center's figure moves
    k2 = CenterClient(till.center.url, till.center.register_device("BER-K2", "BER", "Kasse 2"))
    [result] = k2.push([_sale_event("BER-K2", pid, cents)]).results
    assert result.outcome.value == "applied"
    worker, _ = till.worker()
    worker.pull()  # the feed brings 'start - 1'; our own 2 are still on top
    assert till.quantity(pid) == start - 3

    worker.run_cycle()  # push ours (the center: start - 3), then pull: no double count
    assert till.center_quantity(pid) == start - 3 == till.quantity(pid)
    with till.store.db.reading() as s:
        assert s.query(StockMovement).count() == 0
        assert s.get(OutboxEvent, event_id_of(till.store, mine.sale_id)).change_seq is not None


@pytest.mark.consistency_exempt("the till ends registered for another store on purpose: it cannot sync")
def test_wrong_token_and_wrong_store_stop_retrying_until_woken(till):
    sell(till.store, till.products(1)[0][0])
    worker, seen = till.worker(token="not-a-token")
    assert worker.run_cycle() is None
    assert seen[-1].state is State.AUTH_ERROR and "HTTP 401" in seen[-1].last_error

    ham = till.center.register_device("BER-K1", "HAM", "Kasse 1")  # registered for another store
    worker, seen = till.worker(token=ham)
    assert worker.run_cycle() is None
    assert seen[-1].state is State.AUTH_ERROR and "HTTP 403" in seen[-1].last_error

    other = till.center.register_device("BER-K2", "BER", "Kasse 2")  # another till's token
    worker, seen = till.worker(token=other)
    assert worker.run_cycle() is None
    assert seen[-1].last_error == "Das Geräte-Token gehört zu BER-K2 (BER), diese Kasse ist BER-K1"
    assert list(statuses(till.store).values()) == ["pending"]


def test_the_worker_thread_recovers_when_the_center_comes_back_and_wake_is_called(till):
    online = threading.Event()
    worker, seen = till.worker(interval_s=60)
    worker.on_status = lambda st: (seen.append(st), online.set() if st.state is State.ONLINE else online.clear())
    till.center.kill()  # a crash at the center
    sell(till.store, till.products(1)[0][0])
    worker.start()
    try:
        for _ in range(100):
            if seen and seen[-1].state is State.OFFLINE:
                break
            threading.Event().wait(0.05)
        assert seen[-1].state is State.OFFLINE
        till.center.start()
        worker.wake()  # what the UI does when the OS says the network is back
        assert online.wait(10)
        assert till.center_sales() == till.local_sales()
    finally:
        assert worker.stop(timeout=10)


def _sale_event(device_id: str, product_id: int, cents: int) -> Event:
    now = datetime.now(timezone.utc)
    return Event(id=uuid.uuid4(), device_id=device_id, seq=1, type="sale.completed", schema_version=1,
                 created_at=now, payload={
                     "sale_id": str(uuid.uuid4()), "receipt_number": f"{device_id}-000001", "store_id": "BER",
                     "device_id": device_id, "cashier_id": 1, "created_at": now.isoformat(), "total_cents": cents,
                     "cart_discount_cents": 0,
                     "lines": [{"line_no": 1, "product_id": product_id, "sku": "X", "name": "X", "quantity": 1,
                                "unit_price_cents": cents, "list_price_cents": cents, "line_discount_cents": 0,
                                "cart_discount_cents": 0, "total_cents": cents, "vat_percent": 19}],
                     "tenders": [{"kind": "cash", "amount_cents": cents, "given_cents": cents}],
                     "vat": [{"percent": 19, "gross_cents": cents, "vat_cents": cents * 19 // 119}]})


def test_killed_between_the_answer_and_marking_it_locally_is_a_duplicate_next_time(till, monkeypatch):
    from pos_app.store import outbox

    (code, pid, _), = till.products(1)
    before = till.center_quantity(pid)
    sell(till.store, code)
    sell(till.store, code)

    def crash(*_args: object) -> None:
        raise OSError("power cut (injected) after the center answered")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    worker, seen = till.worker()
    worker.run_cycle()
    assert seen[-1].state is State.ERROR and seen[-1].pending == 2
    assert len(till.center_sales()) == 2  # the center has them; the till does not know
    monkeypatch.undo()
    assert worker.run_cycle() == worker.interval_s
    assert seen[-1].pending == 0 and till.center_sales() == till.local_sales()
    assert till.center_quantity(pid) == before - 2 == till.quantity(pid)
