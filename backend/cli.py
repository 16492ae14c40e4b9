"""pos-backend: run and look after the central backend.

    pos-backend serve [--host 127.0.0.1] [--port 8765] [--workers N] [--database-url URL] [--data-dir DIR]
    pos-backend migrate [--database-url URL]
    pos-backend seed [--products N] [--customers M] [--seed S] [--demo] [--database-url URL]
    pos-backend devices register --store BER --name "Kasse 1" [--id BER-K1] [--token-file PATH]
    pos-backend devices revoke --id BER-K1
    pos-backend simulate [--prices N] [--stock N] [--orders N] [--pickups N [--pickup-store HAM]] [--database-url URL]
    pos-backend quick-keys show|set|add|remove|clear --store BER ...   (backend.quick_keys_cli)
    pos-backend openapi [--output backend/openapi.json]
    pos-backend --version

The database comes from --database-url, else $POS_BACKEND_DATABASE_URL, else the embedded
SQLite file backend.db in the data folder (--data-dir, else $POS_BACKEND_DATA_DIR, else the one
data folder of every OmniPOS command: $POS_DATA_DIR or ~/.local/share/omnipos). Also runnable
as `python -m backend ...` or `python -m backend.cli ...` (tests/backend_server.py does that).

`serve` logs JSON lines to stderr (backend.observability) and serves /metrics; with
--workers N it runs N uvicorn worker processes on one port (stateless: any of them answers any
request; PostgreSQL is the one shared state), their metrics added up in a shared folder.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from pathlib import Path

from backend import config
from pos_app.demo.progress import ProgressBar, non_negative
from pos_app.programs import add_version_argument

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backend import observability
    from backend.db import open_backend_database
    from backend.http_limits import uvicorn_options

    observability.configure(args.log_level)
    url = config.database_url(args.database_url, args.data_dir)
    folder = config.data_dir(args.data_dir)
    open_backend_database(url).close()  # migrate before accepting requests (once, not per worker)
    token, token_file = config.admin_token_for_serve(folder)
    where = f"in {token_file} (owner-only)" if token_file else f"from ${config.ENV_ADMIN_TOKEN}"
    logging.getLogger("backend").warning(
        "pos-backend %s: %s database, admin token %s, %d worker(s) on %s:%d", _version(), config.dialect_of(url),
        where, args.workers, args.host, args.port)
    options = {"host": args.host, "port": args.port, "log_level": args.log_level, "access_log": False,
               "log_config": observability.log_config(args.log_level),
               **uvicorn_options()}  # 414/431 for an oversized request head (backend.http_limits)
    if args.workers == 1:
        from backend.api import create_app

        uvicorn.run(create_app(url, token), **options)  # type: ignore[arg-type]
        return 0
    # Workers are separate processes started from an import string: they find the database
    # and the admin token in the environment (inherited, never on a command line) and write
    # their metrics to one folder that /metrics adds up (prometheus-client multiprocess mode).
    from backend import metrics, serving

    shared = folder / f"metrics-{args.port}"
    shutil.rmtree(shared, ignore_errors=True)  # counters of an earlier run must not add up
    shared.mkdir(parents=True)
    os.environ[metrics.ENV_MULTIPROC_DIR] = str(shared)
    os.environ[serving.ENV_URL] = url
    os.environ[serving.ENV_TOKEN] = token
    uvicorn.run("backend.serving:app_from_environment", factory=True, workers=args.workers,
                **options)  # type: ignore[arg-type]
    return 0


def _version() -> str:
    from pos_app import __version__

    return __version__


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _migrate(args: argparse.Namespace) -> int:
    from backend.db import BackendDatabase
    from backend.migrations import HEAD_REVISION

    db = BackendDatabase(config.database_url(args.database_url, args.data_dir))
    try:
        applied = db.migrate()
    finally:
        db.close()
    print(f"pos-backend: schema {'migrated to' if applied else 'already at'} {HEAD_REVISION}", file=sys.stderr)
    return 0


def _seed(args: argparse.Namespace) -> int:
    from backend.db import open_backend_database
    from backend.seed import seed

    db = open_backend_database(config.database_url(args.database_url, args.data_dir))
    bar = ProgressBar()
    try:
        result = seed(db, products=args.products, customers=args.customers, seed=args.seed, progress=bar)
        bar.finish()
        extras: list[str] = []
        if args.demo and not result.skipped:  # quick keys, pickup orders, web carts, service cases
            import random

            from backend.seed_demo import seed_demo

            extras = seed_demo(db, random.Random(args.seed))
    finally:
        bar.finish()
        db.close()
    if result.skipped:
        print("pos-backend: the center has products already; nothing seeded (use a fresh database to reseed)",
              file=sys.stderr)
    else:
        print(f"pos-backend: seeded {result.products:,} products, {result.customers:,} customers, "
              f"{result.changes:,} changes in {result.seconds:.1f} s", file=sys.stderr)
        for line in extras:
            print(line)
    return 0


def _register(args: argparse.Namespace) -> int:
    from backend.auth import UnknownStore, register_device, suggest_device_id
    from backend.db import open_backend_database

    db = open_backend_database(config.database_url(args.database_url, args.data_dir))
    try:
        device_id = args.id or suggest_device_id(db, args.store, args.name)
        token = register_device(db, device_id, args.store, args.name)
    except UnknownStore as exc:
        print(f"pos-backend: {exc}; run `pos-backend seed` first", file=sys.stderr)
        return 1
    finally:
        db.close()
    if args.token_file:
        config.write_secret(Path(args.token_file), token)
        print(f"pos-backend: device {device_id} registered; token written to {args.token_file} (owner-only)",
              file=sys.stderr)
    else:
        print(f"pos-backend: device {device_id} registered; the token is shown once:", file=sys.stderr)
        print(token)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    """The device's token stops working at once (on every process: each request looks it up);
    the device row and everything it sent stay. `register` with the same id issues a new one."""
    import secrets

    from sqlalchemy import update

    from backend.db import open_backend_database
    from backend.models import Device

    db = open_backend_database(config.database_url(args.database_url, args.data_dir))
    try:
        with db.writing() as conn:
            # not a SHA-256 hex digest, so no token can ever hash to it
            found = conn.execute(update(Device).where(Device.id == args.id)
                                 .values(token_hash=f"revoked:{secrets.token_hex(8)}")).rowcount
    finally:
        db.close()
    if not found:
        print(f"pos-backend: no device {args.id!r}; nothing changed", file=sys.stderr)
        return 1
    print(f"pos-backend: device {args.id} revoked; its token no longer works "
          f"(register it again for a new one)", file=sys.stderr)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import random

    from backend.db import open_backend_database
    from backend.simulate import simulate

    db = open_backend_database(config.database_url(args.database_url, args.data_dir))
    rng = random.Random(args.seed)
    try:
        result = simulate(db, prices=args.prices, stock=args.stock, rng=rng)
        if args.orders:
            from backend.orders import simulate_orders

            for order in simulate_orders(db, args.orders, rng):
                print(f"{order.order_number}\t{order.qr_payload}\t{order.total_cents}")
        if args.pickups:  # click and collect (issue 5): pay-in-store orders for a store's queue
            from backend.pickups_api import simulate_pickups

            for pickup in simulate_pickups(db, args.pickups, args.pickup_store, rng):
                print(f"{pickup.order_number}\t{pickup.qr_payload}\t{pickup.store_id}\t{pickup.total_cents}")
        if args.carts or args.cases:  # issue 4: web carts and service cases
            from backend.simulate_clienteling import simulate_clienteling

            for line in simulate_clienteling(db, args.carts, args.cases, rng):
                print(line)
    except LookupError as exc:
        print(f"pos-backend: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"pos-backend: changed {result.prices:,} prices and {result.stock:,} stock rows; "
          f"the change feed is at {result.high_water:,}", file=sys.stderr)
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from backend.api import openapi_text

    Path(args.output).write_text(openapi_text(), encoding="utf-8")
    print(f"pos-backend: wrote {args.output}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-backend", description="The OmniPOS central backend.")
    add_version_argument(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--database-url", help=f"e.g. postgresql+psycopg://user@host/db (default: "
                                           f"${config.ENV_DATABASE_URL} or {config.DEFAULT_DATABASE_URL})")
    db.add_argument("--data-dir", help=f"the center's folder: the SQLite default and admin.token "
                                       f"(default: ${config.ENV_DATA_DIR}, else {config.DEFAULT_DATA_DIR})")

    serve = commands.add_parser("serve", parents=[db], help="run the HTTP API (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=_positive, default=1,
                       help="uvicorn worker processes on this port (default 1); use PostgreSQL for more than one")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    serve.set_defaults(run=_serve)

    commands.add_parser("migrate", parents=[db], help="bring the schema to the newest revision").set_defaults(
        run=_migrate)

    seed = commands.add_parser("seed", parents=[db], help="load the demo retailer (same ids as the store's demo file)")
    seed.add_argument("--products", type=non_negative, default=0,
                      help="total products; 0 = only the hand-named catalog (default)")
    seed.add_argument("--customers", type=non_negative, default=2_000, help="number of customers (default 2,000)")
    seed.add_argument("--seed", type=int, default=42, help="random seed; use the store's (default 42)")
    seed.add_argument("--demo", action="store_true",
                      help="also quick keys for every store, a few pickup orders (BER), web carts and service "
                           "cases, so every screen of the demo has something (only on a fresh seed)")
    seed.set_defaults(run=_seed)

    devices = commands.add_parser("devices", help="manage devices").add_subparsers(
        dest="devices_command", required=True, metavar="ACTION")
    register = devices.add_parser("register", parents=[db],
                                  help="register a till or tablet (again: new token) and print its token once")
    register.add_argument("--store", required=True, help="store id, e.g. BER")
    register.add_argument("--name", required=True, help='e.g. "Kasse 1"')
    register.add_argument("--id", help="device id, e.g. BER-K1 (default: a free one made from store and name)")
    register.add_argument("--token-file", help="write the token to this file (mode 0600) instead of printing it")
    register.set_defaults(run=_register)
    revoke = devices.add_parser("revoke", parents=[db], help="revoke a device's token at once (a lost or stolen till)")
    revoke.add_argument("--id", required=True, help="device id, e.g. BER-K1")
    revoke.set_defaults(run=_revoke)

    simulate = commands.add_parser(
        "simulate", parents=[db], help="change prices and stock at the center (news for the stores' feed)",
        description="Change random prices and stock rows at the center, so that the change feed has news "
                    "for the stores, and (--orders) place web orders that a till can take back. --carts "
                    "fills web carts and --cases opens service cases for random customers.")
    simulate.add_argument("--prices", type=non_negative, default=0, help="how many price rows to change")
    simulate.add_argument("--stock", type=non_negative, default=0, help="how many stock rows to change")
    simulate.add_argument("--orders", type=non_negative, default=0,
                          help="how many web orders to place (printed: number, QR text, total cents)")
    simulate.add_argument("--pickups", type=non_negative, default=0,
                          help="how many pickup orders (pay in store) to place, stock reserved in the store")
    simulate.add_argument("--pickup-store", default=None, help="the store for --pickups (default: any store)")
    simulate.add_argument("--carts", type=non_negative, default=0, help="how many web carts to fill (issue 4)")
    simulate.add_argument("--cases", type=non_negative, default=0,
                          help="how many service cases to open (by e-mail, continued by phone)")
    simulate.add_argument("--seed", type=int, default=None, help="random seed (default: a different run each time)")
    simulate.set_defaults(run=_simulate)

    from backend.quick_keys_cli import add_commands

    add_commands(commands, db)  # pos-backend quick-keys show/set/add/remove/clear
    from backend.promotions_cli import add_commands as promotion_commands  # issue 15

    promotion_commands(commands, db)
    from backend.stock_cli import add_commands as delivery_commands  # issue 14

    delivery_commands(commands, db)

    openapi = commands.add_parser("openapi", help="write the OpenAPI spec")
    openapi.add_argument("--output", default=str(OPENAPI_PATH), help="default: backend/openapi.json")
    openapi.set_defaults(run=_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as exc:  # a bad --database-url, a negative count
        print(f"pos-backend: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
