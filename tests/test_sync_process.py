"""The sync worker in its own process (sync/process.py), against the REAL backend process over
HTTP on loopback: statuses come back to the till's process, "sync now" and "new sale" reach the
child, stop ends it, and a till that goes away takes its sync process with it."""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync.process import SyncProcess, WorkerSettings
from sync.status import State, SyncStatus
from tests.backend_server import BackendServer, backend_database_url
from tests.test_sync_backend import Till, till  # noqa: F401 - the fixture: a till that pulled the catalog
from tests.sync_helpers import sell, statuses

pytestmark = pytest.mark.slow

backend_db = pytest.fixture(backend_database_url)
WAIT_S = 30.0


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


class Reports:
    """What the till's process receives, and on which thread."""

    def __init__(self) -> None:
        self.seen: list[SyncStatus] = []
        self.threads: set[str] = set()
        self._changed = threading.Condition()

    def __call__(self, status: SyncStatus) -> None:
        with self._changed:
            self.seen.append(status)
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    def wait_for(self, check: Callable[[SyncStatus], bool], after: int = 0) -> SyncStatus:
        deadline = time.monotonic() + WAIT_S
        with self._changed:
            while True:
                found = [s for s in self.seen[after:] if check(s)]
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                assert left > 0, f"no such status within {WAIT_S} s; last: {self.seen[-1:]}"
                self._changed.wait(left)


def start(till: Till, **kwargs: object) -> tuple[SyncProcess, Reports]:  # noqa: F811
    reports = Reports()
    process = SyncProcess(WorkerSettings(str(till.store.db.path), "BER-K1", till.center.url, till.token,
                                         timeout=(1, 5), **kwargs), on_status=reports)  # type: ignore[arg-type]
    process.start()
    return process, reports


def online_and_sent(status: SyncStatus) -> bool:
    return status.state is State.ONLINE and status.pending == 0


def test_sales_go_out_from_the_child_and_statuses_come_back(till: Till) -> None:  # noqa: F811
    (code_a, _, _), (code_b, _, _) = till.products(2)
    sell(till.store, code_a)
    sell(till.store, code_a, code_b)
    process, reports = start(till, interval_s=3600)
    try:
        assert process.pid != os.getpid() and process.running
        last = reports.wait_for(online_and_sent)
        assert last.last_sync_at is not None and process.status == reports.seen[-1]
        assert till.center_sales() == till.local_sales() and len(till.local_sales()) == 2
        assert set(statuses(till.store).values()) == {"sent"}
        assert reports.threads == {"sync-status"}  # never the UI thread: the glue marshals
        assert any(s.state is State.SYNCING for s in reports.seen)
    finally:
        assert process.stop() is True
    assert not process.running


def test_sync_now_and_a_new_sale_reach_the_child(till: Till) -> None:  # noqa: F811
    (code, _, _), = till.products(1)
    # no timed round, and no retry after a failure, during this test: only nudge and wake
    process, reports = start(till, interval_s=3600, backoff_base=600, backoff_cap=600)
    try:
        reports.wait_for(online_and_sent)
        sell(till.store, code)
        mark = len(reports.seen)
        process.nudge()  # what the window does after a sale
        reports.wait_for(online_and_sent, after=mark)
        assert len(till.center_sales()) == 1

        till.center.stop()
        sell(till.store, code)
        mark = len(reports.seen)
        process.nudge()
        offline = reports.wait_for(lambda s: s.state is State.OFFLINE, after=mark)
        assert offline.pending == 1 and offline.retry_in_s is not None
        till.center.start()  # the network is back: "sync now" goes at once, not after the backoff
        mark = len(reports.seen)
        process.wake()
        reports.wait_for(online_and_sent, after=mark)
        assert till.center_sales() == till.local_sales() and len(till.local_sales()) == 2
    finally:
        assert process.stop() is True


def test_the_child_ends_when_the_till_goes_away(till: Till) -> None:  # noqa: F811
    process, reports = start(till, interval_s=3600)
    reports.wait_for(online_and_sent)
    process._commands.close()  # type: ignore[union-attr]  # what the OS does when the till dies
    process._commands = None
    deadline = time.monotonic() + WAIT_S
    while process.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process.running
    assert process.stop() is True


def test_a_child_that_cannot_start_says_why(tmp_path: Path) -> None:
    reports = Reports()
    process = SyncProcess(WorkerSettings(str(tmp_path / "missing" / "store.db"), "BER-K1", "http://127.0.0.1:9",
                                         "token"), on_status=reports)
    process.start()
    try:
        failed = reports.wait_for(lambda s: s.state is State.ERROR)
        assert failed.last_error.startswith("Abgleich konnte nicht starten")
    finally:
        process.stop()


def test_killing_the_sync_process_again_and_again_loses_and_doubles_nothing(till: Till) -> None:  # noqa: F811
    """SIGKILL of the child while it pushes (what a crash or stop()'s last resort does): a new
    child sends what was not confirmed, the center answers duplicate for what it had."""
    import random
    import signal

    (code_a, pid_a, _), (code_b, _, _) = till.products(2)
    before = till.center_quantity(pid_a)
    for n in range(40):
        sell(till.store, code_a if n % 2 else code_b)
    rng = random.Random(3)
    for _cycle in range(5):
        process, reports = start(till, interval_s=3600, batch_size=2)
        reports.wait_for(lambda s: s.state is State.SYNCING)
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(process.pid or 0, signal.SIGKILL)
        process.stop()
    process, reports = start(till, interval_s=3600, batch_size=2)
    try:
        reports.wait_for(online_and_sent)
    finally:
        process.stop()
    assert till.center_sales() == till.local_sales() and len(till.local_sales()) == 40
    processed = till.center.admin("GET", "/v1/admin/events", params={"device_id": "BER-K1"}).json()
    assert sorted(e["type"] for e in processed).count("sale.completed") == 40
    assert till.center_quantity(pid_a) == before - 20 == till.quantity(pid_a)
