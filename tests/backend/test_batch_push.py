"""The push fast path (backend/batch_push.py): a run of sales and audit entries in one
transaction must answer and store exactly what one transaction per event would."""
from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import select

from backend import batch_push, changelog
from backend.auth import DeviceIdentity, register_device
from backend.db import BackendDatabase
from backend.events import apply_batch
from backend.models import Change, ProcessedEvent
from sync.protocol import Event
from tests.backend.helpers import BLUE_SOFA, GREEN_SOFA, audit_event, counts, quantity, sale_event, stock_up
from tests.backend.test_commit_order import RaceReport, _reader

DEVICE = DeviceIdentity("BER-K1", "BER", "Kasse 1")


@pytest.fixture
def device(db: BackendDatabase) -> DeviceIdentity:
    register_device(db, DEVICE.device_id, DEVICE.store_id, DEVICE.name)
    stock_up(db)
    return DEVICE


def events_of(*raw: dict) -> list[Event]:
    return [Event.model_validate(e) for e in raw]


def feed(db: BackendDatabase, after: int) -> list[tuple[int, str, int]]:
    with db.reading() as conn:
        rows = conn.execute(select(Change.seq, Change.key, Change.data).where(Change.seq > after)
                            .order_by(Change.seq)).all()
    return [(seq, key, data["quantity"]) for seq, key, data in rows]


def high_water(db: BackendDatabase) -> int:
    with db.reading() as conn:
        return changelog.high_water(conn)


def test_a_run_moves_stock_sale_by_sale_in_the_feed(db: BackendDatabase, device: DeviceIdentity) -> None:
    green, blue, start = quantity(db, GREEN_SOFA, "BER"), quantity(db, BLUE_SOFA, "BER"), high_water(db)
    batch = events_of(sale_event(seq=1, lines=((GREEN_SOFA, 2, 100),)),
                      audit_event(seq=2),
                      sale_event(seq=3, lines=((BLUE_SOFA, 1, 100), (GREEN_SOFA, 1, 100))),
                      sale_event(seq=4, lines=((GREEN_SOFA, 3, 100),)))
    results = apply_batch(db, device, batch)
    assert [r.outcome.value for r in results] == ["applied"] * 4
    # One stock change per sale and product, with the quantity after THAT sale, in event order.
    assert feed(db, start) == [(start + 1, f"{GREEN_SOFA}@BER", green - 2),
                               (start + 2, f"{GREEN_SOFA}@BER", green - 3),
                               (start + 3, f"{BLUE_SOFA}@BER", blue - 1),
                               (start + 4, f"{GREEN_SOFA}@BER", green - 6)]
    assert [r.change_seq for r in results] == [start + 1, None, start + 3, start + 4]
    assert quantity(db, GREEN_SOFA, "BER") == green - 6 and quantity(db, BLUE_SOFA, "BER") == blue - 1
    with db.reading() as conn:
        stored = dict(conn.execute(select(ProcessedEvent.id, ProcessedEvent.change_seq)).all())
    assert stored == {str(e.id): r.change_seq for e, r in zip(batch, results)}


def test_a_failed_run_is_rolled_back_and_applied_event_by_event(db: BackendDatabase, device: DeviceIdentity,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """The run's business rows are written, then the transaction fails: none of them may stay,
    and the per-event path then applies every event exactly once."""
    real_append, calls = changelog.append, []

    def fail_first(conn, changes, now=None):  # type: ignore[no-untyped-def]
        calls.append(len(changes))
        if len(calls) == 1:
            raise RuntimeError("lost the connection, say")
        return real_append(conn, changes, now)

    monkeypatch.setattr(changelog, "append", fail_first)
    real_append_run = changelog.append_run

    def fail_first_run(conn, changes, processed, now=None):  # type: ignore[no-untyped-def]
        calls.append(len(changes))  # PostgreSQL: the run's tail goes through append_run
        if len(calls) == 1:
            raise RuntimeError("lost the connection, say")
        return real_append_run(conn, changes, processed, now)

    monkeypatch.setattr(changelog, "append_run", fail_first_run)
    before, green, start = counts(db), quantity(db, GREEN_SOFA, "BER"), high_water(db)
    good = sale_event(seq=2, lines=((GREEN_SOFA, 1, 100),))
    batch = events_of(sale_event(seq=1, lines=((GREEN_SOFA, 1, 100),)), good,
                      sale_event(seq=3, sale_id=good["payload"]["sale_id"]), audit_event(seq=4))
    results = apply_batch(db, device, batch)
    assert calls == [2, 1, 1]  # the run's two changes once (failed), then one transaction per sale
    assert [r.outcome.value for r in results] == ["applied", "applied", "rejected", "applied"]
    assert "already recorded under another idempotency key" in (results[2].reason or "")
    after = counts(db)
    assert (after["sales"] - before["sales"], after["processed_events"] - before["processed_events"],
            after["audit_entries"] - before["audit_entries"], after["changes"] - before["changes"]) == (2, 4, 1, 2)
    assert quantity(db, GREEN_SOFA, "BER") == green - 2
    assert [seq for seq, _key, _q in feed(db, start)] == [start + 1, start + 2]  # no hole left by the failure
    assert "rolled back" in caplog.text
    assert [r.outcome.value for r in apply_batch(db, device, batch)] == ["duplicate", "duplicate", "rejected",
                                                                         "duplicate"]


def test_events_the_fast_path_does_not_take_split_the_runs(db: BackendDatabase, device: DeviceIdentity,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Another event type (here: audit entries, declared slow) goes one transaction at a time
    between runs; the order of effects and results stays the batch's order."""
    monkeypatch.setattr(batch_push, "FAST_PAYLOADS", (batch_push.SaleCompletedV1,))
    runs: list[int] = []
    real_run = batch_push.apply_run
    monkeypatch.setattr(batch_push, "apply_run", lambda conn, dev, run, lookups: runs.append(len(run))
                        or real_run(conn, dev, run, lookups))
    start = high_water(db)
    batch = events_of(sale_event(seq=1), sale_event(seq=2), audit_event(seq=3), sale_event(seq=4))
    results = apply_batch(db, device, batch)
    assert runs == [2, 1]
    assert [r.outcome.value for r in results] == ["applied"] * 4
    assert [r.change_seq for r in results] == [start + 1, start + 2, None, start + 3]


def test_concurrent_batches_never_let_a_reader_skip_a_change(db: BackendDatabase) -> None:
    """The commit-order race of test_commit_order, with writers pushing runs of five sales
    that all touch the same stock rows (in different orders): the feed stays gap-free in
    commit order, every sale is applied once, and stock adds up."""
    writers, batches, size = 4, 8, 5
    devices = [DeviceIdentity(f"BER-B{n}", "BER", f"Kasse B{n}") for n in range(writers)]
    for d in devices:
        register_device(db, d.device_id, d.store_id, d.name)
    stock_up(db)
    with db.reading() as conn:
        report = RaceReport(start=changelog.high_water(conn))
    stock_before = counts(db)["stock_total"]
    done = threading.Event()

    def write(number: int, device: DeviceIdentity) -> None:
        try:
            rng = random.Random(number)
            for b in range(batches):
                raw = [sale_event(device.device_id, "BER", seq=b * size + n + 1,
                                  lines=tuple((p, 1, 100) for p in rng.sample((1, 2, 3, 4), 2)))
                       for n in range(size)]
                results = apply_batch(db, device, events_of(*raw))
                assert [r.outcome.value for r in results] == ["applied"] * size
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            report.errors.append(exc)

    reader = threading.Thread(target=_reader, args=(db, report, done))
    threads = [threading.Thread(target=write, args=(n, d)) for n, d in enumerate(devices)]
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    done.set()
    reader.join(60)
    assert not report.errors, report.errors
    assert report.non_contiguous() == []
    total = writers * batches * size * 2
    assert report.seen() == list(range(report.start + 1, report.start + total + 1))
    assert stock_before - counts(db)["stock_total"] == total
