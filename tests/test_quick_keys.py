"""Quick keys: the layout rules (shared by center and store), the store's copy from the feed,
the center's admin API and CLI over HTTP and the real feed to a till, offline included, and the
product grid on the till (a single tap sells one; the focus stays on the scan field)."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pos_app.config import Settings
from pos_app.quick_keys import LayoutError, check_layout
from pos_app.quick_keys.store import replace_layout, tiles
from sync.client import CenterClient
from sync.feed import FeedError, apply_page
from sync.worker import SyncWorker
from tests.backend_server import BackendServer, backend_database_url, run_cli
from tests.store_fixture import open_store
from tests.test_sync_feed import cursor, page
from ui.app import open_window

backend_db = pytest.fixture(backend_database_url)


# ---- the rules -----------------------------------------------------------------------------


def test_a_layout_is_checked_sorted_and_palette_names_become_colours() -> None:
    keys = check_layout([{"product_id": 2, "page": "Tee", "position": 1, "colour": "grün"},
                         {"product_id": 1, "page": "Favoriten", "position": 0, "label": " Brezel "},
                         {"product_id": 3, "page": "Tee", "position": 0}])
    assert [(k.page, k.position, k.product_id) for k in keys] == [("Tee", 0, 3), ("Tee", 1, 2), ("Favoriten", 0, 1)]
    assert keys[1].colour == "#1e8e3e" and keys[2].label == "Brezel"


@pytest.mark.parametrize("raw, why", [
    ([{"product_id": 1, "position": 0}, {"product_id": 2, "position": 0}], "doppelt belegt"),
    ([{"product_id": 1, "colour": "red"}], "kein #RRGGBB"),
    ([{"product_id": 1, "label": "x" * 41}], "länger als 40"),
    ([{"product_id": 1, "label": "Bre\x00zel"}], "unzulässige Zeichen"),
    ([{"product_id": 0}], "Artikel-Nr."),
    ([{"product_id": True}], "Artikel-Nr."),
    ([{"product_id": 1, "position": 240}], "Platz"),
    ([{"product_id": 1, "price": 5}], "unbekanntes Feld price"),
    ([{"product_id": 1, "page": "   "}], "Seite fehlt"),
    ([{"product_id": 1, "page": f"S{i}"} for i in range(11)], "Seiten"),
    ([{"product_id": 1, "position": i % 240, "page": f"S{i // 240}"} for i in range(241)], "Höchstens 240"),
])
def test_a_broken_rule_names_the_key_and_why(raw, why) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LayoutError, match=why):
        check_layout(raw)


def test_the_wire_model_has_the_rules_defaults() -> None:
    from pos_app import quick_keys as rules
    from sync.protocol_quick_keys import QuickKeyData

    wire = QuickKeyData(product_id=1)
    assert (wire.page, wire.colour, wire.position, wire.label) == (rules.DEFAULT_PAGE, rules.DEFAULT_COLOUR, 0, "")


# ---- the store's copy ------------------------------------------------------------------------


def _layout_change(seq: int, keys: list[dict], version: int = 1) -> dict:
    return {"seq": seq, "kind": "quick_keys", "key": "quick_keys",
            "data": {"store_id": "BER", "version": version, "keys": keys, "updated_at": ""}}


def test_the_feed_replaces_the_layout_and_tiles_carry_price_and_stock(store) -> None:  # type: ignore[no-untyped-def]
    result = apply_page(store.db, page([_layout_change(1, [
        {"product_id": 1, "page": "Favoriten", "position": 0, "label": "Decke", "colour": "#c5221f"},
        {"product_id": 2, "page": "Favoriten", "position": 1},
        {"product_id": 999, "page": "Favoriten", "position": 2, "label": "Gibt es nicht"}])], 0), 0)
    assert result.quick_keys == 1
    shown = tiles(store.db, store.store_id)
    assert [(t.product_id, t.label, t.colour) for t in shown] == [
        (1, "Decke", "#c5221f"), (2, shown[1].label, "#2d6cdf"), (999, "Gibt es nicht", "#2d6cdf")]
    assert shown[1].label.startswith("Bio-Kaffee")  # no label: the product's name
    assert shown[0].price_cents is not None and shown[0].active and not shown[2].active
    apply_page(store.db, page([_layout_change(2, [{"product_id": 2, "page": "Kaffee", "position": 0}], 2)], 1), 1)
    assert [(t.page, t.product_id) for t in tiles(store.db, store.store_id)] == [("Kaffee", 2)]


def test_a_broken_layout_in_the_feed_keeps_the_old_one_and_the_cursor(store) -> None:  # type: ignore[no-untyped-def]
    replace_layout(store.db, [{"product_id": 1}], store.store_id)
    before = cursor(store)
    with pytest.raises(FeedError, match="Schnelltasten"):
        apply_page(store.db, page([_layout_change(before + 1, [{"product_id": 1, "position": 0},
                                                               {"product_id": 2, "position": 0}])], before), before)
    assert cursor(store) == before
    assert [t.product_id for t in tiles(store.db, store.store_id)] == [1]


# ---- the center, over HTTP, and the feed to a real till ----------------------------------------


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db, customers=20) as server:
        yield server


def _admin(center: BackendServer, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
    """The admin API without raising on a refusal (the refusals are what is tested)."""
    import requests

    headers = kwargs.pop("headers", {"Authorization": f"Bearer {center.admin_token}"})
    return requests.request(method, f"{center.url}{path}", timeout=30, headers=headers, **kwargs)


def _pull(store, center: BackendServer, token: str) -> None:  # type: ignore[no-untyped-def]
    worker = SyncWorker(store.db, CenterClient(center.url, token, timeout=(2, 30)), device_id="BER-K1")
    assert worker.run_cycle() == worker.interval_s


def test_set_at_the_center_reaches_only_that_stores_till_and_stays_offline(center, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(store_path) as conn:  # the center's catalog comes with the first pull
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
    store = open_store(store_path)
    try:
        token = center.register_device("BER-K1", "BER", "Kasse 1")
        path = "/v1/admin/stores/BER/quick-keys"
        assert center.admin("GET", path).json() == {"store_id": "BER", "version": 0, "keys": [], "updated_at": ""}
        for body, status, words in (
                ({"keys": [{"product_id": 1}, {"product_id": 2}]}, 422, "doppelt"),  # both at place 0
                ({"keys": [{"product_id": 99_999}]}, 422, "unknown product id 99999"),
                ({"keys": [{"product_id": 1, "label": "a\u0000b"}]}, 422, "NUL"),
                ({"keys": [{"product_id": 1, "colour": "blue"}]}, 422, "colour"),
                ({"keys": [{"product_id": 2**40}]}, 422, "product_id")):
            answer = _admin(center, "PUT", path, json=body)
            assert answer.status_code == status and words in answer.text, answer.text
        assert _admin(center, "PUT", "/v1/admin/stores/XXX/quick-keys", json={"keys": []}).status_code == 404
        assert _admin(center, "GET", "/v1/admin/stores/XXX/quick-keys").status_code == 404
        assert _admin(center, "GET", path, headers={}).status_code == 401
        assert center.admin("GET", path).json()["version"] == 0  # nothing stored by the refusals
        put = center.admin("PUT", path, json={"keys": [
            {"product_id": 1, "page": "Favoriten", "position": 0, "label": "Erstes", "colour": "#e37400"},
            {"product_id": 2, "page": "Favoriten", "position": 1}]})
        assert put.status_code == 200 and put.json()["version"] == 1
        hamburg = center.admin("PUT", "/v1/admin/stores/HAM/quick-keys", json={"keys": [{"product_id": 3}]})
        assert hamburg.status_code == 200
        _pull(store, center, token)
        assert [(t.product_id, t.label) for t in tiles(store.db, "BER")][:1] == [(1, "Erstes")]
        assert [t.product_id for t in tiles(store.db, "BER")] == [1, 2]  # Hamburg's layout never came
        # the CLI: one more key, on a page of its own; the till has it after its next pull
        done = run_cli("quick-keys", "add", "--store", "BER", "--product", "3", "--page", "Tee", "--colour", "grün",
                       "--database-url", center.database_url)
        assert done.returncode == 0, done.stderr
        with pytest.raises(RuntimeError, match=r"failed \(2\)[\s\S]*not changed: Schnelltaste 4: Farbe nope"):
            run_cli("quick-keys", "add", "--store", "BER", "--product", "3", "--colour", "nope",
                    "--database-url", center.database_url)
        _pull(store, center, token)
        assert [(t.page, t.product_id, t.colour) for t in tiles(store.db, "BER")] == [
            ("Favoriten", 1, "#e37400"), ("Favoriten", 2, "#2d6cdf"), ("Tee", 3, "#1e8e3e")]
        shown = run_cli("quick-keys", "show", "--store", "BER", "--database-url", center.database_url)
        assert '"version": 2' in shown.stdout
        center.stop()  # offline: the till keeps the last layout
        worker = SyncWorker(store.db, CenterClient(center.url, token, timeout=(1, 2)), device_id="BER-K1")
        worker.run_cycle()
        assert [t.product_id for t in tiles(store.db, "BER")] == [1, 2, 3]
    finally:
        store.close()


# ---- the till's grid --------------------------------------------------------------------------


def test_a_single_tap_sells_one_and_the_scan_field_keeps_the_focus(qtbot, store_path, artifacts) -> None:  # type: ignore[no-untyped-def]
    store = open_store(store_path)
    replace_layout(store.db, [{"product_id": 1, "label": "Decke", "colour": "#c5221f"},
                              {"product_id": 2, "colour": "#ffeb3b"},  # light: dark text
                              {"product_id": 3, "page": "Sofas", "position": 0}], store.store_id)
    store.close()
    window = open_window(QApplication.instance(), store_path, Settings())
    qtbot.addWidget(window)
    try:
        for width in (1366, 1024):
            window.resize(width, 768)
            window.show()
            if window.till is None:
                window.login.logged_in.emit(window.store.staff.members()[0])
            till = window.till
            qtbot.waitUntil(lambda: till.grid.pages() == ["Favoriten", "Sofas"], timeout=15_000)
            qtbot.waitUntil(lambda: QApplication.focusWidget() is till.entry, timeout=15_000)
            tile = till.grid.button_for(1)
            assert tile is not None and tile.isVisible() and tile.height() >= 44 and tile.width() >= 44
            assert tile.focusPolicy() == Qt.FocusPolicy.NoFocus
            lines_before = sum(line.quantity for line in till.session.cart.lines)
            QTest.mouseClick(tile, Qt.MouseButton.LeftButton)  # one tap
            assert sum(line.quantity for line in till.session.cart.lines) == lines_before + 1
            assert tile.text().startswith("Decke\n")  # the label set at the center, then the price
            assert till.session.cart.lines[0].product.name in till.message.text()
            assert QApplication.focusWidget() is till.entry
            till.grab().save(str(artifacts / f"till-grid-{width}.png"))
        assert till.cart_stack.currentWidget() is till.table  # the empty state is gone with the first line
        till.grid.tabs.setCurrentIndex(1)
        assert till.grid.button_for(3) is not None and till.grid.button_for(1) is None
    finally:
        window.printing.stop()
        QApplication.instance().removeEventFilter(window.wedge)
        QApplication.instance().removeEventFilter(window.activity)
        window.store.close()


def test_an_empty_till_says_what_to_do(qtbot, store_path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(QApplication.instance(), store_path, Settings())
    qtbot.addWidget(window)
    try:
        window.show()
        window.login.logged_in.emit(window.store.staff.members()[0])
        till = window.till
        assert till.cart_stack.currentWidget() is till.empty_cart
        assert "Artikel scannen oder suchen (F2)" in till.empty_cart.text()
        assert till.grid.empty.isVisible() and "pos-backend quick-keys" in till.grid.empty.text()
    finally:
        window.printing.stop()
        QApplication.instance().removeEventFilter(window.wedge)
        QApplication.instance().removeEventFilter(window.activity)
        window.store.close()


def test_many_tiles_page_with_arrows(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    from pos_app.quick_keys.store import QuickTile
    from ui.product_grid import ProductGrid

    made = [QuickTile(1, "Favoriten", i, f"Artikel {i}", "#2d6cdf", "", 100 + i, 5, True) for i in range(15)]
    grid = ProductGrid(lambda: made)
    qtbot.addWidget(grid)
    grid.show()
    grid.reload()
    qtbot.waitUntil(lambda: grid.pages() == ["Favoriten"], timeout=15_000)
    assert grid.next.isVisible() and not grid.previous.isEnabled() and "1 von 2" in grid.page_label.text()
    tapped: list[int] = []
    grid.tapped.connect(tapped.append)
    grid.next.click()
    assert "2 von 2" in grid.page_label.text() and not grid.next.isEnabled()
    grid.buttons[0].click()
    assert tapped == [1]  # the 13th tile sells product 1 as its data says
    assert "Artikel 12" in grid.buttons[0].text()


def test_the_centers_quick_keys_migration_matches_the_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from backend.migrations.runner import upgrade_to_head
    from backend.models import Base

    engine = create_engine(f"sqlite:///{tmp_path / 'center.db'}")
    try:
        upgrade_to_head(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in diff if "quick" in repr(d)] == []


def test_seed_demo_fills_every_screen_once(backend_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    """`pos-backend seed --demo` (make run): quick keys for each store, pickup orders for Berlin,
    web carts and service cases; a second seed adds nothing."""
    from sqlalchemy import create_engine, text

    from backend.cli import main

    assert main(["seed", "--demo", "--customers", "30", "--database-url", backend_db]) == 0
    made = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("quick keys\t") for line in made) == 3  # BER, HAM, MUC
    assert sum(line.startswith("pickup\t") and "\tBER\t" in line for line in made) == 4
    assert sum(line.startswith("cart\t") for line in made) == 3 and sum(line.startswith("case\t") for line in made) == 3
    engine = create_engine(backend_db)
    try:
        with engine.connect() as conn:
            counted = conn.execute(text("SELECT COUNT(*) FROM changes WHERE kind = 'quick_keys'")).scalar()
            assert counted == 3
            assert main(["seed", "--demo", "--database-url", backend_db]) == 0
            assert conn.execute(text("SELECT COUNT(*) FROM changes WHERE kind = 'quick_keys'")).scalar() == 3
    finally:
        engine.dispose()


def test_sold_out_hits_are_marked_with_the_other_stores_stock(store) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from ui.till_view import hit_text

    with store.db.writing() as s:
        s.execute(text("INSERT OR IGNORE INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) "
                       "VALUES ('HAM', 'Hamburg', 'store', '', '', '', '', '')"))
        s.execute(text("INSERT OR REPLACE INTO stock (product_id, store_id, quantity) VALUES (1, 'BER', 0), "
                       "(1, 'HAM', 7), (2, 'BER', 4), (2, 'HAM', -2)"))
    hits = {h.product_id: h for h in store.catalog.search(store.catalog.product(1).name.split()[0], 10)}
    first = hits[1]
    assert first.sold_out and first.elsewhere == 7
    assert "nicht vorrätig, in anderen Filialen: 7" in hit_text(first)
    second = store.catalog.search(store.catalog.product(2).name.split()[0], 10)
    kaffee = next(h for h in second if h.product_id == 2)
    assert not kaffee.sold_out and kaffee.elsewhere == 0 and "Bestand 4" in hit_text(kaffee)
