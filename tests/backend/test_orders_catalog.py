"""The center re-checks a web order against its own catalog (issue 12): the VAT rate is the
product's (another one is refused and nothing is stored); a price other than the web shop's is
taken as charged and opens a price_mismatch reconciliation for the channel with the difference."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.models import Price, Product
from tests.backend.helpers import ADMIN


def _web(client: Any, product_id: int, **line: Any) -> Any:
    body = {"channel": "web", "lines": [{"product_id": product_id, "quantity": 2, **line}],
            "tenders": [{"kind": "card", "amount_cents": 2 * line.get("unit_price_cents", _price(client, product_id))}]}
    return client.post("/v1/channel/orders", headers=ADMIN, json=body)


def _price(client: Any, product_id: int) -> int:
    db = client.app.state.db
    with db.engine.connect() as conn:
        return conn.execute(select(Price.gross_cents).where(Price.product_id == product_id,
                                                            Price.store_id == "WEB")).scalar_one()


def _product(client: Any) -> tuple[int, int]:
    """A product with a web price, and its VAT rate."""
    db = client.app.state.db
    with db.engine.connect() as conn:
        return conn.execute(select(Product.id, Product.vat_percent).join(Price, Price.product_id == Product.id)
                            .where(Price.store_id == "WEB").order_by(Product.id).limit(1)).one()


def _items(client: Any) -> list[dict[str, Any]]:
    return client.get("/v1/admin/reconciliations", headers=ADMIN, params={"store_id": "WEB"}).json()


def _count(client: Any) -> int:
    from backend.returns_models import WebOrder

    with client.app.state.db.engine.connect() as conn:
        return len(conn.execute(select(WebOrder.id)).all())


def test_a_vat_rate_other_than_the_catalogs_is_refused_and_nothing_is_stored(client: Any) -> None:
    product_id, vat = _product(client)
    wrong = 7 if vat == 19 else 19
    before = _count(client)
    answer = _web(client, product_id, vat_percent=wrong)
    assert answer.status_code == 422, answer.text
    assert f"taxed at {vat} %" in answer.text
    assert _count(client) == before and _items(client) == []
    assert _web(client, product_id, vat_percent=vat).status_code == 201  # the right rate: fine


def test_a_price_other_than_the_web_shops_is_booked_and_reconciled(client: Any) -> None:
    product_id, vat = _product(client)
    listed = _price(client, product_id)
    answer = _web(client, product_id, unit_price_cents=listed - 150)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["lines"][0]["unit_price_cents"] == listed - 150 and order["lines"][0]["vat_percent"] == vat
    [item] = _items(client)
    assert item["kind"] == "price_mismatch" and item["status"] == "open"
    assert item["amount_cents"] == 2 * 150  # two units, 1.50 each below the catalog
    assert item["details"]["order_number"] == order["order_number"]
    assert item["details"]["lines"] == [{"line_no": 1, "product_id": product_id, "quantity": 2,
                                         "charged_cents": listed - 150, "catalog_cents": listed}]


def test_the_catalog_price_opens_nothing(client: Any) -> None:
    product_id, _ = _product(client)
    assert _web(client, product_id).status_code == 201
    assert _web(client, product_id, unit_price_cents=_price(client, product_id)).status_code == 201
    assert _items(client) == []
