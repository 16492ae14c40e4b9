"""A stand-in for the payment provider's refund API on loopback (the provider is outside our
system; backend.payment_provider.HttpRefunds speaks to it). It honours the Idempotency-Key
header the way real providers do (the same key answers the first refund and pays nothing more)
and records every refund it made, so a test can count what really went out.

    with PaymentStandin() as provider:
        monkeypatch.setenv("POS_PAYMENT_PROVIDER_URL", provider.url)   # before the center starts
        ...
        assert provider.refunded() == [("A123/1", 2500)]
        provider.fail_next = 1      # the next call answers 503: a provider that is down
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class PaymentStandin:
    def __init__(self) -> None:
        self.refunds: dict[str, dict[str, object]] = {}  # idempotency key -> the refund made
        self.calls = 0
        self.fail_next = 0
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server spelling
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                with standin._lock:
                    standin.calls += 1
                    if standin.fail_next > 0:
                        standin.fail_next -= 1
                        self._answer(503, {"error": "unavailable"})
                        return
                    if self.path != "/v1/refunds" or not key:
                        self._answer(400, {"error": "POST /v1/refunds with an Idempotency-Key"})
                        return
                    refund = standin.refunds.get(key)
                    if refund is None:
                        refund = {"id": f"re_{len(standin.refunds) + 1}", "payment": body.get("payment"),
                                  "amount": body.get("amount")}
                        standin.refunds[key] = refund
                self._answer(200, refund)

            def _answer(self, status: int, doc: dict[str, object]) -> None:
                data = json.dumps(doc).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def refunded(self) -> list[tuple[object, object]]:
        """(payment reference, amount in cents) of every refund really made, in order."""
        with self._lock:
            return [(r["payment"], r["amount"]) for r in self.refunds.values()]

    def __enter__(self) -> PaymentStandin:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
