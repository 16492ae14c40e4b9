"""omnipos-demo: write the demo store database.

    omnipos-demo [--db PATH] [--products N] [--customers M] [--seed S] [--force]
    omnipos-demo --version
    python -m pos_app.demo.cli --db /tmp/big.db --products 1000000 --customers 1000000

--products 0 (the default) writes just the hand-named catalog; N > 0 is the total number of
products, padded with synthetic variants. Progress goes to stderr as one bar per stage. The
default --db is store.db in the one data folder of every OmniPOS command (pos_app.programs),
where the store app looks for it.
"""
from __future__ import annotations

import argparse
import sys

from pos_app.demo import generator
from pos_app.demo.generator import (DEFAULT_CUSTOMERS, DEFAULT_SEED, DemoDataExists, demo_staff,
                                    generate)
from pos_app.demo.progress import ProgressBar, non_negative
from pos_app.programs import DATA_DIR_HELP, add_version_argument, default_data_dir

# the generator's stage names are the till's (German) progress labels; this command speaks English
STAGES = {generator.STAGE_MASTER: "master data", generator.STAGE_PRODUCTS: "products",
          generator.STAGE_CUSTOMERS: "customers", generator.STAGE_INDEXES: "indexes"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnipos-demo", description="Write the demo store database.")
    add_version_argument(parser)
    parser.add_argument("--db", default=str(default_data_dir() / "store.db"),
                        help=f"path of the SQLite file to create (default: store.db in the data folder; {DATA_DIR_HELP})")
    parser.add_argument("--products", type=non_negative, default=0,
                        help="total products; 0 = only the hand-named catalog (default)")
    parser.add_argument("--customers", type=non_negative, default=DEFAULT_CUSTOMERS,
                        help=f"number of customers (default {DEFAULT_CUSTOMERS:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
    parser.add_argument("--force", action="store_true", help="replace a file that already holds data")
    args = parser.parse_args(argv)

    from pathlib import Path

    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    bar = ProgressBar()
    try:
        result = generate(args.db, products=args.products, customers=args.customers, seed=args.seed,
                          progress=lambda stage, done, total: bar(STAGES.get(stage, stage), done, total),
                          force=args.force)
    except DemoDataExists as exc:
        bar.finish()
        print(f"omnipos-demo: {args.db} holds data already; add --force to replace it", file=sys.stderr)
        return 1
    bar.finish()
    size_mb = result.path.stat().st_size / 1_000_000
    print(f"{result.path}: {result.products:,} products, {result.customers:,} customers, "
          f"{size_mb:,.1f} MB in {result.seconds:.1f} s", file=sys.stderr)
    print("Demo PINs: " + ", ".join(f"{s.name} ({s.store_id or 'all stores'}, {s.role}) {s.pin}" for s in demo_staff()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
