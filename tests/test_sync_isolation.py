"""An event the center keeps failing on (HTTP 5xx) must not block the till's outbox: the worker
halves the batch, parks the one event on the conflict list after a bounded number of lone
failures, and the events behind it flow (sync/worker.py `_isolate`).

The real center runs as a process on loopback (SQLite, or PostgreSQL with
$POS_TEST_DATABASE_URL); between till and center the fault proxy answers 500 to any push whose
body holds the one event (a center that fails on that event), and forwards everything else.
"""
from __future__ import annotations

import random

import pytest

from sync.worker import State
from tests.fault_proxy import FaultPlan, FaultProxy
from tests.sync_helpers import event_id_of, sell, statuses
from tests.test_sync_backend import backend_db, center, till  # noqa: F401 - the real center and a synced till

pytestmark = pytest.mark.slow


def test_a_sale_the_center_fails_on_is_parked_after_three_lone_tries_and_the_sales_behind_it_arrive(till):
    (code, pid, _), = till.products(1)
    before = till.center_quantity(pid)
    sales = [sell(till.store, code) for _ in range(6)]
    bad = sales[3]
    bad_id = event_id_of(till.store, bad.sale_id)
    with FaultProxy(till.center.url, plan=FaultPlan(path_prefix="/v1/events")) as proxy:
        proxy.poison = f'"receipt_number":"{bad.receipt_number}"'.encode()
        worker, seen = till.worker(proxy.url, batch_size=10, rng=random.Random(3))
        for round_no in (1, 2):  # the fault may pass: the round stops at the event, order kept
            worker.run_cycle()
            assert seen[-1].state is State.OFFLINE and "HTTP 500" in seen[-1].last_error
            state = statuses(till.store)
            assert [state[event_id_of(till.store, s.sale_id)] for s in sales] == ["sent"] * 3 + ["pending"] * 3
            assert till.store.conflicts() == []
        assert worker.run_cycle() == worker.interval_s  # third lone failure: parked, the rest flows
        assert seen[-1].state is State.ONLINE and seen[-1].pending == 0 and seen[-1].conflicts == 1
        [conflict] = till.store.conflicts()
        assert conflict.event_id == bad_id and conflict.receipt_number == bad.receipt_number
        assert "scheitert an diesem Vorgang" in conflict.reason and "HTTP 500" in conflict.reason
        local = till.local_sales()
        assert till.center_sales() == [s for s in local if s[0] != bad.sale_id]
        assert till.center_quantity(pid) == before - 5
        assert proxy.poisoned >= 3

        proxy.poison = None  # the center is fixed: the manager sends it again
        till.store.decide_conflict(bad_id, resend=True, manager_id=2, manager_name="Marktleitung")
        assert worker.run_cycle() == worker.interval_s
    assert till.center_sales() == till.local_sales()  # every sale exactly once
    assert till.center_quantity(pid) == before - 6 == till.quantity(pid)
    assert till.store.conflicts() == []


def test_a_center_that_fails_on_everything_parks_nothing(till):
    (code, _, _), = till.products(1)
    sales = [sell(till.store, code) for _ in range(4)]
    with FaultProxy(till.center.url, plan=FaultPlan(error_500=1.0)) as proxy:  # every path, the probe too
        worker, seen = till.worker(proxy.url, batch_size=4, device_id=None, rng=random.Random(5))
        for _ in range(5):
            worker.run_cycle()
            assert seen[-1].state is State.OFFLINE
        assert till.store.conflicts() == [] and seen[-1].pending == 4
        # halving stops at the first lone failure: [4] -> [2] -> [1], then the probe
        assert [path for path, _ in proxy.history[:4]] == ["/v1/events"] * 3 + ["/v1/device"]
    worker, seen = till.worker(batch_size=4)
    assert worker.run_cycle() == worker.interval_s
    assert {statuses(till.store)[event_id_of(till.store, s.sale_id)] for s in sales} == {"sent"}
    assert till.center_sales() == till.local_sales()


def test_the_lone_failure_count_survives_a_restart_of_the_worker(till):
    """A till that restarts after every failure (a crash loop) still parks the poison event: the
    count is kept in the store file (outbox.lone_failures), not in the worker's memory."""
    (code, pid, _), = till.products(1)
    sales = [sell(till.store, code) for _ in range(3)]
    bad = sales[1]
    bad_id = event_id_of(till.store, bad.sale_id)
    with FaultProxy(till.center.url, plan=FaultPlan(path_prefix="/v1/events")) as proxy:
        proxy.poison = f'"receipt_number":"{bad.receipt_number}"'.encode()
        for restart in (1, 2):  # a fresh worker each time, as after a crash
            worker, seen = till.worker(proxy.url, batch_size=10, rng=random.Random(restart))
            worker.run_cycle()
            assert seen[-1].state is State.OFFLINE and till.store.conflicts() == []
            with till.store.db.reading() as s:
                from pos_app.store.models import OutboxEvent
                assert s.get(OutboxEvent, bad_id).lone_failures == restart
        worker, seen = till.worker(proxy.url, batch_size=10, rng=random.Random(9))
        assert worker.run_cycle() == worker.interval_s  # the third, in a third process: parked
        [conflict] = till.store.conflicts()
        assert conflict.event_id == bad_id and "3-mal" in conflict.reason
        assert seen[-1].pending == 0
    assert till.center_sales() == [s for s in till.local_sales() if s[0] != bad.sale_id]
    till.store.decide_conflict(bad_id, resend=True, manager_id=2, manager_name="Marktleitung")  # center fixed
    worker, _ = till.worker()
    assert worker.run_cycle() == worker.interval_s
    assert till.center_sales() == till.local_sales()
