"""The push path's SQL, run on the raw DBAPI cursor inside the caller's SQLAlchemy transaction.

Why not SQLAlchemy Core here: a till that was offline drains thousands of sales, and each sale
is its own transaction of about eight statements. Through Core, even with prebuilt statements
and the compiled cache, each execution cost ~0.2 ms of Python (cache keys, bind processors,
execution contexts): 2.4 ms a sale against 1.25 ms for the same SQL on the psycopg cursor.
Everything else in the backend uses Core and the models; this module is the one hot path.

The SQL is the same for both dialects (ON CONFLICT and RETURNING exist in both); only the
placeholder, the JSON parameter and the timestamp parameter differ. The schema is the models'
(backend/models.py); the tests run every statement on PostgreSQL and on SQLite.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from functools import cache
from typing import Any

from sqlalchemy import Connection

MAX_STOCK_ROWS_PER_STATEMENT = 32
MAX_RUN_STOCK_ROWS = 300  # 900 parameters: within SQLite's oldest limit (999)


def timestamp_text(moment: datetime) -> str:
    """SQLite: the text SQLAlchemy's DateTime stores and reads back (naive UTC)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", timespec="microseconds")


class HotSql:
    """One dialect's statements. Get it with hot_sql(conn); run it with conn's raw cursor."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        postgres = dialect == "postgresql"
        self._mark = "%s" if postgres else "?"
        if postgres:
            from psycopg.types.json import Jsonb

            self.json: Any = Jsonb
            self.timestamp: Any = lambda moment: moment
        else:
            self.json = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            self.timestamp = timestamp_text

    def _sql(self, text: str) -> str:
        return text.replace("?", self._mark)

    def _in(self, count: int) -> str:
        return ", ".join([self._mark] * count)

    # ---- reads ---------------------------------------------------------------------------

    def seen(self, cur: Any, event_ids: Sequence[str]) -> list[tuple]:
        """processed_events rows (id, device_id, payload_hash, outcome, reason, change_seq)."""
        if not event_ids:
            return []
        cur.execute(f"SELECT id, device_id, payload_hash, outcome, reason, change_seq FROM processed_events "
                    f"WHERE id IN ({self._in(len(event_ids))})", list(event_ids))
        return cur.fetchall()

    def known_products(self, cur: Any, product_ids: Iterable[int]) -> set[int]:
        ids = sorted(set(product_ids))
        if not ids:
            return set()
        # a placeholder for a product a till sold and the center did not know counts as unknown
        # (backend.unknown_products: every sale of it is booked aside and reconciled)
        cur.execute(f"SELECT id FROM products WHERE id IN ({self._in(len(ids))}) "
                    "AND category <> 'Unbekannt (Kasse)'", ids)
        return {row[0] for row in cur.fetchall()}

    def recorded_sales(self, cur: Any, sale_ids: Sequence[str]) -> dict[str, str]:
        """{sale id: the event id that brought it} for the sales among `sale_ids` recorded already."""
        if not sale_ids:
            return {}
        cur.execute(f"SELECT id, event_id FROM sales WHERE id IN ({self._in(len(sale_ids))})", list(sale_ids))
        return dict(cur.fetchall())

    # ---- writes --------------------------------------------------------------------------

    def write_sale(self, cur: Any, sale: dict[str, Any], lines: list[tuple], tenders: list[tuple],
                   moved: dict[int, int]) -> dict[int, int]:
        """Insert a sale with its lines and tenders and move its stock; returns the new stock
        quantities. The sale must be new: a sale id recorded meanwhile by a concurrent
        transaction fails on the primary key, and the caller runs the event again.

        sale: the sales row; lines: (sale_id, line_no, product_id, sku, name, quantity,
        unit_price_cents, list_price_cents, line_discount_cents, cart_discount_cents, total_cents,
        vat_percent); tenders: (sale_id, seq, kind, amount_cents, given_cents, reference);
        moved: quantity sold per product. PostgreSQL gets it all in one round trip (pipeline
        mode): nothing here needs an answer before the next statement."""
        row = (sale["id"], sale["receipt_number"], sale["store_id"], sale["device_id"], sale["event_id"],
               sale["cashier_id"], self.timestamp(sale["created_at"]), self.timestamp(sale["received_at"]),
               sale["total_cents"], sale["cart_discount_cents"], self.json(sale["vat"]),
               self.timestamp(sale["event_time"]))
        products = sorted(moved)  # a fixed lock order: two sales never wait on each other in a cycle
        parts = [products[i:i + MAX_STOCK_ROWS_PER_STATEMENT]
                 for i in range(0, len(products), MAX_STOCK_ROWS_PER_STATEMENT)]

        def send() -> list[Any]:
            cur.execute(self._sql(
                "INSERT INTO sales (id, receipt_number, store_id, device_id, event_id, cashier_id, created_at, "
                "received_at, total_cents, cart_discount_cents, vat, event_time) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), row)
            cur.executemany(self._sql(
                "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, quantity, unit_price_cents, "
                "list_price_cents, line_discount_cents, cart_discount_cents, total_cents, vat_percent) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), lines)
            cur.executemany(self._sql("INSERT INTO sale_tenders (sale_id, seq, kind, amount_cents, given_cents, "
                                      "reference) VALUES (?, ?, ?, ?, ?, ?)"), tenders)
            cursors = []
            for part in parts:
                params: list[Any] = []
                for product_id in part:
                    params += [product_id, sale["store_id"], -moved[product_id]]
                stock_cur = cur.connection.cursor()
                stock_cur.execute(_move_stock_sql(self._mark, len(part)), params)
                cursors.append(stock_cur)
            return cursors

        if self.dialect == "postgresql":
            with cur.connection.pipeline():
                cursors = send()
        else:
            cursors = send()
        return {product_id: quantity for stock_cur in cursors for product_id, quantity in stock_cur.fetchall()}

    def write_run(self, cur: Any, sales: list[tuple], lines: list[tuple], tenders: list[tuple],
                  audits: list[tuple], moved: dict[tuple[int, str], int]) -> dict[tuple[int, str], int]:
        """backend.batch_push: the rows of a whole run of events, and its stock moves summed per
        (product, store), written in key order (a fixed lock order); returns the quantities after
        the run. Rows are tuples in column order with timestamps and JSON already converted
        (self.timestamp, self.json). PostgreSQL: one round trip (pipeline)."""
        keys = sorted(moved)
        parts = [keys[i:i + MAX_RUN_STOCK_ROWS] for i in range(0, len(keys), MAX_RUN_STOCK_ROWS)]

        def send() -> list[Any]:
            if sales:
                cur.executemany(self._sql(
                    "INSERT INTO sales (id, receipt_number, store_id, device_id, event_id, cashier_id, created_at, "
                    "received_at, total_cents, cart_discount_cents, vat, event_time) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), sales)
            if lines:
                cur.executemany(self._sql(
                    "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, quantity, unit_price_cents, "
                    "list_price_cents, line_discount_cents, cart_discount_cents, total_cents, vat_percent) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), lines)
            if tenders:
                cur.executemany(self._sql("INSERT INTO sale_tenders (sale_id, seq, kind, amount_cents, given_cents, "
                                          "reference) VALUES (?, ?, ?, ?, ?, ?)"), tenders)
            if audits:
                cur.executemany(self._sql(
                    "INSERT INTO audit_entries (event_id, device_id, store_id, created_at, actor_id, actor_name, "
                    "action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), audits)
            cursors = []
            for part in parts:
                params: list[Any] = []
                for product_id, store_id in part:
                    params += [product_id, store_id, -moved[(product_id, store_id)]]
                stock_cur = cur.connection.cursor()
                stock_cur.execute(_move_stock_sql(self._mark, len(part), True), params)
                cursors.append(stock_cur)
            return cursors

        if self.dialect == "postgresql":
            with cur.connection.pipeline():
                cursors = send()
        else:
            cursors = send()
        return {(product_id, store_id): quantity
                for stock_cur in cursors for product_id, store_id, quantity in stock_cur.fetchall()}

    def insert_audit(self, cur: Any, row: dict[str, Any]) -> None:
        cur.execute(self._sql(
            "INSERT INTO audit_entries (event_id, device_id, store_id, created_at, actor_id, actor_name, action, "
            "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (row["event_id"], row["device_id"], row["store_id"], self.timestamp(row["created_at"]), row["actor_id"],
             row["actor_name"], row["action"], self.json(row["details"]), row["prev_hash"], row["hash"]))

    def insert_processed(self, cur: Any, row: dict[str, Any]) -> None:
        cur.execute(self._sql(
            "INSERT INTO processed_events (id, device_id, seq, type, payload_hash, outcome, reason, change_seq, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (row["id"], row["device_id"], row["seq"], row["type"], row["payload_hash"], row["outcome"], row["reason"],
             row["change_seq"], self.timestamp(row["created_at"])))

    def insert_processed_many(self, cur: Any, rows: list[tuple]) -> None:
        """(id, device_id, seq, type, payload_hash, outcome, reason, change_seq, created_at as
        self.timestamp made it)"""
        if rows:
            cur.executemany(self._sql(
                "INSERT INTO processed_events (id, device_id, seq, type, payload_hash, outcome, reason, change_seq, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), rows)

    def take_sequences(self, cur: Any, count: int) -> int:
        """See backend.changelog: the counter's row lock is held until COMMIT."""
        cur.execute(self._sql("UPDATE change_counter SET value = value + ? WHERE id = 1 RETURNING value"), (count,))
        return int(cur.fetchone()[0])

    def append_with_processed(self, cur: Any, changes: list[tuple[str, str, str | None, Any]],
                              processed: list[tuple], now: datetime) -> int:
        """PostgreSQL only: the tail of a run's transaction in ONE round trip, sent as a psycopg
        pipeline: take len(changes) sequence numbers (the counter's row lock, held to COMMIT),
        write the changes numbered from them, write the run's processed_events rows. Returns
        the last number taken, once COMMITTED (the COMMIT is the pipeline's last statement, so
        this must be the transaction's last call). Why: the counter's row lock is the one point every pushing
        transaction of every store passes; it was held across three round trips (UPDATE, the
        changes, processed_events) plus the COMMIT, and under load pushes queued on it
        ("Lock:transactionid" on the UPDATE in pg_stat_activity). Now one round trip, COMMIT
        included. The order of the statements, and so the commit-order rule, is unchanged.

        `changes`: (kind, key, store_id, data) in feed order. `processed`: rows as for
        insert_processed_many, except that change_seq is how many numbers before the LAST one
        taken (the Python side does not know the numbers before the round trip) or None; the
        statements number them from the counter's new value, which only this transaction can
        see or change until it commits."""
        n = len(changes)
        counter = "(SELECT value FROM change_counter WHERE id = 1)"
        stamp = self.timestamp(now)
        take = cur.connection.cursor()
        with cur.connection.pipeline():
            take.execute("UPDATE change_counter SET value = value + %s WHERE id = 1 RETURNING value", (n,))
            cur.executemany(f"INSERT INTO changes (seq, kind, key, store_id, data, created_at) "
                            f"VALUES ({counter} - %s, %s, %s, %s, %s, %s)",
                            [(n - 1 - i, kind, key, store, None if data is None else self.json(data), stamp)
                             for i, (kind, key, store, data) in enumerate(changes)])
            if processed:
                cur.executemany(f"INSERT INTO processed_events (id, device_id, seq, type, payload_hash, outcome, "
                                f"reason, change_seq, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                                f"{counter} - %s, %s)", processed)
            # COMMIT in the same round trip: the lock is released the moment the WAL is flushed,
            # not after one more trip through a busy Python process. The caller's own commit
            # then finds the connection idle and does nothing (psycopg skips it); a failure
            # anywhere above aborts the pipeline, COMMIT included, and raises here.
            cur.execute("COMMIT")
        return int(take.fetchone()[0])

    def insert_changes(self, cur: Any, rows: list[tuple[int, str, str, str | None, Any]], now: datetime) -> None:
        """(seq, kind, key, store_id, data)"""
        stamp = self.timestamp(now)
        cur.executemany(self._sql("INSERT INTO changes (seq, kind, key, store_id, data, created_at) "
                                  "VALUES (?, ?, ?, ?, ?, ?)"),
                        [(seq, kind, key, store, None if data is None else self.json(data), stamp)
                         for seq, kind, key, store, data in rows])


@cache
def _move_stock_sql(mark: str, rows: int, with_store: bool = False) -> str:
    values = ", ".join([f"({mark}, {mark}, {mark})"] * rows)
    return (f"INSERT INTO stock (product_id, store_id, quantity) VALUES {values} "
            "ON CONFLICT (product_id, store_id) DO UPDATE SET quantity = stock.quantity + excluded.quantity "
            f"RETURNING product_id, {'store_id, ' if with_store else ''}quantity")


@cache
def _hot_sql(dialect: str) -> HotSql:
    return HotSql(dialect)


def hot_sql(conn: Connection) -> HotSql:
    return _hot_sql(conn.dialect.name)


def raw_cursor(conn: Connection) -> Any:
    """A DBAPI cursor of `conn`'s connection: statements on it run in conn's transaction."""
    return conn.connection.driver_connection.cursor()
