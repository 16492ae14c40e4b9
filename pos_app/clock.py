"""Time, in one place: stored as ISO-8601 UTC, shown in the store's local time (Europe/Berlin)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

STORE_TZ = ZoneInfo("Europe/Berlin")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local_display(text_or_moment: str | datetime) -> str:
    moment = parse_iso(text_or_moment) if isinstance(text_or_moment, str) else text_or_moment
    return moment.astimezone(STORE_TZ).strftime("%d.%m.%Y %H:%M")
