"""Policies in the store file: the return policy as the center's feed last brought it (the
store's migration seeds the defaults, so a till that never synced has one), and the lowest
price of the last days for a blind return.

Thread: any; each call its own short session (or the caller's, for the feed).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pos_app.clock import Clock, iso, utc_now
from pos_app.return_policy import DEFAULT_POLICY, POLICY_KEY, ReturnPolicy
from pos_app.store.db import Database


def load_return_policy(db: Database) -> ReturnPolicy:
    with db.reading() as s:
        return return_policy_in(s)


def return_policy_in(session: Session) -> ReturnPolicy:
    """The synced return policy, read in the caller's session (e.g. with a receipt's rows)."""
    data = session.execute(text("SELECT data FROM store_policies WHERE key = :k"), {"k": POLICY_KEY}).scalar()
    if not data:
        return DEFAULT_POLICY
    try:
        return ReturnPolicy.from_dict(json.loads(data))
    except ValueError:
        return DEFAULT_POLICY  # an unreadable row never stops a return; the next pull replaces it


def apply_policies(session: Session, policies: Mapping[str, dict[str, Any] | None]) -> int:
    """Store the policies of one feed page (key -> data, None: back to the defaults), inside
    the page's transaction (sync.feed). Unreadable data is refused before anything is written."""
    for key, data in policies.items():
        if key == POLICY_KEY and data is not None:
            ReturnPolicy.from_dict(data)  # raises ValueError: the page is not applied
    conn = session.connection()
    for key, data in policies.items():
        if data is None:
            conn.exec_driver_sql("DELETE FROM store_policies WHERE key = ?", (key,))
        else:
            conn.exec_driver_sql(
                "INSERT INTO store_policies (key, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (key, json.dumps(data, ensure_ascii=False, sort_keys=True), iso(utc_now())))
    return len(policies)


def lowest_price(db: Database, product_id: int, store_id: str, days: int, clock: Clock = utc_now) -> int | None:
    """The lowest price of `product_id` in this store over the last `days` days: the current
    price and every price that was still valid within the window (price_history, written by a
    trigger on each price change). None: the product has no price here."""
    since = iso(clock() - timedelta(days=days))
    with db.reading() as s:
        row = s.execute(text(
            "SELECT (SELECT gross_cents FROM prices WHERE product_id = :p AND store_id = :s), "
            "(SELECT MIN(gross_cents) FROM price_history WHERE product_id = :p AND store_id = :s AND until >= :since)"),
            {"p": product_id, "s": store_id, "since": since}).one()
    found = [cents for cents in row if cents is not None]
    return min(found) if found else None
