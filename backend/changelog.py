"""The change feed: every change to what stores keep a copy of (products, prices, stock,
customers) gets a server-assigned sequence number; devices pull "everything after N".

THE COMMIT-ORDER RULE (read this before touching `append`)
-----------------------------------------------------------
A reader that has applied everything up to N asks for seq > N. If sequence numbers were taken
from a database sequence (or max(seq)+1) inside concurrent transactions, transaction A could
take 41, transaction B 42, B commit first, a reader see 42 and move its cursor to 42, and then A
commit 41 behind the reader's back: change 41 would be lost for that device forever. Numbers
must become visible in the order they were handed out.

So sequences come from the single `change_counter` row, and every applying transaction runs

    UPDATE change_counter SET value = value + :n WHERE id = 1 RETURNING value

as its LAST contending statement before COMMIT: all its business writes (sale rows, stock rows,
prices) come first; after the counter it only inserts its own change rows (with the numbers just
taken; nobody else can hold them) and its processed_events row, then commits. (That row can meet
a concurrent send of the same event id, which either holds no lock we wait for or waits for the
counter itself: one of the two fails on the key and is retried; no deadlock.) The UPDATE takes
the row lock, which PostgreSQL holds until commit, so the next appender waits on the row and,
at READ COMMITTED, re-reads the committed value once we are done: transactions take sequence
ranges strictly in commit order, and no transaction can commit a number below one that is
already visible. On SQLite every writer holds the database's write lock (BEGIN IMMEDIATE) from
begin to commit, which serialises appenders even more bluntly.

Why last: the lock is held from the UPDATE to the COMMIT, so it must be as short as possible;
taking it early would serialise whole sale transactions instead of their final moment.

The cost: appenders queue on one row for the moment between that UPDATE and their commit
(the commit's WAL flush included), well under a millisecond. That is the price of a feed that
never skips, and far below what the stores' tills produce together. (The alternative, serving
only up to the oldest in-flight number, needs a registry of in-flight transactions; one row is
simpler and obviously right.)

tests/backend/test_commit_order.py runs concurrent writers against a polling reader and shows
that the reader never sees a gap that is filled later.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, select, text

from backend.models import ChangeCounter
from backend.statements import hot_sql, raw_cursor
from sync.protocol import MAX_PAGE_CHANGES, ChangeKind

_TAKE = text("UPDATE change_counter SET value = value + :n WHERE id = 1 RETURNING value")

# The device's page: the shared rows (store_id NULL) and its own store's rows, each an ordered
# range of the (store_id, seq) index, merged. Another store's rows are never even scanned,
# however many there are. One statement, so one snapshot on PostgreSQL.
_PAGE_SQLITE = text("""
SELECT seq, kind, key, data FROM (
    SELECT * FROM (SELECT seq, kind, key, data FROM changes
                   WHERE store_id IS NULL AND seq > :after ORDER BY seq LIMIT :n) AS shared
    UNION ALL
    SELECT * FROM (SELECT seq, kind, key, data FROM changes
                   WHERE store_id = :store AND seq > :after ORDER BY seq LIMIT :n) AS own
) AS page ORDER BY seq LIMIT :n
""")
# The same for PostgreSQL, spelled to steer it to that index. Given "store_id = :store AND
# seq > :after ORDER BY seq" it walked the primary key from `after` and filtered (the key's
# perfect physical correlation looks cheap), which at the end of a seeded feed, a million shared
# customer rows, read them all to find none of the store's: 300 ms to 2 s a page instead of a few.
# A range on store_id (not an equality, which it would fold out of the ORDER BY) plus the row
# comparison leave only the composite index able to deliver the range and the order; in the
# shared branch, ordering by (store_id, seq) under IS NULL does the same. JSONB is turned into
# text (the response is assembled from it unparsed) only for the rows that make the page: that
# conversion is most of the query's time.
_PAGE_POSTGRESQL = text("""
SELECT seq, kind, key, CAST(data AS TEXT) FROM (
    SELECT * FROM (
        SELECT * FROM (SELECT seq, kind, key, data FROM changes
                       WHERE store_id IS NULL AND seq > :after ORDER BY store_id, seq LIMIT :n) AS shared
        UNION ALL
        SELECT * FROM (SELECT seq, kind, key, data FROM changes
                       WHERE store_id >= :store AND store_id <= :store AND (store_id, seq) > (:store, :after)
                       ORDER BY store_id, seq LIMIT :n) AS own
    ) AS merged ORDER BY seq LIMIT :n
) AS page ORDER BY seq
""")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9@_.:-]*")


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A change waiting for its sequence number. `store_id` None: for every store."""

    kind: ChangeKind
    key: str
    store_id: str | None
    data: dict[str, Any] | None


def take_sequences(conn: Connection, count: int) -> int:
    """Reserve `count` numbers; returns the last. Holds the counter's row lock until commit:
    call it as the last contending statement of the transaction (see the module docstring)."""
    if count < 1:
        raise ValueError("take at least one sequence number")
    return int(conn.execute(_TAKE, {"n": count}).scalar_one())


def append(conn: Connection, changes: Sequence[PendingChange], now: datetime | None = None) -> int:
    """Append `changes` to the feed in this transaction; returns the last sequence produced.

    MUST be the last thing the transaction does before COMMIT, apart from inserting rows that
    are its own (see the module docstring). Callers commit right after.
    """
    sql, cur = hot_sql(conn), raw_cursor(conn)
    last = sql.take_sequences(cur, len(changes))
    first = last - len(changes) + 1
    sql.insert_changes(cur, [(first + i, c.kind.value, c.key, c.store_id, c.data) for i, c in enumerate(changes)],
                       now or datetime.now(timezone.utc))
    return last


def append_run(conn: Connection, changes: Sequence[PendingChange], processed: list[tuple],
               now: datetime | None = None) -> int:
    """PostgreSQL: `append` and the run's processed_events rows in one round trip (see
    backend.statements.HotSql.append_with_processed, which says how `processed` numbers its
    change_seq) and the COMMIT, all in one round trip: it must be the transaction's last call.
    Returns the last sequence, committed."""
    sql, cur = hot_sql(conn), raw_cursor(conn)
    return sql.append_with_processed(cur, [(c.kind.value, c.key, c.store_id, c.data) for c in changes], processed,
                                     now or datetime.now(timezone.utc))


def high_water(conn: Connection) -> int:
    return int(conn.execute(select(ChangeCounter.value).where(ChangeCounter.id == 1)).scalar_one())


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A page as read: rows of (seq, kind, key, data as JSON text or None)."""

    rows: list[tuple[int, str, str, str | None]]
    after: int
    has_more: bool
    high_water: int

    @property
    def next_cursor(self) -> int:
        return self.rows[-1][0] if self.rows else self.after

    def to_json(self) -> bytes:
        """The page as a sync.protocol.ChangePage document, assembled from the stored JSON text
        without parsing it: an initial pull of a million products is hundreds of pages of 5,000
        changes, and building and validating 5,000 models per page would dominate the time."""
        parts = [f'{{"seq":{seq},"kind":"{kind}","key":{_quote(key)},"data":{data or "null"}}}'
                 for seq, kind, key, data in self.rows]
        more = "true" if self.has_more else "false"
        return (f'{{"changes":[{",".join(parts)}],"next_cursor":{self.next_cursor},"has_more":{more},'
                f'"high_water":{self.high_water}}}').encode("utf-8")


def _quote(key: str) -> str:
    return f'"{key}"' if _PLAIN_KEY.fullmatch(key) else json.dumps(key)


def read_page(conn: Connection, store_id: str, after: int, limit: int = MAX_PAGE_CHANGES) -> FeedPage:
    """Changes with seq > `after` that a device of `store_id` keeps: products and customers, and
    its own store's price and stock rows; in seq order, at most min(limit, MAX_PAGE_CHANGES)."""
    limit = max(1, min(limit, MAX_PAGE_CHANGES))
    query = _PAGE_POSTGRESQL if conn.dialect.name == "postgresql" else _PAGE_SQLITE
    rows: list[tuple[int, str, str, str | None]] = [
        tuple(r) for r in conn.execute(query, {"after": after, "store": store_id, "n": limit + 1}).all()]
    has_more = len(rows) > limit
    del rows[limit:]
    newest = high_water(conn)  # read after the page: never below its last seq
    return FeedPage(rows, after, has_more, max(newest, rows[-1][0] if rows else 0))
