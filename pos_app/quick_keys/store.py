"""Quick keys in the store file: the layout the center's feed last brought (sync.feed applies
it inside the page's transaction), and the tiles the till's grid shows, joined with this
store's prices and stock at the moment they are read. A till that never synced, or is
offline, shows the last layout it has.

Thread: any; each read its own short session, the feed's apply in the caller's session.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pos_app.quick_keys import LayoutError, check_layout
from pos_app.store.db import Database


@dataclass(frozen=True)
class QuickTile:
    """One tile of the grid: what it says, its colour, and what tapping it sells."""

    product_id: int
    page: str
    position: int
    label: str
    colour: str
    image: str
    price_cents: int | None  # None: no price in this store (the tile is shown, a tap says why)
    stock: int | None
    active: bool  # False: the product is not in the catalog (any more)


_TILES = text("""
SELECT q.page, q.position, q.product_id, q.label, q.colour, q.image, p.name, p.active,
       pr.gross_cents, st.quantity
FROM quick_keys q
LEFT JOIN products p ON p.id = q.product_id
LEFT JOIN prices pr ON pr.product_id = q.product_id AND pr.store_id = :store
LEFT JOIN stock st ON st.product_id = q.product_id AND st.store_id = :store
ORDER BY q.page_order, q.position
""")


def tiles(db: Database, store_id: str) -> list[QuickTile]:
    """Every tile of this store's layout, page by page, in place order."""
    with db.reading() as s:
        rows = s.execute(_TILES, {"store": store_id}).all()
    return [QuickTile(r.product_id, r.page, r.position, r.label or r.name or f"#{r.product_id}", r.colour, r.image,
                      r.gross_cents, r.quantity, bool(r.active) and r.name is not None) for r in rows]


def apply_feed(session: Session, layouts: Mapping[str, dict[str, Any] | None], store_id: str | None = None) -> int:
    """Replace the layout with the newest one of a feed page (key -> data; None: no keys), in
    the page's transaction. The center feeds a store only its own layout; with `store_id`
    given, one for another store is ignored as well.
    LayoutError (a ValueError) for data that breaks the rules: the page is not applied."""
    applied = 0
    for data in layouts.values():
        if store_id is not None and data is not None and data.get("store_id") not in (None, store_id):
            continue
        keys = check_layout(data.get("keys", []) if data else [])
        conn = session.connection()
        conn.exec_driver_sql("DELETE FROM quick_keys")
        order = {page: i for i, page in enumerate(dict.fromkeys(k.page for k in keys))}
        if keys:
            conn.exec_driver_sql(
                "INSERT INTO quick_keys (page, position, page_order, product_id, label, colour, image) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(k.page, k.position, order[k.page], k.product_id, k.label, k.colour, k.image) for k in keys])
        applied += 1
    return applied


def replace_layout(db: Database, raw_keys: list[dict[str, Any]], store_id: str) -> int:
    """Write a layout straight into the store file (the demo file, tests), checked like the feed's."""
    with db.writing() as s:
        return apply_feed(s, {"quick_keys": {"store_id": store_id, "keys": raw_keys}}, store_id)


__all__ = ["LayoutError", "QuickTile", "apply_feed", "replace_layout", "tiles"]
