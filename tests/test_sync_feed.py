"""The pull side without a network: feed pages applied to the small test store, the cursor
moving only with a committed page, and stock = the center's figure + what it has not seen,
never counted twice."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from pos_app.store import outbox
from pos_app.store.models import OutboxEvent, StockMovement, SyncState
from sync import feed
from sync.protocol import ChangePage
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.sync_helpers import event_id_of, sell
DECKE, KAFFEE = 1, 2


def product(pid: int, sku: str, name: str, *codes: tuple[str, str], active: bool = True) -> dict:
    return {"id": pid, "sku": sku, "name": name, "category": "Test", "vat_percent": 19, "active": active,
            "barcodes": [{"code": c, "symbology": s} for c, s in codes]}


def change(seq: int, kind: str, data: dict | None, key: str = "") -> dict:
    if not key:
        key = (f"{data['product_id']}@{data['store_id']}" if kind in ("price", "stock") else str(data["id"]))
    return {"seq": seq, "kind": kind, "key": key, "data": data}


def stock(seq: int, pid: int, quantity: int, store: str = "BER") -> dict:
    return change(seq, "stock", {"product_id": pid, "store_id": store, "quantity": quantity})


def price(seq: int, pid: int, cents: int, store: str = "BER") -> dict:
    return change(seq, "price", {"product_id": pid, "store_id": store, "gross_cents": cents})


def page(changes: list[dict], after: int, has_more: bool = False, high_water: int | None = None) -> ChangePage:
    last = changes[-1]["seq"] if changes else after
    return ChangePage.model_validate({"changes": changes, "next_cursor": last, "has_more": has_more,
                                      "high_water": high_water if high_water is not None else last})


def cursor(store) -> int:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return s.get(SyncState, 1).cursor


def quantity(store, pid: int) -> int:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return s.execute(text("SELECT quantity FROM stock WHERE product_id = :p AND store_id = 'BER'"),
                         {"p": pid}).scalar_one()


def movements(store) -> list[tuple[int, int, int | None]]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return [(m.product_id, m.delta, m.applied_seq) for m in s.query(StockMovement).order_by(StockMovement.id)]


def center_applied(store, event_id: str, change_seq: int | None) -> None:  # type: ignore[no-untyped-def]
    with store.db.writing() as s:
        outbox.mark_sent(s, [(event_id, change_seq)])


# ---- the catalog ---------------------------------------------------------------------------


def test_a_page_brings_products_barcodes_prices_and_customers_and_moves_the_cursor(store):
    result = feed.apply_page(store.db, page([
        change(11, "product", product(6, "T-6", "Stehlampe Bogen Messing", ("4000000000071", "EAN13"),
                                      ("036000291452", "UPCA"))),
        price(12, 6, 8999),
        change(13, "product", product(1, "T-1", "Kuscheldecke XXL grün", ("4000000000088", "EAN13"))),
        price(14, 1, 3499),
        change(15, "customer", {"id": 7, "number": "K-0007", "first_name": "Jörg", "last_name": "Müller",
                                "street": "Hauptstr. 1", "zip_code": "10115", "city": "Berlin",
                                "phone": "030 1", "email": "j@example.de", "home_store_id": "HAM"}),
    ], after=0, high_water=20), after=0)
    assert (result.cursor, result.high_water) == (15, 20)
    assert result.changed_catalog
    lamp = store.catalog.by_barcode("4000000000071")
    assert lamp is not None and lamp.name == "Stehlampe Bogen Messing" and lamp.unit_price_cents == 8999
    assert store.catalog.by_barcode("0036000291452").product_id == 6  # UPC-A kept as its EAN-13
    assert store.catalog.by_barcode(EAN_DECKE) is None  # the product's barcodes were replaced
    decke = store.catalog.by_barcode("4000000000088")
    assert decke.name == "Kuscheldecke XXL grün" and decke.unit_price_cents == 3499
    assert [h.product_id for h in store.catalog.search("bogen")] == [6]  # the search index follows
    assert [h.product_id for h in store.catalog.search("xxl")] == [1]
    with store.db.reading() as s:
        row = s.execute(text("SELECT last_name, home_store_id FROM customers WHERE id = 7")).one()
        assert tuple(row) == ("Müller", "HAM")
        # the feed has no store records: a store it mentions gets a placeholder
        assert s.execute(text("SELECT name FROM stores WHERE id = 'HAM'")).scalar_one() == "HAM"
        state = s.get(SyncState, 1)
        assert state.cursor == 15 and state.last_pull_at
        assert not state.fts_deferred  # new products were indexed in one go, the trigger is live
    with store.db.writing() as s:
        s.execute(text("INSERT INTO products (id, sku, name, category, vat_percent, active) "
                       "VALUES (8, 'T-8', 'Hängesessel Rattan', 'Test', 19, 1)"))
    assert [h.product_id for h in store.catalog.search("hängesessel")] == [8]
    assert cursor(store) == 15


def test_later_changes_of_a_key_in_one_page_win_and_deletes_retire(store):
    feed.apply_page(store.db, page([
        price(3, KAFFEE, 1399), price(4, KAFFEE, 1499),
        change(5, "product", None, key="3"),  # deleted: kept for past sales, no longer sold
        change(6, "price", None, key="4@BER"),
    ], after=0), after=0)
    assert store.catalog.by_barcode(EAN_KAFFEE).unit_price_cents == 1499
    assert store.catalog.product(3) is None
    with store.db.reading() as s:
        assert s.execute(text("SELECT active FROM products WHERE id = 3")).scalar_one() == 0
        assert s.execute(text("SELECT COUNT(*) FROM prices WHERE product_id = 4")).scalar_one() == 0


def test_the_center_owns_skus_a_local_clash_is_set_aside(store):
    feed.apply_page(store.db, page([change(1, "product", product(77, "T-1", "Neue Decke"))], after=0), after=0)
    with store.db.reading() as s:
        skus = dict(s.execute(text("SELECT id, sku FROM products WHERE id IN (1, 77)")).all())
    assert skus == {1: "T-1#1", 77: "T-1"}


def test_the_cursor_does_not_move_when_applying_a_page_fails(store, monkeypatch):
    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(feed, "_apply_customers", broken)
    bad = page([price(21, DECKE, 100), change(22, "customer", {
        "id": 1, "number": "K1", "first_name": "A", "last_name": "B", "street": "", "zip_code": "",
        "city": "", "phone": "", "email": "", "home_store_id": None})], after=0)
    with pytest.raises(RuntimeError):
        feed.apply_page(store.db, bad, after=0)
    assert cursor(store) == 0
    assert store.catalog.by_barcode(EAN_DECKE).unit_price_cents == 3999  # the price went back too
    monkeypatch.undo()
    feed.apply_page(store.db, bad, after=0)  # the same page again, now it goes through
    assert cursor(store) == 22 and store.catalog.by_barcode(EAN_DECKE).unit_price_cents == 100


def test_a_page_for_another_cursor_or_out_of_order_is_refused(store):
    feed.apply_page(store.db, page([price(5, DECKE, 100)], after=0), after=0)
    with pytest.raises(feed.FeedError, match="verschoben"):
        feed.apply_page(store.db, page([price(9, DECKE, 200)], after=0), after=0)
    with pytest.raises(feed.FeedError, match="aufsteigend"):
        feed.apply_page(store.db, page([price(9, DECKE, 200), price(8, DECKE, 300)], after=5), after=5)
    assert cursor(store) == 5 and store.catalog.by_barcode(EAN_DECKE).unit_price_cents == 100


def test_pull_follows_has_more_and_reports_progress(store):
    pages = {
        0: page([price(10, DECKE, 101), price(20, KAFFEE, 102)], after=0, has_more=True, high_water=60),
        20: page([price(40, DECKE, 103)], after=20, has_more=True, high_water=60),
        40: page([stock(60, DECKE, 5)], after=40, has_more=False, high_water=60),
    }
    seen: list[tuple[int, int]] = []
    results = feed.pull(store.db, pages.__getitem__, lambda done, total: seen.append((done, total)))
    assert [r.cursor for r in results] == [20, 40, 60]
    assert seen == [(20, 60), (40, 60), (60, 60)]
    assert store.catalog.by_barcode(EAN_DECKE).unit_price_cents == 103 and quantity(store, DECKE) == 5


# ---- stock: the center's figure + what it has not seen -------------------------------------


def test_own_sale_is_seen_at_once_and_never_counted_twice(store):
    done = sell(store, EAN_DECKE, EAN_DECKE, EAN_KAFFEE)
    assert quantity(store, DECKE) == 8 and quantity(store, KAFFEE) == 9
    assert movements(store) == [(DECKE, -2, None), (KAFFEE, -1, None)]

    # the feed brings the center's figures from before the sale reached it: ours still count
    feed.apply_page(store.db, page([stock(5, DECKE, 10), stock(6, KAFFEE, 10)], after=0), after=0)
    assert quantity(store, DECKE) == 8 and quantity(store, KAFFEE) == 9

    # the center applies the sale: its stock rows get 7 and 8, the event's change_seq is 8
    center_applied(store, event_id_of(store, done.sale_id), 8)
    assert quantity(store, DECKE) == 8  # not covered by the feed yet (cursor 6)

    # the feed brings the rows with the sale in them: no double count, movements folded in
    feed.apply_page(store.db, page([stock(7, DECKE, 8), stock(8, KAFFEE, 9)], after=6), after=6)
    assert quantity(store, DECKE) == 8 and quantity(store, KAFFEE) == 9
    assert movements(store) == []

    # another till of the store sells one more decke: the center's figure moves, ours follows
    feed.apply_page(store.db, page([stock(9, DECKE, 7)], after=8), after=8)
    assert quantity(store, DECKE) == 7


def test_a_row_older_than_the_events_last_change_seq_already_contains_it(store):
    """change_seq is the LAST sequence an event produced: the decke row (7) of a sale whose
    change_seq is 8 already has the sale in it. Folding by the page's cursor, not by the
    row's own seq, gets this right even when no newer decke row ever comes."""
    done = sell(store, EAN_DECKE, EAN_KAFFEE)
    center_applied(store, event_id_of(store, done.sale_id), 8)
    feed.apply_page(store.db, page([stock(7, DECKE, 9), stock(8, KAFFEE, 9)], after=0), after=0)
    assert quantity(store, DECKE) == 9 and quantity(store, KAFFEE) == 9 and movements(store) == []


def test_an_event_straddling_two_pages_is_right_after_the_second(store):
    done = sell(store, EAN_DECKE, EAN_KAFFEE)
    center_applied(store, event_id_of(store, done.sale_id), 8)
    feed.apply_page(store.db, page([stock(7, DECKE, 9)], after=0, has_more=True, high_water=8), after=0)
    assert quantity(store, DECKE) == 8  # counted twice for the moment: the pull is not through
    feed.apply_page(store.db, page([stock(8, KAFFEE, 9)], after=7), after=7)  # no decke row in it
    assert quantity(store, DECKE) == 9 and quantity(store, KAFFEE) == 9 and movements(store) == []


def test_a_lost_push_answer_counts_twice_only_until_the_duplicate_comes_back(store):
    done = sell(store, EAN_DECKE)
    # the center applied the sale (change_seq 5) but its answer never arrived; the feed has it
    feed.apply_page(store.db, page([stock(5, DECKE, 9)], after=0), after=0)
    assert quantity(store, DECKE) == 8  # 9 + our unconfirmed -1: the one window we cannot see
    center_applied(store, event_id_of(store, done.sale_id), 5)  # the resend: "duplicate", seq 5
    assert quantity(store, DECKE) == 9 and movements(store) == []


def test_an_applied_event_without_change_seq_leaves_the_centers_figure(store):
    done = sell(store, EAN_DECKE)
    center_applied(store, event_id_of(store, done.sale_id), None)
    assert quantity(store, DECKE) == 10 and movements(store) == []


def test_an_acknowledged_conflict_keeps_its_goods_and_books_them(store):
    """Reconcile, never erase: the goods of a refused sale left the shelf, so acknowledging
    the refusal keeps them out of the local figure and queues their booking for the center."""
    done = sell(store, EAN_DECKE)
    event_id = event_id_of(store, done.sale_id)
    with store.db.writing() as s:
        outbox.mark_conflict(s, event_id, "Bon doppelt")
    assert quantity(store, DECKE) == 9  # waiting for the manager: still counted
    [conflict] = store.conflicts()
    assert conflict.receipt_number == done.receipt_number and conflict.reason == "Bon doppelt"
    store.decide_conflict(event_id, resend=False, manager_id=2, manager_name="Jonas Weber")
    assert quantity(store, DECKE) == 9 and store.conflicts() == []
    with store.db.reading() as s:
        booking = s.query(OutboxEvent).filter_by(type="stock.adjusted").one()
        assert booking.status == "pending" and json.loads(booking.payload)["refs"] == [event_id]
        assert json.loads(booking.payload)["delta"] == -1
    with store.db.reading() as s:  # the movement waits for the booking now, not the refused sale
        assert [(m.event_id, m.delta) for m in s.query(StockMovement)] == [(booking.id, -1)]
    with pytest.raises(LookupError):
        store.decide_conflict(event_id, resend=True, manager_id=2, manager_name="Jonas Weber")


def test_an_acknowledged_duplicate_leaves_the_local_figures(store):
    """A sale the center holds under another key: its goods are booked there already."""
    done = sell(store, EAN_DECKE)
    event_id = event_id_of(store, done.sale_id)
    with store.db.writing() as s:
        outbox.mark_conflict(s, event_id, f"sale {done.sale_id} {outbox.BOOKED_ELSEWHERE} (x)")
    store.decide_conflict(event_id, resend=False, manager_id=2, manager_name="Jonas Weber")
    assert quantity(store, DECKE) == 10 and movements(store) == [] and store.conflicts() == []
