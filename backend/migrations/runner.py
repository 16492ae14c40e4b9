"""Run Alembic programmatically on an existing engine (no alembic.ini needed)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from backend.migrations import HEAD_REVISION

HERE = Path(__file__).resolve().parent


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if engine is not None:
        # Writer connections: BEGIN IMMEDIATE on SQLite, so concurrent starts take turns.
        cfg.attributes["engine"] = engine.execution_options(sqlite_write=True)
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_to_head(engine: Engine) -> bool:
    """Migrate to the newest revision; True if anything was applied."""
    if current_revision(engine) == HEAD_REVISION:
        return False
    command.upgrade(alembic_config(engine), "head")
    return True


def script_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
