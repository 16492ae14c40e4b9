"""Load benchmark of the center (prints figures, asserts nothing): 1,000 simulated tills, each
registered as a device, pushing batches of sales and pulling its feed, against two center
processes on one PostgreSQL, for a bounded time.

    make bench-center
    POS_BENCH_CENTER_TILLS=1000 POS_BENCH_CENTER_SECONDS=60 POS_BENCH_CENTER_BATCH=10 \\
        POS_BENCH_CENTER_CLIENTS=24 POS_BENCH_CENTER_MODE=workers .venv/bin/python tests/perf/bench_center.py

MODE "workers" (default): one `pos-backend serve --workers 2` (two uvicorn processes on one
port); MODE "haproxy": two `serve` processes behind Debian's haproxy on loopback. The tills
start at the feed's high water (as tills that synced before), then each round is: push one
batch of BATCH new sales (resent with the same ids until answered), pull the feed from its
cursor. CLIENTS threads share the tills (one till at a time per thread), all on this machine's
cores, like the center. Reported: events/s (sales applied at the center per second of the
run), push latency p50/p95/p99, pull latency, and the center's own counters from /metrics
before and after (they move during the run). POS_BENCH_CENTER_PROFILE=1 runs the center
under py-spy (its workers too) for most of the run and prints where the time goes ("gil": only
samples that hold the interpreter lock, i.e. CPU spent in Python, not waiting on PostgreSQL).
"""
from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ROOT, percentile, report

sys.path.insert(0, str(ROOT))

TILLS = int(os.environ.get("POS_BENCH_CENTER_TILLS", "1000"))
SECONDS = float(os.environ.get("POS_BENCH_CENTER_SECONDS", "60"))
BATCH = int(os.environ.get("POS_BENCH_CENTER_BATCH", "10"))
CLIENTS = int(os.environ.get("POS_BENCH_CENTER_CLIENTS", "24"))
MODE = os.environ.get("POS_BENCH_CENTER_MODE", "workers")
PROFILE = os.environ.get("POS_BENCH_CENTER_PROFILE", "") in ("1", "gil")
PROFILE_GIL = os.environ.get("POS_BENCH_CENTER_PROFILE", "") == "gil"  # only samples holding the GIL: CPU
BASE_URL = os.environ.get("POS_TEST_DATABASE_URL", "").strip() or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TILLS_PER_STORE = int(os.environ.get("POS_BENCH_CENTER_TILLS_PER_STORE", "5"))


def metric_lines(url: str) -> dict[str, float]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    wanted = re.compile(r'^(pos_events_total\{[^}]*\}|pos_http_requests_total\{[^}]*route="/v1/(?:events|changes)"'
                        r'[^}]*\}|pos_feed_high_water) (\S+)$')
    return {m.group(1): float(m.group(2)) for line in text.splitlines() if (m := wanted.match(line))}


def add_stores(database_url: str, count: int) -> list[str]:
    """Stores B0001... for the simulated tills: a few tills per store, as in a real chain (with
    1,000 tills in the demo's three stores every till would read a third of all changes)."""
    from sqlalchemy import create_engine, text

    ids = [f"B{i:04d}" for i in range(1, count + 1)]
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) "
                              "VALUES (:id, :name, 'store', '', '', '', '', '')"),
                         [{"id": i, "name": f"Filiale {i}"} for i in ids])
    finally:
        engine.dispose()
    return ids


def start_centers(database_url: str, token: str) -> tuple[list[subprocess.Popen[bytes]], str, object]:
    from tests.backend_server import _cli_env, free_port

    env = _cli_env(token)
    data = Path(os.environ.get("POS_BENCH_DIR", ROOT / "var" / "bench")) / f"center-{secrets.token_hex(3)}"
    data.mkdir(parents=True, exist_ok=True)
    command = [*_profiler(), sys.executable, "-m", "backend", "serve", "--host", "127.0.0.1", "--database-url", database_url,
               "--log-level", "warning", "--data-dir", str(data)]
    if MODE == "workers":
        port = free_port()
        processes = [subprocess.Popen([*command, "--port", str(port), "--workers", "2"], cwd=ROOT, env=env,
                                      start_new_session=True)]
        url, balancer = f"http://127.0.0.1:{port}", None
    else:
        from tests.center_load import LoadBalancer

        ports = [free_port(), free_port()]
        processes = [subprocess.Popen([*command, "--port", str(p)], cwd=ROOT, env=env, start_new_session=True)
                     for p in ports]
        balancer = LoadBalancer(ports)
        url = balancer.url
    for port_url in ([url] if balancer is None else [f"http://127.0.0.1:{p}" for p in balancer.ports]):
        wait_healthy(port_url)
    if balancer is not None:
        balancer.start()
    return processes, url, balancer


PROFILE_OUT = ROOT / "var" / "bench" / "center-profile.txt"


def _profiler() -> list[str]:
    """py-spy in front of the center when profiling (attaching to a running process is not
    allowed in every container; starting it under py-spy is), following its worker processes,
    sampling the first part of the run (start-up and registration are idle, not sampled)."""
    if not PROFILE:
        return []
    PROFILE_OUT.parent.mkdir(parents=True, exist_ok=True)
    PROFILE_OUT.unlink(missing_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return [str(spy), "record", "--subprocesses", "--nonblocking", "--rate", "50", "--format", "raw",
            *(["--gil"] if PROFILE_GIL else []),
            "--duration", str(int(TILLS / 80 + 15 + SECONDS * 0.6)), "--output", str(PROFILE_OUT), "--"]


def wait_healthy(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=1)
            conn.request("GET", "/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy")


def summarise_profile(path: Path, top: int = 25) -> None:
    """Inclusive share of samples per function (file:function), from py-spy's collapsed stacks."""
    if not path.exists():
        print("py-spy: no profile written (is py-spy installed? .venv/bin/pip install py-spy)")
        return
    total = 0
    inclusive: dict[str, int] = {}
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        seen = set()
        for frame in stack.split(";"):
            name = re.sub(r" \(.*?(?:site-packages/|/)([^/]+/[^/]+\.py):\d+\)", r" (\1)", frame)
            if name not in seen:
                seen.add(name)
                inclusive[name] = inclusive.get(name, 0) + count
    print(f"py-spy: {total} samples of the center's processes; inclusive share of the busiest functions:")
    for name, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {100 * count / total:5.1f} %  {name}")


def main() -> None:
    from tests.backend_server import fresh_database, run_cli
    from tests.center_load import SimulatedTill, register_devices

    token = secrets.token_urlsafe(16)
    os.environ["POS_TEST_DATABASE_URL"] = BASE_URL
    with fresh_database(Path("/nonexistent")) as database_url:
        run_cli("seed", "--customers", "200", "--database-url", database_url, admin_token=token)
        processes, url, balancer = start_centers(database_url, token)
        try:
            started = time.perf_counter()
            stores = add_stores(database_url, max(1, TILLS // TILLS_PER_STORE))
            devices = [(f"{stores[i % len(stores)]}-K{i // len(stores) + 1}", stores[i % len(stores)])
                       for i in range(TILLS)]
            tokens = register_devices(url, token, devices)
            print(f"{TILLS:,} devices registered in {time.perf_counter() - started:.1f} s", flush=True)
            before = metric_lines(url)
            high = int(before.get("pos_feed_high_water", 0))
            # each till sells from the whole hand-named catalog (products 1-400), as a store does;
            # five products shared by every till would make stock rows the bottleneck
            tills = [SimulatedTill(d, s, tokens[d], url, products=tuple(random.Random(d).sample(range(1, 401), 40)),
                                   cursor=high) for d, s in devices]
            pull_seconds: list[float] = []
            lock = threading.Lock()
            stop_at = time.monotonic() + SECONDS

            def client(mine: list[SimulatedTill]) -> None:
                own_pulls: list[float] = []
                while time.monotonic() < stop_at:
                    for till in mine:
                        if time.monotonic() >= stop_at:
                            break
                        till.push_sales(BATCH, stop_at + 10)
                        t = time.perf_counter()
                        till.pull(deadline=stop_at + 10)
                        own_pulls.append(time.perf_counter() - t)
                with lock:
                    pull_seconds.extend(own_pulls)

            threads = [threading.Thread(target=client, args=(tills[i::CLIENTS],)) for i in range(CLIENTS)]
            run_started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.perf_counter() - run_started
            after = metric_lines(url)
        finally:
            if balancer is not None:
                balancer.stop()  # type: ignore[attr-defined]
            for process in processes:  # the whole group: uvicorn's workers, and py-spy's child
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(30)
    applied = sum(1 for t in tills for outcome in t.outcomes.values() if outcome == "applied")
    pushes = [s for t in tills for s in t.push_seconds]
    resends = sum(t.resends for t in tills)
    why: dict[int, int] = {}
    for t in tills:
        for status, n in t.refusals.items():
            why[status] = why.get(status, 0) + n
    print(f"center: 2 processes ({MODE}) on PostgreSQL; {TILLS:,} tills in {len(stores):,} stores, "
          f"{CLIENTS} client threads, "
          f"batches of {BATCH}, {took:.1f} s")
    print(f"  events applied: {applied:,} -> {applied / took:,.0f} events/s (target >= 2,000); "
          f"{len(pushes):,} pushes, {resends} resends "
          f"({', '.join(f'{n} x {status or chr(45)}' for status, n in sorted(why.items())) or 'none'}; - = no answer)")
    for name, values in (("push latency", pushes), ("pull latency", pull_seconds)):
        if values:
            report(f"  {name}", " / ".join(f"p{p} {1000 * percentile(values, p):.0f} ms" for p in (50, 95, 99)))
    print("  /metrics moved during the run:")
    for key in sorted(set(before) | set(after)):
        if after.get(key, 0) != before.get(key, 0):
            print(f"    {key}: {before.get(key, 0):,.0f} -> {after.get(key, 0):,.0f}")
    if PROFILE:
        summarise_profile(PROFILE_OUT)


if __name__ == "__main__":
    main()
