"""The center's clock, and when the center says a device's event happened.

- `CenterClock` (a raw ASGI middleware): every answer carries `X-Center-Time`, the center's
  UTC clock in milliseconds when it starts the answer. The devices' sync client measures its
  clock offset against it (pos_app.trusted_time.measure). HTTP's own `Date` header says the
  same to the second; the devices fall back to it.
- `event_time(event, received_at)`: the one rule by which the center dates an event for its
  windows and merges (corrected device time, no later than its arrival, no earlier than the
  device's last clock measurement; its arrival when the device knew no offset). The rule is
  pos_app.trusted_time.event_time, the same code a till uses; this is the center's door to it.

Thread: request threads (event_time is pure); the middleware runs on the server's event loop.
"""
from __future__ import annotations

from datetime import datetime, timezone

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pos_app.trusted_time import EventTime
from pos_app.trusted_time import event_time as _rule
from sync.protocol import Event

HEADER = "X-Center-Time"


def center_now() -> datetime:
    return datetime.now(timezone.utc)


def event_time(event: Event, received_at: datetime) -> EventTime:
    """When `event` happened, by the center's rule (pos_app.trusted_time)."""
    return _rule(event.created_at, event.corrected_at, event.clock_synced_at, received_at)


class CenterClock:
    """Adds `X-Center-Time` to every HTTP answer (also errors: any answer measures the clock)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp = center_now().isoformat(timespec="milliseconds").encode("ascii")
                message = {**message, "headers": [*message.get("headers", []), (HEADER.lower().encode(), stamp)]}
            await send(message)

        await self.app(scope, receive, stamped)
