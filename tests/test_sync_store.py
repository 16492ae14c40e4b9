"""The store's side of sync that needs no network: the schema migration, the [sync] settings
and the device token file."""
from __future__ import annotations

import logging
import os
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pos_app.config import ConfigError, DEFAULT_FILE, parse_settings
from pos_app.store.db import open_database
from pos_app.store.models import Base, SyncState
from sync.token import TokenError, read_token, token_path, write_token


def test_migration_0002_matches_the_models_and_has_the_sync_state_row(tmp_path):
    db = open_database(tmp_path / "fresh.db")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the FTS5 tables are made by raw SQL in 0001 and are not models
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith(("product_fts", "customer_name_fts")))] == []
    with db.reading() as s:
        state = s.get(SyncState, 1)
        assert (state.cursor, state.high_water, state.last_error) == (0, 0, "")
    db.close()


def test_sync_settings_default_off_and_are_checked():
    settings = parse_settings(DEFAULT_FILE)
    assert settings.sync.backend_url == "" and not settings.sync.enabled
    assert (settings.sync.interval_s, settings.sync.batch_size) == (15, 200)
    on = parse_settings('[sync]\nbackend_url = "https://zentrale.example.de"\ninterval_s = 5\n')
    assert on.sync.enabled and on.sync.interval_s == 5.0
    with pytest.raises(ConfigError, match="batch_size"):
        parse_settings("[sync]\nbatch_size = 501\n")
    with pytest.raises(ConfigError, match="backend_url"):
        parse_settings('[sync]\nbackend_url = "zentrale.example.de"\n')
    with pytest.raises(ConfigError, match="sync.intervall"):
        parse_settings("[sync]\nintervall = 5\n")


def test_device_token_is_written_0600_and_a_loose_mode_is_fixed(tmp_path, caplog):
    path = token_path(tmp_path)
    assert read_token(path) is None
    write_token(path, "  secret-token-1\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token(path) == "secret-token-1"
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        assert read_token(path) == "secret-token-1"
    assert "readable by others" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(TokenError):
        write_token(path, "two words")
    path.write_text("\n")
    os.chmod(path, 0o600)
    with pytest.raises(TokenError, match="leer"):
        read_token(path)
