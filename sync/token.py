"""The device token: the bearer secret this device shows the center (the center keeps only its
hash). It lives next to the store database as `device.token`, readable by the owner only
(0600). A token file that others can read is fixed (chmod 0600) with a warning, because the
secret may already have leaked; when the mode cannot be fixed the token is refused.

    python -m sync.token DATA_DIR    # reads the token from stdin and stores it

Thread: any (tiny file operations).
"""
from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path
from pos_app.i18n import t

TOKEN_FILE = "device.token"

log = logging.getLogger(__name__)


class TokenError(RuntimeError):
    pass


def token_path(data_dir: Path) -> Path:
    return Path(data_dir) / TOKEN_FILE


def write_token(path: Path, token: str) -> None:
    """Store the token atomically, created 0600 from the start (never briefly world-readable)."""
    token = token.strip()
    if not token or any(c.isspace() for c in token):
        raise TokenError(t("Ein Geräte-Token darf nicht leer sein und keine Leerzeichen enthalten."))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply when the file existed
        os.write(fd, (token + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_token(path: Path) -> str | None:
    """The token, or None when there is no token file. Raises TokenError when the file is
    readable by others and its mode cannot be fixed, or when it is empty."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); set to 0600. Consider a new token.", path, mode)
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise TokenError(t("{path} ist für andere lesbar und lässt sich nicht schützen: {exc}", path=path, exc=exc)) from exc
    token = path.read_text(encoding="ascii").strip()
    if not token:
        raise TokenError(t("{path} ist leer.", path=path))
    return token


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sync.token DATA_DIR  (the token on stdin)", file=sys.stderr)
        return 2
    path = token_path(Path(args[0]))
    write_token(path, sys.stdin.read())
    print(f"token stored in {path} (mode 0600)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
