"""The center's customer search keys (backend.customer_search): the migration fills them for
customers already there, they match the models, and the seed loads them with its customers.
SQLite, and PostgreSQL with $POS_TEST_DATABASE_URL."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from backend.customer_search import search
from backend.db import open_backend_database
from backend.migrations.runner import alembic_config
from backend.models import Base

OLD_CUSTOMERS = [(1, "K-0000001", "Łukasz", "Özdemir", "+49 (0)30 1234567"), (2, "K-0000002", "Ingrid", "Ølberg", "")]


def test_the_migration_fills_the_keys_of_existing_customers(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        command.upgrade(alembic_config(engine), "0005_pickups")
        with engine.begin() as conn:
            for row in OLD_CUSTOMERS:
                conn.execute(text("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, "
                                  "phone, email) VALUES (:i, :n, :f, :l, '', '', '', :p, '')"),
                             dict(zip("inflp", row)))
    finally:
        engine.dispose()
    db = open_backend_database(empty_database_url)  # to head
    try:
        with db.reading() as conn:
            for typed, expected in (("Özdemir", [1]), ("ozdemir", [1]), ("Lukasz", [1]), ("Olberg", [2]),
                                    ("Ølberg", [2]), ("030 1234567", [1]), ("Ingrid Olb", [2])):
                assert [r["id"] for r in search(conn, typed)] == expected, typed
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diff if "customer_search_keys" in repr(d)] == []
    finally:
        db.close()


def test_the_seed_loads_the_keys_with_its_customers(db) -> None:  # type: ignore[no-untyped-def]
    with db.reading() as conn:
        customers = conn.execute(text("SELECT count(*) FROM customers")).scalar()
        indexed = conn.execute(text("SELECT count(DISTINCT customer_id) FROM customer_search_keys")).scalar()
        cid, first, last = conn.execute(text("SELECT id, first_name, last_name FROM customers ORDER BY id")).first()
        assert customers and indexed == customers
        assert cid in [r["id"] for r in search(conn, f"{first} {last}")]
