"""Packaging: `pip install '.[backend]'` (with constraints.txt) into a fresh virtualenv gives a
center that starts and answers --version, and installs no Qt and no OpenCV: a center needs
neither (PySide6 alone is 246 MB, OpenCV 173 MB).

It downloads from the package index, so it is off in `make test` and run by `make check-extras`
(CI runs that target): POS_TEST_EXTRAS=1 turns it on. A minute or two.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = re.compile(r"^(pyside6|shiboken6|opencv|pyzbar|python-escpos)", re.IGNORECASE)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("POS_TEST_EXTRAS") != "1",
                       reason="installs into a fresh virtualenv from the package index: make check-extras"),
]


def test_the_backend_extra_installs_a_center_without_qt_or_opencv(tmp_path: Path) -> None:
    env_dir = tmp_path / "center-venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(ROOT / "constraints.txt"),
         f"{ROOT}[backend]"], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    names = [line.split("==")[0] for line in listed]
    assert "omnipos" in [n.lower() for n in names] and "fastapi" in [n.lower() for n in names]
    assert [n for n in names if FORBIDDEN.match(n)] == [], names
    version = subprocess.run([str(env_dir / "bin" / "pos-backend"), "--version"], capture_output=True, text=True,
                             cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("pos-backend "), version.stderr
    # the center's app builds from the installed package alone (not this source tree)
    check = subprocess.run([str(python), "-c", "import backend.api, sys; backend.api.openapi_text(); "
                            "print(backend.api.__file__); sys.exit('PySide6' in sys.modules)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 0, check.stderr[-3000:]
    assert str(env_dir) in check.stdout
    print(f"\n[backend] installs {len(names)} distributions, none of Qt or OpenCV: {sys.version.split()[0]}")
