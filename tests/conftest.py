from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.store_fixture import build_store, open_store  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per run (argon2 hashing is slow on purpose); each test gets a copy."""
    return build_store(tmp_path_factory.mktemp("template") / "store.db")


@pytest.fixture
def store_path(template_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.db"
    shutil.copy(template_store, target)
    return target


@pytest.fixture
def store(store_path: Path):
    local = open_store(store_path)
    yield local
    local.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
