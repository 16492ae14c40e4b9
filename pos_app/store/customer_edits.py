"""A till's own customer edits that the center has not answered yet win over the feed.

Why: the feed can bring a customer's row as the center had it before this till's edit arrived
there (the edit was made between the round's push and its pull, or its push failed). Writing
that row would throw the till's newer copy away until the next change of that customer. So the
fields of this till's pending `customer.updated` events are laid over the feed's row; once the
center has the event, it answers with the customer's row after its merge (backend.clienteling
always feeds it), and that row is taken as it is, whoever won.

Thread: inside the feed page's write transaction (sync.feed), the sync worker's thread.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# column positions of a feed customer row in sync.feed (id, number, first, last, street, zip, city, phone, email, home)
_COLUMNS = {"first_name": 2, "last_name": 3, "street": 4, "zip_code": 5, "city": 6, "phone": 7, "email": 8}


def unsent_edits(session: Session, customer_ids: set[int]) -> dict[int, dict[str, str]]:
    """Per customer, the fields this till changed in events still pending, newest last."""
    edits: dict[int, dict[str, str]] = {}
    rows = session.execute(text("SELECT payload FROM outbox WHERE status = 'pending' AND type = 'customer.updated' "
                                "ORDER BY seq")).scalars()
    for payload in rows:
        data = json.loads(payload)
        cid = int(data.get("customer_id", 0))
        if cid in customer_ids:
            edits.setdefault(cid, {}).update({k: v for k, v in (data.get("fields") or {}).items()
                                              if k in _COLUMNS and v is not None})
    return edits


def keep_unsent_edits(session: Session, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The feed's customer rows with this till's unanswered edits laid over them."""
    edits = unsent_edits(session, {int(r[0]) for r in rows}) if rows else {}
    if not edits:
        return rows
    out: list[tuple[Any, ...]] = []
    for row in rows:
        mine = edits.get(int(row[0]))
        if mine:
            values = list(row)
            for field, value in mine.items():
                values[_COLUMNS[field]] = value
            row = tuple(values)
        out.append(row)
    return out
