"""Looking products up at the till: by barcode (a primary-key read) and by name as you type
(SQLite FTS5 with prefix indexes). Prices and stock are this store's.

Thread: any; each call opens its own short read session. Search is run off the UI thread.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import text

from pos_app.cart import ProductSnapshot
from pos_app.store.db import Database
from pos_app.vat import VatRate

_TOKEN = re.compile(r"\w+", re.UNICODE)

_PRODUCT_SQL = text(
    "SELECT p.id, p.sku, p.name, p.vat_percent, p.category, pr.gross_cents, pi.lowest_30_days_cents "
    "FROM products p "
    "LEFT JOIN prices pr ON pr.product_id = p.id AND pr.store_id = :store "
    "LEFT JOIN price_indications pi ON pi.product_id = p.id AND pi.store_id = :store "
    "WHERE p.id = :pid AND p.active")

_BARCODE_SQL = text(
    "SELECT p.id, p.sku, p.name, p.vat_percent, p.category, pr.gross_cents, pi.lowest_30_days_cents "
    "FROM barcodes b JOIN products p ON p.id = b.product_id "
    "LEFT JOIN prices pr ON pr.product_id = p.id AND pr.store_id = :store "
    "LEFT JOIN price_indications pi ON pi.product_id = p.id AND pi.store_id = :store "
    "WHERE b.code = :code AND p.active")

_SEARCH_SQL = text(
    "SELECT p.id, p.sku, p.name, p.vat_percent, pr.gross_cents, s.quantity FROM "
    "(SELECT rowid FROM product_fts WHERE product_fts MATCH :q LIMIT :scan) f "
    "JOIN products p ON p.id = f.rowid "
    "LEFT JOIN prices pr ON pr.product_id = p.id AND pr.store_id = :store "
    "LEFT JOIN stock s ON s.product_id = p.id AND s.store_id = :store "
    "WHERE p.active")


class NoPrice(LookupError):
    """The product exists but has no price in this store, so it cannot be sold here."""


@dataclass(frozen=True)
class ProductHit:
    product_id: int
    sku: str
    name: str
    price_cents: int | None
    vat_percent: int
    stock: int | None
    elsewhere: int | None = None  # in stock in the other stores together (None: not known here)

    @property
    def sold_out(self) -> bool:
        """Nothing left in this store by the figures here (the till still sells what is in hand)."""
        return self.stock is not None and self.stock <= 0


_UMLAUT_SPELLINGS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def _term(token: str) -> str:
    """A prefix term; "gruen" also finds "grün" (the index folds ü to u, so ask for "grun" too)."""
    variant = token
    for spelled, folded in _UMLAUT_SPELLINGS:
        variant = variant.replace(spelled, folded)
    return f'"{token}"*' if variant == token else f'("{token}"* OR "{variant}"*)'


def fts_query(typed: str) -> str | None:
    """Turn what the cashier typed into an FTS5 query: every word as a prefix, all required."""
    tokens = _TOKEN.findall(typed.lower())
    if not tokens:
        return None
    return " AND ".join(_term(t) for t in tokens[:8])


class Catalog:
    def __init__(self, db: Database, store_id: str) -> None:
        self._db = db
        self.store_id = store_id

    def _snapshot(self, row) -> ProductSnapshot:  # type: ignore[no-untyped-def]
        if row.gross_cents is None:
            raise NoPrice(f"„{row.name}“ hat in dieser Filiale keinen Preis.")
        return ProductSnapshot(row.id, row.sku, row.name, row.gross_cents, VatRate.from_percent(row.vat_percent),
                               row.category or "", row.lowest_30_days_cents)  # § 11 PAngV (issue 15)

    def by_barcode(self, lookup_key: str) -> ProductSnapshot | None:
        with self._db.reading() as s:
            row = s.execute(_BARCODE_SQL, {"code": lookup_key, "store": self.store_id}).first()
        return self._snapshot(row) if row else None

    def by_sku(self, sku: str) -> ProductSnapshot | None:
        with self._db.reading() as s:
            row = s.execute(text(
                "SELECT p.id, p.sku, p.name, p.vat_percent, p.category, pr.gross_cents, pi.lowest_30_days_cents "
                "FROM products p LEFT JOIN prices pr ON pr.product_id = p.id AND pr.store_id = :store "
                "LEFT JOIN price_indications pi ON pi.product_id = p.id AND pi.store_id = :store "
                "WHERE p.sku = :sku AND p.active"), {"sku": sku.upper(), "store": self.store_id}).first()
        return self._snapshot(row) if row else None

    def product(self, product_id: int) -> ProductSnapshot | None:
        with self._db.reading() as s:
            row = s.execute(_PRODUCT_SQL, {"pid": product_id, "store": self.store_id}).first()
        return self._snapshot(row) if row else None

    def search(self, typed: str, limit: int = 50) -> list[ProductHit]:
        """Products whose name, SKU or category start with every typed word.

        Takes the first few hundred FTS matches (no ranking over the whole index, which would
        cost too much with a million products), then orders those: names that begin with the
        first word come first, then alphabetically.
        """
        query = fts_query(typed)
        if query is None:
            return []
        with self._db.reading() as s:
            rows = s.execute(_SEARCH_SQL, {"q": query, "scan": max(limit * 4, 200),
                                           "store": self.store_id}).all()
        first = _TOKEN.findall(typed.lower())[0]
        hits = [ProductHit(r.id, r.sku, r.name, r.gross_cents, r.vat_percent, r.quantity) for r in rows]
        hits.sort(key=lambda h: (not h.name.lower().startswith(first), h.name.lower()))
        return self._with_elsewhere(hits[:limit])

    def _with_elsewhere(self, hits: list[ProductHit]) -> list[ProductHit]:
        """The shown hits with the stock of the other stores (the feed keeps every store's
        figure here), so a sold-out item can say where there is some. One indexed query for
        the few hits shown, not for every match."""
        if not hits:
            return hits
        ids = [h.product_id for h in hits]
        marks = ", ".join(f":p{i}" for i in range(len(ids)))
        with self._db.reading() as s:
            rows = s.execute(text(
                f"SELECT product_id, SUM(quantity) FROM stock WHERE product_id IN ({marks}) "
                "AND store_id != :store AND quantity > 0 GROUP BY product_id"),
                {"store": self.store_id, **{f"p{i}": pid for i, pid in enumerate(ids)}}).all()
        found = {pid: int(total) for pid, total in rows}
        return [replace(h, elsewhere=found.get(h.product_id, 0)) for h in hits]
