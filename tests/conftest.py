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


# ---- the consistency check after every end-to-end test (tests/consistency_watch.py) ----------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "consistency_exempt(reason): this test ends, on purpose, in a state "
                                       "where center and stores do not agree yet; the reason says why")


@pytest.fixture(autouse=True)
def _consistency_watch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    from tests.consistency_watch import ConsistencyWatch

    watch = ConsistencyWatch()
    watch.install(monkeypatch)
    request.node._consistency_watch = watch
    yield watch


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield  # the test body; when it failed, that failure is the one to see
    watch = getattr(item, "_consistency_watch", None)
    if watch is not None and item.get_closest_marker("consistency_exempt") is None and watch.servers:
        found = watch.settle_and_compare()
        if found:
            raise AssertionError("center and stores disagree after the test (tests/consistency_watch.py):\n  "
                                 + "\n  ".join(found))
    return result
