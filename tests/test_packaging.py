"""The PyInstaller bundle starts headless and the till becomes usable (twice: first run creates
the demo database, second run finds it). Off by default; POS_TEST_PACKAGE=1 turns it on.
CI builds with `make package` as its own step; this test reuses dist/omnipos when it is newer
than every source file and builds it otherwise."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / "dist" / "omnipos" / "omnipos"
SOURCES = ["pos_app", "ui", "sync", "hardware", "backend", "resources", "pyinstaller.spec", "pyproject.toml"]
TIMEOUT = 300

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("POS_TEST_PACKAGE") != "1",
                       reason="packaging test: set POS_TEST_PACKAGE=1 (builds with PyInstaller)"),
]


def newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()
                                              and "__pycache__" not in p.parts]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def ensure_bundle() -> None:
    if EXE.exists() and EXE.stat().st_mtime > newest_source_mtime():
        return
    build = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "pyinstaller.spec"],
                           cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert EXE.exists()


def smoke(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "POS_DATA_DIR": str(data_dir)}
    return subprocess.run([str(EXE), "--smoke-test"], cwd=data_dir, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_bundle_starts_and_till_is_usable(tmp_path: Path) -> None:
    ensure_bundle()
    for run in ("first run (creates the demo store)", "second run (existing store)"):
        result = smoke(tmp_path)
        assert result.returncode == 0, f"{run}: exit {result.returncode}\n{result.stdout}\n{result.stderr[-3000:]}"
        assert "till usable=True" in result.stdout, f"{run}:\n{result.stdout}\n{result.stderr[-3000:]}"
    assert (tmp_path / "store.db").exists()
