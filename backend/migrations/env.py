"""Alembic environment: migrations run on the engine handed over in config.attributes.

Several `serve` processes may start at once on one database. On PostgreSQL an advisory lock
makes them take turns (the second sees the first's revision and does nothing); on SQLite the
engine's writer connection starts with BEGIN IMMEDIATE, which has the same effect.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import text

from backend.models import Base

MIGRATION_LOCK_KEY = 0x0A1B_5EED  # any constant; only our migrations use it

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
    connection.commit()
