"""Each FaultProxy mode, seen from requests and from a tiny counting/echoing upstream."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.fault_proxy import FaultPlan, FaultProxy


class Upstream:
    """Counts requests; answers 200 with JSON echoing method, path, one header and the body."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: object) -> None:
                pass

            def _do(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with upstream.lock:
                    upstream.seen.append((self.command, self.path, body))
                out = json.dumps({"method": self.command, "path": self.path, "body": body.decode(),
                                  "x_test": self.headers.get("X-Test")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Upstream", "yes")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.seen)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    up = Upstream()
    up.thread.start()
    yield up
    up.server.shutdown()
    up.server.server_close()
    up.thread.join(2)


def proxy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fault-proxy")]


def test_ok_forwards_method_path_query_headers_and_body(upstream: Upstream) -> None:
    with FaultProxy(upstream.url) as proxy:
        r = requests.post(f"{proxy.url}/v1/events?since=3", data=b'{"id": 1}',
                          headers={"X-Test": "hello"}, timeout=2)
        assert r.status_code == 200 and r.headers["X-Upstream"] == "yes"
        assert r.json() == {"method": "POST", "path": "/v1/events?since=3", "body": '{"id": 1}',
                            "x_test": "hello"}
        assert proxy.stats["ok"] == 1 and proxy.stats["forwarded"] == 1


def test_drop_before_is_connection_error_and_never_reaches_upstream(upstream: Upstream) -> None:
    with FaultProxy(upstream.url) as proxy, requests.Session() as s:
        proxy.force("drop_before")
        with pytest.raises(requests.ConnectionError):
            s.post(f"{proxy.url}/v1/events", json={"id": 1}, timeout=2)
        assert upstream.count == 0 and proxy.stats["forwarded"] == 0
        assert s.get(f"{proxy.url}/x", timeout=2).status_code == 200  # the session recovers


def test_timeout_is_read_timeout_and_never_reaches_upstream(upstream: Upstream) -> None:
    with FaultProxy(upstream.url, plan=FaultPlan(hold_s=1.0)) as proxy:
        proxy.force("timeout")
        with pytest.raises(requests.ReadTimeout):
            requests.post(f"{proxy.url}/v1/events", json={"id": 1}, timeout=(1, 0.3))
        assert upstream.count == 0 and proxy.stats["timeout"] == 1


@pytest.mark.parametrize("retry_after", [0, 1])
def test_500_and_429_answer_without_forwarding(upstream: Upstream, retry_after: int) -> None:
    with FaultProxy(upstream.url, plan=FaultPlan(retry_after=retry_after)) as proxy:
        proxy.force("error_500")
        proxy.force("throttle_429")
        assert requests.post(f"{proxy.url}/v1/events", json={}, timeout=2).status_code == 500
        r = requests.post(f"{proxy.url}/v1/events", json={}, timeout=2)
        assert r.status_code == 429 and r.headers["Retry-After"] == str(retry_after)
        assert upstream.count == 0 and proxy.stats["forwarded"] == 0


def test_lost_response_reaches_upstream_but_client_gets_connection_error(upstream: Upstream) -> None:
    with FaultProxy(upstream.url) as proxy:
        proxy.force("lost_response")
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/v1/events", data=b"event-42", timeout=2)
        assert upstream.seen == [("POST", "/v1/events", b"event-42")]
        assert proxy.stats["lost_response"] == 1 and proxy.stats["forwarded"] == 1


def _modes(upstream: Upstream, seed: int) -> list[str]:
    plan = FaultPlan(drop_before=0.15, error_500=0.15, throttle_429=0.15, lost_response=0.15,
                     timeout=0.1, hold_s=0.02)  # hold shorter than the read timeout: a late close
    with FaultProxy(upstream.url, seed=seed, plan=plan) as proxy, requests.Session() as s:
        for i in range(40):
            try:
                s.post(f"{proxy.url}/v1/events", data=str(i), timeout=2)
            except requests.ConnectionError:
                pass
        return [mode for _, mode in proxy.history]


def test_random_plan_is_reproducible_with_a_seed(upstream: Upstream) -> None:
    first, again, other = _modes(upstream, 7), _modes(upstream, 7), _modes(upstream, 8)
    assert first == again and first != other
    assert {"drop_before", "timeout", "error_500", "throttle_429", "lost_response", "ok"} <= set(first)


def test_path_filter_faults_only_matching_paths(upstream: Upstream) -> None:
    plan = FaultPlan(error_500=1.0, path_prefix="/v1/events")
    with FaultProxy(upstream.url, plan=plan) as proxy:
        assert requests.get(f"{proxy.url}/health", timeout=2).status_code == 200
        assert requests.post(f"{proxy.url}/v1/events", json={}, timeout=2).status_code == 500
        assert proxy.stats["bypassed"] == 1 and proxy.stats["error_500"] == 1
        assert proxy.history == [("/v1/events", "error_500")]


def test_concurrent_counts_match_upstream(upstream: Upstream) -> None:
    plan = FaultPlan(drop_before=0.1, error_500=0.1, throttle_429=0.1, lost_response=0.1)
    with FaultProxy(upstream.url, seed=3, plan=plan) as proxy:
        def push(i: int) -> None:
            with requests.Session() as s:
                for j in range(25):
                    try:
                        s.post(f"{proxy.url}/v1/events", data=f"{i}-{j}", timeout=2)
                    except requests.ConnectionError:
                        pass

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(push, range(8)))
        st = proxy.stats
        assert sum(st[m] for m in ("drop_before", "error_500", "throttle_429", "lost_response", "ok")) == 200
        assert st["forwarded"] == st["ok"] + st["lost_response"] == upstream.count


def test_stop_is_quick_and_leaves_no_threads(upstream: Upstream) -> None:
    proxy = FaultProxy(upstream.url, plan=FaultPlan(hold_s=30)).start()
    idle = requests.Session()
    assert idle.get(f"{proxy.url}/x", timeout=2).status_code == 200  # an idle keep-alive connection
    proxy.force("timeout")
    errors: list[BaseException] = []

    def held() -> None:
        try:
            requests.get(f"{proxy.url}/v1/events", timeout=10)
        except requests.RequestException as e:
            errors.append(e)

    client = threading.Thread(target=held)
    client.start()
    time.sleep(0.2)
    assert len(proxy_threads()) >= 3  # server + idle connection + held connection
    t0 = time.monotonic()
    proxy.stop()
    assert time.monotonic() - t0 < 2.0
    client.join(2)
    idle.close()
    assert proxy_threads() == [] and errors and isinstance(errors[0], requests.ConnectionError)
