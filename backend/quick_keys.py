"""Quick keys at the center: each store's product grid (pos_app.quick_keys has the rules),
set by an operator (admin API backend.quick_keys_api, CLI `pos-backend quick-keys`), stored in
quick_key_layouts and put into the change feed as one QUICK_KEYS change for that store, so its
tills get the whole new layout with their next pull (and keep it when offline).

Thread: request threads or the CLI; each call inside the caller's transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend import changelog
from backend.changelog import PendingChange
from backend.models import Product, Store
from backend.quick_keys_models import QuickKeyLayout
from pos_app.quick_keys import LayoutError, QuickKey, check_layout
from sync.protocol import ChangeKind
from sync.protocol_quick_keys import QUICK_KEYS_KEY


class UnknownStore(LookupError):
    pass


def layout(conn: Connection, store_id: str) -> dict[str, Any]:
    """The store's layout as the feed carries it (version 0, no keys: never set)."""
    if conn.execute(select(Store.id).where(Store.id == store_id)).first() is None:
        raise UnknownStore(f"unknown store {store_id}")
    row = conn.execute(select(QuickKeyLayout.version, QuickKeyLayout.keys, QuickKeyLayout.updated_at)
                       .where(QuickKeyLayout.store_id == store_id)).first()
    if row is None:
        return {"store_id": store_id, "version": 0, "keys": [], "updated_at": ""}
    return {"store_id": store_id, "version": row.version, "keys": list(row.keys),
            "updated_at": row.updated_at.isoformat()}


def set_layout(conn: Connection, store_id: str, raw_keys: Iterable[Mapping[str, Any]],
               now: datetime | None = None) -> dict[str, Any]:
    """Check and store `raw_keys` as the store's whole layout and append it to the feed (the
    append is the transaction's last statement, backend.changelog). LayoutError: a rule is
    broken or a product is not in the catalog; UnknownStore. Nothing is written then."""
    keys = check_layout(raw_keys)
    ids = sorted({k.product_id for k in keys})
    known = set(conn.execute(select(Product.id).where(Product.id.in_(ids))).scalars()) if ids else set()
    if missing := [i for i in ids if i not in known]:
        raise LayoutError(f"unknown product id {missing[0]}")
    now = now or datetime.now(timezone.utc)
    old = layout(conn, store_id)
    doc = {"store_id": store_id, "version": old["version"] + 1, "keys": [k.to_dict() for k in keys],
           "updated_at": now.isoformat()}
    if old["version"]:
        conn.execute(update(QuickKeyLayout).where(QuickKeyLayout.store_id == store_id)
                     .values(version=doc["version"], keys=doc["keys"], updated_at=now))
    else:
        conn.execute(insert(QuickKeyLayout).values(store_id=store_id, version=doc["version"], keys=doc["keys"],
                                                   updated_at=now))
    changelog.append(conn, [PendingChange(ChangeKind.QUICK_KEYS, QUICK_KEYS_KEY, store_id, doc)], now)
    return doc


def add_key(conn: Connection, store_id: str, key: QuickKey) -> dict[str, Any]:
    """Add one key (or replace the one on its page and place): the CLI's `quick-keys add`."""
    keys = [k for k in layout(conn, store_id)["keys"]
            if (k["page"], k["position"]) != (key.page, key.position)]
    return set_layout(conn, store_id, [*keys, key.to_dict()])


def first_free(conn: Connection, store_id: str, page: str) -> int:
    taken = {k["position"] for k in layout(conn, store_id)["keys"] if k["page"] == page}
    return next(i for i in range(len(taken) + 1) if i not in taken)
