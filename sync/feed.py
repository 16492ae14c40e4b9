"""The pull side: apply one page of the center's change feed to the local store.

One page is one local write transaction: products (with their barcodes replaced), prices,
stock (the center's figure plus what it has not seen yet, see pos_app.store.movements) and
customers, and the feed cursor moved to the page's `next_cursor` in that same transaction. So
the cursor only moves after the page's rows are committed; a failure half-way leaves both
untouched and the page is simply fetched again.

Speed (a million products: 3 million changes in 602 pages, ~50 s on a 2-core box, see
tests/perf/bench_sync.py): pages arrive as plain JSON (sync.client.WirePage, checked here
change by change, not one pydantic object per change) while the next one is already being
asked for (sync.client.FeedStream); each page is de-duplicated per key (newest wins) and
written with executemany; an upsert that changes nothing is skipped (its WHERE clause), so
re-reading a page does not churn the search index; new products are indexed for search in one
statement per page rather than by the per-row trigger (migration 0002_sync).

The center is the authority on product SKUs and customer numbers: when a local row holds one
that the center now gives to another id (a store file that was seeded differently), the local
row's value is set aside (suffixed with its id) so that the center's row can take it.

Thread: the sync worker's (any thread with its own session; no Qt).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from pos_app.clock import iso, utc_now
from pos_app.quick_keys import store as quick_keys_store
from pos_app.i18n import t
from pos_app.store import (gift_card_models, movements, pickup_models, policies, promotion_models, reconciliation_models,
                           stock_models, transfer_models)
from pos_app.store.customer_edits import keep_unsent_edits
from pos_app.store.customers import index_rows
from pos_app.store.db import Database
from pos_app.store.models import SyncState
from sync.client import WirePage
from sync.protocol import ChangeKind, ChangePage

Progress = Callable[[int, int], None]  # (cursor, high_water)


class FeedError(ValueError):
    """A page that cannot be applied (inconsistent with our cursor, or a malformed row)."""


@dataclass(frozen=True)
class PageResult:
    cursor: int
    high_water: int
    products: int
    prices: int
    stock: int
    customers: int
    pickups: int = 0  # pickup orders of this store (pos_app.store.pickup_models)
    quick_keys: int = 0  # new layouts of the product grid (0 or 1 per page)

    @property
    def changed_catalog(self) -> bool:
        return bool(self.products or self.prices)


_UPSERT_PRODUCT = (
    "INSERT INTO products (id, sku, name, category, vat_percent, active) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, name = excluded.name, category = excluded.category, "
    "vat_percent = excluded.vat_percent, active = excluded.active "
    "WHERE products.sku IS NOT excluded.sku OR products.name IS NOT excluded.name "
    "OR products.category IS NOT excluded.category OR products.vat_percent IS NOT excluded.vat_percent "
    "OR products.active IS NOT excluded.active")
_UPSERT_BARCODE = (
    "INSERT INTO barcodes (code, product_id, symbology) VALUES (?, ?, ?) "
    "ON CONFLICT (code) DO UPDATE SET product_id = excluded.product_id, symbology = excluded.symbology")
_UPSERT_PRICE = (
    "INSERT INTO prices (product_id, store_id, gross_cents) VALUES (?, ?, ?) "
    "ON CONFLICT (product_id, store_id) DO UPDATE SET gross_cents = excluded.gross_cents "
    "WHERE prices.gross_cents IS NOT excluded.gross_cents")
_UPSERT_CUSTOMER = (
    "INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, email, "
    "home_store_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET number = excluded.number, first_name = excluded.first_name, "
    "last_name = excluded.last_name, street = excluded.street, zip_code = excluded.zip_code, "
    "city = excluded.city, phone = excluded.phone, email = excluded.email, "
    "home_store_id = excluded.home_store_id")


def lookup_key(code: str, symbology: str) -> str:
    """Barcodes are stored the way the till looks them up (pos_app.gtin): UPC-A as its EAN-13."""
    if symbology == "UPCA" and len(code) == 12 and code.isdigit():
        return "0" + code
    return code


def _row_key(key: str) -> tuple[int, str]:
    product, _, store = key.partition("@")
    return int(product), store


_KINDS = {k.value: k for k in ChangeKind}
Page = ChangePage | WirePage


def _entries(page: Page) -> Iterator[tuple[int, str, str, dict[str, Any] | None]]:
    """(seq, kind, key, data) of each change; a WirePage's changes are checked here."""
    if isinstance(page, ChangePage):
        for c in page.changes:
            yield c.seq, c.kind.value, c.key, c.data
        return
    for c in page.changes:
        try:
            seq, kind, key, data = c["seq"], c["kind"], c["key"], c["data"]
        except (KeyError, TypeError) as exc:
            raise FeedError(t("Änderung unlesbar: {c!r:.200}", c=c)) from exc
        if (type(seq) is not int or kind not in _KINDS or type(key) is not str
                or not (data is None or type(data) is dict) or len(c) != 4):
            raise FeedError(t("Änderung unlesbar: {c!r:.200}", c=c))
        yield seq, kind, key, data


class _Page:
    """One page sorted by kind, newest change per key (a later change of a key replaces an
    earlier one in the same page)."""

    def __init__(self, page: Page, after: int) -> None:
        self.products: dict[int, dict[str, Any] | None] = {}
        self.prices: dict[tuple[int, str], int | None] = {}
        self.lowest: dict[tuple[int, str], int | None] = {}  # pos_app.store.gift_card_models.PriceIndication
        self.stock: dict[tuple[int, str], int | None] = {}
        self.customers: dict[int, dict[str, Any] | None] = {}
        self.policies: dict[str, dict[str, Any] | None] = {}  # the return policy (pos_app.store.policies)
        self.pickups: dict[str, dict[str, Any] | None] = {}  # pickup orders (pos_app.store.pickup_models)
        self.reconciliations: dict[str, dict[str, Any] | None] = {}  # pos_app.store.reconciliation_models
        self.quick_keys: dict[str, dict[str, Any] | None] = {}  # the product grid (pos_app.quick_keys.store)
        self.transfers: dict[str, dict[str, Any] | None] = {}  # pos_app.store.transfer_models (issue 14)
        self.fulfilment: dict[str, dict[str, Any] | None] = {}
        self.deliveries: dict[str, dict[str, Any] | None] = {}  # expected deliveries (pos_app.store.stock_models)
        self.counts: dict[str, dict[str, Any] | None] = {}  # stock counts (pos_app.store.stock_models)
        self.promotions: dict[str, dict[str, Any] | None] = {}  # pos_app.store.promotion_models
        last = after
        for seq, kind, key, data in _entries(page):
            if seq <= last:
                raise FeedError(t("Änderung {seq} nach {last}: Feed nicht aufsteigend", seq=seq, last=last))
            last = seq
            try:
                if kind == "product":
                    self.products[int(data["id"]) if data else int(key)] = data
                elif kind == "price":
                    row = (int(data["product_id"]), str(data["store_id"])) if data else _row_key(key)
                    self.prices[row] = int(data["gross_cents"]) if data else None
                    lowest = data.get("lowest_30_days_cents") if data else None  # § 11 PAngV (issue 15)
                    self.lowest[row] = None if lowest is None else int(lowest)
                elif kind == "stock":
                    row = (int(data["product_id"]), str(data["store_id"])) if data else _row_key(key)
                    self.stock[row] = int(data["quantity"]) if data else None
                elif kind == "policy":
                    self.policies[key] = data
                elif kind == "pickup_order":
                    self.pickups[key] = data
                elif kind == "reconcile":
                    self.reconciliations[key] = data
                elif kind == "quick_keys":
                    self.quick_keys[key] = data
                elif kind == "transfer":
                    self.transfers[key] = data
                elif kind == "fulfilment":
                    self.fulfilment[key] = data
                elif kind == "delivery":
                    self.deliveries[key] = data
                elif kind == "count":
                    self.counts[key] = data
                elif kind == "promotion":
                    self.promotions[str(int(key))] = data
                else:
                    self.customers[int(data["id"]) if data else int(key)] = data
            except (KeyError, TypeError, ValueError) as exc:
                raise FeedError(t("Änderung {seq} ({kind} {key}) unlesbar: {exc!r}", seq=seq, kind=kind, key=key, exc=exc)) from exc
        if page.next_cursor < last:
            raise FeedError(t("next_cursor {next_cursor} liegt vor der letzten Änderung {last}", next_cursor=page.next_cursor, last=last))

    def store_ids(self) -> set[str]:
        ids = {sid for _, sid in self.prices} | {sid for _, sid in self.stock}
        ids |= {c["home_store_id"] for c in self.customers.values() if c and c.get("home_store_id")}
        return ids


def apply_page(db: Database, page: Page, after: int) -> PageResult:
    """Apply `page` (the answer to changes(after=`after`)) and move the cursor to its
    next_cursor, all in one transaction. Raises FeedError when the local cursor is not `after`
    (someone else moved it) or the page is malformed; nothing is written then."""
    parsed = _Page(page, after)
    with db.writing() as s:
        state = s.get(SyncState, 1)
        if state is None:
            raise FeedError(t("sync_state fehlt (Datenbank nicht migriert?)"))
        if state.cursor != after:
            raise FeedError(t("Feed-Position hat sich verschoben ({cursor}, erwartet {after})", cursor=state.cursor, after=after))
        _ensure_stores(s, parsed.store_ids())
        _apply_products(s, parsed.products)
        _apply_prices(s, parsed.prices)
        gift_card_models.apply_price_indications(s, parsed.lowest)
        gift_card_models.apply_contents(s, parsed.products)  # the Grundpreis's net contents (issue 15)
        stock_models.apply_costs(s, parsed.products)  # cost prices for the count's value at cost (issue 14)
        movements.apply_center_stock(s, [(p, st, q) for (p, st), q in parsed.stock.items()],
                                     page.next_cursor)
        _apply_customers(s, parsed.customers)
        try:
            policies.apply_policies(s, parsed.policies)
        except ValueError as exc:
            raise FeedError(t("Richtlinie unlesbar: {exc}", exc=exc)) from exc
        pickup_models.apply_feed(s, parsed.pickups)
        reconciliation_models.apply_feed(s, parsed.reconciliations)
        try:
            quick_keys_store.apply_feed(s, parsed.quick_keys)
        except ValueError as exc:
            raise FeedError(t("Schnelltasten unlesbar: {exc}", exc=exc)) from exc
        transfer_models.apply_feed(s, parsed.transfers, parsed.fulfilment)
        stock_models.apply_feed(s, parsed.deliveries)
        stock_models.apply_count_feed(s, parsed.counts)
        try:
            promotion_models.apply_feed(s, parsed.promotions)
        except ValueError as exc:
            raise FeedError(t("Aktion unlesbar: {exc}", exc=exc)) from exc
        state.cursor = max(page.next_cursor, after)
        state.high_water = max(page.high_water, state.cursor)
        state.last_pull_at = iso(utc_now())
    return PageResult(state.cursor, state.high_water, len(parsed.products), len(parsed.prices),
                      len(parsed.stock), len(parsed.customers), len(parsed.pickups), len(parsed.quick_keys))


def _ensure_stores(s: Session, store_ids: set[str]) -> None:
    """The feed carries no store records; a store it mentions that this file does not know
    gets a placeholder row (its id as name), so prices and stock of it can be kept."""
    if store_ids:
        s.connection().exec_driver_sql(
            "INSERT OR IGNORE INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) "
            "VALUES (?, ?, 'store', '', '', '', '', '')", [(sid, sid) for sid in sorted(store_ids)])


def _free_unique(s: Session, table: str, column: str, wanted: dict[str, int]) -> None:
    """Set aside local values of a unique column that the center now gives to another id."""
    if not wanted:
        return
    clashes = s.connection().exec_driver_sql(
        f"SELECT id, {column} FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))",
        (json.dumps(list(wanted)),)).all()
    moved = [(f"{value}#{row_id}", row_id) for row_id, value in clashes if wanted[value] != row_id]
    if moved:
        s.connection().exec_driver_sql(f"UPDATE {table} SET {column} = ? WHERE id = ?", moved)


def _apply_products(s: Session, products: dict[int, dict[str, Any] | None]) -> None:
    if not products:
        return
    conn = s.connection()
    rows, barcodes, retired = [], [], []
    try:
        for pid, data in products.items():
            if data is None:
                retired.append((pid,))
                continue
            rows.append((pid, data["sku"], data["name"], data["category"], int(data["vat_percent"]),
                         bool(data["active"])))
            barcodes.extend((lookup_key(b["code"], b["symbology"]), pid, b["symbology"])
                            for b in data["barcodes"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FeedError(t("Produkt unlesbar: {exc!r}", exc=exc)) from exc
    _free_unique(s, "products", "sku", {r[1]: r[0] for r in rows})
    known = {pid for (pid,) in conn.exec_driver_sql(
        "SELECT id FROM products WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps([r[0] for r in rows]),))}
    new = [r[0] for r in rows if r[0] not in known]
    if new:  # index the new ones for search in one statement, not row by row (see 0002_sync)
        conn.exec_driver_sql("UPDATE sync_state SET fts_deferred = 1 WHERE id = 1")
    if rows:
        conn.exec_driver_sql(_UPSERT_PRODUCT, rows)
    if new:
        conn.exec_driver_sql(
            "INSERT INTO product_fts (rowid, name, sku, category) SELECT id, name, sku, category "
            "FROM products WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(new),))
        conn.exec_driver_sql("UPDATE sync_state SET fts_deferred = 0 WHERE id = 1")
    # a deleted product stays (past sales point at it) but can no longer be sold
    if retired:
        conn.exec_driver_sql("UPDATE products SET active = 0 WHERE id = ?", retired)
    replaced = [(pid,) for pid in known] + retired  # new products have no barcodes to replace
    if replaced:
        conn.exec_driver_sql("DELETE FROM barcodes WHERE product_id = ?", replaced)
    if barcodes:
        conn.exec_driver_sql(_UPSERT_BARCODE, barcodes)


def _apply_prices(s: Session, prices: dict[tuple[int, str], int | None]) -> None:
    conn = s.connection()
    upserts = [(pid, sid, cents) for (pid, sid), cents in prices.items() if cents is not None]
    deletes = [(pid, sid) for (pid, sid), cents in prices.items() if cents is None]
    if upserts:
        conn.exec_driver_sql(_UPSERT_PRICE, upserts)
    if deletes:
        conn.exec_driver_sql("DELETE FROM prices WHERE product_id = ? AND store_id = ?", deletes)


def _apply_customers(s: Session, customers: dict[int, dict[str, Any] | None]) -> None:
    if not customers:
        return
    conn = s.connection()
    rows, deletes = [], []
    try:
        for cid, c in customers.items():
            if c is None:
                deletes.append((cid,))
                continue
            rows.append((cid, c["number"], c["first_name"], c["last_name"], c["street"], c["zip_code"],
                         c["city"], c["phone"], c["email"], c.get("home_store_id")))
    except (KeyError, TypeError) as exc:
        raise FeedError(t("Kunde unlesbar: {exc!r}", exc=exc)) from exc
    rows = keep_unsent_edits(s, rows)
    _free_unique(s, "customers", "number", {r[1]: r[0] for r in rows})
    if rows:
        conn.exec_driver_sql(_UPSERT_CUSTOMER, rows)
        index_rows(conn, [(r[0], r[2], r[3], r[7], r[8]) for r in rows])
    if deletes:
        conn.exec_driver_sql("DELETE FROM customers WHERE id = ?", deletes)


def pull(db: Database, fetch: Callable[[int], Page], on_progress: Progress | None = None,
         should_stop: Callable[[], bool] = lambda: False,
         ahead: Callable[[int], None] | None = None) -> list[PageResult]:
    """Fetch and apply pages from the local cursor until the center has no more (or
    `should_stop()`). `fetch(after)` gets one page; `ahead(after)`, when given, is told which
    page comes next before the current one is applied (sync.client.FeedStream asks the
    center for it meanwhile). Progress is reported after every committed page as
    (cursor, high_water)."""
    results: list[PageResult] = []
    while not should_stop():
        with db.reading() as s:
            state = s.get(SyncState, 1)
            after = state.cursor if state is not None else 0
        page = fetch(after)
        more = page.has_more and page.next_cursor > after
        if more and ahead is not None:
            ahead(page.next_cursor)
        result = apply_page(db, page, after)
        results.append(result)
        if on_progress is not None:
            on_progress(result.cursor, result.high_water)
        if not more:
            break
    return results
