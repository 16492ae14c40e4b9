"""The automatic consistency check (tests/consistency_watch.py) can fail: a till whose figures
were changed behind the outbox's back, and a customer edited in the store file without an
event, are found after the final sync (a product the feed does not bring again, so the pull
cannot paper over it), each as a line naming what disagrees."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.consistency_watch import ConsistencyWatch
from tests.sync_helpers import sell
from tests.test_sync_backend import backend_db, center, till  # noqa: F401  (the real center, a synced till)

pytestmark = pytest.mark.slow


def test_the_watch_sees_the_center_and_the_till(till, _consistency_watch: ConsistencyWatch) -> None:
    (code, _, _), = till.products(1)
    sell(till.store, code)  # not synced: the final settle sends it
    [(server, tills)] = _consistency_watch.watched()
    assert server is till.center and [s.device_id for s, _ in tills] == ["BER-K1"]
    assert _consistency_watch.settle_and_compare() == []


@pytest.mark.consistency_exempt("breaks consistency on purpose, to show the check fails")
def test_a_broken_till_is_found(till, _consistency_watch: ConsistencyWatch) -> None:
    (code, _, _), (_, pid, _) = till.products(2)
    sell(till.store, code)
    with till.store.db.writing() as s:  # behind the outbox's back: no event, no movement
        s.execute(text("UPDATE stock SET quantity = quantity + 7 WHERE product_id = :p AND store_id = 'BER'"),
                  {"p": pid})
        s.execute(text("UPDATE customers SET phone = '0000' WHERE id = 1"))
    found = _consistency_watch.settle_and_compare()
    assert any(f"stock of product {pid}" in line for line in found), found
    assert any("customer 1" in line and "0000" in line for line in found), found
