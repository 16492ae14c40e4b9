"""The real backend process over HTTP on loopback (tests/backend_server.py): start, register,
push, pull, survive a crash, and the admin token file when none is given."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from sync.protocol import MAX_BODY_BYTES, ChangePage, PushResponse
from tests.backend.helpers import BLUE_SOFA, audit_event, sale_event
from tests.backend_server import ROOT, BackendServer, free_port


def test_push_and_pull_through_the_real_server_and_a_crash(empty_database_url: str) -> None:
    with BackendServer(empty_database_url) as server:
        health = requests.get(f"{server.url}/v1/health", timeout=5).json()
        assert health["status"] == "ok"
        till = {"Authorization": f"Bearer {server.register_device('BER-K1', 'BER', 'Kasse 1')}"}
        tablet = {"Authorization": f"Bearer {server.register_device('BER-T1', 'BER', 'Tablet 1')}"}
        assert requests.get(f"{server.url}/v1/device", headers=till, timeout=5).json()["device_id"] == "BER-K1"

        start = ChangePage.model_validate_json(
            requests.get(f"{server.url}/v1/changes", headers=tablet, params={"limit": 1}, timeout=5).content)
        events = [sale_event(seq=1, lines=((BLUE_SOFA, 1, 1299_00),)), audit_event(seq=2)]
        response = requests.post(f"{server.url}/v1/events", headers=till, json={"events": events}, timeout=10)
        first = PushResponse.model_validate_json(response.content)
        assert [r.outcome.value for r in first.results] == ["applied", "applied"]

        server.kill()  # a crash: SIGKILL, nothing graceful
        server.start()  # same database, same port
        again = requests.post(f"{server.url}/v1/events", headers=till, json={"events": events}, timeout=10)
        assert [r.outcome.value for r in PushResponse.model_validate_json(again.content).results] == [
            "duplicate", "duplicate"]
        assert PushResponse.model_validate_json(again.content).results[0].change_seq == first.results[0].change_seq

        page = ChangePage.model_validate_json(requests.get(
            f"{server.url}/v1/changes", headers=tablet, params={"after": start.high_water}, timeout=5).content)
        assert [(c.kind.value, c.key) for c in page.changes] == [("stock", f"{BLUE_SOFA}@BER")]
        sales = server.admin("GET", "/v1/admin/sales", params={"device_id": "BER-K1"}).json()
        assert len(sales) == 1
        processed = server.admin("GET", "/v1/admin/events", params={"device_id": "BER-K1"}).json()
        assert [(e["seq"], e["outcome"]) for e in processed] == [(1, "applied"), (2, "applied")]

        event = audit_event(seq=3)
        event["payload"]["details"] = {"padding": "x" * MAX_BODY_BYTES}
        too_big = requests.post(f"{server.url}/v1/events", headers={**till, "Content-Type": "application/json"},
                                data=json.dumps({"events": [event]}), timeout=30)
        assert too_big.status_code == 413  # a clean answer, not a reset connection
        assert requests.get(f"{server.url}/v1/changes", headers={"Authorization": "Bearer nope"},
                            timeout=5).status_code == 401
    assert not server.running


def test_serve_makes_an_owner_only_admin_token_when_none_is_set(empty_database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "POS_ADMIN_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--database-url", empty_database_url,
         "--data-dir", str(tmp_path / "data"), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        token_file = tmp_path / "data" / "admin.token"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.05)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        ok = requests.get(f"http://127.0.0.1:{port}/v1/admin/sales", timeout=5,
                          headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json() == []
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert str(token_file) in err  # the operator is told where it is
