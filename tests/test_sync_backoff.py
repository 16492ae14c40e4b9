"""Backoff that rewards progress (sync/worker.py `_delay_after_failure`): 2,000 sales drained
through a proxy that faults 8 of 20 push connections (dropped, 500, lost answers after the
center committed, held until the client gives up, 429). A round that moved events and then
failed starts the backoff over and goes again at once; only a round that moved nothing waits.
Before, every failure doubled the wait (up to 60 s), also right after a round that had
pushed hundreds of sales: the same drain took 128 s.

The rounds run as the worker thread runs them (run_cycle, then wait what it returned), so
the waits are real; the test counts them and sums what the worker asked for, it does not time
the drain (the seconds are printed, for the README)."""
from __future__ import annotations

import random
import time

import pytest

from sync.worker import State
from tests.fault_proxy import FaultPlan, FaultProxy
from tests.sync_helpers import sell
from tests.test_sync_backend import backend_db, center, till  # noqa: F401 (fixtures)
from tests.test_sync_chaos import assert_center_matches_store

pytestmark = pytest.mark.slow

SALES = 2_000
# 8 of 20 connections to /v1/events faulted, of every kind the proxy knows
EIGHT_OF_TWENTY = FaultPlan(drop_before=0.1, error_500=0.1, lost_response=0.1, timeout=0.05, throttle_429=0.05,
                            hold_s=0.5, retry_after=0, path_prefix="/v1/events")
WAIT_BUDGET_S = 120.0  # the old backoff asked for more than this; the test stops there


def test_a_round_that_moved_events_retries_at_once_and_the_drain_waits_little(till):  # noqa: F811
    products = till.products(3)
    rng = random.Random(17)
    for _ in range(SALES):
        sell(till.store, *[code for code, _, _ in rng.sample(products, rng.randint(1, 2))])
    with FaultProxy(till.center.url, seed=8, plan=EIGHT_OF_TWENTY) as proxy:
        proxy.force("lost_response")  # the first push commits at the center and its answer is lost
        worker, seen = till.worker(proxy.url, batch_size=100, rng=random.Random(3))
        rounds: list[tuple[int, int, State, float | None]] = []  # pending before, after, state, wait
        pending = SALES
        asked = 0.0
        started = time.perf_counter()
        while asked < WAIT_BUDGET_S and len(rounds) < 500:
            delay = worker.run_cycle()
            status = seen[-1]
            rounds.append((pending, status.pending, status.state, delay))
            pending = status.pending
            if status.state is State.ONLINE and pending == 0:
                break
            asked += delay or 0.0
            time.sleep(delay or 0.0)
        took = time.perf_counter() - started
        stats = proxy.stats
    failed = [r for r in rounds if r[2] is State.OFFLINE]
    moved_then_failed = [r for r in failed if r[1] < r[0]]
    waits = [r[3] for r in failed if r[3]]
    print(f"\n{SALES} sales drained in {took:.1f} s: {len(rounds)} rounds, {len(failed)} failed "
          f"({len(moved_then_failed)} after moving events), {len(waits)} backoff waits asking "
          f"{sum(waits):.1f} s; proxy {stats}")
    assert rounds[-1][1] == 0 and rounds[-1][2] is State.ONLINE, rounds[-6:]
    assert stats["drop_before"] and stats["error_500"] and stats["lost_response"]
    assert sum(stats[mode] for mode in ("drop_before", "error_500", "lost_response", "timeout", "throttle_429")) >= 6
    # the rule itself: a failed round that moved events is followed by no wait at all
    assert moved_then_failed, "the faults never hit a round after it had pushed something"
    assert all(r[3] == 0 for r in moved_then_failed), moved_then_failed
    # and so the drain waits only after rounds that moved nothing, each from a fresh backoff
    assert len(waits) <= len(failed) - len(moved_then_failed)
    assert sum(waits) < 30, f"the worker asked to wait {sum(waits):.1f} s in all: {rounds}"
    assert_center_matches_store(till, [pid for _, pid, _ in products])
