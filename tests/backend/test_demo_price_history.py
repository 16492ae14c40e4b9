"""Prices changed by `pos-backend simulate` and by `seed --demo` are in the price history with
the center's time, and a reduction reaches the feed with its lowest 30-day price (§ 11 PAngV),
so the demo's tills have something to state (issue 15). Real database (SQLite, or PostgreSQL
with $POS_TEST_DATABASE_URL), nothing mocked."""
from __future__ import annotations

import json
import random

from sqlalchemy import func, select

from backend.db import BackendDatabase
from backend.gift_cards_models import PriceHistory
from backend.models import Change, Price
from backend.price_history import history
from backend.simulate import simulate
from pos_app.prices.lowest_price import current_reduction


def _news(db: BackendDatabase, after: int) -> list[dict]:  # type: ignore[type-arg]
    with db.reading() as conn:
        rows = conn.execute(select(Change.data).where(Change.seq > after, Change.kind == "price")
                            .order_by(Change.seq)).scalars().all()
    return [row if isinstance(row, dict) else json.loads(row) for row in rows]


def test_simulated_price_changes_are_recorded_and_reductions_carry_the_lowest_price(db: BackendDatabase) -> None:
    with db.reading() as conn:
        before = conn.execute(select(func.max(Change.seq))).scalar_one()
        old = {(p, s): c for p, s, c in conn.execute(select(Price.product_id, Price.store_id, Price.gross_cents))}
    simulate(db, prices=40, rng=random.Random(3))
    news = _news(db, before)
    assert len(news) == 40
    reduced = [n for n in news if n["gross_cents"] < old[(n["product_id"], n["store_id"])]]
    raised = [n for n in news if n["gross_cents"] > old[(n["product_id"], n["store_id"])]]
    assert reduced and raised  # the seed picks both (-15 % .. +15 %)
    for n in reduced:  # the price before (in force since 30 days before, by the rule) is the lowest
        assert n["lowest_30_days_cents"] == old[(n["product_id"], n["store_id"])], n
    assert all("lowest_30_days_cents" not in n for n in raised)
    with db.reading() as conn:
        for n in news:
            steps = history(conn, n["product_id"], n["store_id"])
            assert [s.price_cents for s in steps] == [old[(n["product_id"], n["store_id"])], n["gross_cents"]]
    with db.reading() as conn:
        after = conn.execute(select(func.max(Change.seq))).scalar_one()
        rows_before = conn.execute(select(func.count()).select_from(PriceHistory)).scalar_one()
    simulate(db, prices=40, rng=random.Random(3))  # the same keys again: one more row each, no second "old"
    with db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(PriceHistory)).scalar_one() == rows_before + 40
        for n in _news(db, after):
            steps = history(conn, n["product_id"], n["store_id"])
            assert len(steps) == 3 and steps[-1].price_cents == n["gross_cents"]
            reduction = current_reduction(steps, steps[-1].at)
            assert n.get("lowest_30_days_cents") == (reduction.lowest_30_days_cents if reduction else None)


def test_the_demo_seed_reduces_a_few_prices_per_store_with_their_history(
        empty_database_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from backend.cli import main

    assert main(["seed", "--demo", "--customers", "10", "--database-url", empty_database_url]) == 0
    made = [line.split("\t") for line in capsys.readouterr().out.splitlines() if line.startswith("reduced\t")]
    assert {store for _, store, *_ in made} == {"BER", "HAM", "MUC"} and len(made) == 15
    db = BackendDatabase(empty_database_url)
    try:
        news = {(n["product_id"], n["store_id"]): n for n in _news(db, 0)}
        with db.reading() as conn:
            for _, store, pid, old, new in made:
                steps = history(conn, int(pid), store)
                assert [s.price_cents for s in steps] == [int(old), int(new)] and int(new) < int(old)
                fed = news[(int(pid), store)]  # the newest change of that price: the reduction
                assert (fed["gross_cents"], fed["lowest_30_days_cents"]) == (int(new), int(old))
    finally:
        db.close()
