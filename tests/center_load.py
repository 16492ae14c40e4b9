"""Several center processes behind a real load balancer, and simulated tills that speak the wire
protocol to it: shared by the multi-process test (tests/test_center_scale.py) and the load
benchmark (tests/perf/bench_center.py).

    with LoadBalancer([a.port, b.port]) as lb:            # Debian's haproxy on loopback
        till = SimulatedTill("BER-K11", "BER", token, lb.url)
        till.push_sales(10)                               # resends the same ids until answered
        till.pull()                                       # pages from its cursor, order checked

A simulated till behaves like sync.worker on the wire: every event keeps its id (the
idempotency key) and its per-device seq across resends; a batch is resent whole until the
center answers it (a 502 from the balancer, a reset connection, a 503 all mean "again"); the
feed is read from the cursor in pages, and the cursor moves only to next_cursor.

Threads: one SimulatedTill is used by one thread at a time (its own HTTP connection).
"""
from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.backend_server import free_port

HAPROXY_CONFIG = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 2s
    retries 2
    option redispatch
    # a dead process: a new connection goes to the other one; a request already sent is not
    # retried by the balancer (the till resends it, with the same idempotency keys)
    retry-on conn-failure
frontend center
    bind 127.0.0.1:{port}
    default_backend centers
backend centers
    balance roundrobin
    option httpchk GET /v1/health
    http-reuse safe
{servers}
"""


def haproxy_path() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


class LoadBalancer:
    """haproxy in the foreground on 127.0.0.1, round robin over the given center ports, with a
    health check every 250 ms (a killed process is out within about half a second)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> LoadBalancer:
        binary = haproxy_path()
        if binary is None:
            raise RuntimeError("haproxy is not installed (Debian: apt-get install haproxy; make test-scale does)")
        self._dir = tempfile.TemporaryDirectory(prefix="haproxy-")
        # a killed process refuses connections: out after two failed checks (~0.5 s); a check
        # that is merely slow on a busy machine does not take a healthy one out
        servers = "\n".join(f"    server c{i} 127.0.0.1:{port} check inter 250ms fall 2 rise 1"
                            for i, port in enumerate(self.ports))
        config = Path(self._dir.name) / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=self.port, servers=servers), encoding="utf-8")
        self._process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self._process.stderr.read().decode() if self._process.stderr else ''}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/v1/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("haproxy did not answer within 10 s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> LoadBalancer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def sale_event(device_id: str, store_id: str, seq: int, product_id: int, cents: int) -> dict[str, Any]:
    """A sale.completed event as a till sends it (one line, paid by card)."""
    line = {"line_no": 1, "product_id": product_id, "sku": f"WM-{product_id:06d}", "name": f"Artikel {product_id}",
            "quantity": 1, "unit_price_cents": cents, "list_price_cents": cents, "line_discount_cents": 0,
            "cart_discount_cents": 0, "total_cents": cents, "vat_percent": 19}
    payload = {"sale_id": str(uuid.uuid4()), "receipt_number": f"{device_id}-{seq:06d}", "store_id": store_id,
               "device_id": device_id, "cashier_id": 1, "created_at": _now(), "total_cents": cents,
               "cart_discount_cents": 0, "lines": [line],
               "tenders": [{"kind": "card", "amount_cents": cents, "given_cents": cents, "reference": "4711"}],
               "vat": [{"percent": 19, "gross_cents": cents, "vat_cents": round(cents * 19 / 119)}]}
    return {"id": str(uuid.uuid4()), "device_id": device_id, "seq": seq, "type": "sale.completed",
            "schema_version": 1, "created_at": _now(), "payload": payload}


class FeedOrderBroken(AssertionError):
    """The feed handed out a sequence at or below one this reader had already passed."""


@dataclass
class SimulatedTill:
    device_id: str
    store_id: str
    token: str
    base_url: str
    products: tuple[int, ...] = (1, 2, 3, 4, 5)
    timeout_s: float = 10.0
    seq: int = 0
    cursor: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # event id -> first answer
    seen_seqs: list[int] = field(default_factory=list)  # every feed sequence applied, in order
    push_seconds: list[float] = field(default_factory=list)  # one per answered push request
    resends: int = 0
    refusals: dict[int, int] = field(default_factory=dict)  # status (0: no answer) -> count, of resent pushes
    _conn: http.client.HTTPConnection | None = None

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One request on the till's kept-alive connection. A connection the server closed
        while idle (uvicorn does after 5 s) fails at once: then one more try on a new one,
        as HTTP clients do; any other failure is the caller's to handle."""
        host, port = self.base_url.removeprefix("http://").split(":")
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        attempts = 2 if self._conn is not None else 1
        for attempt in range(attempts):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(host, int(port), timeout=self.timeout_s)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._conn.close()
                self._conn = None
                if attempt == attempts - 1:
                    raise
            except (OSError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                raise
        if response.getheader("Connection", "").lower() == "close":
            self._conn.close()
            self._conn = None
        return response.status, data

    def push_sales(self, count: int, deadline: float = float("inf")) -> bool:
        """Make `count` sales and push them as one batch, resending the same batch until the
        center answers 200 (or `deadline`, time.monotonic(), passes: False)."""
        events = []
        for _ in range(count):
            self.seq += 1
            product = self.products[self.seq % len(self.products)]
            events.append(sale_event(self.device_id, self.store_id, self.seq, product, 1000 + product))
        return self.push(events, deadline)

    def push(self, events: list[dict[str, Any]], deadline: float = float("inf")) -> bool:
        body = json.dumps({"events": events}).encode()
        while True:
            started = time.perf_counter()
            try:
                status, data = self._request("POST", "/v1/events", body)
            except (OSError, http.client.HTTPException):
                status, data = 0, b""
            if status == 200:
                self.push_seconds.append(time.perf_counter() - started)
                for result in json.loads(data)["results"]:
                    self.outcomes.setdefault(result["id"], result["outcome"])
                return True
            if status not in (0, 429, 500, 502, 503, 504):
                raise AssertionError(f"push refused with {status}: {data[:300]!r}")
            self.resends += 1
            self.refusals[status] = self.refusals.get(status, 0) + 1
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def pull(self, limit: int = 500, deadline: float = float("inf")) -> int:
        """Read the feed from the cursor until has_more is false; returns changes applied.
        Raises FeedOrderBroken if a page holds a sequence at or below the cursor."""
        applied = 0
        while time.monotonic() <= deadline:
            try:
                status, data = self._request("GET", f"/v1/changes?after={self.cursor}&limit={limit}")
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
                continue
            if status != 200:
                time.sleep(0.05)
                continue
            page = json.loads(data)
            seqs = [change["seq"] for change in page["changes"]]
            if seqs and (seqs[0] <= self.cursor or seqs != sorted(set(seqs))):
                raise FeedOrderBroken(f"{self.device_id}: cursor {self.cursor}, page {seqs[:5]}...")
            self.seen_seqs += seqs
            applied += len(seqs)
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        return applied

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def register_devices(admin_url: str, admin_token: str, devices: list[tuple[str, str]]) -> dict[str, str]:
    """Register (device id, store id) pairs through the admin API; returns id -> token."""
    host, port = admin_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    tokens = {}
    try:
        for device_id, store_id in devices:
            conn.request("POST", "/v1/admin/devices", headers={"Authorization": f"Bearer {admin_token}",
                                                               "Content-Type": "application/json"},
                         body=json.dumps({"device_id": device_id, "store_id": store_id, "name": device_id}))
            response = conn.getresponse()
            data = response.read()
            assert response.status == 200, data
            tokens[device_id] = json.loads(data)["token"]
    finally:
        conn.close()
    return tokens
