"""Deterministic demo data for "Wohnen & Mode", a German home-and-fashion retailer: three stores
and an online shop, their tills and tablets, staff with PINs, a hand-named catalog (optionally
padded with synthetic variants up to a million products) and a customer file.

The rows themselves (stores, devices, products with barcodes, prices and stock, customers) come
from pos_app.demo.rows, which the central backend's seed uses too, so a store's demo file and the
center agree on every id. This module adds the staff with their PINs and writes the store's
SQLite file. Same seed, same rows; only the staff's argon2 PIN hashes differ between runs:
argon2 salts are random by design.

Speed (measured on a shared 2-core box: a million products plus a million customers in 45-55 s,
peak RSS ~165 MB, a 790 MB file): the rows are streamed in chunks of CHUNK_ROWS products or
customers and written with plain sqlite3 `executemany`, one transaction per chunk. The file is new and nobody else has it open, so during the load we run
with synchronous=OFF, journal_mode=OFF and foreign_keys=OFF (a crash or power cut half-way leaves
only the `.partial` file behind, which the next run deletes; every foreign key is correct by
construction and the tests run PRAGMA foreign_key_check). The FTS insert trigger and the
customers' secondary indexes are dropped during the load and recreated afterwards from the very
SQL the migration wrote into sqlite_master; one FTS 'rebuild' is much faster than a million
trigger firings (products with the trigger in place: 75 s; without it plus rebuild: 39 s). The finished file is switched back to WAL and renamed into place.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pos_app.demo import rows
from pos_app.demo.rows import (  # noqa: F401  (re-exported: the generator's public names)
    CHUNK_ROWS, COMPANY, DEFAULT_CUSTOMERS, DEFAULT_SEED, DEVICES, EAN8_LIMIT, PHYSICAL_STORES,
    SHOWCASE_STOCK, STORE_IDS, STORES, UPC_BASE, VAT_ID, gtin, hand_named_count)
from pos_app.pins import hash_pin
from pos_app.store.customers import index_all
from pos_app.store.db import open_database

Progress = Callable[[str, int, int], None]

STAGE_MASTER = "Stammdaten"
STAGE_PRODUCTS = "Produkte"
STAGE_CUSTOMERS = "Kunden"
STAGE_INDEXES = "Suchindex"

# Demo PINs, the same for a role in every store (shown as a hint on the demo login screen).
DEMO_PINS: dict[str, str] = {"cashier": "1234", "associate": "5555", "manager": "9999"}


@dataclass(frozen=True)
class DemoStaff:
    name: str
    role: str  # cashier | associate | manager
    store_id: str | None  # None: works in every store
    pin: str


_STAFF: tuple[tuple[str, str, str | None], ...] = (
    ("Lena Schmidt", "cashier", "BER"), ("Aylin Yılmaz", "associate", "BER"), ("Jonas Weber", "manager", "BER"),
    ("Mia Schröder", "cashier", "HAM"), ("Finn Petersen", "associate", "HAM"), ("Katrin Jäger", "manager", "HAM"),
    ("Lukas Huber", "cashier", "MUC"), ("Theresa Maier", "associate", "MUC"), ("Florian Groß", "manager", "MUC"),
    ("Sabine Krüger", "manager", None),  # Bezirksleitung: may approve in every store
)


def demo_staff() -> list[DemoStaff]:
    """Everyone who can log in to the demo, with their PIN (ids are 1.. in this order)."""
    return [DemoStaff(name, role, store, DEMO_PINS[role]) for name, role, store in _STAFF]


class DemoDataExists(FileExistsError):
    """The target file already holds data; generating again needs force=True / --force."""


@dataclass(frozen=True)
class GenerateResult:
    path: Path
    products: int
    customers: int
    seconds: float


# Prices and stock come four rows (one per store) to a statement: a third less time per row.
_PER_STORE_VALUES = ", ".join(["(?, ?, ?)"] * len(STORE_IDS))
_INSERT_PRICES = f"INSERT INTO prices (product_id, store_id, gross_cents) VALUES {_PER_STORE_VALUES}"
_INSERT_STOCK = f"INSERT INTO stock (product_id, store_id, quantity) VALUES {_PER_STORE_VALUES}"


def _load_master(conn: sqlite3.Connection, progress: Progress) -> None:
    staff = demo_staff()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows.store_rows())
    conn.executemany("INSERT INTO devices (id, store_id, name, last_receipt_no, last_event_seq) "
                     "VALUES (?, ?, ?, 0, 0)", DEVICES)
    for n, person in enumerate(staff, start=1):  # argon2 costs ~40 ms a hash, hence the progress
        conn.execute("INSERT INTO staff (id, name, role, store_id, pin_hash, failed_attempts, locked_until, "
                     "active) VALUES (?, ?, ?, ?, ?, 0, NULL, 1)",
                     (n, person.name, person.role, person.store_id, hash_pin(person.pin)))
        progress(STAGE_MASTER, n, len(staff))
    conn.execute("COMMIT")


def _load_products(conn: sqlite3.Connection, products: int, seed: int, progress: Progress) -> int:
    done = 0
    total = rows.product_total(products)
    progress(STAGE_PRODUCTS, 0, total)
    for chunk in rows.product_chunks(products, seed, CHUNK_ROWS):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                         "VALUES (?, ?, ?, ?, ?, ?)", chunk.products)
        conn.executemany("INSERT INTO barcodes (code, product_id, symbology) VALUES (?, ?, ?)", chunk.barcodes)
        conn.executemany(_INSERT_PRICES, chunk.prices)
        conn.executemany(_INSERT_STOCK, chunk.stock)
        conn.execute("COMMIT")
        done = chunk.last_id
        progress(STAGE_PRODUCTS, done, total)
    return done


def _load_customers(conn: sqlite3.Connection, count: int, seed: int, progress: Progress) -> None:
    done = 0
    progress(STAGE_CUSTOMERS, 0, count)
    for chunk in rows.customer_chunks(count, seed, CHUNK_ROWS):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, "
                         "phone, email, home_store_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk)
        conn.execute("COMMIT")
        done += len(chunk)
        progress(STAGE_CUSTOMERS, done, count)


def _deferred_schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The FTS insert triggers and the customers' secondary indexes, exactly as migrated."""
    return conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE (type = 'trigger' AND name IN ('products_ai', 'customer_keys_ai')) "
        "OR (type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL) ORDER BY type, name").fetchall()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def has_data(path: Path | str) -> bool:
    """True if the file holds stores, products, customers, staff or sales (or is no SQLite file
    at all: what we do not understand, we do not overwrite)."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(p)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            return any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None
                       for t in ("stores", "products", "customers", "staff", "sales") if t in tables)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return True


def generate(db_path: Path | str, products: int = 0, customers: int = DEFAULT_CUSTOMERS,
             seed: int = DEFAULT_SEED, progress: Progress | None = None, force: bool = False) -> GenerateResult:
    """Create the demo database at `db_path`.

    products: total number of products; 0 (or anything up to the hand-named count) means just
    the hand-named catalog. Refuses (DemoDataExists) to replace a file that holds data unless
    `force`, which deletes it first. The file is built as `<name>.partial` and renamed into place
    when complete, so a crash never leaves a half-filled store that looks finished.
    """
    if products < 0 or customers < 0:
        raise ValueError("products and customers must not be negative")
    started = time.perf_counter()
    report: Progress = progress or (lambda stage, done, total: None)
    path = Path(db_path)
    if path.exists():
        if force:
            _remove(path)
        elif has_data(path):
            raise DemoDataExists(f"{path} enthält schon Daten; zum Überschreiben --force angeben.")
    partial = path.with_name(path.name + ".partial")
    _remove(partial)
    open_database(partial).close()  # schema via the migrations, then plain sqlite3 for speed
    conn = sqlite3.connect(partial, isolation_level=None)
    try:
        for pragma in ("synchronous=OFF", "journal_mode=OFF", "foreign_keys=OFF", "locking_mode=EXCLUSIVE",
                       "cache_size=-32768", "temp_store=MEMORY"):
            conn.execute(f"PRAGMA {pragma}")
        deferred = _deferred_schema(conn)
        for kind, name, _sql in deferred:
            conn.execute(f'DROP {kind.upper()} "{name}"')
        _load_master(conn, report)
        made = _load_products(conn, products, seed, report)
        _load_customers(conn, customers, seed, report)
        steps = len(deferred) + 1
        report(STAGE_INDEXES, 0, steps)
        conn.execute("INSERT INTO product_fts(product_fts) VALUES ('rebuild')")
        conn.execute("INSERT INTO product_fts(product_fts) VALUES ('optimize')")  # one b-tree: faster search
        conn.execute("BEGIN")
        index_all(conn)  # the customers' search keys (phone, e-mail, folded and phonetic names)
        conn.execute("COMMIT")
        conn.execute("INSERT INTO customer_name_fts(customer_name_fts) VALUES ('rebuild')")  # over the keys
        conn.execute("INSERT INTO customer_name_fts(customer_name_fts) VALUES ('optimize')")
        report(STAGE_INDEXES, 1, steps)
        for n, (_kind, _name, sql) in enumerate(deferred, start=2):
            conn.execute(sql)
            report(STAGE_INDEXES, n, steps)
        _demo_quick_keys(conn)  # the product grid works before the first sync (pos_app.quick_keys.demo)
        conn.execute("PRAGMA journal_mode=WAL")
    except BaseException:
        conn.close()
        _remove(partial)
        raise
    conn.close()
    _remove(path)
    os.replace(partial, path)
    return GenerateResult(path, made, customers, time.perf_counter() - started)


def _demo_quick_keys(conn: sqlite3.Connection) -> None:
    """The demo layout in the file, as the center's `seed --demo` sets it (same names, same ids)."""
    from pos_app.quick_keys import check_layout
    from pos_app.quick_keys.demo import demo_keys

    def product_id(name: str) -> int | None:
        row = conn.execute("SELECT id FROM products WHERE name = ? AND active", (name,)).fetchone()
        return int(row[0]) if row else None

    keys = check_layout(demo_keys(product_id))
    order = {page: i for i, page in enumerate(dict.fromkeys(k.page for k in keys))}
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO quick_keys (page, position, page_order, product_id, label, colour, image) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(k.page, k.position, order[k.page], k.product_id, k.label, k.colour, k.image) for k in keys])
    conn.execute("COMMIT")


def ensure_demo_database(path: Path | str, progress: Progress | None = None) -> bool:
    """First run of the app: make the default demo store file unless there is one already.

    Generates (and returns True) only if the file does not exist or holds nothing (no stores,
    and no products, customers, staff or sales either: a file with data is never replaced).
    Call it before opening the database: the file is replaced by a rename.
    """
    if has_data(path):
        return False
    generate(path, progress=progress)
    return True
