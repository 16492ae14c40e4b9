"""omnipos-audit: check a till's audit trail from the command line.

    omnipos-audit verify --data-dir DIR     (exit 0: intact, 1: tampered, 2: no store file)

Reads <DIR>/store.db without changing it (no migration, read-only transaction); see
pos_app.store.audit_check for what is checked and what only the center's copy can show.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnipos-audit", description="Das Audit-Protokoll einer Kasse prüfen")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="Hash-Kette und Ausgang prüfen")
    verify.add_argument("--data-dir", type=Path, default=Path(os.environ.get("POS_DATA_DIR", ".")),
                        help="Ordner mit store.db (Standard: $POS_DATA_DIR oder der aktuelle Ordner)")
    args = parser.parse_args(argv)
    path = args.data_dir / "store.db"
    if not path.is_file():
        print(f"omnipos-audit: keine Kassendatenbank unter {path}", file=sys.stderr)
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
        print(f"Audit-Protokoll in Ordnung: {result.entries} Einträge, Kette und Ausgang vollständig.")
        return 0
    print(f"Audit-Protokoll MANIPULIERT ({len(result.problems)} Befunde, {result.entries} Einträge):")
    for problem in result.problems:
        print(f"  - {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
