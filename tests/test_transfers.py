"""Transfers between stores against the real center over HTTP (SQLite, or PostgreSQL with
POS_TEST_DATABASE_URL): Hamburg asks Berlin for units, Berlin accepts, picks by scan and ships,
Hamburg scans in one unit fewer; the center books what moved, shows the units in transit meanwhile
and opens a discrepancy both managers see. Bad input is refused with a message and nothing
booked; a replayed push changes nothing; a till killed mid-way loses and doubles nothing."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from pos_app.stock.transfers import TransferError
from pos_app.store.transfer_models import in_transit
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, transit_and_reserved_differences
from tests.transfer_helpers import CUSHION, THROW, StoreTill, open_till

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


def consistent(center: BackendServer, *tills: StoreTill) -> None:
    for till in tills + tills:  # twice: what one pushed reaches the others' feed in the second round
        till.sync()
    stores = [t.store for t in tills]
    assert differences(center.database_url, *stores) == []
    assert transit_and_reserved_differences(center.database_url, *stores) == []


def center_rows(center: BackendServer, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(center.database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def test_berlin_to_hamburg_with_one_unit_missing_on_arrival(ber: StoreTill, ham: StoreTill,
                                                            center: BackendServer) -> None:
    free = ham.availability(CUSHION)["BER"]["available"]
    assert free >= 3, "the demo retailer's Berlin store has cushions"
    ber_before, ham_before = ber.on_hand(CUSHION), ham.on_hand(CUSHION)

    tr = ham.desk.request("BER", [(CUSHION, 3)], "Jonas", available={CUSHION: free})
    assert tr.state == "requested" and not tr.confirmed
    ham.sync()
    assert ham.desk.get(tr.number).confirmed
    assert ham.availability(CUSHION)["BER"]["promised"] == 3  # not given away twice meanwhile

    ber.sync()
    [queued] = ber.desk.queue("outgoing")
    assert queued.number == tr.number and queued.state == "requested"
    ber.desk.accept(tr.number, "Mia")  # offline works: the steps reach the center in order
    with pytest.raises(TransferError, match="Falscher Artikel"):
        ber.desk.pick_scan(tr.number, ber.barcode(THROW))
    for _ in range(3):
        result = ber.desk.pick_scan(tr.number, ber.barcode(CUSHION))
    assert result.complete
    with pytest.raises(TransferError, match="schon alle 3"):
        ber.desk.pick_scan(tr.number, ber.barcode(CUSHION))
    ber.desk.finish_picking(tr.number, "Mia")
    ber.sync()
    shipped = ber.desk.ship(tr.number, "Mia", carrier="DHL", tracking="00340434161094042557")
    assert shipped.state == "shipped" and ber.on_hand(CUSHION) == ber_before - 3  # left the shelf at once
    ber.sync()

    where = ham.availability(CUSHION)
    assert where["HAM"]["in_transit"] == 3 and where["BER"]["quantity"] == ber_before - 3
    assert where["HAM"]["quantity"] == ham_before  # on the road: in no store's stock, never twice
    ham.sync()
    with ham.store.db.reading() as s:
        assert in_transit(s, "HAM") == {CUSHION: 3}
    consistent(center, ber, ham)

    assert not ham.desk.receive_scan(tr.number, ham.barcode(CUSHION)).complete
    ham.desk.receive_scan(tr.number, ham.barcode(CUSHION))
    booked = ham.desk.book_receipt(tr.number, "Jonas")  # one unit missing
    assert booked.state == "received_with_difference" and ham.on_hand(CUSHION) == ham_before + 2
    ham.sync()
    ber.sync()

    assert center_rows(center, "SELECT state FROM transfers WHERE number = :n", n=tr.number) == \
        [("received_with_difference",)]
    where = ham.availability(CUSHION)
    assert where["HAM"]["in_transit"] == 0 and where["HAM"]["quantity"] == ham_before + 2
    assert where["BER"]["quantity"] == ber_before - 3  # the missing unit is not put back: it left
    recs = center_rows(center, "SELECT store_id, kind, status, amount_cents, details FROM reconciliations "
                               "WHERE kind = 'transfer_difference' ORDER BY store_id")
    assert [(r[0], r[1], r[2]) for r in recs] == [("BER", "transfer_difference", "open"),
                                                 ("HAM", "transfer_difference", "open")]
    details = recs[0][4] if isinstance(recs[0][4], dict) else json.loads(recs[0][4])
    assert details["lines"]["1"]["shipped"] == 3 and details["lines"]["1"]["received"] == 2
    assert recs[0][3] > 0  # the missing unit's value at Berlin's price
    for till in (ber, ham):  # both managers see it (the feed brought it to both stores)
        with till.store.db.reading() as s:
            kinds = [k for (k,) in s.execute(text("SELECT kind FROM reconciliations WHERE status = 'open'"))]
        assert "transfer_difference" in kinds
    assert all(status == "sent" for _, status, _ in ber.outbox() + ham.outbox())
    consistent(center, ber, ham)

    closed = center.admin("POST", f"/v1/admin/transfers/{tr.number}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    consistent(center, ber, ham)


def test_bad_requests_are_refused_with_a_message_and_nothing_booked(ber: StoreTill, ham: StoreTill,
                                                                    center: BackendServer) -> None:
    free = ham.availability(CUSHION)["BER"]["available"]
    before = ham.outbox()
    with pytest.raises(TransferError, match="eigene Filiale"):
        ham.desk.request("HAM", [(CUSHION, 1)], "Jonas")
    with pytest.raises(TransferError, match="Unbekannter Artikel"):
        ham.desk.request("BER", [(999_999, 1)], "Jonas")
    with pytest.raises(TransferError, match="nur"):
        ham.desk.request("BER", [(CUSHION, free + 1)], "Jonas", available={CUSHION: free})
    with pytest.raises(TransferError, match="Unbekannte Filiale"):
        ham.desk.request("XYZ", [(CUSHION, 1)], "Jonas")
    with pytest.raises(TransferError):
        ham.desk.request("BER", [(CUSHION, 0)], "Jonas")
    assert ham.outbox() == before and ham.desk.queue() == []

    # The center checks again: a request above what Berlin has (the till's figure was stale)
    # is a rejection on the conflict list, and nothing is reserved or moved.
    tr = ham.desk.request("BER", [(CUSHION, free + 5)], "Jonas")
    ham.sync()
    [(kind, status, reason)] = [row for row in ham.outbox() if row[0] == "transfer.requested"]
    assert status == "conflict" and "available" in (reason or "")
    assert [c.reason for c in ham.store.conflicts()] and center_rows(
        center, "SELECT count(*) FROM transfers WHERE number = :n", n=tr.number) == [(0,)]
    assert ham.availability(CUSHION)["BER"]["promised"] == 0


def test_replayed_push_and_killed_till_lose_and_double_nothing(ber: StoreTill, ham: StoreTill,
                                                              center: BackendServer, tmp_path: Path) -> None:
    ber_before = ber.on_hand(CUSHION)
    tr = ham.desk.request("BER", [(CUSHION, 2)], "Jonas")
    ham.sync()
    ber.sync()
    ber.desk.accept(tr.number, "Mia")
    ber.sync()
    ber.desk.pick_scan(tr.number, ber.barcode(CUSHION))
    ber.desk.pick_scan(tr.number, ber.barcode(CUSHION))
    ber.desk.finish_picking(tr.number, "Mia")
    ber.sync()
    ber.desk.ship(tr.number, "Mia")
    # Killed before the sync: the store file is closed and opened again (a new process).
    ber.store.close()
    from pos_app.stock.transfers import TransferDesk
    from pos_app.store.local import LocalStore

    reopened = LocalStore.open(tmp_path / "ber.db", "BER-K1")
    ber.store, ber.desk = reopened, TransferDesk(reopened)
    assert ber.desk.get(tr.number).state == "shipped" and ber.on_hand(CUSHION) == ber_before - 2
    ber.sync()
    # The same events pushed again (a lost answer): duplicates, nothing moves twice.
    with ber.store.db.writing() as s:
        s.execute(text("UPDATE outbox SET status = 'pending' WHERE type LIKE 'transfer.%'"))
    ber.sync()
    assert ber.availability(CUSHION)["BER"]["quantity"] == ber_before - 2
    assert ber.availability(CUSHION)["HAM"]["in_transit"] == 2
    ham.sync()
    ham.desk.receive_scan(tr.number, ham.barcode(CUSHION))
    ham.desk.receive_scan(tr.number, ham.barcode(CUSHION))
    assert ham.desk.book_receipt(tr.number, "Jonas").state == "received"
    consistent(center, ber, ham)
    assert center_rows(center, "SELECT count(*) FROM reconciliations WHERE kind LIKE 'transfer%'") == [(0,)]
    with pytest.raises(TransferError):  # received once; the desk refuses a second receipt
        ham.desk.book_receipt(tr.number, "Jonas")


def test_cancel_rules_and_a_shipment_after_cancel_is_booked_not_erased(ber: StoreTill, ham: StoreTill,
                                                                       center: BackendServer, store_path: Path,
                                                                       tmp_path: Path) -> None:
    ber_before = ber.on_hand(CUSHION)
    tr = ham.desk.request("BER", [(CUSHION, 1)], "Jonas")
    ham.sync()
    ber.sync()
    ber.desk.accept(tr.number, "Mia")
    ber.sync()
    ber.desk.pick_scan(tr.number, ber.barcode(CUSHION))
    ber.desk.finish_picking(tr.number, "Mia")
    ber.sync()
    ham.sync()
    with pytest.raises(TransferError, match="Storno nicht möglich"):  # picked: only the sender cancels now
        ham.desk.cancel(tr.number, "Jonas", "doch nicht")
    # A second Berlin device cancels; the first, not synced since, ships the parcel all the same.
    ber2 = open_till(center, store_path, tmp_path / "ber2.db", "BER", "BER-K2")
    try:
        with pytest.raises(TransferError, match="Grund"):
            ber2.desk.cancel(tr.number, "Paul", "  ")
        assert ber2.desk.cancel(tr.number, "Paul", "Ware beschädigt").state == "cancelled"
        ber2.sync()
        ber.desk.ship(tr.number, "Mia")
        ber.sync()  # booked as it happened: the goods left, the transfer is on the road after all
        assert center_rows(center, "SELECT state FROM transfers WHERE number = :n", n=tr.number) == [("shipped",)]
        assert ber.availability(CUSHION)["BER"]["quantity"] == ber_before - 1
        assert sorted(center_rows(center, "SELECT store_id FROM reconciliations "
                                          "WHERE kind = 'transfer_shipped_after_cancel'")) == [("BER",), ("HAM",)]
        ham.sync()
        ham.desk.receive_scan(tr.number, ham.barcode(CUSHION))
        assert ham.desk.book_receipt(tr.number, "Jonas").state == "received"
        consistent(center, ber, ber2, ham)
        with pytest.raises(TransferError):
            ber.desk.cancel(tr.number, "Mia", "zu spät")
    finally:
        ber2.store.close()
