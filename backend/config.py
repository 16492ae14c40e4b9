"""Where the backend's settings come from: command line first, then the environment, then an
embedded default that needs no server at all (SQLite file backend.db in the data folder).

The data folder is the one of every OmniPOS command (pos_app.programs: $POS_DATA_DIR, else
$XDG_DATA_HOME/omnipos); $POS_BACKEND_DATA_DIR or --data-dir put the center's files elsewhere.

The admin token guards the operator endpoints (/v1/admin/...). It is never baked in: either the
operator sets POS_ADMIN_TOKEN, or `serve` makes one and writes it, readable by the owner only,
to `<data dir>/admin.token` (and reuses that file on the next start, so scripts keep working).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from pos_app.programs import default_data_dir

ENV_DATABASE_URL = "POS_BACKEND_DATABASE_URL"
ENV_ADMIN_TOKEN = "POS_ADMIN_TOKEN"
ENV_DATA_DIR = "POS_BACKEND_DATA_DIR"
DATABASE_FILE = "backend.db"
DEFAULT_DATABASE_URL = f"sqlite:///<data folder>/{DATABASE_FILE}"  # for help texts; see database_url()
DEFAULT_DATA_DIR = "$POS_DATA_DIR or ~/.local/share/omnipos"  # for help texts; see data_dir()
ADMIN_TOKEN_FILE = "admin.token"


def normalise_database_url(url: str) -> str:
    """Accept the spellings operators paste (postgres://, postgresql://) and use psycopg 3,
    the one PostgreSQL driver we install."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise ValueError(f"unsupported database {parsed.drivername!r}: use postgresql+psycopg:// or sqlite:///")
    return parsed.render_as_string(hide_password=False)


def database_url(cli_value: str | None = None, data_folder: str | Path | None = None) -> str:
    """--database-url, else $POS_BACKEND_DATABASE_URL, else the embedded SQLite file
    backend.db in the data folder (`data_dir(data_folder)`)."""
    chosen = cli_value or os.environ.get(ENV_DATABASE_URL)
    if not chosen:
        chosen = f"sqlite:///{(data_dir(data_folder) / DATABASE_FILE).absolute()}"
    return normalise_database_url(chosen)


def dialect_of(url: str) -> str:
    """"postgresql" or "sqlite" (what /v1/health reports)."""
    return make_url(url).get_backend_name()


def data_dir(cli_value: str | Path | None = None) -> Path:
    """--data-dir, else $POS_BACKEND_DATA_DIR, else the data folder of every OmniPOS command."""
    chosen = cli_value or os.environ.get(ENV_DATA_DIR)
    return Path(chosen) if chosen else default_data_dir()


def write_secret(path: Path, secret: str) -> None:
    """Write `secret` to a file only its owner can read (created 0600, never world-readable
    even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (secret + "\n").encode("ascii"))
    finally:
        os.close(fd)


def admin_token_for_serve(directory: Path) -> tuple[str, Path | None]:
    """The admin token and the file it came from (None when it came from the environment)."""
    token = os.environ.get(ENV_ADMIN_TOKEN, "").strip()
    if token:
        return token, None
    path = directory / ADMIN_TOKEN_FILE
    if path.exists():
        stored = path.read_text(encoding="ascii").strip()
        if stored:
            return stored, path
    token = secrets.token_urlsafe(32)
    write_secret(path, token)
    return token, path
