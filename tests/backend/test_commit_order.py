"""The commit-order trap (DESIGN.md, "The write path"): with concurrent writers, a reader that
polls the change feed must never see a gap that is filled later, or it would move its cursor
past a change it never got.

Writers: threads, each its own connection and one transaction per event, pushing sales through
the real apply path (backend.events). To make the race as likely as possible, every writer
pauses between taking its sequence numbers and committing: exactly the window in which a naive
allocator lets a later number become visible before an earlier one. A reader thread polls the
feed in small pages, as a device does, moving its cursor to each page's end.

Checks: every page holds exactly the numbers cursor+1, cursor+2, ... (contiguous from its
cursor), and at the end the reader has seen every number from the start to the newest exactly
once. The negative control (PostgreSQL) swaps in a naive allocator that takes numbers in their
own committed transaction (what a database sequence does) and shows this very harness catching
the gaps, so a pass above means something.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Connection

from backend import changelog
from backend.auth import DeviceIdentity, register_device
from backend.db import BackendDatabase
from backend.events import apply_batch
from sync.protocol import Event
from tests.backend.helpers import on_postgresql, sale_event, stock_up

WRITERS = 6
EVENTS_PER_WRITER = 30
PAGE_LIMIT = 4
SHARED_PRODUCTS = (1, 2, 3)  # every writer also sells these: contention on the same stock rows


@dataclass
class RaceReport:
    start: int
    reads: list[tuple[int, list[int]]] = field(default_factory=list)  # (cursor, seqs seen) in order
    errors: list[BaseException] = field(default_factory=list)

    def non_contiguous(self) -> list[tuple[int, list[int]]]:
        return [(cursor, seqs) for cursor, seqs in self.reads
                if seqs != list(range(cursor + 1, cursor + 1 + len(seqs)))]

    def seen(self) -> list[int]:
        return [s for _cursor, seqs in self.reads for s in seqs]


def _writer(db: BackendDatabase, device: DeviceIdentity, number: int, report: RaceReport) -> None:
    try:
        rng = random.Random(number)
        own = 10 + number * 10  # products only this writer sells
        for seq in range(1, EVENTS_PER_WRITER + 1):
            lines = ((rng.choice(SHARED_PRODUCTS), 1, 100), (own + rng.randrange(10), 1, 100))
            event = Event.model_validate(sale_event(device.device_id, device.store_id, seq=seq, lines=lines))
            [result] = apply_batch(db, device, [event])
            assert result.outcome.value == "applied", result
    except BaseException as exc:  # noqa: BLE001 - reported to the test thread
        report.errors.append(exc)


def _reader(db: BackendDatabase, report: RaceReport, writers_done: threading.Event) -> None:
    try:
        cursor = report.start
        while True:
            finished = writers_done.is_set()  # read the flag first: a final pass sees everything
            with db.reading() as conn:
                page = changelog.read_page(conn, "BER", cursor, PAGE_LIMIT)
            seqs = [row[0] for row in page.rows]
            report.reads.append((cursor, seqs))
            cursor = page.next_cursor
            if finished and not page.has_more:
                return
    except BaseException as exc:  # noqa: BLE001
        report.errors.append(exc)


def run_race(db: BackendDatabase) -> RaceReport:
    devices = []
    for n in range(WRITERS):
        register_device(db, f"BER-W{n}", "BER", f"Kasse W{n}")
        devices.append(DeviceIdentity(f"BER-W{n}", "BER", f"Kasse W{n}"))
    with db.reading() as conn:
        report = RaceReport(start=changelog.high_water(conn))
    writers_done = threading.Event()
    reader = threading.Thread(target=_reader, args=(db, report, writers_done))
    writers = [threading.Thread(target=_writer, args=(db, d, n, report)) for n, d in enumerate(devices)]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    writers_done.set()
    reader.join(60)
    return report


def _pausing(append: Callable[..., int], seconds: Callable[[], float]) -> Callable[..., int]:
    def append_then_pause(conn: Connection, changes: list, now: object = None) -> int:
        last = append(conn, changes, now)
        time.sleep(seconds())  # numbers taken, not yet committed: the dangerous window
        return last
    return append_then_pause


def _pausing_run(append_run: Callable[..., int], seconds: Callable[[], float]) -> Callable[..., int]:
    """The push fast path's tail on PostgreSQL (changelog.append_run) commits in its own round
    trip, so there is no window left after it; the pause still makes writers overlap longer."""
    def append_run_then_pause(conn: Connection, changes: list, processed: list, now: object = None) -> int:
        last = append_run(conn, changes, processed, now)
        time.sleep(seconds())
        return last
    return append_run_then_pause


def test_concurrent_writers_never_let_a_reader_skip_a_change(db: BackendDatabase,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    monkeypatch.setattr(changelog, "append", _pausing(changelog.append, lambda: rng.uniform(0, 0.004)))
    monkeypatch.setattr(changelog, "append_run", _pausing_run(changelog.append_run, lambda: rng.uniform(0, 0.004)))
    stock_up(db, products=SHARED_PRODUCTS + tuple(range(10, 10 + WRITERS * 10 + 10)))
    report = run_race(db)
    assert not report.errors, report.errors
    assert report.non_contiguous() == []
    seen = report.seen()
    total = WRITERS * EVENTS_PER_WRITER * 2  # two stock rows per sale
    assert seen == list(range(report.start + 1, report.start + total + 1))  # each once, in order, no gaps
    with db.reading() as conn:
        assert changelog.high_water(conn) == report.start + total
    assert len(report.reads) > total // PAGE_LIMIT  # the reader really polled while writers wrote


@pytest.mark.skipif(not on_postgresql(), reason="SQLite writers hold the database lock to commit: no race to show")
def test_the_harness_catches_a_naive_sequence(db: BackendDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    """Numbers taken in their own committed transaction, like a database sequence: the reader
    sees later numbers before earlier ones commit, and skips them."""
    from sqlalchemy import insert

    from backend.models import Change

    rng = random.Random(8)

    def naive_append(conn: Connection, changes: list, now: object = None) -> int:
        with db.engine.begin() as other:  # committed at once: no lock held until our commit
            last = changelog.take_sequences(other, len(changes))
        first = last - len(changes) + 1
        conn.execute(insert(Change), [{"seq": first + i, "kind": c.kind.value, "key": c.key, "store_id": c.store_id,
                                       "data": c.data, "created_at": now} for i, c in enumerate(changes)])
        time.sleep(rng.uniform(0, 0.004))
        return last

    def naive_append_run(conn: Connection, changes: list, processed: list, now: object = None) -> int:
        from backend.models import ProcessedEvent

        last = naive_append(conn, changes, now)  # processed rows count back from the last number
        names = ["id", "device_id", "seq", "type", "payload_hash", "outcome", "reason", "change_seq", "created_at"]
        rows = [dict(zip(names, row)) for row in processed]
        for row in rows:
            row["change_seq"] = None if row["change_seq"] is None else last - row["change_seq"]
        if rows:
            conn.execute(insert(ProcessedEvent), rows)
        return last

    monkeypatch.setattr(changelog, "append", naive_append)
    monkeypatch.setattr(changelog, "append_run", naive_append_run)
    report = run_race(db)
    assert not report.errors, report.errors
    total = WRITERS * EVENTS_PER_WRITER * 2
    missed = set(range(report.start + 1, report.start + total + 1)) - set(report.seen())
    assert report.non_contiguous() and missed, "the harness should have caught the naive allocator"
