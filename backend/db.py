"""Engines and transactions for PostgreSQL (production) and SQLite (the embedded default).

PostgreSQL runs at READ COMMITTED, its default: the change-log counter relies on it (a writer
waiting on the counter row re-reads the row once the holder commits, see backend.changelog).

SQLite gets the same recipe as the store's file (pos_app/store/db.py): WAL, synchronous=FULL
(an acknowledged sale survives power loss), foreign keys on, a busy timeout, and Python's sqlite3
transaction handling switched off so that we emit BEGIN ourselves ("pysqlite serializable
isolation" in the SQLAlchemy docs), BEGIN IMMEDIATE for writers: a writer takes the write lock
up front and queues on the busy timeout, instead of failing half-way when it upgrades a read lock.

Thread use: one engine per process, shared; every request thread checks out its own connection.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from backend.config import dialect_of, normalise_database_url

BUSY_TIMEOUT_MS = 10_000
# Error codes after which re-running the whole transaction is the right answer: a unique key
# taken by a concurrent transaction, a serialization failure, a deadlock.
RETRYABLE_SQLSTATES = frozenset({"23505", "40001", "40P01"})


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA cache_size=-32000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN"
    conn.exec_driver_sql(mode)


def create_backend_engine(url: str) -> Engine:
    url = normalise_database_url(url)
    if dialect_of(url) == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # One connection per request thread; FastAPI's thread pool has 40 threads. No pre-ping: it
    # cost a round trip on every checkout (two per request; the benchmark's center waited on
    # them). A connection PostgreSQL dropped fails its request instead (a 500 the till resends,
    # with its idempotency keys) and SQLAlchemy then discards the pool's older connections.
    return create_engine(url, pool_size=10, max_overflow=30, pool_pre_ping=False, pool_recycle=1800)


class BackendDatabase:
    """The engine plus the two ways in: reading, and writing (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.dialect = dialect_of(self.url)
        self.engine = create_backend_engine(self.url)
        self._writer = self.engine.execution_options(sqlite_write=True)

    @contextmanager
    def connect(self, *, write: bool = False) -> Iterator[Connection]:
        """A connection on which the caller runs one or more `with conn.begin():` transactions
        (the push endpoint applies a batch on one connection, one transaction per event)."""
        with (self._writer if write else self.engine).connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction: commits at the end of the block, rolls back on an exception."""
        with self._writer.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot on SQLite; per statement on PostgreSQL)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def insert(self, table: Table) -> Any:
        """An INSERT that knows ON CONFLICT (both dialects spell it the same way)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def migrate(self) -> bool:
        """Bring the schema to the newest revision; True if anything was applied."""
        from backend.migrations.runner import upgrade_to_head

        return upgrade_to_head(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def is_retryable(exc: BaseException) -> bool:
    """A unique key taken by a concurrent transaction, a deadlock or a serialization failure:
    roll back and run the whole transaction again; the second run sees the winner's rows.
    Accepts SQLAlchemy's wrapped errors and the driver's own (from raw cursors)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    # SQLite serialises writers, so it has no such races; a unique failure there is retried
    # once more all the same, and then shows up as what it is.
    return isinstance(orig, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(orig)


def open_backend_database(url: str, *, migrate: bool = True) -> BackendDatabase:
    db = BackendDatabase(url)
    if migrate:
        db.migrate()
    return db
