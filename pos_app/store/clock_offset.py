"""The center's clock offset as this device knows it, kept in the local store (sync_state), so
that it survives a restart and every writer of the store can stamp its events with it.

The sync worker (its own thread or process) measures and `save`s; the outbox reads it in each
event's write transaction (`stamp`); screens and the returns desk use `corrected_now` to judge
and show times by the center's clock. Rules and arithmetic: pos_app.trusted_time.

Thread: any, with a session of that thread (`load`/`save`/`stamp`), or the Database itself.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pos_app.clock import Clock, iso, parse_iso, utc_now
from pos_app.store.db import Database
from pos_app.store.models import SyncState
from pos_app.trusted_time import ClockOffset, corrected


def load(session: Session) -> ClockOffset | None:
    state = session.get(SyncState, 1)
    if state is None or state.clock_offset_ms is None or not state.clock_measured_at:
        return None
    return ClockOffset(state.clock_offset_ms, state.clock_round_trip_ms or 0, parse_iso(state.clock_measured_at),
                       state.clock_samples or 1)


def save(session: Session, offset: ClockOffset) -> None:
    """Keep a new measurement (call in a write transaction)."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, cursor=0, high_water=0, last_error="")
        session.add(state)
    state.clock_offset_ms = offset.offset_ms
    state.clock_round_trip_ms = offset.round_trip_ms
    state.clock_measured_at = iso(offset.measured_at)
    state.clock_samples = offset.samples


def stamp(session: Session, device_time: str) -> tuple[str | None, str | None]:
    """(corrected_at, clock_synced_at) for an event written now at `device_time` (ISO);
    (None, None) when this device never measured the center's clock."""
    offset = load(session)
    if offset is None:
        return None, None
    return iso(corrected(parse_iso(device_time), offset)), iso(offset.measured_at)


def read(db: Database) -> ClockOffset | None:
    with db.reading() as s:
        return load(s)


def corrected_now(db: Database, clock: Clock = utc_now) -> datetime:
    """The device's clock moved onto the center's (the device's own when nothing is known)."""
    return corrected(clock(), read(db))
