"""What operators and support see: the center's JSON request log and Prometheus /metrics while
a real till pushes and pulls (the real center process on loopback), and the till's own log
file showing sync rounds and their outcome, written by the sync process (sync/process.py)
into the till's omnipos.log (pos_app.till_log)."""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import update

from pos_app import till_log
from pos_app.store.models import OutboxEvent
from sync.process import SyncProcess, WorkerSettings
from sync.status import State
from tests.backend.helpers import GREEN_SOFA, sale_event
from tests.backend_server import BackendServer
from tests.sync_helpers import sell
from tests.test_sync_backend import Till, backend_db, till  # noqa: F401 (fixtures)
from tests.test_sync_process import Reports

pytestmark = pytest.mark.slow


@pytest.fixture
def center(backend_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[BackendServer]:  # noqa: F811
    """The till fixture's center, logging INFO, its database figures not cached."""
    monkeypatch.setenv("POS_METRICS_DB_TTL_S", "0")
    with BackendServer(backend_db, log_level="info") as server:
        yield server


def sample(page: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text page (0 when it is not there)."""
    wanted = {f'{k}="{v}"' for k, v in labels.items()}
    for line in page.splitlines():
        match = re.match(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$", line)
        if match and match.group(1) == name and wanted <= set((match.group(2) or "").split(",")) - {""}:
            return float(match.group(3))
    return 0.0


def test_metrics_move_and_every_request_is_a_json_line_with_its_device(till: Till) -> None:  # noqa: F811
    center = till.center
    before = requests.get(f"{center.url}/metrics", timeout=10).text
    (code, _, _), = till.products(1)
    for _ in range(3):
        sell(till.store, code)
    worker, seen = till.worker()
    worker.run_cycle()
    with till.store.db.writing() as s:  # as if every answer had been lost: all three again
        s.execute(update(OutboxEvent).values(status="pending"))
    worker.run_cycle()
    assert seen[-1].state is State.ONLINE and seen[-1].pending == 0
    unknown = sale_event(device_id="BER-K1", seq=999, lines=((GREEN_SOFA, 1, 100),))  # paid with a voucher
    unknown["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": 100, "given_cents": 100,  # never issued:
                                      "reference": "GS-NIE-AUSGEGEBEN"}]  # rejected
    pushed = requests.post(f"{center.url}/v1/events", json={"events": [unknown]}, timeout=10,
                           headers={"Authorization": f"Bearer {till.token}"})
    assert pushed.json()["results"][0]["outcome"] == "rejected", pushed.text
    traced = requests.get(f"{center.url}/v1/changes", params={"after": 0, "limit": 1}, timeout=10,
                          headers={"Authorization": f"Bearer {till.token}", "X-Request-ID": "support-case-77"})
    assert traced.headers["X-Request-ID"] == "support-case-77"
    page = requests.get(f"{center.url}/metrics", timeout=10).text

    def moved(name: str, **labels: str) -> float:
        return sample(page, name, **labels) - sample(before, name, **labels)

    assert moved("pos_events_total", type="sale.completed", outcome="applied") == 3
    assert moved("pos_events_total", type="sale.completed", outcome="duplicate") == 3
    assert moved("pos_http_requests_total", method="POST", route="/v1/events", status="200") >= 2
    assert moved("pos_http_request_duration_seconds_count", method="GET", route="/v1/changes") >= 3
    assert moved("pos_feed_lag_changes_count") >= 3
    assert sample(page, "pos_feed_high_water") > 0
    assert moved("pos_events_total", type="sale.completed", outcome="rejected") == 1
    assert sample(page, "pos_open_conflicts", store="BER") == 1 and sample(before, "pos_open_conflicts", store="BER") == 0
    assert "# TYPE pos_reconciliations gauge" in page

    lines = [json.loads(line) for line in center.stderr_text().splitlines() if line.startswith("{")]
    requests_seen = [line for line in lines if line["logger"] == "backend.request"]
    pushes = [line for line in requests_seen if line["route"] == "/v1/events"]
    assert len(pushes) >= 2
    for line in pushes:
        assert (line["device"], line["store"], line["status"]) == ("BER-K1", "BER", 200)
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) and line["ms"] >= 0 and line["time"].endswith("Z")
    assert len({line["request_id"] for line in requests_seen}) == len(requests_seen)  # one id per request
    [mine] = [line for line in requests_seen if line["request_id"] == "support-case-77"]
    assert (mine["route"], mine["device"]) == ("/v1/changes", "BER-K1")


@pytest.fixture
def till_logging(tmp_path: Path) -> Iterator[Path]:
    """The till's logging set-up in this test process, taken down afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = till_log.configure(tmp_path / "data", stderr=False)
    yield path
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.mark.consistency_exempt("the center is killed on purpose and stays down: the last sale cannot arrive")
def test_the_till_log_shows_sync_rounds_from_the_sync_process(till: Till, till_logging: Path) -> None:  # noqa: F811
    assert till_log.configure(till_logging.parent, stderr=False) == till_logging  # once: no second handler
    assert sum(getattr(h, "_omnipos_till_handler", False) for h in logging.getLogger().handlers) == 1
    (code, _, _), = till.products(1)
    sell(till.store, code)
    reports = Reports()
    process = SyncProcess(WorkerSettings(str(till.store.db.path), "BER-K1", till.center.url, till.token,
                                         timeout=(1, 3), interval_s=3600, backoff_base=0.2, backoff_cap=0.5),
                          on_status=reports)
    process.start()
    try:
        reports.wait_for(lambda s: s.state is State.ONLINE and s.pending == 0)
        till.center.kill()  # the center goes away: the next round fails, support must see why
        sell(till.store, code)
        seen = len(reports.seen)
        process.wake()
        reports.wait_for(lambda s: s.state is State.OFFLINE, after=seen)
    finally:
        process.stop()
    deadline = time.monotonic() + 10
    text = ""
    while time.monotonic() < deadline:  # the last records arrive through the pipe just before it closes
        text = till_logging.read_text(encoding="utf-8")
        if "sync round offline" in text:
            break
        time.sleep(0.1)
    online = [line for line in text.splitlines() if "sync round online" in line]
    offline = [line for line in text.splitlines() if "sync round offline" in line]
    assert online and offline, text
    # time, level, the sync process's name, the logger, the outcome with its figures
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO +omnipos-sync sync\.worker: sync round online: "
                    r"1 sent, 0 conflicts, 1 requests; \d+ feed pages", online[0]), online[0]
    assert re.match(r"^\S+ \S+ WARNING +omnipos-sync sync\.worker: sync round offline: .+; next try in", offline[0])


def test_serve_with_two_workers_adds_up_their_metrics(backend_db: str) -> None:  # noqa: F811
    """`pos-backend serve --workers 2`: one port, two uvicorn worker processes; /metrics (from
    whichever worker answers) counts the requests of both (prometheus-client multiprocess)."""
    with BackendServer(backend_db, workers=2) as server:
        token = server.register_device("BER-K1", "BER", "Kasse 1")
        for _ in range(12):  # a new connection each: the kernel spreads them over the workers
            assert requests.get(f"{server.url}/v1/changes", params={"after": 0, "limit": 1}, timeout=10,
                                headers={"Authorization": f"Bearer {token}", "Connection": "close"}).ok
        pages = [requests.get(f"{server.url}/metrics", timeout=10, headers={"Connection": "close"}).text
                 for _ in range(4)]
    for page in pages:  # every answer counts all twelve, whichever worker gave it
        assert sample(page, "pos_http_requests_total", method="GET", route="/v1/changes", status="200") == 12
