"""The change feed: what a device sees, paging, and the online stock query."""
from __future__ import annotations

from sqlalchemy import func, select

from backend.db import BackendDatabase
from backend.models import Change
from pos_app.demo.rows import hand_named_count
from sync.protocol import MAX_PAGE_CHANGES, ChangePage, ProductData, StockData, StockResponse
from tests.backend.helpers import ADMIN, BLUE_SOFA, GREEN_SOFA, TEMPLATE_CUSTOMERS, TestClient, register, sale_event


def pull_all(client: TestClient, headers: dict[str, str], after: int = 0,
             limit: int = MAX_PAGE_CHANGES) -> list[ChangePage]:
    pages = []
    while True:
        response = client.get("/v1/changes", headers=headers, params={"after": after, "limit": limit})
        assert response.status_code == 200, response.text
        page = ChangePage.model_validate_json(response.content)
        pages.append(page)
        after = page.next_cursor
        if not page.has_more:
            return pages


def newest_seq(db: BackendDatabase) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.max(Change.seq))).scalar_one()


def test_a_sale_moves_stock_in_the_feed_of_its_store_only(client, db: BackendDatabase) -> None:
    ber = register(client, "BER-K1", "BER")
    ber_tablet = register(client, "BER-T1", "BER", "Tablet 1")
    ham = register(client, "HAM-K1", "HAM")
    cursor = newest_seq(db)
    before = {s["store_id"]: s["quantity"] for s in client.get(f"/v1/stock/{BLUE_SOFA}", headers=ber).json()["stores"]}
    response = client.post("/v1/events", headers=ber, json={"events": [sale_event(lines=((BLUE_SOFA, 2, 1299_00),))]})
    change_seq = response.json()["results"][0]["change_seq"]

    [page] = pull_all(client, ber_tablet, after=cursor)  # the other BER device learns of the sale
    assert [(c.seq, c.kind.value, c.key) for c in page.changes] == [(change_seq, "stock", f"{BLUE_SOFA}@BER")]
    stock = page.changes[0].parsed()
    assert isinstance(stock, StockData) and stock.quantity == before["BER"] - 2
    assert page.next_cursor == page.high_water == change_seq and not page.has_more

    [page] = pull_all(client, ham, after=cursor)  # Hamburg does not keep Berlin's stock
    assert page.changes == [] and page.next_cursor == cursor and page.high_water == change_seq

    after = client.get(f"/v1/stock/{BLUE_SOFA}", headers=ham).json()["stores"]
    assert {s["store_id"]: s["quantity"] for s in after} == {**before, "BER": before["BER"] - 2}
    rows = client.get("/v1/admin/stock", headers=ADMIN, params={"product_id": BLUE_SOFA, "store_id": "BER"}).json()
    assert rows == [{"product_id": BLUE_SOFA, "store_id": "BER", "quantity": before["BER"] - 2}]


def test_first_pull_brings_the_seeded_catalog_and_customers(client, db: BackendDatabase) -> None:
    headers = register(client, "MUC-K1", "MUC")
    pages = pull_all(client, headers, limit=100)
    changes = [c for p in pages for c in p.changes]
    products = hand_named_count()
    kinds: dict[str, int] = {}
    for change in changes:
        kinds[change.kind.value] = kinds.get(change.kind.value, 0) + 1
    assert kinds == {"product": products, "price": products, "stock": products, "customer": TEMPLATE_CUSTOMERS}
    assert {c.key.split("@")[1] for c in changes if c.kind.value in ("price", "stock")} == {"MUC"}
    seqs = [c.seq for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for change in changes:
        change.parsed()  # every payload is valid protocol data
    green = next(c.parsed() for c in changes if c.kind.value == "product" and c.key == str(GREEN_SOFA))
    assert isinstance(green, ProductData) and green.name == "Samtsofa Milano 3-Sitzer grün"
    assert green.barcodes and green.barcodes[0].symbology == "EAN13"
    green_stock = next(c.parsed() for c in changes if c.key == f"{GREEN_SOFA}@MUC" and c.kind.value == "stock")
    assert green_stock.quantity == 0  # the demo story: the last green sofa is in Hamburg


def test_paging_has_more_next_cursor_and_high_water(client, db: BackendDatabase) -> None:
    headers = register(client, "BER-K1", "BER")
    newest = newest_seq(db)
    pages = pull_all(client, headers, limit=250)
    assert len(pages) > 2
    assert all(len(p.changes) == 250 and p.has_more for p in pages[:-1])
    assert not pages[-1].has_more and len(pages[-1].changes) <= 250
    assert all(p.high_water == newest for p in pages)
    for previous, page in zip(pages, pages[1:]):
        assert page.changes[0].seq > previous.next_cursor == previous.changes[-1].seq
    # At the end: an empty page that keeps the cursor.
    response = client.get("/v1/changes", headers=headers, params={"after": pages[-1].next_cursor})
    empty = ChangePage.model_validate_json(response.content)
    assert empty.changes == [] and empty.next_cursor == pages[-1].next_cursor and not empty.has_more


def test_limit_is_capped_and_bad_parameters_are_422(client, db: BackendDatabase) -> None:
    headers = register(client)
    response = client.get("/v1/changes", headers=headers, params={"limit": MAX_PAGE_CHANGES * 10})
    page = ChangePage.model_validate_json(response.content)
    assert len(page.changes) <= MAX_PAGE_CHANGES
    for params in ({"after": -1}, {"limit": 0}, {"after": "x"}):
        assert client.get("/v1/changes", headers=headers, params=params).status_code == 422


def test_stock_everywhere(client) -> None:
    headers = register(client, "BER-T1", "BER", "Tablet 1")
    response = client.get(f"/v1/stock/{GREEN_SOFA}", headers=headers)
    assert response.status_code == 200
    stock = StockResponse.model_validate(response.json())
    assert stock.product_id == GREEN_SOFA
    assert [(s.store_id, s.quantity) for s in stock.stores] == [("BER", 0), ("HAM", 1), ("MUC", 0), ("WEB", 0)]
    assert stock.stores[1].store_name == "Wohnen & Mode Hamburg"
    assert client.get("/v1/stock/987654321", headers=headers).status_code == 404
