"""A fault-injecting HTTP/1.1 proxy on loopback, for exactly-once sync tests.

It sits between the store's sync client (requests) and the backend (uvicorn) and, per request,
picks a mode with a seeded random.Random (probabilities in FaultPlan) or from force(mode, n):

* ``drop_before``   close the client connection without forwarding: the network died before the
  request reached the server (requests: ConnectionError, "Remote end closed connection").
* ``timeout``       hold the connection without answering for ``hold_s``, then close; not forwarded:
  a hung server / black-holed network (requests: ReadTimeout if its read timeout < hold_s).
* ``error_500``     answer 500 without forwarding: the server crashed before committing.
* ``throttle_429``  answer 429 + ``Retry-After: N`` without forwarding: rate limiting / overload.
* ``lost_response`` forward, read the upstream's full response (the server HAS committed), then
  close without sending a byte: the reply was lost on the way back (requests: ConnectionError,
  indistinguishable from drop_before - the client must retry and the server must dedupe).
* ``ok``            forward normally.

Paths not starting with ``plan.path_prefix`` are always forwarded (counted as "bypassed").

``poison``: a request whose body contains these bytes is answered 500 without forwarding, every
time (a center that fails on one event; counted in ``poisoned``).

    with FaultProxy(upstream=backend_url, seed=1, plan=FaultPlan(lost_response=0.2)) as proxy:
        client = SyncClient(proxy.url); ...; print(proxy.stats)
"""
from __future__ import annotations

import http.client
import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("drop_before", "timeout", "error_500", "throttle_429", "lost_response")
MODES = FAULTS + ("ok",)
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-connection"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class FaultPlan:
    """Probabilities (0..1, summing to <= 1) of each fault; the rest is "ok"."""
    drop_before: float = 0.0
    timeout: float = 0.0
    error_500: float = 0.0
    throttle_429: float = 0.0
    lost_response: float = 0.0
    hold_s: float = 2.0            # how long "timeout" holds the connection (> client read timeout)
    retry_after: int = 1           # the Retry-After value sent with 429
    path_prefix: str = ""          # faults only for paths starting with this ("" = all paths)
    upstream_timeout: float = 10.0

    def __post_init__(self) -> None:
        probs = [getattr(self, m) for m in FAULTS]
        if any(p < 0 for p in probs) or sum(probs) > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities must be >= 0 and sum to <= 1: {probs}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    proxy: FaultProxy

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(target=self._run, args=(request, client_address),
                             name="fault-proxy-conn", daemon=True)
        with self.proxy._lock:
            self.proxy._threads.add(t)
            self.proxy._socks.add(request)
        t.start()

    def _run(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.proxy._lock:
                self.proxy._threads.discard(threading.current_thread())
                self.proxy._socks.discard(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30.0  # idle keep-alive connections; stop() closes them anyway
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle/delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep tests quiet
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        if proxy.poison and proxy.poison in body:  # the center "fails on this one event"
            proxy.poisoned += 1
            return self._reply(500, [("Content-Type", "application/json")], b'{"detail":"injected fault"}')
        mode = proxy._choose(self.path)
        if mode in ("drop_before", "timeout"):
            if mode == "timeout":
                proxy._stopping.wait(proxy.plan.hold_s)
            self.close_connection = True  # nothing written: the client sees EOF
            return
        if mode == "error_500":
            return self._reply(500, [("Content-Type", "text/plain")], b"injected fault\n")
        if mode == "throttle_429":
            return self._reply(429, [("Retry-After", str(proxy.plan.retry_after)),
                                     ("Content-Type", "text/plain")], b"slow down\n")
        result = proxy._forward(self.command, self.path, self.headers.items(), body)
        if mode == "lost_response":
            self.close_connection = True  # upstream has answered; the client gets nothing
            return
        self._reply(*(result or (502, [("Content-Type", "text/plain")], b"upstream unreachable\n")))

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class FaultProxy:
    def __init__(self, upstream: str, seed: int = 0, plan: FaultPlan | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK or not parts.port:
            raise ValueError(f"upstream must be http://<loopback>:<port>, got {upstream!r}")
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self.plan = plan or FaultPlan()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._forced: deque[str] = deque()
        self._stats = dict.fromkeys(MODES + ("forwarded", "bypassed", "upstream_errors"), 0)
        self.history: list[tuple[str, str]] = []  # (path, mode) of every faultable request, in order
        self.poison: bytes | None = None  # a body containing it gets 500, not forwarded
        self.poisoned = 0
        self._threads: set[threading.Thread] = set()
        self._socks: set[socket.socket] = set()
        self._upstream_socks: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes "timeout" holds
        self._server.shutdown()  # no new connections are dispatched after this returns
        self._server.server_close()
        with self._lock:
            socks = list(self._socks) + list(self._upstream_socks)
            threads = list(self._threads)
        for s in socks:  # unblock handlers waiting on idle keep-alive clients or a slow upstream
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for t in threads + [self._thread]:
            if t is not None:
                t.join(max(0.0, deadline - time.monotonic()))
        self._server = self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "proxy not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- control and counters --------------------------------------------------------------
    def force(self, mode: str, count: int = 1) -> None:
        """The next `count` faultable requests get `mode` (before any random choice)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        with self._lock:
            self._forced.extend([mode] * count)

    @property
    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    def _choose(self, path: str) -> str:
        with self._lock:
            if not path.startswith(self.plan.path_prefix):
                self._stats["bypassed"] += 1
                return "ok"
            if self._forced:
                mode = self._forced.popleft()
            else:
                r, mode = self._rng.random(), "ok"
                for fault in FAULTS:
                    r -= getattr(self.plan, fault)
                    if r < 0:
                        mode = fault
                        break
            self._stats[mode] += 1
            self.history.append((path, mode))
            return mode

    def _forward(self, method: str, path: str, headers: Any, body: bytes
                 ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port,
                                          timeout=self.plan.upstream_timeout)
        sent = {k: v for k, v in headers if k.lower() not in HOP_BY_HOP}
        if body or method in ("POST", "PUT", "PATCH"):
            sent = {k: v for k, v in sent.items() if k.lower() != "content-length"}
            sent["Content-Length"] = str(len(body))
        try:
            conn.connect()
            with self._lock:
                self._upstream_socks.add(conn.sock)
            conn.request(method, path, body=body or None, headers=sent)
            resp = conn.getresponse()
            data = resp.read()
            with self._lock:
                self._stats["forwarded"] += 1
            return resp.status, resp.getheaders(), data
        except (OSError, http.client.HTTPException):
            with self._lock:
                self._stats["upstream_errors"] += 1
            return None
        finally:
            with self._lock:
                self._upstream_socks.discard(conn.sock)  # type: ignore[arg-type]
            conn.close()
