"""A tiny in-process stand-in for the center's HTTP API, for the protocol's edge cases only
(429/503 with Retry-After, 5xx, 401/403, 413/422 with FastAPI's detail, bad answers, a batch
refused because of one bad event). The main flows run against the real backend
(tests/backend_server.py).

It applies every event it is sent (once per id; a resend is `duplicate` with the first
change_seq), can refuse events whose payload contains a marker (`reject_marker`: outcome
rejected; `refuse_marker`: the whole batch 422 as FastAPI would answer), and serves a
change feed from `feed` (a list of protocol Change dicts). `script` holds canned answers
(status, headers, body) that the next requests get instead, in order.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "test-token"


class FakeCenter:
    def __init__(self) -> None:
        self.applied: dict[str, int] = {}  # event id -> change_seq
        self.requests: list[tuple[str, str, int]] = []  # (method, path, events in body)
        self.script: deque[tuple[int, dict[str, str], bytes]] = deque()
        self.feed: list[dict[str, Any]] = []
        self.reject_marker = "REJECT-ME"
        self.refuse_marker = "REFUSE-ME"
        self.seq = 1000
        self.delay_s = 0.0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeCenter:
        center = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                center._handle(self, b"")

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                center._handle(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer_next(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
                    times: int = 1) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
        for _ in range(times):
            self.script.append((status, headers or {}, raw))

    # ---- the handler (server threads) ------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        path = urlsplit(handler.path)
        events = json.loads(body)["events"] if body else []
        with self._lock:
            self.requests.append((handler.command, path.path, len(events)))
            scripted = self.script.popleft() if self.script else None
        if scripted is not None:
            return self._reply(handler, *scripted)
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._reply(handler, 401, {}, b'{"detail":"unknown device token"}')
        if path.path == "/v1/events" and handler.command == "POST":
            return self._reply(handler, 200, {}, json.dumps(self._push(events)).encode())
        if path.path == "/v1/device":
            return self._reply(handler, 200, {}, b'{"device_id":"BER-K1","store_id":"BER","name":"Kasse 1"}')
        if path.path == "/v1/changes":
            query = parse_qs(path.query)
            after, limit = int(query["after"][0]), int(query["limit"][0])
            return self._reply(handler, 200, {}, json.dumps(self._changes(after, limit)).encode())
        return self._reply(handler, 404, {}, b'{"detail":"Not Found"}')

    def _push(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        for i, event in enumerate(events):
            if self.refuse_marker in json.dumps(event["payload"]):
                return {"__status__": 422, "detail": [
                    {"type": "value_error", "loc": ["body", "events", i, "payload"],
                     "msg": "Value error, the line totals do not add up to total_cents"}]}
        results = []
        with self._lock:
            for event in events:
                if event["id"] in self.applied:
                    results.append({"id": event["id"], "outcome": "duplicate",
                                    "change_seq": self.applied[event["id"]]})
                elif self.reject_marker in json.dumps(event["payload"]):
                    results.append({"id": event["id"], "outcome": "rejected",
                                    "reason": "already handed over at another till"})
                else:
                    self.seq += 1
                    self.applied[event["id"]] = self.seq
                    results.append({"id": event["id"], "outcome": "applied", "change_seq": self.seq})
        return {"results": results}

    def _changes(self, after: int, limit: int) -> dict[str, Any]:
        newer = [c for c in self.feed if c["seq"] > after]
        page = newer[:limit]
        high = max([c["seq"] for c in self.feed], default=0)
        return {"changes": page, "next_cursor": page[-1]["seq"] if page else after,
                "has_more": len(newer) > limit, "high_water": high}

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        if body.startswith(b'{"__status__"'):
            data = json.loads(body)
            status = data.pop("__status__")
            body = json.dumps(data).encode()
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up waiting (a timeout test)
