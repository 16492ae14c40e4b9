"""What the sync worker tells the UI: a state and a few figures, as a frozen value.

Kept apart from the worker so that a screen can import it without the HTTP client and the
wire protocol (requests, pydantic): the till starts faster with sync off.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class State(str, Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    SYNCING = "syncing"
    AUTH_ERROR = "auth_error"
    ERROR = "error"


@dataclass(frozen=True)
class SyncStatus:
    """What the UI shows; a frozen copy, safe to hand to another thread."""

    state: State
    pending: int = 0
    oldest_pending_at: datetime | None = None
    conflicts: int = 0
    last_sync_at: datetime | None = None
    last_error: str = ""
    retry_in_s: float | None = None  # when the next round starts (None: on wake() only)
    pulling: bool = False
    pull_done: int = 0  # feed sequences applied in this pull
    pull_total: int = 0  # feed sequences this pull has to cover (high_water - start)
    as_of: datetime | None = None  # the worker's clock when this status was made
    clock_offset_ms: int | None = None  # the center's clock minus this device's (None: never measured)

    @property
    def oldest_pending_age_s(self) -> float | None:
        if self.oldest_pending_at is None or self.as_of is None:
            return None
        return max(0.0, (self.as_of - self.oldest_pending_at).total_seconds())

    @property
    def pull_fraction(self) -> float | None:
        return min(1.0, self.pull_done / self.pull_total) if self.pulling and self.pull_total > 0 else None
