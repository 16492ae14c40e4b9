"""One availability rule at the center (issue 14): a pickup order cannot take units that are
promised to a transfer, the same rule (backend.transfers.held) the transfers and fulfilment
orders apply. Against the real center over HTTP (SQLite, or PostgreSQL with
POS_TEST_DATABASE_URL); the web shop's order is the channel API the shop calls."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, transit_and_reserved_differences
from tests.transfer_helpers import CUSHION, StoreTill, open_till

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ber(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[StoreTill]:
    till = open_till(center, store_path, tmp_path / "ber.db", "BER", "BER-K1")
    yield till
    till.store.close()


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[StoreTill]:
    till = open_till(center, store_path, tmp_path / "ham.db", "HAM", "HAM-K1")
    yield till
    till.store.close()


def pickup_in_hamburg(center: BackendServer, number: str, quantity: int) -> requests.Response:
    """A pay-in-store pickup order of the web shop (the channel API, admin token)."""
    return requests.post(f"{center.url}/v1/channel/pickups", timeout=30,
                         headers={"Authorization": f"Bearer {center.admin_token}"}, json={
        "order_number": number, "store_id": "HAM", "customer_id": 1,
        "contact": {"phone": "0170 1234567"},
        "lines": [{"product_id": CUSHION, "quantity": quantity, "unit_price_cents": 25_00}]})


def test_a_pickup_cannot_take_units_promised_to_a_transfer(ber: StoreTill, ham: StoreTill,
                                                          center: BackendServer) -> None:
    free = ber.availability(CUSHION)["HAM"]["available"]
    assert free >= 1, "the demo retailer's Hamburg store has cushions"
    tr = ber.desk.request("HAM", [(CUSHION, free)], "Jonas", available={CUSHION: free})
    ber.sync()
    where = ber.availability(CUSHION)["HAM"]
    assert where["promised"] == free and where["available"] == 0

    refused = pickup_in_hamburg(center, "WEB-AV-1", 1)
    assert refused.status_code == 409, refused.text
    assert "only 0 available" in refused.text
    assert requests.get(f"{center.url}/v1/channel/pickups/WEB-AV-1", timeout=30, headers={
        "Authorization": f"Bearer {center.admin_token}"}).status_code == 404  # nothing placed

    ber.desk.cancel(tr.number, "Jonas", "doch nicht nötig")  # the promise ends
    ber.sync()
    placed = pickup_in_hamburg(center, "WEB-AV-2", 1)
    assert placed.status_code in (200, 201), placed.text
    where = ber.availability(CUSHION)["HAM"]
    assert where["promised"] == 0 and where["reserved"] == 1 and where["available"] == free - 1

    for till in (ber, ham, ber, ham):
        till.sync()
    stores = [ber.store, ham.store]
    assert differences(center.database_url, *stores) == []
    assert transit_and_reserved_differences(center.database_url, *stores) == []
