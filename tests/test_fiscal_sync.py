"""A signed sale (and one the TSE could not sign) carries its TSE outcome in the sale event's
optional `tse` field; the REAL center over HTTP on loopback takes both and applies them."""
from __future__ import annotations

import json

import pytest

from pos_app.fiscal.dev_tse import DevelopmentTse
from pos_app.fiscal.signing import FiscalSigner
from pos_app.store.models import OutboxEvent
from tests.sync_helpers import sell, statuses
from tests.test_dsfinvk import BrokenTse
from tests.test_sync_backend import backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def test_sales_with_their_tse_outcome_are_applied_by_the_center(till):  # noqa: F811
    store = till.store
    codes = [code for code, _pid, _price in till.products(2)]
    store.fiscal = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    signed = sell(store, codes[0])
    store.fiscal = FiscalSigner(BrokenTse(), "BER-K1")
    unsigned = sell(store, codes[1])
    assert signed.tse_failure == "" and "TSE ausgefallen" in unsigned.tse_failure
    with store.db.reading() as s:
        payloads = [json.loads(e.payload) for e in s.query(OutboxEvent).filter_by(type="sale.completed")]
    assert [p["tse"]["status"] for p in payloads] == ["signed", "failed"]

    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert set(statuses(store).values()) == {"sent"}
    ids = {sale_id for sale_id, _number, _total in till.center_sales()}
    assert {signed.sale_id, unsigned.sale_id} <= ids
