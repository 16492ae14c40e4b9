"""The demo retailer's rows, as plain tuples: stores, devices, products with their barcodes,
prices and stock, and customers. Deterministic per seed, streamed in chunks.

Why a module of its own: two databases are filled with the same retailer. The store app writes
them into its SQLite file (pos_app.demo.generator) and the central backend seeds PostgreSQL or
SQLite with them (backend.seed). Both must agree on every id, SKU, barcode, price and stock
figure, or a till's local catalog and the center's change feed would disagree about product 42.
So the row generation lives here, free of any database code: this module imports nothing from
pos_app.store or pos_app.pins (the staff and their argon2 PIN hashes stay in the generator; the
center does not need staff yet), and the backend may import it (see the import-linter contracts
in pyproject.toml).

Same seed, same rows: every random choice comes from `random.Random` streams seeded from the
seed and the stage's name (so asking for more products does not change the customers).

Row shapes (the column order of the store's tables, pos_app/store/models.py):
  stores    (id, name, kind, street, zip_code, city, phone, vat_id)
  devices   (id, store_id, name)
  products  (id, sku, name, category, vat_percent, active)
  barcodes  (code, product_id, symbology)
  prices    one flat tuple per product: (product_id, store_id, gross_cents) repeated for every
            store in STORE_IDS order, so that one INSERT writes a product's four rows
  stock     the same, with quantity in place of gross_cents
  customers (id, number, first_name, last_name, street, zip_code, city, phone, email, home_store_id)
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from pos_app import limits
from pos_app.demo import catalog, people
from pos_app.demo.synthetic import price_point, synthetic_products
from pos_app.i18n import N_

CHUNK_ROWS = 50_000
DEFAULT_CUSTOMERS = 2_000
DEFAULT_SEED = 42


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

# The demo story: a customer in Berlin wants the green velvet sofa; the last one is in Hamburg.
SHOWCASE_STOCK: dict[str, dict[str, int]] = {
    catalog.GREEN_SOFA: {"BER": 0, "HAM": 1, "MUC": 0, "WEB": 0},
    catalog.BLUE_SOFA: {"BER": 2, "HAM": 0, "MUC": 1, "WEB": 6},
}

EAN8_LIMIT = 400_000  # EAN-8 bodies 4000000-4399999 stay inside GS1 Germany's 400-439
UPC_BASE = 70_123_400_000  # 11-digit UPC-A body of an (invented) US importer


def store_rows() -> list[tuple[str, str, str, str, str, str, str, str]]:
    """Every store with the company's VAT id: (id, name, kind, street, zip, city, phone, vat_id)."""
    return [s + (VAT_ID,) for s in STORES]


def gtin(body: str) -> str:
    """`body` with its GS1 check digit: the same as pos_app.gtin.with_check_digit (the tests
    hold it to that) but summing bytes, three times faster, which is 4 s on a million products."""
    b = body[::-1].encode()
    odd, even = b[0::2], b[1::2]
    return body + str(-(3 * sum(odd) + sum(even) - 48 * (3 * len(odd) + len(even))) % 10)


@dataclass
class ProductChunk:
    """The rows of a run of consecutive products (shapes in the module docstring)."""

    products: list[tuple] = field(default_factory=list)
    barcodes: list[tuple] = field(default_factory=list)
    prices: list[tuple] = field(default_factory=list)
    stock: list[tuple] = field(default_factory=list)

    @property
    def last_id(self) -> int:
        return self.products[-1][0] if self.products else 0


class ProductRows:
    """Builds the rows of one product after another into the current chunk.

    Stateful on purpose: EAN-8, UPC-A and internal-code counters and each supplier's item
    references run across the whole catalog, so chunks must come from one builder, in order.
    """

    def __init__(self) -> None:
        self.chunk = ProductChunk()
        self.ean8 = self.upc = self.internal = 0
        self.item_refs: dict[str, int] = {}

    def take(self) -> ProductChunk:
        """Hand over the rows built so far and start a new chunk."""
        chunk, self.chunk = self.chunk, ProductChunk()
        return chunk

    def add(self, pid: int, name: str, cat: catalog.Category, price: int, x: int, hand: bool) -> None:
        # the protocol's limits (pos_app.limits): a product no sale of it could carry to the center
        # is a bug in the catalog, refused here for the store's demo file and the center's seed alike
        limits.check_text(name, f"Produkt {pid}: Name", limits.PRODUCT_NAME, required=True)
        limits.check_text(cat.name, f"Produkt {pid}: Kategorie", limits.CATEGORY, required=True)
        limits.check_cents(price, f"Produkt {pid}: Preis")
        limits.check_whole(pid, N_("Produkt-Id"), 1, limits.MAX_ID)
        rows = self.chunk
        rows.products.append((pid, f"WM-{pid:06d}", name, cat.name, cat.vat_percent, 1))
        if hand:  # hand-named: the range supplier's company prefix and its own item reference
            ref = self.item_refs[cat.gcp] = self.item_refs.get(cat.gcp, 1000) + 1
            body = f"{cat.gcp}{ref:05d}"
        else:  # synthetic: prefix 400, item reference = product id (never meets a supplier's)
            body = f"40{pid:010d}"
        codes = rows.barcodes
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
        rows.prices.append((pid, "BER", price, pid, "HAM", price, pid, "MUC", munich, pid, "WEB", web))

        fixed = SHOWCASE_STOCK.get(name) if hand else None
        stock: tuple = ()
        for store in STORE_IDS:
            top = cat.stock_web if store == "WEB" else cat.stock_store
            x, qty = divmod(x, top + 1)
            x, empty = divmod(x, 5)  # one in five variants is sold out in a given place
            stock += (pid, store, fixed[store] if fixed else (0 if empty == 0 else qty))
        rows.stock.append(stock)


def product_specs(total: int, seed: int) -> Iterator[tuple[str, catalog.Category, int, int, bool]]:
    """(name, category, gross cents, spare random bits, hand-named?) for products 1, 2, ..."""
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


def product_total(products: int) -> int:
    """How many products `products` asks for: never fewer than the hand-named catalog."""
    return max(products, hand_named_count())


def product_chunks(products: int, seed: int = DEFAULT_SEED, chunk_rows: int = CHUNK_ROWS) -> Iterator[ProductChunk]:
    """The catalog (product_total(products) products, ids 1..) in chunks of `chunk_rows` products."""
    rows = ProductRows()
    for pid, (name, cat, price, x, hand) in enumerate(product_specs(products, seed), start=1):
        rows.add(pid, name, cat, price, x, hand)
        if len(rows.chunk.products) >= chunk_rows:
            yield rows.take()
    if rows.chunk.products:
        yield rows.take()


def customer_chunks(count: int, seed: int = DEFAULT_SEED, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[tuple]]:
    """Customers 1..count in chunks of `chunk_rows` rows (never all in memory at once)."""
    stream = people.customer_rows(random.Random(f"{seed}:customers"), 1, count)
    while chunk := list(islice(stream, chunk_rows)):
        yield chunk
