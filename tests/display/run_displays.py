"""Run the real-display tests at each screen size: for every size, a fresh Xvfb and openbox (the
window manager: frames, maximising, focus as on a real till), then pytest on
tests/display/test_real_display.py with the xcb platform, once per language (German, then
English). Screenshots land in test-artifacts/<size>/ (German) and test-artifacts/<size>-en/.
Exit code: non-zero if any size failed.

    python -m tests.display.run_displays [--sizes 1366x768,...] [--languages de,en] [pytest args]

`make test-display` installs Xvfb, openbox and xdotool (Debian) and runs this.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SIZES = ("1366x768", "1280x800", "1024x768", "800x1280")
WM_START_S = 1.0
ROOT = Path(__file__).resolve().parents[2]


def start_xvfb(size: str) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display number it picks itself (-displayfd), so parallel runs do not meet."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        number = pipe.readline().strip().decode()  # written once the server accepts clients
    if not number:
        xvfb.kill()
        raise RuntimeError(f"Xvfb did not start at {size}")
    return xvfb, f":{number}"


def run_size(size: str, pytest_args: list[str], language: str = "de") -> int:
    xvfb, display = start_xvfb(size)
    wm = None
    try:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", POS_DISPLAY_TESTS="1",
                   PYTHONPATH=str(ROOT), POS_DISPLAY_LANGUAGE=language)
        wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(WM_START_S)  # openbox takes the screen
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "tests/display/test_real_display.py", *pytest_args], cwd=ROOT, env=env)
        folder = size if language == "de" else f"{size}-{language}"
        print(f"[{size} {language}] pytest exit {code} in {time.monotonic() - started:.1f} s; "
              f"screenshots in test-artifacts/{folder}/", flush=True)
        return code
    finally:
        for process in (wm, xvfb):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--languages", default="de,en")
    args, pytest_args = parser.parse_known_args(argv)
    missing = [tool for tool in ("Xvfb", "openbox") if shutil.which(tool) is None]
    if missing:
        print(f"missing: {', '.join(missing)} (Debian: apt-get install xvfb openbox xdotool x11-utils)")
        return 2
    failed = []
    for size in args.sizes.split(","):
        for language in args.languages.split(","):
            if run_size(size.strip(), pytest_args, language.strip()) != 0:
                failed.append(f"{size} ({language})")
    print("real-display tests: " + (f"FAILED at {', '.join(failed)}" if failed else "all sizes passed"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
