"""Refusing bodies over sync.protocol.MAX_BODY_BYTES before anything parses them.

Why a raw ASGI middleware and not a check in the endpoint: FastAPI reads and parses the whole
body before the endpoint runs, so the endpoint would be too late to protect memory. A declared
Content-Length over the limit is refused at once; a body without one (chunked) is buffered up
to the limit and refused as soon as it goes over.

The rest of a refused body is read and thrown away (up to DRAIN_LIMIT) before answering: a
client that is still sending when the server closes the connection sees "connection reset"
instead of the 413 that tells it to send smaller batches.
"""
from __future__ import annotations

import functools

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DRAIN_LIMIT = 64 * 1024 * 1024


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(receive, send, 0)
                return
            await self.app(scope, receive, send)  # the server holds the client to Content-Length
            return
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                buffered.append(message)
                break
            size += len(message.get("body", b""))
            buffered.append(message)
            if size > self.max_bytes:
                await self._refuse(receive, send, size, more=message.get("more_body", False))
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, receive: Receive, send: Send, drained: int, more: bool = True) -> None:
        while more and drained < DRAIN_LIMIT:
            message = await receive()
            if message["type"] != "http.request":
                break
            drained += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes; send smaller batches"})
        headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if more:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})


# ---- request line and header limits: 414 and 431 instead of a reset ------------------------
#
# uvicorn's h11 protocol holds at most h11_max_incomplete_event_size bytes (16 KB by default)
# of a request head; above it h11 raises, uvicorn answers 400 and closes at once, and a client
# still sending its 1 MB header gets "connection reset" instead of any answer. BoundedH11Protocol
# looks at the head before h11 does: a request line over MAX_REQUEST_LINE is answered 414, a
# head over MAX_HEAD 431 (RFC 6585), and what the client still sends is read and thrown away
# (up to DRAIN_LIMIT, for at most LINGER_S) before the connection closes, so the answer arrives.
# `pos-backend serve` runs uvicorn with it (uvicorn_options); h11's own limit is set above ours.

MAX_REQUEST_LINE = 32 * 1024  # 1,000 product ids in a query string fit
MAX_HEAD = 64 * 1024
LINGER_S = 5.0


def head_refusal(pending: bytes) -> int | None:
    """414, 431 or None for the bytes of a request head received so far (maybe incomplete)."""
    end = pending.find(b"\r\n\r\n")
    head = pending if end < 0 else pending[:end]
    line_end = head.find(b"\r\n")
    if (len(head) if line_end < 0 else line_end) > MAX_REQUEST_LINE:
        return 414
    if len(head) > MAX_HEAD:
        return 431
    return None


@functools.cache
def _bounded_h11_protocol() -> type:
    """The protocol class, built on first use so that importing this module needs no uvicorn.
    Cached and reachable as `backend.http_limits.BoundedH11Protocol` (module __getattr__), so
    that `serve --workers N` can hand it to its worker processes by reference (pickle)."""
    import asyncio

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class BoundedH11Protocol(H11Protocol):  # type: ignore[misc]
        """uvicorn's h11 protocol with the head limits above. Runs on the server's event loop."""

        _refused = False
        _drained = 0
        _linger: asyncio.TimerHandle | None = None

        def data_received(self, data: bytes) -> None:
            if self._refused:
                self._discard(data)
                return
            if self.conn.their_state is h11.IDLE:
                pending = self.conn.trailing_data[0] + data
                status = head_refusal(pending)
                if status is not None:
                    self._refuse(status)
                    self._discard(pending)
                    return
            super().data_received(data)

        def _refuse(self, status: int) -> None:
            self._refused = True
            self._unset_keepalive_if_required()
            what = (f"request line over {MAX_REQUEST_LINE} bytes" if status == 414
                    else f"request head over {MAX_HEAD} bytes")
            body = json.dumps({"detail": what}).encode()
            reason = b"URI Too Long" if status == 414 else b"Request Header Fields Too Large"
            self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                                 b"connection: close\r\n\r\n%s" % (status, reason, len(body), body))
            if self.transport.can_write_eof():
                self.transport.write_eof()  # done on our side; the client may finish sending
            self._linger = self.loop.call_later(LINGER_S, self.transport.close)

        def _discard(self, data: bytes) -> None:
            self._drained += len(data)
            if self._drained > DRAIN_LIMIT:
                self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._linger is not None:
                self._linger.cancel()
            super().connection_lost(exc)

        def eof_received(self) -> bool | None:
            if self._refused:
                self.transport.close()  # the client has sent all it had and read the answer
            return None

    BoundedH11Protocol.__qualname__ = "BoundedH11Protocol"
    BoundedH11Protocol.__module__ = __name__
    return BoundedH11Protocol


def __getattr__(name: str) -> Any:
    if name == "BoundedH11Protocol":
        return _bounded_h11_protocol()
    raise AttributeError(name)


def uvicorn_options() -> dict[str, Any]:
    """Keyword arguments for uvicorn.run that put the head limits in place."""
    return {"http": _bounded_h11_protocol(), "h11_max_incomplete_event_size": 2 * MAX_HEAD}
