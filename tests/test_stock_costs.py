"""Cost prices (issue 14) against the real center on loopback (SQLite, or PostgreSQL with
POS_TEST_DATABASE_URL): the demo seed gives every product a plausible cost price; an operator
sets one (PUT /v1/admin/products/{id}/cost), the store gets it with the product on the feed;
a count's variance is valued in units, at cost and at retail on the device and in the center's
report. Bad input is refused with the field named and nothing changed; a feed without the field
(an older center) stays valid."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from backend.seed import demo_cost_cents
from pos_app.stock.counts import StockCounts
from pos_app.store.staff import StaffMember
from sync.protocol import ProductData
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
FINN = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def tablet(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "tab1.db", "HAM-T1")
    yield till
    till.store.close()


def local_cost(till: HamTill, product_id: int) -> int | None:
    with till.store.db.reading() as s:
        return s.execute(text("SELECT cost_cents FROM product_costs WHERE product_id = :p"),
                         {"p": product_id}).scalar()


def put_cost(center: BackendServer, product_id: object, body: object) -> requests.Response:
    return requests.put(f"{center.url}/v1/admin/products/{product_id}/cost", json=body, timeout=30,
                        headers={"Authorization": f"Bearer {center.admin_token}"})


def test_the_variance_in_units_at_cost_and_at_retail(tablet: HamTill, center: BackendServer) -> None:
    seeded = local_cost(tablet, THROW)
    assert seeded is not None and seeded > 0, "the demo seed gives costs, the feed brings them"
    assert put_cost(center, CUSHION, {"cost_cents": 7_50}).status_code == 200
    tablet.sync()
    assert local_cost(tablet, CUSHION) == 7_50

    counts = StockCounts(tablet.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION, THROW))
    tablet.sync()
    cushions = tablet.center_stock(CUSHION)[0]
    throws = tablet.center_stock(THROW)[0]
    counts.scan(started.count_id, tablet.barcode(CUSHION), FINN, quantity=cushions + 2)  # two found
    counts.scan(started.count_id, tablet.barcode(THROW), FINN, quantity=max(throws - 1, 0))  # one missing
    tablet.sync()
    with tablet.store.db.reading() as s:
        price = dict(s.execute(text("SELECT product_id, gross_cents FROM prices WHERE store_id = 'HAM' "
                                    "AND product_id IN (:a, :b)"), {"a": CUSHION, "b": THROW}).all())
    throw_variance = max(throws - 1, 0) - throws

    v = counts.variance(started.count_id)
    by_id = {line.product_id: line for line in v.lines}
    assert by_id[CUSHION].variance == 2 and by_id[CUSHION].value_cost_cents == 2 * 7_50
    assert by_id[CUSHION].value_cents == 2 * price[CUSHION]
    assert v.units == 2 + throw_variance
    assert v.value_cost_cents == 2 * 7_50 + throw_variance * seeded
    assert v.value_cents == 2 * price[CUSHION] + throw_variance * price[THROW]

    report = center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()
    lines = {line["product_id"]: line for line in report["line_items"]}
    assert lines[CUSHION]["value_cost_cents"] == 2 * 7_50
    assert lines[CUSHION]["value_retail_cents"] == 2 * price[CUSHION]
    assert lines[THROW]["value_cost_cents"] == throw_variance * seeded
    assert report["totals"] == {"variance_units": 2 + throw_variance,
                                "value_cost_cents": 2 * 7_50 + throw_variance * seeded,
                                "value_retail_cents": 2 * price[CUSHION] + throw_variance * price[THROW],
                                "lines_without_cost": 0}
    assert differences(center.database_url, tablet.store) == []
    assert stock_operation_differences(center.database_url, tablet.store) == []


def test_bad_cost_input_is_refused_and_changes_nothing(tablet: HamTill, center: BackendServer) -> None:
    before = local_cost(tablet, CUSHION)
    for body, field in (({"cost_cents": -1}, "cost_cents"), ({"cost_cents": 10**10}, "cost_cents"),
                        ({"cost_cents": "7,50"}, "cost_cents"), ({}, "cost_cents"),
                        ({"cost_cents": False}, "cost_cents"), ({"cost_cents": 7.5}, "cost_cents"),
                        ({"cost_cents": 1, "extra": 1}, "extra")):
        answer = put_cost(center, CUSHION, body)
        assert answer.status_code == 422 and field in answer.text, (body, answer.text)
    assert put_cost(center, 999_999, {"cost_cents": 100}).status_code == 404
    assert put_cost(center, "x\x00", {"cost_cents": 100}).status_code in (404, 422)
    tablet.sync()
    assert local_cost(tablet, CUSHION) == before


def test_a_whole_number_written_with_a_point_is_a_number_of_cents(center: BackendServer) -> None:
    # JSON Schema's integer includes 750.0; a client that writes numbers as floats is not refused
    answer = put_cost(center, CUSHION, {"cost_cents": 750.0})
    assert answer.status_code == 200 and answer.json()["cost_cents"] == 750


def test_a_feed_without_the_cost_stays_valid() -> None:
    doc = {"id": 1, "sku": "A-1", "name": "Kissen", "category": "Wohnen", "vat_percent": 19, "active": True,
           "barcodes": []}
    assert ProductData.model_validate(doc).cost_cents is None
    assert ProductData.model_validate({**doc, "cost_cents": 1250}).cost_cents == 1250
    with pytest.raises(ValueError):
        ProductData.model_validate({**doc, "cost_cents": -1})


def test_the_demo_cost_is_a_plausible_share_of_the_net_price() -> None:
    assert demo_cost_cents(119_00, 19) == 55_00
    assert 0 < demo_cost_cents(2_99, 7) < 2_99
