"""The center as a service: two `pos-backend serve` processes on one PostgreSQL behind Debian's
haproxy on loopback, while tills of three stores push sales and pull their feed through it.
While they do, one process is killed with SIGKILL three times in the middle of pushes and
started again each time.

What must hold across processes:
  - exactly once: every sale a till made is at the center once (each id answered applied or
    duplicate, one sales row per sale), also those whose push was cut off by the kill;
  - nothing lost: every batch got through in the end (the tills resend the same ids);
  - the feed's order rule: each till reads its feed incrementally while the others write;
    afterwards a full read of its feed holds exactly the sequences it saw, no more (a change
    that became visible below a reader's cursor would be missing from what it saw).

Needs PostgreSQL ($POS_TEST_DATABASE_URL; SQLite is one file on one machine, not a service)
and haproxy (`make test-scale` installs it as root through .ci/debian-packages).
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from tests.backend_server import BackendServer, backend_database_url
from tests.center_load import LoadBalancer, SimulatedTill, haproxy_path, register_devices

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("POS_TEST_DATABASE_URL", "").strip(),
                       reason="several center processes need PostgreSQL: set POS_TEST_DATABASE_URL"),
    pytest.mark.skipif(haproxy_path() is None,
                       reason="haproxy is not installed and could not be (run `make test-scale` as root, "
                              "or apt-get install haproxy)"),
]

backend_db = pytest.fixture(backend_database_url)
TILLS = [("BER-K11", "BER"), ("BER-K12", "BER"), ("HAM-K11", "HAM"), ("MUC-K11", "MUC")]
VICTIM = ("BER-K19", "BER")  # pushes big batches straight to the process that gets killed
BATCH = 50  # pushes that take a while, so that a kill meets some in flight
KILLS = 3
MIN_BATCHES = 10  # each till pushes at least this many, kills or not
DEADLINE_S = 120.0  # a bound, not a timing assertion: a till that cannot get through fails


def test_two_center_processes_behind_haproxy_exactly_once_in_order_and_a_kill_loses_nothing(backend_db):
    first = BackendServer(backend_db).start()
    second = BackendServer(backend_db, seed=False).start()
    try:
        with LoadBalancer([first.port, second.port]) as balancer:
            tokens = register_devices(balancer.url, first.admin_token, [*TILLS, VICTIM])
            victim = SimulatedTill(*VICTIM, tokens[VICTIM[0]], first.url)
            tills = [SimulatedTill(device, store, tokens[device], balancer.url) for device, store in TILLS]
            deadline = time.monotonic() + DEADLINE_S
            enough = threading.Event()
            failures: list[BaseException] = []

            def work(till: SimulatedTill) -> None:
                try:
                    batches = 0
                    while batches < MIN_BATCHES or not enough.is_set():
                        assert till.push_sales(BATCH, deadline), f"{till.device_id}: push did not get through"
                        till.pull(deadline=deadline)
                        batches += 1
                except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                    failures.append(exc)

            threads = [threading.Thread(target=work, args=(till,), name=till.device_id) for till in tills]
            for thread in threads:
                thread.start()
            for _ in range(KILLS):
                time.sleep(0.5)  # pushes in flight on both processes
                # and one that is surely in flight on the first: 500 sales take it a while
                big = threading.Thread(target=victim.push_sales, args=(500, deadline), name="victim")
                big.start()
                time.sleep(0.1)
                first.kill()
                time.sleep(0.5)  # the tills go on through the surviving process
                first.start()  # same port: haproxy takes it back after its health checks
                big.join(DEADLINE_S)  # its batch went through once the process was back
            enough.set()
            for thread in threads:
                thread.join(DEADLINE_S)
            assert not failures, failures
            assert not any(thread.is_alive() for thread in threads)
            for till in tills:  # a last read, once every writer is done
                till.pull(deadline=time.monotonic() + 30)
            victim.pull(deadline=time.monotonic() + 30)
            tills.append(victim)
            resends = sum(till.resends for till in tills)

        engine = create_engine(backend_db)
        try:
            with engine.connect() as conn:
                sales = Counter({device: n for device, n in conn.execute(
                    text("SELECT device_id, count(*) FROM sales GROUP BY device_id"))})
                processed = conn.execute(text("SELECT count(*), count(DISTINCT id) FROM processed_events")).one()
                feeds = {store: [r[0] for r in conn.execute(text(
                    "SELECT seq FROM changes WHERE store_id IS NULL OR store_id = :s ORDER BY seq"), {"s": store})]
                    for store in {s for _, s in TILLS}}
        finally:
            engine.dispose()
    finally:
        first.kill()
        second.stop()

    for till in tills:
        made = till.seq  # every sale this till made, each pushed until answered
        assert made >= MIN_BATCHES * BATCH and len(till.outcomes) == made, till.device_id
        assert set(till.outcomes.values()) <= {"applied", "duplicate"}, Counter(till.outcomes.values())
        assert sales[till.device_id] == made, (till.device_id, sales[till.device_id])
        # the order rule: what the till saw incrementally is its whole feed, each change once
        assert till.seen_seqs == feeds[till.store_id], (
            till.device_id, sorted(set(feeds[till.store_id]) - set(till.seen_seqs))[:10])
    total = sum(till.seq for till in tills)
    assert processed[0] == processed[1] == total
    # the kills met pushes in flight (their answers never came: resent, then applied or duplicate)
    assert victim.resends > 0, "no push was in flight at any of the kills"
    print(f"\n{len(tills)} tills, {total} sales through haproxy over 2 processes, one killed {KILLS} times "
          f"mid-push: {resends} resends, all exactly once, feeds complete and in order")
