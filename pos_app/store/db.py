"""Opening the local SQLite store: pragmas, transactions, migrations.

SQLite runs in WAL mode with synchronous=FULL (a completed sale survives power loss), foreign
keys on and a busy timeout. Python's sqlite3 module starts transactions lazily and on its own
terms; we switch that off and emit BEGIN ourselves (SQLAlchemy's "pysqlite serializable
isolation" recipe), with BEGIN IMMEDIATE for writers so two writers queue on the busy timeout
instead of failing half-way.

Thread use: the engine is shared; every thread gets its own connection from the pool.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from pos_app.store.migrations import HEAD_REVISION

BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA cache_size=-32000")  # 32 MB page cache
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN"
    conn.exec_driver_sql(mode)


def create_store_engine(path: Path | str) -> Engine:
    url = "sqlite://" if str(path) == ":memory:" else f"sqlite:///{Path(path)}"
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


class Database:
    """The local store's engine and its two kinds of session: read, and write (BEGIN IMMEDIATE)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.engine = create_store_engine(path)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(sqlite_write=True), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction: commits at the end of the block, rolls back on any exception."""
        with self._write() as session, session.begin():
            yield session

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            exists = conn.execute(text(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")).first()
            if not exists:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> bool:
        """Bring the schema to the newest revision. Returns True if anything was applied.

        The fast path (already at head) reads one row and never imports Alembic, which keeps
        the till's cold start short.
        """
        if self.current_revision() == HEAD_REVISION:
            return False
        from pos_app.store.migrations.runner import upgrade_to_head

        upgrade_to_head(self.engine)
        return True

    def close(self) -> None:
        self.engine.dispose()


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the store file and migrate it to the newest schema."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.migrate()
    return db
