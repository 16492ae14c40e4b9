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
