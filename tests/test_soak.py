"""The soak (make soak, tests/perf/soak_till.py) on a small day: it passes on a sound till, and
it fails, saying why, when the till process aborts or when None's reference count falls the way
PySide6 6.12.0 made it fall (a fault switched on in the soak's child for this test)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parent / "perf" / "soak_till.py"
pytestmark = pytest.mark.slow


def soak(fault: str = "", scans: int = 300, none_bound: int = 2000) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POS_SOAK_NONE_BOUND": str(none_bound), "QT_QPA_PLATFORM": "offscreen", "POS_SOAK_SCANS": str(scans), "POS_SOAK_SALES": "6",
           "POS_SOAK_BATCHES": "3", "POS_SOAK_PRODUCTS": "2000", "POS_SOAK_FAULT": fault, "POS_SOAK_DRAIN": "40"}
    return subprocess.run([sys.executable, str(SOAK)], env=env, capture_output=True, text=True, timeout=600)


def test_a_small_soak_passes_and_reports_the_figures() -> None:
    done = soak()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "soak: passed" in done.stdout
    assert "None's reference count" in done.stdout and "RSS" in done.stdout
    assert "6 sales, " in done.stdout and "6 receipt numbers printed" in done.stdout


def test_the_soak_fails_when_the_till_aborts() -> None:
    done = soak("abort")
    assert done.returncode == 1
    assert "the till process died (signal SIGABRT) after about" in done.stdout


def test_the_soak_fails_when_none_loses_references() -> None:
    done = soak("drain-none", none_bound=500)  # 300 scans: 12,000 references less (POS_SOAK_DRAIN=40)
    assert done.returncode == 1
    assert "None's reference count fell by" in done.stdout
