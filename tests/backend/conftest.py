"""Fixtures for the backend tests: a real database per test (PostgreSQL when
$POS_TEST_DATABASE_URL is set, else SQLite), already migrated and seeded with the demo retailer.

Speed: the schema and the seed are made once per session in a template; each test gets a copy
(CREATE DATABASE ... TEMPLATE on PostgreSQL, a file copy on SQLite), which is far faster than
migrating and seeding again.
"""
from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from backend.db import BackendDatabase, open_backend_database
from backend.seed import seed
from tests.backend.helpers import ADMIN_TOKEN, TEMPLATE_CUSTOMERS, TestClient, on_postgresql
from tests.backend_server import fresh_database



def _maintenance_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("template")) as url:
        db = open_backend_database(url)
        seed(db, customers=TEMPLATE_CUSTOMERS)
        db.close()
        yield url


@pytest.fixture
def database_url(template_url: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database holding the demo retailer (hand-named catalog), this test's own."""
    if not on_postgresql():
        source = Path(make_url(template_url).database or "")
        target = tmp_path / "backend.db"
        shutil.copy(source, target)  # the template is closed and checkpointed: one file
        yield f"sqlite:///{target}"
        return
    name = f"omnipos_t_{secrets.token_hex(6)}"
    template = make_url(template_url).database
    with psycopg.connect(_maintenance_url(template_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(template_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_maintenance_url(template_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A brand-new database: no schema, no rows."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[BackendDatabase]:
    database = BackendDatabase(database_url)
    yield database
    database.close()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    from backend.api import create_app

    with TestClient(create_app(database_url, ADMIN_TOKEN)) as test_client:
        yield test_client
