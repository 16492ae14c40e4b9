"""The reserved-units index (pickup_holds) and the retention of closed pickup orders.

The walk-in guard answers from the index; these tests check that it still refuses reserved
units after feed changes (from the real center over HTTP), after a handover and after pruning,
that the index always equals what parsing every order says, and that the migration indexes the
orders a store already had."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from pos_app.cart import CartError
from pos_app.clock import utc_now
from pos_app.config import ConfigError, parse_settings
from pos_app.pickup_till import WalkInGuard
from pos_app.pickups import PickupDesk
from pos_app.store.local import LocalStore
from pos_app.store.migrations.runner import alembic_config
from pos_app.till import TillSession
from tests.backend_server import BackendServer, backend_database_url
from tests.perf.pickup_history import (
    CLOSED_STATES, OPEN_STATES, apply_pages, order_doc, reserved_by_index, reserved_by_reading_every_order,
)
from tests.pickup_helpers import CUSHION, GREEN_SOFA, HamTill, open_ham_till, web_pickup_order
from tests.sync_helpers import LENA

backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def ham(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[HamTill]:
    till = open_ham_till(center, store_path, tmp_path / "ham1.db")
    yield till
    till.store.close()


def index_is_exact(store: LocalStore) -> None:
    assert reserved_by_index(store) == reserved_by_reading_every_order(store)


def pick_all(ham: HamTill, number: str) -> None:
    for line in ham.desk.get(number).lines:
        for _ in range(line.quantity):
            ham.desk.pick_scan(number, ham.barcode(line.product_id))
    ham.desk.finish_picking(number, "Finn")


@pytest.mark.slow
def test_guard_refuses_reserved_units_after_feed_changes_handover_and_pruning(
        ham: HamTill, center: BackendServer) -> None:
    till = TillSession(ham.store, LENA)
    till.reservation_guard = WalkInGuard(ham.desk)
    sofa, cushion = ham.barcode(GREEN_SOFA), ham.barcode(CUSHION)
    assert ham.desk.on_hand(GREEN_SOFA) == 1  # the last green sofa

    first = web_pickup_order(center, (GREEN_SOFA, 1))["order_number"]
    ham.sync()
    with pytest.raises(CartError, match="Reserviert"):
        till.scan(sofa)
    index_is_exact(ham.store)

    # the feed changes it: the web shop cancels, the sofa is free again
    assert center.admin("POST", f"/v1/channel/pickups/{first}/cancel", json={"reason": "Kundin"}).status_code == 200
    ham.sync()
    assert ham.desk.reserved(GREEN_SOFA) == 0 and ham.desk.get(first).state == "cancelled"
    till.scan(sofa)
    till.void_sale()
    index_is_exact(ham.store)

    on_hand = ham.desk.on_hand(CUSHION)
    second = web_pickup_order(center, (CUSHION, on_hand - 1))["order_number"]
    third = web_pickup_order(center, (GREEN_SOFA, 1))["order_number"]
    ham.sync()
    till.scan(cushion)  # one cushion is left for walk-ins ...
    with pytest.raises(CartError, match="Reserviert"):
        till.scan(cushion)  # ... not two
    with pytest.raises(CartError, match="Reserviert"):
        till.scan(sofa)
    till.void_sale()
    index_is_exact(ham.store)

    # the handover (a local action, not yet confirmed) releases the cushions at once
    pick_all(ham, second)
    order = ham.desk.get(second)
    ham.desk.hand_over(second, order.customer_name, "id_check", "Lena")
    assert ham.desk.reserved(CUSHION) == 0 and ham.desk.on_hand(CUSHION) == 1
    till.scan(cushion)
    till.void_sale()
    index_is_exact(ham.store)

    # pruning: nothing of ours still on its way is pruned; after the center confirmed, it is
    later = PickupDesk(ham.store, clock=lambda: utc_now() + timedelta(days=31))
    assert later.prune() == 1  # the cancelled one; the handover is not confirmed yet
    ham.sync()
    assert ham.desk.get(second).state == "collected" and ham.desk.get(second).confirmed
    assert ham.desk.prune() == 0  # closed just now: kept for the retention period
    assert later.prune() == 1
    numbers = [o.number for o in ham.desk.queue(include_closed=True).orders]
    assert numbers == [third]
    with pytest.raises(CartError, match="Reserviert"):
        till.scan(sofa)  # the open order still holds the last sofa
    assert ham.desk.reserved(GREEN_SOFA) == 1
    index_is_exact(ham.store)


def test_index_equals_reading_every_order_through_random_feed_pages_and_local_actions(store: LocalStore) -> None:
    rng = random.Random(18)
    products = [1, 2, 3, 4, 5]
    numbers = [f"R{n:03d}" for n in range(40)]
    desk = PickupDesk(store)
    for _round in range(25):
        docs = []
        for number in rng.sample(numbers, 8):
            state = rng.choice(OPEN_STATES + CLOSED_STATES)
            lines = [(rng.choice(products), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            docs.append(order_doc(number, state, lines, short=rng.choice((0, 0, 1))))
        apply_pages(store, docs)
        gone = rng.choice(numbers)  # the center withdraws one (a None in the feed)
        with store.db.writing() as s:
            from pos_app.store.pickup_models import apply_feed

            apply_feed(s, {gone: None})
        open_orders = desk.queue().orders
        for order in rng.sample(open_orders, min(2, len(open_orders))):
            if order.state in ("new", "picking"):
                for line in order.lines[1:]:
                    desk.short(order.number, line.line_no, "nicht gefunden")
                first = order.lines[0]
                if first.quantity > 1:  # one unit found by scan, the rest short
                    with store.db.reading() as s:
                        code = s.execute(sa.text("SELECT min(code) FROM barcodes WHERE product_id = :p"),
                                         {"p": first.product_id}).scalar()
                    if first.picked == 0:
                        desk.pick_scan(order.number, str(code))
                desk.short(order.number, first.line_no, "nicht gefunden")
                desk.finish_picking(order.number, "Finn")  # short: fewer units held
            elif order.overdue(utc_now()):
                desk.return_to_stock(order.number, "Jonas")
        index_is_exact(store)
        for pid in products:
            assert desk.reserved(pid) == reserved_by_reading_every_order(store).get(pid, 0)


def test_a_closed_order_the_feed_reopens_holds_again_and_is_not_pruned(store: LocalStore) -> None:
    desk = PickupDesk(store, clock=lambda: utc_now() + timedelta(days=60))
    apply_pages(store, [order_doc("X1", "collected", [(1, 2)])])
    assert desk.reserved(1) == 0
    apply_pages(store, [order_doc("X1", "ready", [(1, 2)])])  # the center corrected itself
    assert desk.reserved(1) == 2
    assert desk.prune() == 0 and desk.get("X1").state == "ready"


def test_the_migration_indexes_the_orders_a_store_already_has(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0009_pickups")
    cols = ("order_number, id, kind, state, local_state, customer_name, phone, email, second_person, payment, "
            "created_at, pickup_by, total_cents, lines, picks, seen, received_at")
    rows = [("A1", "ready", None, [(7, 2), (8, 1), (7, 1)], 0), ("A2", "collected", None, [(7, 5)], 0),
            ("A3", "ready", "collected", [(8, 4)], 0), ("A4", "picking", None, [(8, 3)], 1)]
    import json

    with engine.begin() as conn:
        for number, state, local, lines, short in rows:
            doc = order_doc(number, state, lines, short=short)
            conn.execute(sa.text(f"INSERT INTO pickups ({cols}) VALUES (:n, :n, 'order', :s, :l, 'K', '', '', '', "
                                 "'prepaid', '2026-11-01', '2026-11-08', 0, :lines, '{}', 0, '2026-11-01')"),
                         {"n": number, "s": state, "l": local, "lines": json.dumps(doc["lines"])})
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        holds = conn.execute(sa.text("SELECT order_number, product_id, units FROM pickup_holds "
                                     "ORDER BY 1, 2")).all()
        closed = dict(conn.execute(sa.text("SELECT order_number, closed_at IS NOT NULL FROM pickups")).all())
    assert [tuple(r) for r in holds] == [("A1", 7, 3), ("A1", 8, 1), ("A4", 8, 2)]
    assert closed == {"A1": 0, "A2": 1, "A3": 1, "A4": 0}
    engine.dispose()


def test_the_retention_comes_from_the_settings() -> None:
    assert parse_settings("").pickup_retention_days == 30
    assert parse_settings("pickup_retention_days = 90\n").pickup_retention_days == 90
    with pytest.raises(ConfigError, match="pickup_retention_days"):
        parse_settings("pickup_retention_days = 0\n")


def test_the_app_prunes_at_log_in_and_its_till_still_refuses_reserved_units(
        qtbot, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The real window: log-in prunes (in the background) what closed long ago, and a scan of
    a unit an open order holds is refused by the guard the glue installed."""
    from PySide6.QtWidgets import QApplication

    from pos_app.config import Settings
    from tests.store_fixture import EAN_SOFA_GRUEN, open_store
    from tests.test_till_gui import close_window, log_in
    from ui.app import open_window
    from ui.tasks import wait_for_background

    store = open_store(store_path)
    apply_pages(store, [order_doc("OLD1", "collected", [(4, 1)]), order_doc("OPEN1", "ready", [(4, 10)])])
    with store.db.writing() as s:  # closed 40 days ago
        s.execute(sa.text("UPDATE pickups SET closed_at = :t WHERE order_number = 'OLD1'"),
                  {"t": (utc_now() - timedelta(days=40)).isoformat(timespec="milliseconds")})
    store.close()
    monkeypatch.setattr("ui.pickup_glue.PRUNE_AFTER_LOGIN_MS", 100)  # the app waits 20 s after log-in
    window = open_window(QApplication.instance(), store_path, Settings())
    window.show()
    qtbot.addWidget(window)
    try:
        log_in(qtbot, window)
        qtbot.waitUntil(lambda: window.pickups.pruned == 1, timeout=10_000)
        wait_for_background()
        numbers = [o.number for o in window.pickups.desk.queue(include_closed=True).orders]
        assert numbers == ["OPEN1"]
        window.wedge.scanned.emit(EAN_SOFA_GRUEN)  # all 10 sofas are held for OPEN1
        assert "Reserviert" in window.till.message.text() and window.till.session.cart.is_empty()
    finally:
        close_window(window)
