"""Exactly once, under faults: 1,000+ sales pushed through a proxy that drops connections,
times out, answers 500 and 429, and loses answers after the center committed; and a till
process killed with SIGKILL again and again while it sells and syncs. Afterwards the center
holds every sale exactly once and its sales and stock match the store's.

`make chaos` runs the kill test with many more cycles (POS_CHAOS_CYCLES)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sync.worker import State
from tests.fault_proxy import FaultPlan, FaultProxy
from tests.sync_helpers import outbox_rows, sell
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def assert_center_matches_store(till: Till, product_ids: list[int]) -> None:  # noqa: F811
    assert till.center_sales() == till.local_sales()
    events = till.center.admin("GET", "/v1/admin/events", params={"device_id": "BER-K1"}).json()
    sales = [e for e in events if e["type"] == "sale.completed"]
    assert Counter(e["id"] for e in sales).most_common(1)[0][1] == 1
    assert len(sales) == len(till.local_sales()) and {e["outcome"] for e in sales} == {"applied"}
    for pid in product_ids:
        assert till.center_quantity(pid) == till.quantity(pid)
    assert {r.status for r in outbox_rows(till.store)} == {"sent"}


def test_a_thousand_sales_through_a_faulty_network_arrive_exactly_once(till):  # noqa: F811
    products = till.products(3)
    rng = random.Random(11)
    for _ in range(1000):
        sell(till.store, *[code for code, _, _ in rng.sample(products, rng.randint(1, 3))])
    plan = FaultPlan(drop_before=0.12, timeout=0.03, error_500=0.12, throttle_429=0.08, lost_response=0.15,
                     hold_s=1.5, retry_after=0, path_prefix="/v1/events")
    with FaultProxy(till.center.url, seed=5, plan=plan) as proxy:
        worker, seen = till.worker(proxy.url, batch_size=40)
        for _ in range(400):  # bounded: each round sends at most one batch that then may fail
            worker.run_cycle()
            if seen[-1].pending == 0 and seen[-1].state is State.ONLINE:
                break
        stats = proxy.stats
    assert seen[-1].pending == 0, seen[-1]
    assert stats["lost_response"] > 0 and stats["drop_before"] > 0 and stats["error_500"] > 0
    assert_center_matches_store(till, [pid for _, pid, _ in products])


def test_a_till_killed_again_and_again_while_selling_and_syncing_loses_and_doubles_nothing(till, store_path):  # noqa: F811
    (code, pid, _), = till.products(1)
    cycles = int(os.environ.get("POS_CHAOS_CYCLES", "20"))
    rng = random.Random(3)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    till.store.close()
    for _ in range(cycles):
        proc = subprocess.Popen([sys.executable, "-m", "tests.crash_syncer", str(store_path), till.center.url,
                                 till.token, code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read()
        time.sleep(rng.uniform(0.05, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    from tests.store_fixture import open_store

    till.store = open_store(store_path)
    worker, seen = till.worker()
    for _ in range(20):
        worker.run_cycle()
        if seen[-1].pending == 0:
            break
    assert len(till.local_sales()) >= cycles // 2  # it did sell between the kills
    assert_center_matches_store(till, [pid])
