"""A store's click-and-collect history, as the change feed delivers it: pickup order documents
(the center's `pickup_order` changes, shape of sync.protocol.PickupOrderData) applied through
the store's own feed path (pos_app.store.pickup_models.apply_feed), a page per transaction.

Used by the scan benchmark, the soak test, the day profile and the index tests. Importing it
has no side effects (no sys.path or environment changes), so tests can use it too.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, text

from pos_app.store.local import LocalStore
from pos_app.store.pickup_models import LocalPickup, apply_feed

OPEN_STATES = ("new", "picking", "ready", "expired")
CLOSED_STATES = ("collected", "partially_collected", "cancelled", "returned_to_stock")
PAGE = 500  # orders per feed page (one local transaction each, like sync.feed)


def order_doc(number: str, state: str, lines: list[tuple[int, int]], *, short: int = 0,
              created: datetime | None = None, store_id: str = "BER") -> dict[str, Any]:
    """One pickup order as the center sends it; `lines` are (product id, quantity); `short`
    units are short-picked on the first line."""
    created = created or datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    doc_lines = [{"line_no": i, "product_id": pid, "sku": f"SKU-{pid}", "name": f"Artikel {pid}",
                  "quantity": qty, "unit_price_cents": 1999, "vat_percent": 19,
                  "short_quantity": short if i == 1 else 0, "short_reason": "nicht gefunden" if short and i == 1 else "",
                  "collected_quantity": qty if state == "collected" else 0}
                 for i, (pid, qty) in enumerate(lines, start=1)]
    return {"id": f"id-{number}", "order_number": number, "kind": "order", "store_id": store_id,
            "customer_id": None, "customer_name": f"Kundin {number}", "phone": "0170 1234567",
            "email": "", "second_person": "", "payment": "prepaid", "state": state,
            "created_at": created.isoformat(timespec="milliseconds"),
            "pickup_by": (created + timedelta(days=7)).isoformat(timespec="milliseconds"),
            "ready_at": None, "handed_over_by": "", "total_cents": 1999 * sum(q for _, q in lines),
            "qr_payload": f"ORDER:{number}", "lines": doc_lines}


def apply_pages(store: LocalStore, docs: list[dict[str, Any]]) -> None:
    """Apply documents as feed pages, a transaction per page (what sync.feed does)."""
    for start in range(0, len(docs), PAGE):
        with store.db.writing() as s:
            apply_feed(s, {d["order_number"]: d for d in docs[start:start + PAGE]})


def seed_history(store: LocalStore, closed: int, open_: int, product_ids: list[int], seed: int = 7,
                 prefix: str = "H") -> list[dict[str, Any]]:
    """Give the store `closed` finished and `open_` open pickup orders of 1-4 lines over
    `product_ids` (skipped when the store already holds that many orders of this prefix).
    Returns the open orders' documents."""
    rng = random.Random(seed)
    docs = []
    for n in range(closed + open_):
        state = rng.choice(CLOSED_STATES) if n < closed else rng.choice(OPEN_STATES)
        lines = [(rng.choice(product_ids), rng.randint(1, 3)) for _ in range(rng.randint(1, 4))]
        docs.append(order_doc(f"{prefix}{n:06d}", state, lines,
                              created=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=43 * n)))
    with store.db.reading() as s:
        have = s.execute(select(func.count()).select_from(LocalPickup)
                         .where(LocalPickup.order_number.like(f"{prefix}%"))).scalar_one()
    if have != len(docs):
        apply_pages(store, docs)
    return docs[closed:]


def reserved_by_reading_every_order(store: LocalStore) -> dict[int, int]:
    """The old way, as a reference: parse every order and sum the held units of open ones."""
    import json

    held: dict[int, int] = {}
    with store.db.reading() as s:
        for state, lines in s.execute(text("SELECT coalesce(local_state, state), lines FROM pickups")):
            if state in OPEN_STATES:
                for ln in json.loads(lines):
                    held[ln["product_id"]] = held.get(ln["product_id"], 0) + ln["quantity"] - ln["short_quantity"]
    return {pid: n for pid, n in held.items() if n}


def reserved_by_index(store: LocalStore) -> dict[int, int]:
    with store.db.reading() as s:
        return {int(p): int(n) for p, n in s.execute(text(
            "SELECT product_id, sum(units) FROM pickup_holds GROUP BY product_id HAVING sum(units) != 0"))}
