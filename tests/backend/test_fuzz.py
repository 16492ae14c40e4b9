"""Schemathesis on backend/openapi.json against the real center process (SQLite, or PostgreSQL
with $POS_TEST_DATABASE_URL), with every check, the device token on device operations and the
admin token on operator and channel ones (tests/backend/schemathesis.toml), plus our own check
that a 4xx stored nothing (tests/backend/fuzz_hooks.py). Expected: no 5xx, no answer the spec does
not describe, nothing stored on a refusal.

Its own target, not part of `make test` (it takes minutes): `make fuzz-ci` (CI runs it, on SQLite
and on PostgreSQL) with POS_FUZZ_EXAMPLES examples per operation (default 3) and POS_FUZZ_SECONDS
(default 150) in all; `make fuzz` runs it with more. Both set POS_FUZZ=1.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backend_server import ADMIN_TOKEN, ROOT, BackendServer, backend_database_url

backend_db = pytest.fixture(backend_database_url)
EXAMPLES = os.environ.get("POS_FUZZ_EXAMPLES", "3")
SECONDS = os.environ.get("POS_FUZZ_SECONDS", "150")
SEED = os.environ.get("POS_FUZZ_SEED", "20261206")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("POS_FUZZ"),
                                 reason="the fuzz run is its own target: make fuzz-ci (CI runs it) or make fuzz")]


def test_schemathesis_finds_no_server_error_no_spec_violation_and_no_write_on_a_refusal(
        backend_db: str, tmp_path: Path) -> None:
    with BackendServer(backend_db) as server:
        # an id the fuzzer will not register again (that would rotate the token away mid-run)
        token = server.register_device("BER-FUZZ-7F3A", "BER", "Fuzz-Kasse")
        env = {**os.environ, "POS_FUZZ_DEVICE_TOKEN": token, "POS_FUZZ_ADMIN_TOKEN": ADMIN_TOKEN,
               "POS_FUZZ_DATABASE_URL": backend_db, "SCHEMATHESIS_HOOKS": "tests.backend.fuzz_hooks",
               "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        command = [str(Path(sys.executable).with_name("schemathesis")),
                   "--config-file", str(ROOT / "tests" / "backend" / "schemathesis.toml"),
                   "run", str(ROOT / "backend" / "openapi.json"), "--url", server.url,
                   "--checks", "all", "--max-examples", EXAMPLES, "--max-time", SECONDS, "--seed", SEED,
                   "--workers", "1", "--report", "junit", "--report-dir", str(tmp_path)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=int(SECONDS) + 300)
    print(done.stdout[done.stdout.rfind("API Operations:"):])  # the summary (pytest -s, make fuzz)
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", done.stdout)
    assert selected and selected[1] == selected[2], "every operation of the spec is fuzzed"
    assert f"Tested: {selected[1]}" in done.stdout
