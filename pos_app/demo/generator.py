"""Deterministic demo data for "Wohnen & Mode", a German home-and-fashion retailer: three stores
and an online shop, their tills and tablets, staff with PINs, a hand-named catalog (optionally
padded with synthetic variants up to a million products) and a customer file.

Same seed, same rows: every random choice comes from `random.Random` streams seeded from the
seed and the stage's name (so asking for more products does not change the customers). Only the
staff's argon2 PIN hashes differ between runs: argon2 salts are random by design.

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
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from pos_app.demo import catalog, people
from pos_app.demo.synthetic import price_point, synthetic_products
from pos_app.pins import hash_pin
from pos_app.store.db import open_database

Progress = Callable[[str, int, int], None]

CHUNK_ROWS = 50_000
DEFAULT_CUSTOMERS = 2_000
DEFAULT_SEED = 42

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


def _de_vat_id(body: str) -> str:
    """German USt-IdNr.: DE + 8 digits + ISO 7064 MOD 11,10 check digit (as the BZSt checks)."""
    product = 10
    for ch in body:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    return f"DE{body}{(11 - product) % 10}"


VAT_ID = _de_vat_id("29384756")  # one company, so one VAT id for every store
COMPANY = "Wohnen & Mode GmbH"

# (id, name, kind, street, zip, city, phone); names fit a 32-character receipt line.
STORES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("BER", "Wohnen & Mode Berlin", "store", "Friedrichstraße 123", "10117", "Berlin", "030 20945670"),
    ("HAM", "Wohnen & Mode Hamburg", "store", "Mönckebergstraße 7", "20095", "Hamburg", "040 30951230"),
    ("MUC", "Wohnen & Mode München", "store", "Kaufingerstraße 28", "80331", "München", "089 21558840"),
    ("WEB", "Wohnen & Mode Onlineshop", "web", "Am Borsigturm 40", "13507", "Berlin", "0800 7234567"),
)
STORE_IDS = tuple(s[0] for s in STORES)
PHYSICAL_STORES = tuple(s[0] for s in STORES if s[2] == "store")

DEVICES: tuple[tuple[str, str, str], ...] = tuple(
    (f"{store}-{code}", store, name) for store in PHYSICAL_STORES
    for code, name in (("K1", "Kasse 1"), ("T1", "Tablet 1")))

_STAFF: tuple[tuple[str, str, str | None], ...] = (
    ("Lena Schmidt", "cashier", "BER"), ("Aylin Yılmaz", "associate", "BER"), ("Jonas Weber", "manager", "BER"),
    ("Mia Schröder", "cashier", "HAM"), ("Finn Petersen", "associate", "HAM"), ("Katrin Jäger", "manager", "HAM"),
    ("Lukas Huber", "cashier", "MUC"), ("Theresa Maier", "associate", "MUC"), ("Florian Groß", "manager", "MUC"),
    ("Sabine Krüger", "manager", None),  # Bezirksleitung: may approve in every store
)


def demo_staff() -> list[DemoStaff]:
    """Everyone who can log in to the demo, with their PIN (ids are 1.. in this order)."""
    return [DemoStaff(name, role, store, DEMO_PINS[role]) for name, role, store in _STAFF]


# The demo story: a customer in Berlin wants the green velvet sofa; the last one is in Hamburg.
SHOWCASE_STOCK: dict[str, dict[str, int]] = {
    catalog.GREEN_SOFA: {"BER": 0, "HAM": 1, "MUC": 0, "WEB": 0},
    catalog.BLUE_SOFA: {"BER": 2, "HAM": 0, "MUC": 1, "WEB": 6},
}

EAN8_LIMIT = 400_000  # EAN-8 bodies 4000000-4399999 stay inside GS1 Germany's 400-439
UPC_BASE = 70_123_400_000  # 11-digit UPC-A body of an (invented) US importer


class DemoDataExists(FileExistsError):
    """The target file already holds data; generating again needs force=True / --force."""


@dataclass(frozen=True)
class GenerateResult:
    path: Path
    products: int
    customers: int
    seconds: float


def gtin(body: str) -> str:
    """`body` with its GS1 check digit: the same as pos_app.gtin.with_check_digit (the tests
    hold it to that) but summing bytes, three times faster, which is 4 s on a million products."""
    b = body[::-1].encode()
    odd, even = b[0::2], b[1::2]
    return body + str(-(3 * sum(odd) + sum(even) - 48 * (3 * len(odd) + len(even))) % 10)


# Prices and stock come four rows (one per store) to a statement: a third less time per row.
_PER_STORE_VALUES = ", ".join(["(?, ?, ?)"] * len(STORE_IDS))
_INSERT_PRICES = f"INSERT INTO prices (product_id, store_id, gross_cents) VALUES {_PER_STORE_VALUES}"
_INSERT_STOCK = f"INSERT INTO stock (product_id, store_id, quantity) VALUES {_PER_STORE_VALUES}"


class _Rows:
    """Builds the rows of one product (products, barcodes, prices, stock) into chunk lists."""

    def __init__(self) -> None:
        self.products: list[tuple] = []
        self.barcodes: list[tuple] = []
        self.prices: list[tuple] = []
        self.stock: list[tuple] = []
        self.ean8 = self.upc = self.internal = 0
        self.item_refs: dict[str, int] = {}

    def clear(self) -> None:
        self.products, self.barcodes, self.prices, self.stock = [], [], [], []

    def add(self, pid: int, name: str, cat: catalog.Category, price: int, x: int, hand: bool) -> None:
        self.products.append((pid, f"WM-{pid:06d}", name, cat.name, cat.vat_percent, 1))
        if hand:  # hand-named: the range supplier's company prefix and its own item reference
            ref = self.item_refs[cat.gcp] = self.item_refs.get(cat.gcp, 1000) + 1
            body = f"{cat.gcp}{ref:05d}"
        else:  # synthetic: prefix 400, item reference = product id (never meets a supplier's)
            body = f"40{pid:010d}"
        codes = self.barcodes
        codes.append((gtin(body), pid, "EAN13"))
        x, r = divmod(x, 100)
        if cat.small and r < 15 and self.ean8 < EAN8_LIMIT:
            codes.append((gtin(f"4{self.ean8:06d}"), pid, "EAN8"))
            self.ean8 += 1
        x, r = divmod(x, 100)
        if r < 4 and cat.vat_percent == 19:  # imported goods keep their American UPC-A
            codes.append(("0" + gtin(f"{UPC_BASE + self.upc:011d}"), pid, "UPCA"))
            self.upc += 1
        x, r = divmod(x, 100)
        if r < 5:  # relabelled in the store's own workshop
            self.internal += 1
            codes.append((f"WM-INT-{self.internal:05d}", pid, "CODE128"))

        munich = price_point(price * 105 // 100, price) if cat.munich_markup else price
        x, r = divmod(x, 100)
        # An online offer (-10 %) on some items from 20 €; never on books (Buchpreisbindung).
        web = price_point(price * 90 // 100, price) if r < 8 and price >= 20_00 and cat.vat_percent == 19 else price
        self.prices.append((pid, "BER", price, pid, "HAM", price, pid, "MUC", munich, pid, "WEB", web))

        fixed = SHOWCASE_STOCK.get(name) if hand else None
        stock: tuple = ()
        for store in STORE_IDS:
            top = cat.stock_web if store == "WEB" else cat.stock_store
            x, qty = divmod(x, top + 1)
            x, empty = divmod(x, 5)  # one in five variants is sold out in a given place
            stock += (pid, store, fixed[store] if fixed else (0 if empty == 0 else qty))
        self.stock.append(stock)


def _product_specs(total: int, seed: int) -> Iterator[tuple[str, catalog.Category, int, int, bool]]:
    hand_rng = random.Random(f"{seed}:catalog")
    hand = 0
    for name, fam, price in catalog.hand_named():
        hand += 1
        yield name, fam.category, price, hand_rng.getrandbits(128), True
    for name, cat, price, x in synthetic_products(random.Random(f"{seed}:synthetic"), max(0, total - hand)):
        yield name, cat, price, x, False


def hand_named_count() -> int:
    """How many hand-named products there are (what --products 0 gives)."""
    return sum(1 for _ in catalog.hand_named())


def _load_master(conn: sqlite3.Connection, progress: Progress) -> None:
    staff = demo_staff()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [s + (VAT_ID,) for s in STORES])
    conn.executemany("INSERT INTO devices (id, store_id, name, last_receipt_no, last_event_seq) "
                     "VALUES (?, ?, ?, 0, 0)", DEVICES)
    for n, person in enumerate(staff, start=1):  # argon2 costs ~40 ms a hash, hence the progress
        conn.execute("INSERT INTO staff (id, name, role, store_id, pin_hash, failed_attempts, locked_until, "
                     "active) VALUES (?, ?, ?, ?, ?, 0, NULL, 1)",
                     (n, person.name, person.role, person.store_id, hash_pin(person.pin)))
        progress(STAGE_MASTER, n, len(staff))
    conn.execute("COMMIT")


def _load_products(conn: sqlite3.Connection, products: int, seed: int, progress: Progress) -> int:
    rows = _Rows()
    done = 0
    total = max(products, hand_named_count())
    progress(STAGE_PRODUCTS, 0, total)

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                         "VALUES (?, ?, ?, ?, ?, ?)", rows.products)
        conn.executemany("INSERT INTO barcodes (code, product_id, symbology) VALUES (?, ?, ?)", rows.barcodes)
        conn.executemany(_INSERT_PRICES, rows.prices)
        conn.executemany(_INSERT_STOCK, rows.stock)
        conn.execute("COMMIT")
        rows.clear()
        progress(STAGE_PRODUCTS, done, total)

    for pid, (name, cat, price, x, hand) in enumerate(_product_specs(products, seed), start=1):
        rows.add(pid, name, cat, price, x, hand)
        done = pid
        if len(rows.products) >= CHUNK_ROWS:
            flush()
    if rows.products:
        flush()
    return done


def _load_customers(conn: sqlite3.Connection, count: int, seed: int, progress: Progress) -> None:
    stream = people.customer_rows(random.Random(f"{seed}:customers"), 1, count)
    done = 0
    progress(STAGE_CUSTOMERS, 0, count)
    while chunk := list(islice(stream, CHUNK_ROWS)):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, "
                         "phone, email, home_store_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk)
        conn.execute("COMMIT")
        done += len(chunk)
        progress(STAGE_CUSTOMERS, done, count)


def _deferred_schema(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The FTS insert trigger and the customers' secondary indexes, exactly as migrated."""
    return conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE (type = 'trigger' AND name = 'products_ai') "
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
        report(STAGE_INDEXES, 1, steps)
        for n, (_kind, _name, sql) in enumerate(deferred, start=2):
            conn.execute(sql)
            report(STAGE_INDEXES, n, steps)
        conn.execute("PRAGMA journal_mode=WAL")
    except BaseException:
        conn.close()
        _remove(partial)
        raise
    conn.close()
    _remove(path)
    os.replace(partial, path)
    return GenerateResult(path, made, customers, time.perf_counter() - started)


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
