"""Sales of products the center does not know: booked, kept aside, reconciled.

A till sells what it has on its shelf and in its file; a product it knows and the center does
not (a local catalog entry, an article the center removed, a till restored from an old file)
used to be refused ("unknown product id"), and acknowledging the conflict dropped the sale's
stock movement at the till: the goods had left, and no book said so. Now (issue 12, "reconcile,
never erase") the center books the sale as it happened:

- the sale and every line, with the till's text, SKU, price and VAT, as for any sale;
- the unknown id gets a PLACEHOLDER product row (inactive, category `PLACEHOLDER_CATEGORY`,
  SKU `UNBEKANNT-<id>`, the till's name), so the line keeps its product id and the stock moves
  at the center under it (till and center then show the same figure: the feed carries it);
- an `unknown_product` reconciliation per sale and product, for the selling store, with the
  line's value at stake and what the till said the product was. A manager closes it (the
  article assigned in the catalog, a count, or written off).

A placeholder stays "unknown" for the sale checks (`backend.statements.HotSql.known_products`
skips it), so every later sale of it takes this path and raises its own item, and a negative
figure of a placeholder raises no second, negative-stock item (the unknown-product item is the
one to settle). Importing the real product under that id (the catalog's upsert) ends it.

Thread: a request thread (the push), inside the event's transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select, text

from backend import reconciliations
from backend.changelog import PendingChange
from backend.models import Product
from sync.protocol import SaleCompletedV1

PLACEHOLDER_CATEGORY = "Unbekannt (Kasse)"
KIND = "unknown_product"
_PLACEHOLDER = text("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                    "VALUES (:id, :sku, :name, :category, :vat, false) ON CONFLICT DO NOTHING")


def placeholders(conn: Connection, product_ids: Iterable[int]) -> set[int]:
    """Those of `product_ids` that are placeholders here."""
    ids = sorted(set(product_ids))
    if not ids:
        return set()
    return set(conn.execute(select(Product.id).where(Product.id.in_(ids),
                                                     Product.category == PLACEHOLDER_CATEGORY)).scalars())


def book_aside(conn: Connection, sale: SaleCompletedV1, unknown: Iterable[int], event_id: str,
               now: datetime) -> list[PendingChange]:
    """Make a placeholder for each product in `unknown` that has no row yet (before the sale's
    lines are written) and raise one `unknown_product` item per product of this sale. Returns
    the feed changes of the items."""
    unknown = sorted(set(unknown))
    existing = set(conn.execute(select(Product.id).where(Product.id.in_(unknown))).scalars())
    changes: list[PendingChange] = []
    for product_id in unknown:
        lines = [line for line in sale.lines if line.product_id == product_id]
        first = lines[0]
        if product_id not in existing:  # two tills pushing the same unknown id at once: one row
            conn.execute(_PLACEHOLDER, {"id": product_id, "sku": f"UNBEKANNT-{product_id}"[:64],
                                        "name": first.name[:200], "category": PLACEHOLDER_CATEGORY,
                                        "vat": first.vat_percent})
        quantity = sum(line.quantity for line in lines)
        _, raised = reconciliations.raise_exception(
            conn, sale.store_id, KIND, sum(line.total_cents for line in lines), [event_id],
            {"unknown_product_id": product_id, "name": first.name, "sku": first.sku, "quantity": quantity,
             "unit_price_cents": first.unit_price_cents, "vat_percent": first.vat_percent,
             "sale_id": str(sale.sale_id), "receipt_number": sale.receipt_number, "device_id": sale.device_id},
            cause=reconciliations.cause_of(KIND, [event_id, str(product_id)]), now=now)
        changes += raised
    return changes
