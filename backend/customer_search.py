"""The center's customer search (GET /v1/customers/search), by the same folded keys as the
till's local search (pos_app.customers.folding), so that the center finds what the till finds,
on SQLite and on PostgreSQL alike.

Why a key table and not `ilike`: SQLite's LIKE folds only ASCII, so "Özdemir", "Ølberg" or
"Łukasz" were missed even typed exactly, and neither database knows that "Mueller" is "Müller".
Python folds once, when a customer is written; the search compares plain keys:

- kind "w": each folded word of the first and the last name (prefix search: a range scan,
  `key >= t AND key < t'`, on a binary collation: "C" on PostgreSQL, SQLite's default);
- kind "f" / "l": the Kölner Phonetik code of the first / last name (after folding);
- kind "p": the phone key (`phonenumbers`, +49 by default); kind "e": the e-mail, case folded.

Name search as at the till: every typed word must be the start of a word of the name; when
that finds fewer than `limit`, the phonetic codes add spelling variants and typos (one word: the
last name; two or more: first and last word as first and last name, either way round).

Who writes keys: every path that changes a customer also puts it into the change feed
(backend.clienteling), and calls `index_customer` there; the seed loads them in bulk
(`key_rows`); the migration that made the table filled it for existing customers.

Thread: request threads; the caller owns the transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, and_, delete, insert, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, Customer
from pos_app.customer_keys import classify
from pos_app.customers.folding import email_key, fold_words, phone_key, phonetic, prefix_bounds

KEY_LENGTH = 200
KeyText = String(KEY_LENGTH).with_variant(String(KEY_LENGTH, collation="C"), "postgresql")
WORD, FIRST_CODE, LAST_CODE, PHONE, EMAIL = "w", "f", "l", "p", "e"
KEY_COLUMNS = ("customer_id", "kind", "key")


class CustomerSearchKey(Base):
    """One search key of a customer (see the module docstring for the kinds)."""

    __tablename__ = "customer_search_keys"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[str] = mapped_column(KeyText, primary_key=True)
    __table_args__ = (Index("ix_customer_search_keys_lookup", "kind", "key", "customer_id"),)


def key_rows(customer_id: int, first: str, last: str, phone: str, email: str) -> list[tuple[int, str, str]]:
    """The key rows of one customer, (customer_id, kind, key), without duplicates."""
    keys = {(WORD, w[:KEY_LENGTH]) for w in fold_words(first) + fold_words(last)}
    for kind, value in ((FIRST_CODE, phonetic(first)), (LAST_CODE, phonetic(last)), (PHONE, phone_key(phone)),
                        (EMAIL, email_key(email))):
        if value:
            keys.add((kind, value[:KEY_LENGTH]))
    return [(customer_id, kind, key) for kind, key in sorted(keys)]


def rows_for_people(people: Iterable[Sequence[Any]]) -> Iterable[tuple[int, str, str]]:
    """Key rows for customer rows in the seed's column order (id, number, first_name,
    last_name, street, zip_code, city, phone, email, ...)."""
    for p in people:
        yield from key_rows(int(p[0]), p[2] or "", p[3] or "", p[7] or "", p[8] or "")


def index_customer(conn: Connection, data: Mapping[str, Any] | None, customer_id: int | None = None) -> None:
    """Replace a customer's keys by those of `data` (a customer row as a mapping); None (with
    `customer_id`) removes them."""
    cid = int(data["id"]) if data is not None else customer_id
    if cid is None:
        return
    conn.execute(delete(CustomerSearchKey).where(CustomerSearchKey.customer_id == cid))
    if data is not None:
        rows = key_rows(cid, data.get("first_name") or "", data.get("last_name") or "", data.get("phone") or "",
                        data.get("email") or "")
        if rows:
            conn.execute(insert(CustomerSearchKey), [dict(zip(KEY_COLUMNS, r)) for r in rows])


def _with_key(kind: str, key: str) -> Any:
    return select(CustomerSearchKey.customer_id).where(CustomerSearchKey.kind == kind, CustomerSearchKey.key == key)


def _with_prefix(prefix: str) -> Any:
    low, high = prefix_bounds(prefix[:KEY_LENGTH])
    return select(CustomerSearchKey.customer_id).where(CustomerSearchKey.kind == WORD, CustomerSearchKey.key >= low,
                                                       CustomerSearchKey.key < high)


_COLUMNS = (Customer.id, Customer.number, Customer.first_name, Customer.last_name, Customer.street,
            Customer.zip_code, Customer.city, Customer.phone, Customer.email, Customer.home_store_id)


def _found(conn: Connection, condition: Any, limit: int) -> list[dict[str, Any]]:
    stmt = select(*_COLUMNS).where(condition).order_by(Customer.last_name, Customer.first_name, Customer.id)
    return [dict(r) for r in conn.execute(stmt.limit(limit)).mappings()]


def search(conn: Connection, typed: str, limit: int = 30) -> list[dict[str, Any]]:
    """Customers matching what was typed or scanned: card, number, e-mail, phone in any
    format, or a name (folded word prefixes, then the phonetic codes)."""
    q = classify(typed)
    if q.kind in ("card", "number"):
        return _found(conn, Customer.number == q.key, limit)
    if q.kind == "email":
        return _found(conn, Customer.id.in_(_with_key(EMAIL, q.key)), limit)
    if q.kind == "phone":
        return _found(conn, Customer.id.in_(_with_key(PHONE, q.key)), limit) if q.key else []
    if q.kind != "name":
        return []
    rows = _found(conn, and_(*(Customer.id.in_(_with_prefix(t)) for t in q.tokens)), limit)
    if len(rows) >= limit:
        return rows
    codes = [c for c in (phonetic(t) for t in q.tokens) if c]
    if not codes:
        return rows
    if len(codes) == 1:
        sounds_like = Customer.id.in_(_with_key(LAST_CODE, codes[0]))
    else:
        a, b = codes[0], codes[-1]
        sounds_like = or_(and_(Customer.id.in_(_with_key(LAST_CODE, b)), Customer.id.in_(_with_key(FIRST_CODE, a))),
                          and_(Customer.id.in_(_with_key(LAST_CODE, a)), Customer.id.in_(_with_key(FIRST_CODE, b))))
    seen = {r["id"] for r in rows}
    for row in _found(conn, sounds_like, limit):
        if row["id"] not in seen and len(rows) < limit:
            rows.append(row)
            seen.add(row["id"])
    return rows
