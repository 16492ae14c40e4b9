"""Alembic environment: migrations run on the engine handed over in config.attributes."""
from __future__ import annotations

from alembic import context

from pos_app.store.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # Our connections emit BEGIN themselves; Alembic's transaction wraps the whole upgrade.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
