"""Finding a customer in the local store: by name (umlaut- and typo-tolerant), phone in any
format, e-mail, customer number or a scanned customer card ("CUST:<number>").

Two indexes, both kept next to `customers` (migrations 0008_customers and the name folding
one after 0009):
- customer_keys: per customer the normalised phone and e-mail, the folded first and last name
  and their Kölner Phonetik codes, all computed by pos_app.customers.folding (the same folding
  as the center's search) with the FOLDING_VERSION they were made with. Python computes them,
  so whoever writes customers calls `index_rows` (the sync feed, the demo generator, creating
  or editing at the till); `index_all` catches up rows without keys or of an older version.
- customer_name_fts: FTS5 over the folded names (external content: customer_keys), kept in step
  by SQL triggers on customer_keys.

Name search: prefix match over FTS first; when that finds fewer than `limit`, the phonetic
codes add spelling variants and typos ("Meyer" for "Maier", "Schmitt" for "Schmidt").

Thread: any; each call opens its own short read session. The till runs searches off the UI
thread (ui.tasks.run_in_background).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from pos_app.customer_keys import Query, classify
from pos_app.customers.folding import FOLDING_VERSION, email_key, fold_text, phone_key, phonetic
from pos_app.store.db import Database

_COLUMNS = "c.id, c.number, c.first_name, c.last_name, c.street, c.zip_code, c.city, c.phone, c.email, c.home_store_id"
_UPSERT_KEYS = ("INSERT INTO customer_keys (customer_id, phone_key, email_key, first_code, last_code, first_fold, "
                "last_fold, key_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET "
                "phone_key = excluded.phone_key, email_key = excluded.email_key, first_code = excluded.first_code, "
                "last_code = excluded.last_code, first_fold = excluded.first_fold, last_fold = excluded.last_fold, "
                "key_version = excluded.key_version")
KeyRow = tuple[int, str, str, str, str, str, str, int]


@dataclass(frozen=True)
class CustomerHit:
    id: int
    number: str
    first_name: str
    last_name: str
    street: str
    zip_code: str
    city: str
    phone: str
    email: str
    home_store_id: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def keys_for(cid: int, first: str, last: str, phone: str, email: str) -> KeyRow:
    """One customer's row of customer_keys, in _UPSERT_KEYS' order."""
    return (cid, phone_key(phone), email_key(email), phonetic(first), phonetic(last), fold_text(first),
            fold_text(last), FOLDING_VERSION)


def index_rows(conn: Any, rows: Iterable[Sequence[Any]]) -> int:
    """(Re)compute the search keys of customers given as (id, first, last, phone, email).
    `conn`: a sqlite3 connection or a SQLAlchemy connection (anything with exec_driver_sql or
    executemany), inside the caller's transaction."""
    keys = [keys_for(int(r[0]), r[1] or "", r[2] or "", r[3] or "", r[4] or "") for r in rows]
    if keys:
        if hasattr(conn, "exec_driver_sql"):
            conn.exec_driver_sql(_UPSERT_KEYS, keys)
        else:
            conn.executemany(_UPSERT_KEYS, keys)
    return len(keys)


def index_all(conn: Any, chunk: int = 50_000) -> int:
    """Search keys for every customer that has none yet, or keys of an older FOLDING_VERSION
    (a migration, a raw bulk load). `conn`: a sqlite3 connection."""
    done, last = 0, -(2 ** 62)
    while True:
        rows = conn.execute(
            "SELECT c.id, c.first_name, c.last_name, c.phone, c.email FROM customers c "
            "LEFT JOIN customer_keys k ON k.customer_id = c.id WHERE c.id > ? "
            "AND (k.customer_id IS NULL OR k.key_version <> ?) ORDER BY c.id LIMIT ?",
            (last, FOLDING_VERSION, chunk)).fetchall()
        if not rows:
            return done
        done += index_rows(conn, rows)
        last = rows[-1][0]


def fts_name_query(tokens: Sequence[str]) -> str:
    """Every (already folded) token as a prefix, all required. Folded tokens hold letters and
    digits only, so quoting them is enough."""
    return " AND ".join(f'"{token}"*' for token in tokens)


class CustomerDirectory:
    """The local store's customers, as the till looks them up."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, customer_id: int) -> CustomerHit | None:
        with self._db.reading() as s:
            row = s.execute(text(f"SELECT {_COLUMNS} FROM customers c WHERE c.id = :i"), {"i": customer_id}).first()
        return CustomerHit(*row) if row else None

    def search(self, typed: str, limit: int = 30) -> list[CustomerHit]:
        query = classify(typed)
        with self._db.reading() as s:
            rows = self._rows(s, query, limit)
        return [CustomerHit(*r) for r in rows]

    def _rows(self, s: Any, q: Query, limit: int) -> list[Any]:
        if q.kind in ("card", "number"):
            return s.execute(text(f"SELECT {_COLUMNS} FROM customers c WHERE c.number = :n"), {"n": q.key}).all()
        if q.kind == "email":
            return s.execute(text(f"SELECT {_COLUMNS} FROM customer_keys k JOIN customers c ON c.id = k.customer_id "
                                  "WHERE k.email_key = :e LIMIT :l"), {"e": q.key, "l": limit}).all()
        if q.kind == "phone":
            return s.execute(text(f"SELECT {_COLUMNS} FROM customer_keys k JOIN customers c ON c.id = k.customer_id "
                                  "WHERE k.phone_key = :p LIMIT :l"), {"p": q.key, "l": limit}).all()
        if q.kind != "name":
            return []
        rows = s.execute(text(
            f"SELECT {_COLUMNS} FROM (SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH :m LIMIT :l) f "
            "JOIN customers c ON c.id = f.rowid"), {"m": fts_name_query(q.tokens), "l": limit}).all()
        if len(rows) >= limit:
            return rows
        seen = {r[0] for r in rows}
        for row in self._phonetic(s, q.tokens, limit):
            if row[0] not in seen and len(rows) < limit:
                rows.append(row)
                seen.add(row[0])
        return rows

    def _phonetic(self, s: Any, tokens: Sequence[str], limit: int) -> list[Any]:
        codes = [c for c in (phonetic(t) for t in tokens) if c]
        if not codes:
            return []
        if len(codes) == 1:  # one word: a last name, else a first name
            rows = s.execute(text(f"SELECT {_COLUMNS} FROM customer_keys k JOIN customers c ON c.id = k.customer_id "
                                  "WHERE k.last_code = :a LIMIT :l"), {"a": codes[0], "l": limit}).all()
            return rows
        a, b = codes[0], codes[-1]  # "Anna Müller" or "Müller Anna"
        return s.execute(text(
            f"SELECT {_COLUMNS} FROM customer_keys k JOIN customers c ON c.id = k.customer_id "
            "WHERE (k.last_code = :b AND k.first_code = :a) OR (k.last_code = :a AND k.first_code = :b) LIMIT :l"),
            {"a": a, "b": b, "l": limit}).all()

    def duplicates(self, phone: str, email: str) -> list[CustomerHit]:
        """Customers with this phone or e-mail already (the warning when creating one)."""
        found: dict[int, CustomerHit] = {}
        for typed in (email_key(email), phone if phone_key(phone) else ""):
            if typed:
                for hit in self.search(typed, limit=5):
                    found[hit.id] = hit
        return list(found.values())
