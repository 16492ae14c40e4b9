"""Seeding the center with the demo retailer: the same stores, products (with barcodes, prices
and stock) and customers, with the same ids, as a store's demo file (both come from
pos_app.demo.rows), so a till's local catalog and the center agree from the first pull.

Every seeded row also goes into the change feed, so a device that starts from cursor 0 pulls
the whole catalog: a product change carries its barcodes; each price and stock row is a change
of its own (store-scoped); customers are shared.

All or nothing: the whole load is ONE transaction. A crash half-way leaves no half-seeded
center behind, so "there are products already" reliably means "seeded", and seeding again is a
no-op (the stores are still made sure of). It is meant for the initial load, before devices go
live: while it runs it holds the change counter (see below) and, on PostgreSQL, locks the
catalog tables.

Speed (1,000,000 products + 1,000,000 customers, 10,000,000 change rows: ~2 minutes on
PostgreSQL on a 2-core box): rows are generated in chunks of CHUNK_ROWS products or customers.
PostgreSQL loads them with COPY (psycopg's cursor.copy), SQLite with executemany. On PostgreSQL
the foreign keys of the loaded tables and the feed's secondary index are dropped at the start
of the transaction and added again (same names, same definitions; the keys validated by one
join each, the index built by one sort) before it commits: per-row foreign-key triggers made
COPY into prices and stock 8x slower, and the index costs a quarter of the change rows' time.
DDL is transactional there, so a crash rolls the drops back with everything else. The change
data is rendered straight to JSON text (prices and stock with an f-string, several times faster
than json.dumps, which matters at ten million rows).

The commit-order rule (backend.changelog) holds: numbers come from the counter row, whose lock
the load takes with its first chunk's numbers and keeps until it commits, so no other writer
can commit a number between or below them.

Thread: the caller's (the CLI).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, select, text

from backend import changelog, customer_search
from backend.db import BackendDatabase
from backend.models import Product, Store
from pos_app.demo import rows
from sync.protocol import ChangeKind

Progress = Callable[[str, int, int], None]
CHUNK_ROWS = 20_000
_LOADED_TABLES = ("barcodes", "prices", "stock", "customers", "customer_search_keys")
_REBUILT_INDEXES = ("ix_changes_store_seq",)
STAGE_PRODUCTS = "products"
STAGE_CUSTOMERS = "customers"

_PRODUCT_COLUMNS = ("id", "sku", "name", "category", "vat_percent", "active")
_CUSTOMER_COLUMNS = ("id", "number", "first_name", "last_name", "street", "zip_code", "city", "phone", "email",
                     "home_store_id")
_CHANGE_COLUMNS = ("seq", "kind", "key", "store_id", "data", "created_at")


@dataclass(frozen=True)
class SeedResult:
    products: int
    customers: int
    changes: int
    seconds: float
    skipped: bool = False  # the center had products already


def _bulk(conn: Connection, dialect: str, table: str, columns: Sequence[str], data: Iterable[tuple]) -> None:
    """Append rows to `table` inside the connection's current transaction, as fast as the
    database allows (COPY on PostgreSQL)."""
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(data))


def _append_changes(conn: Connection, dialect: str, changes: list[tuple[str, str, str | None, str]],
                    now: datetime) -> int:
    """The seed's bulk version of changelog.append: `changes` are (kind, key, store_id, JSON
    text). The first call takes the counter's row lock, held until the load commits."""
    last = changelog.take_sequences(conn, len(changes))
    first = last - len(changes) + 1
    stamp = _timestamp_text(now, dialect)
    _bulk(conn, dialect, "changes", _CHANGE_COLUMNS,
          ((first + i, kind, key, store, data, stamp) for i, (kind, key, store, data) in enumerate(changes)))
    return last


@contextmanager
def _bulk_load_mode(conn: Connection, dialect: str) -> Iterator[None]:
    """PostgreSQL: drop the loaded tables' foreign keys and the feed's secondary index now; add
    them back when the block ends without an error (the keys validated by one join each, the
    index built in one sort). On an error the transaction rolls back, drops included."""
    if dialect != "postgresql":
        yield
        return
    keys = conn.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables) ORDER BY 1, 2"),
        {"tables": list(_LOADED_TABLES)}).all()
    indexes = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'changes' "
        "AND indexname = ANY(:names) ORDER BY 1"), {"names": list(_REBUILT_INDEXES)}).all()
    for table, name, _definition in keys:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _name, definition in indexes:
        conn.execute(text(definition))
    for table, name, definition in keys:
        conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))


def _timestamp_text(moment: datetime, dialect: str) -> str:
    """`moment` as the column stores it: text skips a per-row conversion in COPY, and on SQLite
    it must match SQLAlchemy's own storage format to read back."""
    if dialect == "postgresql":
        return moment.isoformat()
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", timespec="microseconds")


def ensure_stores(db: BackendDatabase) -> None:
    """The demo retailer's stores (BER, HAM, MUC, WEB); existing rows are left alone."""
    table = Store.__table__
    with db.writing() as conn:
        stmt = db.insert(table).values([dict(zip(table.c.keys(), s)) for s in rows.store_rows()])
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


def demo_cost_cents(lowest_gross_cents: int, vat_percent: int) -> int:
    """The demo retailer's cost price (issue 14): 55 % of the lowest net retail price, a
    plausible margin for home goods."""
    return lowest_gross_cents * 100 * 55 // ((100 + vat_percent) * 100)


def _chunk_costs(chunk: rows.ProductChunk) -> dict[int, int]:
    lowest: dict[int, int] = {}
    for row in chunk.prices:
        for i in range(0, len(row), 3):
            pid, value = row[i], row[i + 2]
            lowest[pid] = min(lowest.get(pid, value), value)
    vat = {p[0]: p[4] for p in chunk.products}
    return {pid: demo_cost_cents(g, vat.get(pid, 19)) for pid, g in lowest.items()}


def _product_changes(chunk: rows.ProductChunk, cost: dict[int, int]) -> list[tuple[str, str, str | None, str]]:
    codes: dict[int, list[dict[str, str]]] = {}
    for code, pid, symbology in chunk.barcodes:
        codes.setdefault(pid, []).append({"code": code, "symbology": symbology})
    product, price, stock = ChangeKind.PRODUCT.value, ChangeKind.PRICE.value, ChangeKind.STOCK.value
    out: list[tuple[str, str, str | None, str]] = [
        (product, str(pid), None, json.dumps(
            {"id": pid, "sku": sku, "name": name, "category": category, "vat_percent": vat, "active": bool(active),
             "barcodes": codes.get(pid, []), **({"cost_cents": cost[pid]} if pid in cost else {})},
            ensure_ascii=False, separators=(",", ":")))
        for pid, sku, name, category, vat, active in chunk.products]
    for flat, kind, field in ((chunk.prices, price, "gross_cents"), (chunk.stock, stock, "quantity")):
        for row in flat:
            for i in range(0, len(row), 3):
                pid, store, value = row[i], row[i + 1], row[i + 2]
                out.append((kind, f"{pid}@{store}", store,
                            f'{{"product_id":{pid},"store_id":"{store}","{field}":{value}}}'))
    return out


def _split_per_store(flat_rows: list[tuple]) -> Iterable[tuple]:
    for row in flat_rows:
        for i in range(0, len(row), 3):
            yield row[i:i + 3]


def seed(db: BackendDatabase, products: int = 0, customers: int = rows.DEFAULT_CUSTOMERS,
         seed: int = rows.DEFAULT_SEED, progress: Progress | None = None,
         chunk_rows: int = CHUNK_ROWS) -> SeedResult:
    """Load the demo retailer; `products` as in the store's generator (0: the hand-named
    catalog; N: N products in total). Returns what was loaded (nothing if already seeded)."""
    if products < 0 or customers < 0:
        raise ValueError("products and customers must not be negative")
    started = time.perf_counter()
    report: Progress = progress or (lambda stage, done, total: None)
    ensure_stores(db)
    dialect = db.dialect
    made = customers_done = appended = 0
    with db.writing() as conn:
        if conn.execute(select(Product.id).limit(1)).first() is not None:
            return SeedResult(0, 0, 0, time.perf_counter() - started, skipped=True)
        with _bulk_load_mode(conn, dialect):
            total = rows.product_total(products)
            report(STAGE_PRODUCTS, 0, total)
            for chunk in rows.product_chunks(products, seed, chunk_rows):
                cost = _chunk_costs(chunk)
                changes = _product_changes(chunk, cost)
                _bulk(conn, dialect, "products", _PRODUCT_COLUMNS, chunk.products)
                _bulk(conn, dialect, "barcodes", ("code", "product_id", "symbology"), chunk.barcodes)
                _bulk(conn, dialect, "prices", ("product_id", "store_id", "gross_cents"),
                      _split_per_store(chunk.prices))
                _bulk(conn, dialect, "stock", ("product_id", "store_id", "quantity"), _split_per_store(chunk.stock))
                stamp = _timestamp_text(datetime.now(timezone.utc), dialect)
                _bulk(conn, dialect, "product_costs", ("product_id", "cost_cents", "updated_at"),
                      ((pid, c, stamp) for pid, c in sorted(cost.items())))
                _append_changes(conn, dialect, changes, datetime.now(timezone.utc))
                made, appended = chunk.last_id, appended + len(changes)
                report(STAGE_PRODUCTS, made, total)

            report(STAGE_CUSTOMERS, 0, customers)
            kind = ChangeKind.CUSTOMER.value
            for people in rows.customer_chunks(customers, seed, chunk_rows):
                changes = [(kind, str(row[0]), None, json.dumps(dict(zip(_CUSTOMER_COLUMNS, row)),
                                                                 ensure_ascii=False, separators=(",", ":")))
                           for row in people]
                _bulk(conn, dialect, "customers", _CUSTOMER_COLUMNS, people)
                _bulk(conn, dialect, "customer_search_keys", customer_search.KEY_COLUMNS,
                      customer_search.rows_for_people(people))
                _append_changes(conn, dialect, changes, datetime.now(timezone.utc))
                customers_done, appended = customers_done + len(people), appended + len(changes)
                report(STAGE_CUSTOMERS, customers_done, customers)

    if dialect == "postgresql":  # fresh statistics, so the feed's plan is right from the start
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return SeedResult(made, customers_done, appended, time.perf_counter() - started)
