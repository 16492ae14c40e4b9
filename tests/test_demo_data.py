"""The demo data generator: deterministic, valid barcodes, the demo story's sofas, working PINs,
search, and it never overwrites a store file that holds data."""
from __future__ import annotations

import hashlib
import random
import re
import sqlite3
from pathlib import Path

import pytest

from pos_app.demo import (BLUE_SOFA, DEMO_PINS, GREEN_SOFA, DemoDataExists, demo_staff,
                          ensure_demo_database, generate)
from pos_app.demo import generator, people
from pos_app.demo.cli import main as cli_main
from pos_app.demo.synthetic import price_point
from pos_app.gtin import classify, with_check_digit
from pos_app.pins import verify_pin
from pos_app.store.db import open_database

PRODUCTS = 2_000
CUSTOMERS = 500
TABLES = ("stores", "devices", "products", "barcodes", "prices", "stock", "customers")


@pytest.fixture()
def fast_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 costs ~40 ms a PIN; tests that do not check PINs use a stand-in."""
    monkeypatch.setattr(generator, "hash_pin", lambda pin: f"test-hash-{pin}")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    generate(path, products=PRODUCTS, customers=CUSTOMERS, seed=42)
    return path


@pytest.fixture()
def conn(demo_db: Path):
    c = sqlite3.connect(demo_db)
    yield c
    c.close()


def _digest(path: Path, tables: tuple[str, ...] = TABLES) -> str:
    h = hashlib.sha256()
    with sqlite3.connect(path) as c:
        for table in tables:
            for row in c.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                h.update(repr(row).encode())
        for row in c.execute("SELECT id, name, role, store_id FROM staff ORDER BY id"):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_gives_identical_content(demo_db: Path, tmp_path: Path, fast_pins: None) -> None:
    again = tmp_path / "again.db"
    generate(again, products=PRODUCTS, customers=CUSTOMERS, seed=42)
    assert _digest(again) == _digest(demo_db)
    other = tmp_path / "other.db"
    generate(other, products=PRODUCTS, customers=CUSTOMERS, seed=7)
    assert _digest(other, ("customers",)) != _digest(demo_db, ("customers",))
    assert _digest(other, ("products",)) != _digest(demo_db, ("products",))


def test_hand_named_catalog_does_not_depend_on_size(conn: sqlite3.Connection, tmp_path: Path,
                                                    fast_pins: None) -> None:
    small = tmp_path / "small.db"
    generate(small, customers=0)
    hand = generator.hand_named_count()
    assert hand >= 300
    with sqlite3.connect(small) as c:
        assert c.execute("SELECT count(*) FROM products").fetchone() == (hand,)
        assert c.execute("SELECT count(*) FROM customers").fetchone() == (0,)
        for table in ("products", "barcodes", "prices", "stock"):
            key = "id" if table == "products" else "product_id"
            sql = f"SELECT * FROM {table} WHERE {key} <= ? ORDER BY 1, 2"
            assert c.execute(sql, (hand,)).fetchall() == conn.execute(sql, (hand,)).fetchall()


def test_every_barcode_is_valid_and_stored_under_its_lookup_key(conn: sqlite3.Connection) -> None:
    seen = set()
    for code, symbology in conn.execute("SELECT code, symbology FROM barcodes"):
        raw = code[1:] if symbology == "UPCA" else code
        scanned = classify(raw)
        assert scanned.lookup_key == code
        assert scanned.symbology.value == symbology
        if symbology in ("EAN13", "EAN8"):
            assert 400 <= int(code[:3]) <= 440, code  # GS1 Germany
        seen.add(symbology)
    assert seen == {"EAN13", "EAN8", "UPCA", "CODE128"}
    assert conn.execute("SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM barcodes b "
                        "WHERE b.product_id = p.id AND b.symbology = 'EAN13')").fetchone() == (0,)
    several = conn.execute("SELECT count(*) FROM (SELECT product_id FROM barcodes GROUP BY product_id "
                           "HAVING count(*) > 1)").fetchone()[0]
    assert several > 0


def test_fast_check_digit_matches_the_shared_one() -> None:
    rng = random.Random(1)
    for length in (7, 11, 12):
        for _ in range(2_000):
            body = "".join(rng.choice("0123456789") for _ in range(length))
            assert generator.gtin(body) == with_check_digit(body)


def test_the_green_and_the_blue_velvet_sofa(conn: sqlite3.Connection) -> None:
    sofas = {}
    for name in (GREEN_SOFA, BLUE_SOFA):
        pid, category, vat = conn.execute("SELECT id, category, vat_percent FROM products WHERE name = ?",
                                          (name,)).fetchone()
        assert (category, vat) == ("Sofas", 19)
        ean = conn.execute("SELECT code FROM barcodes WHERE product_id = ? AND symbology = 'EAN13'", (pid,)).fetchone()
        assert ean is not None and classify(ean[0]).lookup_key == ean[0]
        sofas[name] = dict(conn.execute("SELECT store_id, quantity FROM stock WHERE product_id = ?", (pid,)))
        prices = dict(conn.execute("SELECT store_id, gross_cents FROM prices WHERE product_id = ?", (pid,)))
        assert prices["BER"] == prices["HAM"] == 1299_00
    assert sofas[GREEN_SOFA] == {"BER": 0, "HAM": 1, "MUC": 0, "WEB": 0}
    blue = sofas[BLUE_SOFA]
    assert blue["WEB"] > 0 and sum(1 for s in ("BER", "HAM", "MUC") if blue[s] > 0) >= 2
    for colour in ("grün", "blau"):  # exactly one velvet sofa of each colour, also among synthetics
        assert conn.execute("SELECT count(*) FROM products WHERE name LIKE '%Samtsofa%' AND name LIKE ?",
                            (f"%{colour}%",)).fetchone() == (1,)


def test_full_text_search_finds_both_sofas(conn: sqlite3.Connection) -> None:
    ids = {r[0] for r in conn.execute("SELECT rowid FROM product_fts WHERE product_fts MATCH 'samtsofa*'")}
    wanted = {r[0] for r in conn.execute("SELECT id FROM products WHERE name IN (?, ?)", (GREEN_SOFA, BLUE_SOFA))}
    assert len(wanted) == 2 and wanted <= ids
    assert conn.execute("SELECT count(*) FROM product_fts WHERE product_fts MATCH 'grun* samtsofa*'").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM product_fts").fetchone() == (PRODUCTS,)


def test_schema_objects_dropped_for_the_load_are_back_exactly(demo_db: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    open_database(fresh).close()
    sql = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'table') ORDER BY 1, 2"
    with sqlite3.connect(fresh) as a, sqlite3.connect(demo_db) as b:
        assert b.execute(sql).fetchall() == a.execute(sql).fetchall()
        assert b.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert b.execute("PRAGMA foreign_key_check").fetchall() == []
        assert b.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db = open_database(demo_db)
    try:
        assert db.migrate() is False  # already at the newest revision
    finally:
        db.close()


def test_insert_trigger_keeps_search_in_step_after_generation(demo_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with sqlite3.connect(demo_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        dst.execute("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                    "VALUES (999999, 'WM-999999', 'Zirbenkissen Tirol', 'Deko', 19, 1)")
        assert dst.execute("SELECT rowid FROM product_fts WHERE product_fts MATCH 'zirben*'").fetchall() == [(999999,)]


def test_stores_devices_prices_and_vat(conn: sqlite3.Connection) -> None:
    stores = {r[0]: r for r in conn.execute("SELECT id, name, kind, zip_code, vat_id FROM stores")}
    assert set(stores) == {"BER", "HAM", "MUC", "WEB"}
    assert stores["WEB"][2] == "web" and all(stores[s][2] == "store" for s in ("BER", "HAM", "MUC"))
    for _id, name, _kind, zip_code, vat_id in stores.values():
        assert len(name) <= 32 and re.fullmatch(r"\d{5}", zip_code) and re.fullmatch(r"DE\d{9}", vat_id)
    assert {r[0] for r in conn.execute("SELECT id FROM devices")} == {
        "BER-K1", "BER-T1", "HAM-K1", "HAM-T1", "MUC-K1", "MUC-T1"}
    assert conn.execute("SELECT max(last_receipt_no), max(last_event_seq) FROM devices").fetchone() == (0, 0)
    assert conn.execute("SELECT count(*) FROM prices").fetchone() == (4 * PRODUCTS,)
    assert conn.execute("SELECT count(*) FROM stock").fetchone() == (4 * PRODUCTS,)
    assert conn.execute("SELECT min(gross_cents) > 0, min(quantity) >= 0 FROM prices, stock "
                        "WHERE prices.product_id = 1 AND stock.product_id = 1").fetchone() == (1, 1)
    reduced = {r[0] for r in conn.execute("SELECT DISTINCT category FROM products WHERE vat_percent = 7")}
    assert reduced == {"Feinkost", "Bücher & Zeitschriften"}
    assert {r[0] for r in conn.execute("SELECT DISTINCT vat_percent FROM products")} == {7, 19}
    # Buchpreisbindung: a book costs the same everywhere.
    assert conn.execute("SELECT count(*) FROM (SELECT product_id FROM prices JOIN products p ON p.id = product_id "
                        "WHERE p.category = 'Bücher & Zeitschriften' GROUP BY product_id "
                        "HAVING count(DISTINCT gross_cents) > 1)").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM prices WHERE store_id = 'MUC' AND gross_cents > "
                        "(SELECT gross_cents FROM prices b WHERE b.product_id = prices.product_id "
                        "AND b.store_id = 'BER')").fetchone()[0] > 0
    endings = {r[0] for r in conn.execute("SELECT DISTINCT gross_cents % 100 FROM prices")}
    assert endings <= {0, 50, 90, 95, 99}
    assert conn.execute("SELECT count(DISTINCT name) FROM products").fetchone() == (PRODUCTS,)


def test_price_points() -> None:
    assert price_point(1299_00 * 105 // 100, 1299_00) == 1359_00
    assert price_point(59_99 * 105 // 100, 59_99) == 62_99
    assert price_point(5_99 * 105 // 100, 5_99) == 5_99
    assert price_point(1, 4_95) == 95


def test_staff_pins_verify(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT id, name, role, store_id, pin_hash FROM staff ORDER BY id").fetchall()
    listed = demo_staff()
    assert [(r[1], r[2], r[3]) for r in rows] == [(s.name, s.role, s.store_id) for s in listed]
    assert 9 <= len(rows) <= 12
    for (_id, _name, role, _store, pin_hash), person in zip(rows, listed):
        assert person.pin == DEMO_PINS[role]
        assert verify_pin(pin_hash, person.pin)
        assert not verify_pin(pin_hash, "0000")
    for store in ("BER", "HAM", "MUC"):
        assert {r[2] for r in rows if r[3] == store} == {"cashier", "associate", "manager"}
    assert DEMO_PINS == {"cashier": "1234", "associate": "5555", "manager": "9999"}
    assert ("Lena Schmidt", "cashier", "BER", "1234") in [(s.name, s.role, s.store_id, s.pin) for s in listed]


def test_customers_look_german(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT number, first_name, last_name, street, zip_code, city, phone, email, "
                        "home_store_id FROM customers ORDER BY id").fetchall()
    assert len(rows) == CUSTOMERS
    assert rows[0][0] == "K-0000001"
    plz_of = {c.name: set(c.plz) for c in people.CITIES}
    for number, first, last, street, zip_code, city, phone, email, store in rows:
        assert re.fullmatch(r"K-\d{7}", number)
        assert re.fullmatch(r"\d{5}", zip_code) and zip_code in plz_of[city]
        assert re.fullmatch(r".+ \d{1,3}[abc]?", street)
        assert phone == "" or re.fullmatch(r"(\+49 \d{2,4} |0\d{2,4}[ /])\d{3,8}( \d{3,4})?", phone), phone
        assert email == "" or (email.isascii() and re.fullmatch(r"[a-z0-9._'-]+@[a-z.-]+\.[a-z]+", email)), email
        assert store in ("BER", "HAM", "MUC", "WEB")
        if city in ("Leipzig", "Dresden"):
            assert zip_code.startswith("0")  # stored as text, the leading zero kept
    names = " ".join(f"{r[1]} {r[2]}" for r in rows)
    assert any(ch in names for ch in "äöüß")
    assert "ue" in " ".join(r[7] for r in rows) or "oe" in " ".join(r[7] for r in rows)


def test_ascii_fold() -> None:
    assert people.ascii_fold("Jürgen Weiß") == "Juergen Weiss"
    assert people.ascii_fold("Ayşe Yılmaz") == "Ayse Yilmaz"
    assert people.ascii_fold("Małgorzata Wiśniewski") == "Malgorzata Wisniewski"


def test_refuses_to_overwrite_data_without_force(demo_db: Path, tmp_path: Path, fast_pins: None) -> None:
    target = tmp_path / "store.db"
    generate(target, customers=5)
    before = target.read_bytes()
    with pytest.raises(DemoDataExists):
        generate(target, customers=5)
    assert target.read_bytes() == before
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("keine Datenbank")
    with pytest.raises(DemoDataExists):
        generate(not_sqlite)
    assert not_sqlite.read_text() == "keine Datenbank"
    result = generate(target, customers=7, force=True)
    assert result.customers == 7
    with sqlite3.connect(target) as c:
        assert c.execute("SELECT count(*) FROM customers").fetchone() == (7,)
    assert not list(tmp_path.glob("*.partial*"))


def test_empty_file_is_filled_and_ensure_generates_once(tmp_path: Path, fast_pins: None) -> None:
    empty = tmp_path / "empty.db"
    open_database(empty).close()  # migrated, no rows: not "data"
    generate(empty, customers=3)
    path = tmp_path / "first-run" / "store.db"
    path.parent.mkdir()
    assert ensure_demo_database(path) is True
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT count(*) FROM stores").fetchone() == (4,)
        assert c.execute("SELECT count(*) FROM customers").fetchone() == (generator.DEFAULT_CUSTOMERS,)
    assert ensure_demo_database(path) is False


def test_progress_counts_increase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_pins: None) -> None:
    monkeypatch.setattr(generator, "CHUNK_ROWS", 400)
    calls: list[tuple[str, int, int]] = []
    generate(tmp_path / "p.db", products=2_000, customers=1_000, progress=lambda *a: calls.append(a))
    stages = list(dict.fromkeys(c[0] for c in calls))
    assert stages == [generator.STAGE_MASTER, generator.STAGE_PRODUCTS, generator.STAGE_CUSTOMERS,
                      generator.STAGE_INDEXES]
    for stage in stages:
        counts = [(done, total) for s, done, total in calls if s == stage]
        assert [d for d, _ in counts] == sorted(d for d, _ in counts)
        assert counts[-1][0] == counts[-1][1]
    assert len([c for c in calls if c[0] == generator.STAGE_PRODUCTS]) >= 2_000 // 400
    assert len([c for c in calls if c[0] == generator.STAGE_CUSTOMERS]) >= 1_000 // 400


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], fast_pins: None) -> None:
    db = tmp_path / "cli.db"
    assert cli_main(["--db", str(db), "--customers", "20", "--products", "600"]) == 0
    err = capsys.readouterr().err
    assert "products" in err and "600/600" in err and "customers" in err
    assert cli_main(["--db", str(db)]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli_main(["--db", str(db), "--customers", "3", "--force"]) == 0
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*), (SELECT count(*) FROM products) FROM customers").fetchone() == (
            3, generator.hand_named_count())
