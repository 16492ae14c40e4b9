"""`pos-backend promotions add | list | end`: the operator's promotions from the shell, the
same checks and feed changes as the admin API (backend.promotions).

    pos-backend promotions add --name "3 für 2 Tee" --kind buy_x_pay_y --buy 3 --pay 2 --category Tee
    pos-backend promotions add --name "Ab 100 € 10 %" --kind threshold --threshold-cents 10000 --percent 10
    pos-backend promotions add --json '{"name": "Gold-Preis", "kind": "member_price", ...}'
    pos-backend promotions list [--active]
    pos-backend promotions end --id 7
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from backend import config

_KINDS = ("percent_off", "amount_off", "member_price", "buy_x_pay_y", "mix_match", "bundle", "threshold")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in _csv(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of ids: {text!r}") from None


def _request(args: argparse.Namespace) -> dict[str, Any]:
    if args.json:
        try:
            data = json.loads(args.json)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--json: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError("--json: an object is expected")
        return data
    if not args.name or not args.kind:
        raise ValueError("--name and --kind are needed (or --json)")
    data: dict[str, Any] = {"name": args.name, "kind": args.kind}
    for key in ("id", "percent", "amount_cents", "price_cents", "buy", "pay", "threshold_cents", "starts_at",
                "ends_at", "coupon_code", "coupon_limit"):
        value = getattr(args, key)
        if value is not None:
            data[key] = value
    for key in ("product_ids", "categories", "stores", "channels", "tiers"):
        if getattr(args, key):
            data[key] = getattr(args, key)
    return data


def _open(args: argparse.Namespace) -> Any:
    from backend.db import open_backend_database

    return open_backend_database(config.database_url(args.database_url, args.data_dir))


def _add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from backend import changelog, promotions
    from backend.promotions_api import PromotionIn

    try:
        body = PromotionIn.model_validate(_request(args))
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"pos-backend: {'.'.join(map(str, first['loc']))}: {first['msg']}", file=sys.stderr)
        return 1
    data = body.model_dump(mode="json")
    if body.percent is not None:
        data["percent"] = str(body.percent)
    db = _open(args)
    try:
        with db.writing() as conn:
            made, changes = promotions.add(conn, data)
            changelog.append(conn, changes)
    except promotions.Refused as exc:
        print(f"pos-backend: {exc.field + ': ' if exc.field else ''}{exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(json.dumps(made, default=str, ensure_ascii=False))
    return 0


def _list(args: argparse.Namespace) -> int:
    from backend import promotions

    db = _open(args)
    try:
        with db.reading() as conn:
            rows = promotions.listing(conn, promotions._now() if args.active else None)
    finally:
        db.close()
    for row in rows:
        print(json.dumps(row, default=str, ensure_ascii=False))
    return 0


def _end(args: argparse.Namespace) -> int:
    from backend import changelog, promotions

    db = _open(args)
    try:
        with db.writing() as conn:
            ended, changes = promotions.end(conn, args.id)
            if changes:
                changelog.append(conn, changes)
    except promotions.Refused as exc:
        print(f"pos-backend: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(json.dumps(ended, default=str, ensure_ascii=False))
    return 0


def add_commands(commands: Any, db: argparse.ArgumentParser) -> None:
    group = commands.add_parser("promotions", help="define, list and end promotions").add_subparsers(
        dest="promotions_command", required=True, metavar="ACTION")
    add = group.add_parser("add", parents=[db], help="define a promotion (sent to every store)")
    add.add_argument("--json", help="the whole promotion as JSON (the admin API's body)")
    add.add_argument("--id", type=int)
    add.add_argument("--name")
    add.add_argument("--kind", choices=_KINDS)
    add.add_argument("--percent")
    for flag in ("--amount-cents", "--price-cents", "--buy", "--pay", "--threshold-cents", "--coupon-limit"):
        add.add_argument(flag, type=int)
    add.add_argument("--products", dest="product_ids", type=_ids, default=[], help="product ids, comma separated")
    add.add_argument("--category", dest="categories", type=_csv, default=[], help="categories, comma separated")
    add.add_argument("--stores", type=_csv, default=[], help="store ids (default: all)")
    add.add_argument("--channels", type=_csv, default=[], help="store, web, phone (default: all)")
    add.add_argument("--tiers", type=_csv, default=[], help="loyalty tiers, e.g. Gold (default: everyone)")
    add.add_argument("--starts-at", help="ISO time with zone, e.g. 2026-12-01T00:00:00+01:00")
    add.add_argument("--ends-at", help="ISO time with zone (exclusive)")
    add.add_argument("--coupon-code")
    add.set_defaults(run=_add)
    listing = group.add_parser("list", parents=[db], help="every promotion, one JSON line each")
    listing.add_argument("--active", action="store_true", help="only those live now (the center's clock)")
    listing.set_defaults(run=_list)
    end = group.add_parser("end", parents=[db], help="end a promotion now")
    end.add_argument("--id", type=int, required=True)
    end.set_defaults(run=_end)
