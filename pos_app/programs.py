"""What every OmniPOS command shares: the version it reports and the one default data folder.

Every command (omnipos, omnipos-demo, omnipos-fiscal, omnipos-audit, pos-backend) takes its
data from the same place unless told otherwise: --data-dir, else $POS_DATA_DIR, else
$XDG_DATA_HOME/omnipos (~/.local/share/omnipos). A till keeps store.db, pos.toml, device.token
and omnipos.log there; a center on the same machine keeps backend.db and admin.token there.
Before, omnipos-audit used the current folder and pos-backend ./var, so the same till's data
was looked for in three places depending on the command.

Pure and cheap to import (the till's cold start imports it): no I/O at import time.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from pos_app import __version__

ENV_DATA_DIR = "POS_DATA_DIR"
DATA_DIR_HELP = "default: $POS_DATA_DIR, else $XDG_DATA_HOME/omnipos (~/.local/share/omnipos)"


def default_data_dir() -> Path:
    """$POS_DATA_DIR, else $XDG_DATA_HOME/omnipos, else ~/.local/share/omnipos."""
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    return Path(xdg or Path.home() / ".local" / "share") / "omnipos"


def version_text(prog: str) -> str:
    """"omnipos-audit 0.1.0 (OmniPOS)": what --version prints."""
    return f"{prog} {__version__} (OmniPOS)"


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """--version on a command's parser (prints version_text and exits 0)."""
    parser.add_argument("--version", action="version", version=version_text(parser.prog))
