"""The till's log: one rotating file in its data folder (omnipos.log, 5 x 2 MB) plus stderr,
each line with time, level, process and logger, configured once per program.

Support reads it to see what a till did: every sync round's outcome (sync.worker logs it, in
the sync process, whose records come to the till's process through the status pipe and land
in this same file: sync.process), printer and TSE trouble, crashes. Only the till's process
writes the file, so rotation never races another process.

Called on the UI thread at start-up, before anything logs; safe to call again (the handlers are
set up once). Pure: no Qt (ui/app.py calls it), so a test can read the file it writes.
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FILE = "omnipos.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
LINE_FORMAT = "%(asctime)s %(levelname)-7s %(processName)s %(name)s: %(message)s"
_MARK = "_omnipos_till_handler"


def configure(data_dir: Path, level: int = logging.INFO, *, stderr: bool = True) -> Path:
    """Route the root logger to `<data_dir>/omnipos.log` (rotating) and stderr; returns the
    file's path. A second call changes nothing but the level."""
    root = logging.getLogger()
    root.setLevel(level)
    path = data_dir / LOG_FILE
    if any(getattr(h, _MARK, False) for h in root.handlers):
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter(LINE_FORMAT)
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")]
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    logging.captureWarnings(True)
    return path
