"""omnipos-audit: check a till's audit trail from the command line.

    omnipos-audit verify [--data-dir DIR]     (exit 0: intact, 1: tampered, 2: no store file)
    omnipos-audit --version

DIR defaults to the one data folder of every OmniPOS command (pos_app.programs).

Reads <DIR>/store.db without changing it (no migration, read-only transaction); see
pos_app.store.audit_check for what is checked and what only the center's copy can show.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pos_app.programs import DATA_DIR_HELP, add_version_argument, default_data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnipos-audit", description="Check a till's audit trail.")
    add_version_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="check the hash chain and the outbox against it")
    verify.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help=f"the folder holding store.db ({DATA_DIR_HELP})")
    args = parser.parse_args(argv)
    path = args.data_dir / "store.db"
    if not path.is_file():
        print(f"omnipos-audit: no till database at {path}", file=sys.stderr)
        return 2
    from pos_app.store.audit_check import verify as check
    from pos_app.store.db import Database

    db = Database(path)
    try:
        with db.reading() as s:
            result = check(s)
    finally:
        db.close()
    if result.ok:
        print(f"Audit trail intact: {result.entries} entries, chain and outbox complete.")
        return 0
    print(f"Audit trail TAMPERED WITH ({len(result.problems)} findings, {result.entries} entries):")
    for problem in result.problems:
        print(f"  - {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
