"""`pos-backend quick-keys ...`: the stores' product grids from the command line.

    pos-backend quick-keys show --store BER
    pos-backend quick-keys set --store BER --file keys.json      (a JSON list of keys, or {"keys": [...]}; - = stdin)
    pos-backend quick-keys add --store BER --product 17 [--label Brezel] [--colour orange] [--page Backwaren]
                               [--position N]
    pos-backend quick-keys remove --store BER --page Backwaren --position 0
    pos-backend quick-keys clear --store BER

Every change is one write transaction that also appends the new layout to the change feed
(backend.quick_keys), so the store's tills show it after their next pull.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from backend import config


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from backend.db import open_backend_database

    return open_backend_database(config.database_url(args.database_url, args.data_dir))


def _run(args: argparse.Namespace) -> int:
    from backend import quick_keys
    from pos_app.quick_keys import DEFAULT_COLOUR, LayoutError, QuickKey

    db = _open(args)
    try:
        if args.action == "show":
            with db.reading() as conn:
                doc = quick_keys.layout(conn, args.store)
            print(json.dumps(doc, ensure_ascii=False, indent=2))
            return 0
        with db.writing() as conn:
            if args.action == "set":
                text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
                data: Any = json.loads(text)
                doc = quick_keys.set_layout(conn, args.store, data["keys"] if isinstance(data, dict) else data)
            elif args.action == "add":
                position = args.position if args.position is not None else quick_keys.first_free(
                    conn, args.store, args.page)
                doc = quick_keys.add_key(conn, args.store, QuickKey(
                    product_id=args.product, page=args.page, position=position, label=args.label,
                    colour=args.colour or DEFAULT_COLOUR))
            elif args.action == "remove":
                keys = [k for k in quick_keys.layout(conn, args.store)["keys"]
                        if (k["page"], k["position"]) != (args.page, args.position)]
                doc = quick_keys.set_layout(conn, args.store, keys)
            else:
                doc = quick_keys.set_layout(conn, args.store, [])
    except quick_keys.UnknownStore as exc:
        print(f"pos-backend: {exc}", file=sys.stderr)
        return 1
    except (LayoutError, json.JSONDecodeError, KeyError, TypeError, OSError) as exc:
        print(f"pos-backend: quick keys not changed: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"pos-backend: {args.store} has {len(doc['keys'])} quick keys (version {doc['version']}); "
          "its tills get them with their next pull", file=sys.stderr)
    return 0


def add_commands(commands: Any, db: argparse.ArgumentParser) -> None:
    """The `quick-keys` command and its actions, on pos-backend's parser."""
    from pos_app.quick_keys import DEFAULT_PAGE

    quick = commands.add_parser("quick-keys", help="the tills' product grid per store (goods without a barcode)")
    actions = quick.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("show", "print the store's layout as JSON"), ("set", "replace the whole layout from JSON"),
                       ("add", "add one key (or replace the one on its place)"), ("remove", "remove one key"),
                       ("clear", "remove every key")):
        action = actions.add_parser(name, parents=[db], help=text)
        action.add_argument("--store", required=True, help="store id, e.g. BER")
        action.set_defaults(run=_run)
        if name == "set":
            action.add_argument("--file", required=True, help="a JSON file (- for stdin)")
        if name in ("add", "remove"):
            action.add_argument("--page", default=DEFAULT_PAGE, help=f"the grid's page (default {DEFAULT_PAGE})")
            action.add_argument("--position", type=int, default=None if name == "add" else 0,
                                help="place on the page, 0-based (add: default the first free one)")
        if name == "add":
            action.add_argument("--product", type=int, required=True, help="product id")
            action.add_argument("--label", default="", help="tile text (default: the product's name)")
            action.add_argument("--colour", default="", help="#RRGGBB or blau, grün, orange, rot, lila, türkis, "
                                                             "braun, grau")
