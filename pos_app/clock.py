"""Time, in one place: stored as ISO-8601 UTC, shown in the store's local time (Europe/Berlin).

Every time shown to a person (screens, receipts, messages, reminder texts) goes through
`local_format`; pos_app.trusted_time holds the rules for a device clock that is off.
Thread: any (pure)."""
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


def local_time(text_or_moment: str | datetime) -> datetime:
    """An instant in the store's time zone; a naive value (SQLite returns them) is taken as UTC."""
    moment = parse_iso(text_or_moment) if isinstance(text_or_moment, str) else text_or_moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(STORE_TZ)


def local_format(text_or_moment: str | datetime, pattern: str = "%d.%m.%Y %H:%M") -> str:
    """The one way to show an instant to a person: in the store's zone (a reminder said 17:00
    for a pickup at 18:00 when it formatted UTC)."""
    return local_time(text_or_moment).strftime(pattern)


def local_display(text_or_moment: str | datetime) -> str:
    return local_format(text_or_moment)


def local_date(text_or_moment: str | datetime) -> str:
    return local_format(text_or_moment, "%d.%m.%Y")
