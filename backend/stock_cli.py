"""`pos-backend deliveries ...`: expected deliveries (advance shipping notices) from the command
line, the same rules as POST /v1/admin/stock/deliveries (backend.stock_api.DeliveryIn checks
the input, backend.stock_receiving.create books it, the store's devices get it on the feed):

    pos-backend deliveries add --store BER --supplier "Zentrallager Kassel" --number LS-4711 \\
                               --line 30:4 --line 31:2
    pos-backend deliveries list [--store BER] [--status expected|received|cancelled|all]

Bad input (an unknown store or product, a product twice, a quantity out of range, a number
taken) is refused with a message on stderr, exit status 1, and nothing written.
"""
from __future__ import annotations

import argparse
import json
import sys

from backend import config


def _line(text: str) -> tuple[int, int]:
    """PRODUCT:QTY, e.g. 30:4."""
    product, sep, quantity = text.partition(":")
    if not sep or not product.strip().isdigit() or not quantity.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected PRODUCT:QTY, e.g. 30:4")
    return int(product), int(quantity)


def _add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from sqlalchemy import select

    from backend import changelog, stock_receiving
    from backend.db import open_backend_database
    from backend.models import Store
    from backend.stock_api import DeliveryIn

    try:
        body = DeliveryIn.model_validate({"store_id": args.store, "supplier": args.supplier, "number": args.number,
                                          "lines": [{"product_id": p, "quantity": q} for p, q in args.line]})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"pos-backend: delivery refused: {problems}", file=sys.stderr)
        return 1
    db = open_backend_database(config.database_url(args.database_url, args.data_dir))
    try:
        with db.writing() as conn:
            if conn.execute(select(Store.id).where(Store.id == body.store_id)).first() is None:
                print(f"pos-backend: delivery refused: unknown store {body.store_id!r}", file=sys.stderr)
                return 1
            try:
                number, changes = stock_receiving.create(conn, body.store_id, body.supplier,
                                                         [(ln.product_id, ln.quantity) for ln in body.lines],
                                                         body.number)
            except stock_receiving.DeliveryRefused as exc:
                print(f"pos-backend: delivery refused: {exc}", file=sys.stderr)
                return 1
            changelog.append(conn, changes)
            doc = stock_receiving.get(conn, number)
    finally:
        db.close()
    print(json.dumps(doc, ensure_ascii=False, default=str))
    return 0


def _list(args: argparse.Namespace) -> int:
    from backend import stock_receiving
    from backend.db import open_backend_database

    db = open_backend_database(config.database_url(args.database_url, args.data_dir))
    try:
        with db.reading() as conn:
            docs = stock_receiving.listing(conn, args.store, None if args.status == "all" else args.status)
    finally:
        db.close()
    print(json.dumps(docs, ensure_ascii=False, indent=2, default=str))
    return 0


def add_commands(commands: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:  # noqa: SLF001
    deliveries = commands.add_parser("deliveries", help="expected deliveries to the stores").add_subparsers(
        dest="deliveries_command", required=True, metavar="ACTION")
    add = deliveries.add_parser("add", parents=[db], help="announce an expected delivery to a store")
    add.add_argument("--store", required=True, help="store id, e.g. BER")
    add.add_argument("--supplier", default="Zentrallager", help="a supplier or the warehouse (default Zentrallager)")
    add.add_argument("--number", default=None, help="the delivery note's number (default: one is made up)")
    add.add_argument("--line", type=_line, action="append", required=True, metavar="PRODUCT:QTY",
                     help="a product and its quantity, e.g. 30:4 (repeat for more lines)")
    add.set_defaults(run=_add)
    listing = deliveries.add_parser("list", parents=[db], help="show deliveries (JSON)")
    listing.add_argument("--store", default=None, help="store id (default: every store)")
    listing.add_argument("--status", default="expected", choices=("expected", "received", "cancelled", "all"))
    listing.set_defaults(run=_list)
