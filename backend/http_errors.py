"""What the center answers when a request goes wrong before or outside an endpoint's own
refusals, so that the answer is the one the spec documents and never a 500 for what a client
sent.

- A body or parameter that does not match the spec: FastAPI's 422 (HTTPValidationError), but
  rendered with ASCII escapes. Why: the default echoes the input, and an input holding a lone
  surrogate cannot be encoded as UTF-8, so the refusal itself failed with a 500.
- A value that got past validation but that the database cannot hold (a DataError, or the
  driver's OverflowError / encoding error): 422 Problem naming the problem; the transaction was
  rolled back, so nothing is stored. Other database failures stay 5xx: they are the center's
  fault, and the worker isolates an event that keeps causing one (sync/worker.py).
- A body or parameter refused before the endpoint ran, without a good token: 401 first (the
  order every other refusal follows); an unreadable body is the documented 422, not a 400.
- 405: the Allow header lists every method the path has (Starlette names only those of the
  first route that matches the path, so PUT went missing next to GET).

Thread: the handlers run on the event loop; they do no I/O.
"""
from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, StatementError

from backend.auth import admin_token_matches, authenticate_device
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

CLIENT_VALUE_ERRORS = (OverflowError, UnicodeEncodeError)


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: encodable whatever the text holds."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _problem(status: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    return AsciiJSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    refused = await _unauthenticated(request)
    if refused is not None:
        return refused
    return AsciiJSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)


async def _unauthenticated(request: Request) -> Response | None:
    """The 401 a request without the right token gets, or None. FastAPI reads and checks the
    body before it runs the endpoint's token dependency, so a bad body without a token got 422
    (or 400): the token comes first, as for every other refusal."""
    path = request.url.path
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if path.startswith(("/v1/admin/", "/v1/channel/")):
        if admin_token_matches(request.app.state.admin_token, token or None):
            return None
        detail = "missing or wrong admin token"
    elif path.startswith("/v1/") and path != "/v1/health":
        if token and await run_in_threadpool(authenticate_device, request.app.state.db, token) is not None:
            return None
        detail = "missing or unknown device token"
    else:
        return None
    return _problem(401, detail, {"WWW-Authenticate": "Bearer"})


def _is_client_value(exc: BaseException) -> bool:
    if isinstance(exc, DataError):
        return True
    if isinstance(exc, StatementError):  # the driver refused a parameter before sending it
        return isinstance(exc.orig, CLIENT_VALUE_ERRORS)
    return isinstance(exc, CLIENT_VALUE_ERRORS)


async def _database_refused(_request: Request, exc: Exception) -> Response:
    if not _is_client_value(exc):
        raise exc
    orig = getattr(exc, "orig", None) or exc
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return _problem(422, f"a value cannot be stored: {first_line[:200]}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        # FastAPI's answer to a body it cannot read (not UTF-8, not a form): the same 422 as for
        # a body that is not JSON, as documented (and after the token check)
        refused = await _unauthenticated(request)
        if refused is not None:
            return refused
        return AsciiJSONResponse({"detail": [{"type": "body_unreadable", "loc": ["body"],
                                              "msg": "the body cannot be read as JSON"}]}, status_code=422)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return _problem(exc.status_code, exc.detail, headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method the spec documents for this path (the spec is what clients read)."""
    app = request.app
    table: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = [(re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"),
                  sorted(method.upper() for method in operations))
                 for path, operations in app.openapi()["paths"].items()]
        app.state.allowed_methods = table
    path = request.url.path
    return sorted({m for pattern, methods in table if pattern.match(path) for m in methods})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(StatementError, _database_refused)
    app.add_exception_handler(OverflowError, _database_refused)
    app.add_exception_handler(UnicodeEncodeError, _database_refused)
    app.add_exception_handler(StarletteHTTPException, _http_error)
