"""Cold start to a usable till on the 1,000,000-product store: the real app in a fresh process
(`omnipos --smoke-test`), from process start to the log-in screen ready; and its peak memory.
The first of the runs fills the OS file cache; the median is reported."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_store, report

RUNS = 5


def run() -> None:
    data = Path(tempfile.mkdtemp(prefix="omnipos-start-"))
    store = bench_store()
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{store}{suffix}").exists():
            os.symlink(f"{store}{suffix}", data / f"store.db{suffix}")
    walls, peaks = [], []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    for _ in range(RUNS):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "ui.app", "--data-dir", str(data), "--smoke-test"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        wall = time.perf_counter() - t0
        match = re.search(r"usable=True after [\d.]+ s, peak memory (\d+) MB", out.stdout)
        if out.returncode != 0 or not match:
            print(out.stdout, out.stderr)
            raise SystemExit("the app did not start")
        walls.append(wall)
        peaks.append(int(match.group(1)))
    walls.sort()
    report("cold start to usable till: median / max (s)",
           f"{walls[len(walls) // 2]:.2f} / {walls[-1]:.2f}  (process start to log-in ready; target <= 1.5)")
    report("peak memory during start-up (MB)", f"{max(peaks)}  (target <= 300)")
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    run()
