"""The center's logs and request bookkeeping: JSON lines on stderr, one per request with its
request id, device and store, and the Prometheus counters of backend.metrics.

    {"time": "2026-12-06T21:02:11.532Z", "level": "INFO", "logger": "backend.request",
     "message": "POST /v1/events 200", "request_id": "4f0c...", "device": "BER-K1",
     "store": "BER", "method": "POST", "route": "/v1/events", "status": 200, "ms": 12.4}

Every line logged while a request runs (a warning from applying an event, say) carries the same
request_id, device and store: a contextvar holds a small mutable RequestContext that the
middleware creates and the device authentication fills in (`note_device`). Mutable on purpose:
FastAPI runs plain `def` endpoints and dependencies in a worker thread with a COPY of the
context, so a new value set there would not come back; the object it points to does.

A request id sent by a caller (X-Request-ID, e.g. from a load balancer) is kept when it looks
sane, otherwise a new one is made; the response carries it back in X-Request-ID.

Logging is configured once per program: `pos-backend serve` hands LOG_CONFIG to uvicorn, which
applies it in every worker process; other commands call `configure()`.

Threads: the middleware runs on the event loop; `note_device` on a request's worker thread.
"""
from __future__ import annotations

import json
import logging
import logging.config
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from backend import metrics

REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
QUIET_ROUTES = frozenset({"/v1/health", "/metrics"})  # polled all the time: DEBUG, not INFO
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime",
                                                                                   "color_message"}
request_log = logging.getLogger("backend.request")


@dataclass
class RequestContext:
    request_id: str
    device: str | None = None
    store: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("pos_request", default=None)


def note_device(device_id: str, store_id: str) -> None:
    """Called once the token is known: this request's log lines name the device and store."""
    context = _current.get()
    if context is not None:
        context.device, context.store = device_id, store_id


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC, ms), level, logger, message, the request's
    context when there is one, the record's `extra` fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        context = _current.get()
        if context is not None:
            line.update(request_id=context.request_id, device=context.device, store=context.store)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config(level: str = "info") -> dict[str, Any]:
    """A logging.config dict: everything (ours and uvicorn's) as JSON lines on stderr.
    uvicorn's own access log is off: our middleware logs each request with more in it."""
    level = level.upper()
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "backend.observability.JsonLines"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "alembic": {"handlers": [], "level": "WARNING", "propagate": True},  # its plugin chatter
        },
    }


def configure(level: str = "info") -> None:
    logging.config.dictConfig(log_config(level))


class RequestObserver:
    """Pure ASGI middleware: request id, timing, one log line and the metrics per request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        context = RequestContext(given if _SANE_ID.match(given) else uuid.uuid4().hex)
        token = _current.set(context)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (REQUEST_ID_HEADER, context.request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route_obj = scope.get("route")
            route = getattr(route_obj, "path", None) or "unmatched"
            method = scope.get("method", "")
            metrics.observe_request(method, route, status, seconds)
            level = logging.DEBUG if route in QUIET_ROUTES and status < 400 else logging.INFO
            if request_log.isEnabledFor(level):
                request_log.log(level, "%s %s %s", method, scope.get("path", ""), status,
                                extra={"method": method, "route": route, "status": status,
                                       "ms": round(seconds * 1000, 1)})
            _current.reset(token)


def install(app: Any, db: Any) -> None:
    """Add the middleware and GET /metrics (not in the OpenAPI document: it is for Prometheus,
    not for devices) to the FastAPI app."""
    from fastapi import Response

    figures = metrics.DatabaseFigures(db)

    def metrics_endpoint() -> Response:
        body, content_type = metrics.metrics_page(figures)
        return Response(body, media_type=content_type)

    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestObserver)
