"""Run the REAL central backend as a separate process, for integration tests over HTTP on
loopback (the store's sync tests use it too): no mocks of our own code.

    from tests.backend_server import BackendServer, backend_database_url

    backend_url = pytest.fixture(backend_database_url)   # a fresh database per test

    def test_sync(backend_url):
        with BackendServer(backend_url) as server:       # migrates, seeds the demo retailer, serves
            token = server.register_device("BER-K1", "BER", "Kasse 1")
            requests.get(f"{server.url}/v1/changes", headers={"Authorization": f"Bearer {token}"})
            server.kill()                                # SIGKILL: a crash
            server.start()                               # same database, same port

Databases: with $POS_TEST_DATABASE_URL set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)
every fresh database is a new `omnipos_t_<random>` on that server, dropped afterwards; without
it, a SQLite file in the test's tmp_path.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import requests

ROOT = Path(__file__).resolve().parent.parent
ENV_TEST_DATABASE_URL = "POS_TEST_DATABASE_URL"
ADMIN_TOKEN = "test-admin-token"
START_TIMEOUT_S = 60.0  # generous: a loaded CI machine starts uvicorn slowly


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli_env(admin_token: str) -> dict[str, str]:
    env = dict(os.environ)
    env["POS_ADMIN_TOKEN"] = admin_token
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("POS_BACKEND_DATABASE_URL", None)  # always the URL we pass
    return env


def run_cli(*args: str, admin_token: str = ADMIN_TOKEN, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m backend.cli ARGS` in a child process; raises with its stderr if it fails."""
    done = subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=_cli_env(admin_token),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"pos-backend {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


class BackendServer:
    """`python -m backend.cli serve` on 127.0.0.1 with a known admin token.

    seed=True (the default) loads the demo retailer first (hand-named catalog, `customers`
    customers; seeding an already seeded database does nothing), so devices can register and
    pull right away.
    """

    def __init__(self, database_url: str, port: int = 0, *, seed: bool = True, customers: int = 200,
                 admin_token: str = ADMIN_TOKEN, log_level: str = "warning", workers: int = 1) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.admin_token = admin_token
        self.url = f"http://127.0.0.1:{self.port}"
        self._seed = seed
        self._customers = customers
        self._log_level = log_level
        self._workers = workers
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: tempfile._TemporaryFileWrapper[bytes] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> BackendServer:
        """Start (or start again, after stop() or kill(), on the same database and port)."""
        if self.running:
            raise RuntimeError("the backend is running already")
        if self._seed:
            run_cli("seed", "--customers", str(self._customers), "--database-url", self.database_url,
                    admin_token=self.admin_token)
            self._seed = False  # once per database is enough
        self._stderr = tempfile.NamedTemporaryFile(prefix="backend-", suffix=".log", delete=False)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--database-url", self.database_url, "--log-level", self._log_level, "--workers", str(self._workers)],
            cwd=ROOT, env=_cli_env(self.admin_token), stdout=subprocess.DEVNULL, stderr=self._stderr)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"the backend exited with {self._process.returncode} while starting:\n"
                                   f"{self.stderr_text()}")
            try:
                if requests.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the backend did not become healthy within {START_TIMEOUT_S:.0f} s:\n"
                           f"{self.stderr_text()}")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (uvicorn finishes what it is doing), then SIGKILL if it takes too long."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, like a crash or a pulled plug."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        return Path(self._stderr.name).read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> BackendServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            Path(self._stderr.name).unlink(missing_ok=True)
            self._stderr = None

    # ---- the admin API -----------------------------------------------------------------------

    def admin(self, method: str, path: str, **kwargs: object) -> requests.Response:
        response = requests.request(method, f"{self.url}{path}", timeout=30,
                                    headers={"Authorization": f"Bearer {self.admin_token}"}, **kwargs)
        response.raise_for_status()
        return response

    def register_device(self, device_id: str, store_id: str, name: str) -> str:
        """Register (or re-register: a new token) a device; returns its token."""
        body = {"device_id": device_id, "store_id": store_id, "name": name}
        return self.admin("POST", "/v1/admin/devices", json=body).json()["token"]


# ---- fresh databases ---------------------------------------------------------------------------


def _server_url(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database URL; dropped again afterwards (PostgreSQL) or left in tmp_path."""
    base = os.environ.get(ENV_TEST_DATABASE_URL, "").strip()
    if not base:
        yield f"sqlite:///{tmp_path / 'backend.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"omnipos_t_{secrets.token_hex(6)}"
    with psycopg.connect(_server_url(base, make_url(base).database or "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(_server_url(base, make_url(base).database or "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_database_url(tmp_path: Path) -> Iterator[str]:
    """Fixture-friendly: `backend_url = pytest.fixture(backend_database_url)` gives each test a
    fresh database URL (see fresh_database)."""
    with fresh_database(tmp_path) as url:
        yield url
