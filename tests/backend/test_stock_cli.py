"""`pos-backend deliveries add/list` (issue 14), run in-process against a real database
(SQLite, or PostgreSQL with POS_TEST_DATABASE_URL): the delivery is announced with the API's
rules and goes on the store's feed; bad input is refused with a message and nothing written."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from backend.cli import main
from backend.db import BackendDatabase
from backend.models import Change
from backend.stock_models import Delivery


def deliveries(db: BackendDatabase) -> int:
    with db.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(Delivery)).scalar_one())


def test_a_delivery_announced_from_the_command_line(database_url: str, db: BackendDatabase,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with db.reading() as conn:
        before = conn.execute(select(func.max(Change.seq))).scalar_one()
    assert main(["deliveries", "add", "--store", "BER", "--supplier", "Zentrallager Kassel", "--number", "LS-CLI-1",
                 "--line", "30:4", "--line", "31:2", "--database-url", database_url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["number"], doc["store_id"], doc["status"]) == ("LS-CLI-1", "BER", "expected")
    assert [(ln["product_id"], ln["quantity"]) for ln in doc["lines"]] == [(30, 4), (31, 2)]
    with db.reading() as conn:
        news = conn.execute(select(Change.kind, Change.key, Change.store_id).where(Change.seq > before)).all()
    assert [(k, key, s) for k, key, s in news] == [("delivery", "LS-CLI-1", "BER")]  # on Berlin's feed

    assert main(["deliveries", "list", "--store", "BER", "--database-url", database_url]) == 0
    assert "LS-CLI-1" in [d["number"] for d in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize("argv, message", [
    (["--store", "XXX", "--line", "30:1"], "unknown store"),
    (["--store", "BER", "--line", "999999:1"], "unknown product id 999999"),
    (["--store", "BER", "--line", "30:1", "--line", "30:2"], "each product once"),
    (["--store", "BER", "--line", "30:0"], "quantity"),
    (["--store", "BER", "--line", "30:1", "--number", "LS 1"], "number"),
    (["--store", "BER", "--line", "30:1", "--supplier", ""], "supplier"),
])
def test_bad_input_is_refused_and_writes_nothing(database_url: str, db: BackendDatabase,
                                                 capsys: pytest.CaptureFixture[str], argv: list[str],
                                                 message: str) -> None:
    before = deliveries(db)
    assert main(["deliveries", "add", *argv, "--database-url", database_url]) == 1
    assert message in capsys.readouterr().err
    assert deliveries(db) == before


def test_a_malformed_line_and_a_taken_number(database_url: str, db: BackendDatabase,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["deliveries", "add", "--store", "BER", "--line", "30x4", "--database-url", database_url])
    assert done.value.code == 2 and "PRODUCT:QTY" in capsys.readouterr().err
    assert main(["deliveries", "add", "--store", "BER", "--number", "LS-CLI-2", "--line", "30:1",
                 "--database-url", database_url]) == 0
    before = deliveries(db)
    assert main(["deliveries", "add", "--store", "BER", "--number", "LS-CLI-2", "--line", "30:1",
                 "--database-url", database_url]) == 1
    assert "exists already" in capsys.readouterr().err and deliveries(db) == before
