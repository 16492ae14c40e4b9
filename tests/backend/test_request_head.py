"""An oversized request head gets an answer, not a reset: 414 for a request line over
backend.http_limits.MAX_REQUEST_LINE, 431 for a head over MAX_HEAD, from the real center process
(`pos-backend serve`, uvicorn with backend.http_limits.uvicorn_options) over loopback."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from backend.http_limits import MAX_HEAD, MAX_REQUEST_LINE, head_refusal
from tests.backend_server import BackendServer, backend_database_url

backend_db = pytest.fixture(backend_database_url)


@pytest.fixture
def server(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as running:
        yield running


def test_a_huge_header_is_431_a_huge_path_414_and_the_center_serves_on(server: BackendServer) -> None:
    assert requests.get(f"{server.url}/v1/health", headers={"X-Note": "a" * (MAX_HEAD // 2)},
                        timeout=10).status_code == 200
    big_header = requests.get(f"{server.url}/v1/health", headers={"X-Note": "a" * 1_000_000}, timeout=10)
    assert big_header.status_code == 431 and "head" in big_header.json()["detail"]
    long_path = requests.get(f"{server.url}/v1/purchases/{'7' * 200_000}", timeout=10)
    assert long_path.status_code == 414 and "request line" in long_path.json()["detail"]
    with_body = requests.post(f"{server.url}/v1/events", headers={"X-Note": "a" * 1_000_000},
                              data=b"{" * 2_000_000, timeout=10)
    assert with_body.status_code == 431
    assert requests.get(f"{server.url}/v1/health", timeout=10).json()["status"] == "ok"


def test_the_head_rule_sees_an_unfinished_request_line_too() -> None:
    assert head_refusal(b"GET /" + b"a" * MAX_REQUEST_LINE) == 414  # no CRLF yet
    assert head_refusal(b"GET /v1/health HTTP/1.1\r\nX: " + b"a" * MAX_HEAD) == 431
    assert head_refusal(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n" + b"b" * 10 * MAX_HEAD) is None  # body
    assert head_refusal(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n") is None
