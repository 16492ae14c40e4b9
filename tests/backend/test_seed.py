"""Seeding the center: the same retailer with the same ids as a store's demo file, in the
change feed for a device's first pull, all or nothing, and only once."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from backend.db import BackendDatabase, open_backend_database
from backend.models import Change, Product
from backend.seed import seed
from pos_app.demo import generator
from pos_app.demo.rows import hand_named_count
from sync.protocol import ChangePage, CustomerData, PriceData, ProductData, StockData
from tests.backend.helpers import TestClient, register

PRODUCTS = 1_500  # hand-named plus synthetic ones
CUSTOMERS = 300
TABLES = {
    "stores": "SELECT id, name, kind, street, zip_code, city, phone, vat_id FROM stores ORDER BY id",
    "products": "SELECT id, sku, name, category, vat_percent, active FROM products ORDER BY id",
    "barcodes": "SELECT code, product_id, symbology FROM barcodes ORDER BY code",
    "prices": "SELECT product_id, store_id, gross_cents FROM prices ORDER BY product_id, store_id",
    "stock": "SELECT product_id, store_id, quantity FROM stock ORDER BY product_id, store_id",
    "customers": "SELECT id, number, first_name, last_name, street, zip_code, city, phone, email, home_store_id "
                 "FROM customers ORDER BY id",
}


@pytest.fixture
def seeded(empty_database_url: str) -> BackendDatabase:
    db = open_backend_database(empty_database_url)
    result = seed(db, products=PRODUCTS, customers=CUSTOMERS, chunk_rows=400)  # several chunks
    assert (result.products, result.customers, result.skipped) == (PRODUCTS, CUSTOMERS, False)
    assert result.changes == 9 * PRODUCTS + CUSTOMERS  # product + 4 prices + 4 stock rows; customers
    yield db
    db.close()


def test_center_and_store_demo_file_agree_row_for_row(seeded: BackendDatabase, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "hash_pin", lambda pin: f"test-hash-{pin}")  # staff are not compared
    store_file = tmp_path / "store.db"
    generator.generate(store_file, products=PRODUCTS, customers=CUSTOMERS)
    with sqlite3.connect(store_file) as store, seeded.reading() as center:
        for table, sql in TABLES.items():
            expected = store.execute(sql).fetchall()
            actual = [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in center.execute(text(sql))]
            assert actual == expected, table


def test_first_pull_through_the_api_gets_the_whole_catalog(seeded: BackendDatabase) -> None:
    from backend.api import create_app

    with TestClient(create_app(seeded.url, "admin")) as client:
        response = client.post("/v1/admin/devices", headers={"Authorization": "Bearer admin"},
                               json={"device_id": "HAM-T1", "store_id": "HAM", "name": "Tablet 1"})
        headers = {"Authorization": f"Bearer {response.json()['token']}"}
        after, products, prices, stock, customers = 0, {}, {}, {}, {}
        while True:
            page = ChangePage.model_validate_json(client.get("/v1/changes", headers=headers,
                                                             params={"after": after}).content)
            for change in page.changes:
                data = change.parsed()
                target = {ProductData: products, PriceData: prices, StockData: stock, CustomerData: customers}
                target[type(data)][change.key] = data
            after = page.next_cursor
            if not page.has_more:
                break
    assert page.high_water == after == 9 * PRODUCTS + CUSTOMERS
    assert len(products) == len(prices) == len(stock) == PRODUCTS and len(customers) == CUSTOMERS
    assert all(key.endswith("@HAM") for key in (*prices, *stock))
    with seeded.reading() as conn:
        barcodes = conn.execute(text("SELECT count(*) FROM barcodes")).scalar_one()
        ham_prices = dict(conn.execute(text("SELECT product_id, gross_cents FROM prices WHERE store_id = 'HAM'")).all())
    assert sum(len(p.barcodes) for p in products.values()) == barcodes
    assert {p.product_id: p.gross_cents for p in prices.values()} == ham_prices
    assert customers["1"].number == "K-0000001"


def test_seeding_again_does_nothing(seeded: BackendDatabase) -> None:
    with seeded.reading() as conn:
        before = conn.execute(select(func.count()).select_from(Change)).scalar_one()
    again = seed(seeded, products=10_000, customers=10)
    assert again.skipped and (again.products, again.customers, again.changes) == (0, 0, 0)
    with seeded.reading() as conn:
        assert conn.execute(select(func.count()).select_from(Change)).scalar_one() == before


def test_a_failed_seed_leaves_nothing_behind(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import backend.seed as seed_module

    db = open_backend_database(empty_database_url)
    calls = {"n": 0}
    real = seed_module._append_changes

    def fail_on_third_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(seed_module, "_append_changes", fail_on_third_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        seed(db, products=2_000, customers=0, chunk_rows=500)
    monkeypatch.setattr(seed_module, "_append_changes", real)
    with db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(Product)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(Change)).scalar_one() == 0
        if db.dialect == "postgresql":  # the foreign keys dropped for the load came back with the rollback
            keys = conn.execute(text("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                                     "conrelid::regclass::text IN ('prices', 'stock', 'barcodes', 'customers')"))
            assert keys.scalar_one() == 6
    result = seed(db, customers=5)  # and a retry works
    assert result.products == hand_named_count() and not result.skipped
    db.close()


def test_foreign_keys_are_back_after_a_seed(seeded: BackendDatabase) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with seeded.writing() as conn:
            conn.execute(text("INSERT INTO prices (product_id, store_id, gross_cents) VALUES (999999999, 'BER', 1)"))
    with pytest.raises(IntegrityError):
        with seeded.writing() as conn:
            conn.execute(text("INSERT INTO stock (product_id, store_id, quantity) VALUES (1, 'NOPE', 1)"))


def test_demo_rows_import_nothing_of_the_store() -> None:
    """The backend may import pos_app.demo.rows; it must not drag pos_app.store or SQLAlchemy in."""
    code = ("import sys, pos_app.demo.rows; "
            "bad = [m for m in sys.modules if m.startswith(('pos_app.store', 'pos_app.pins', 'sqlalchemy', "
            "'pos_app.demo.generator', 'argon2'))]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stdout + done.stderr


def test_first_pull_via_registered_device_sees_seed(client) -> None:
    """The per-test template is seeded the same way: a device's cursor 0 page starts with product 1."""
    headers = register(client)
    page = ChangePage.model_validate_json(client.get("/v1/changes", headers=headers, params={"limit": 3}).content)
    assert [(c.kind.value, c.key) for c in page.changes] == [("product", "1"), ("product", "2"), ("product", "3")]
