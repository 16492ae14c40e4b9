"""Finding a customer in the local store: by name (umlaut- and typo-tolerant), phone in any
format, e-mail, customer number or a scanned customer card ("CUST:<number>").

Two indexes, both kept next to `customers` (migration 0008_customers):
- customer_fts: FTS5 over first and last name with the umlaut-folding tokenizer, kept in step
  by SQL triggers (so raw loads, e.g. the demo generator, stay searchable by prefix).
- customer_keys: per customer the normalised phone and e-mail and the Kölner Phonetik codes of
  the names (pos_app.customer_keys). Python computes them, so whoever writes customers calls
  `index_rows` (the sync feed, the demo generator, creating or editing at the till).

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

from pos_app.customer_keys import Query, classify, cologne, phone_key, spelled_variants
from pos_app.store.db import Database

_COLUMNS = "c.id, c.number, c.first_name, c.last_name, c.street, c.zip_code, c.city, c.phone, c.email, c.home_store_id"
_UPSERT_KEYS = ("INSERT INTO customer_keys (customer_id, phone_key, email_key, first_code, last_code) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET phone_key = excluded.phone_key, "
                "email_key = excluded.email_key, first_code = excluded.first_code, last_code = excluded.last_code")


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


def keys_for(cid: int, first: str, last: str, phone: str, email: str) -> tuple[int, str, str, str, str]:
    return (cid, phone_key(phone), (email or "").strip().lower(), cologne(first), cologne(last))


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
    """Search keys for every customer that has none yet (a migration, a raw bulk load).
    `conn`: a sqlite3 connection."""
    done, last = 0, -(2 ** 62)
    while True:
        rows = conn.execute(
            "SELECT c.id, c.first_name, c.last_name, c.phone, c.email FROM customers c "
            "LEFT JOIN customer_keys k ON k.customer_id = c.id WHERE c.id > ? AND k.customer_id IS NULL "
            "ORDER BY c.id LIMIT ?", (last, chunk)).fetchall()
        if not rows:
            return done
        done += index_rows(conn, rows)
        last = rows[-1][0]


def fts_name_query(tokens: Sequence[str]) -> str:
    """Every token as a prefix, all required; each with its umlaut spellings as alternatives."""
    parts = []
    for token in tokens:
        variants = sorted(spelled_variants(token))
        parts.append("(" + " OR ".join(f'"{v}"*' for v in variants) + ")")
    return " AND ".join(parts)


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
            f"SELECT {_COLUMNS} FROM (SELECT rowid FROM customer_fts WHERE customer_fts MATCH :m LIMIT :l) f "
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
        codes = [c for c in (cologne(t) for t in tokens) if c]
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
        for typed in (email.strip().lower() if email.strip() else "", phone if phone_key(phone) else ""):
            if typed:
                for hit in self.search(typed, limit=5):
                    found[hit.id] = hit
        return list(found.values())
