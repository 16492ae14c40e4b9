"""A text progress bar for the command-line loaders (omnipos-demo, pos-backend seed), and the
argparse type they share for counts. Pure: no store, so the backend may use it too."""
from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

BAR_WIDTH = 30


class ProgressBar:
    """Draws `Produkte  [#####.....] 512,000/1,000,000  8.1 s` and redraws it in place."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream  # None: whatever sys.stderr is when drawing
        self._stage = ""
        self._started = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.finish()
            self._stage, self._started = stage, time.perf_counter()
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        elapsed = time.perf_counter() - self._started
        self._write(f"\r{stage:<11}[{bar}] {done:,}/{total:,}  {elapsed:.1f} s")

    def finish(self) -> None:
        if self._stage:
            self._write("\n")
        self._stage = ""

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stderr
        stream.write(text)
        stream.flush()


def non_negative(text: str) -> int:
    """argparse type: a whole number >= 0 ("1_000_000" allowed)."""
    value = int(text.replace("_", ""))
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value
