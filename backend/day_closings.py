"""The tills' Z reports at the center (event day.closed v1, see sync.protocol_shifts.DayClosedV1).

Applied by backend.events in the event's own transaction, like every event: the whole report is
kept as sent (JSON) with the figures an operator filters on in columns. One closing per device
and Z number: a second event with a Z number already recorded (under another idempotency key)
is rejected, so a till that was restored from an old backup and closes "Z 12" again shows up
as a conflict instead of silently overwriting the first.

Thread: a request thread, inside the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, insert, select

from backend.auth import DeviceIdentity
from backend.models import DayClosing
from sync.protocol import Event
from sync.protocol_shifts import DayClosedV1


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def record_day_closing(conn: Connection, device: DeviceIdentity, event: Event, z: DayClosedV1,
                       now: datetime) -> str | None:
    """Insert the closing; returns a rejection reason, or None when applied. The checks run
    before the write, so a rejection writes nothing."""
    if z.device_id != device.device_id or z.store_id != device.store_id:
        return (f"Z report for device {z.device_id!r} in store {z.store_id!r}; this device is "
                f"{device.device_id!r} in store {device.store_id!r}")
    other = conn.execute(select(DayClosing.event_id).where(DayClosing.device_id == device.device_id,
                                                           DayClosing.z_number == z.z_number)).scalar()
    if other is not None:
        return f"Z {z.z_number} of {device.device_id} is already recorded (event {other})"
    conn.execute(insert(DayClosing).values(
        event_id=str(event.id), device_id=device.device_id, store_id=device.store_id, z_number=z.z_number,
        opened_at=_utc(z.opened_at), closed_at=_utc(z.as_of), closed_by=z.closed_by, sales_count=z.sales.count,
        total_cents=z.sales.amount_cents + z.returns.amount_cents, cash_expected_cents=z.cash.expected_cents,
        cash_counted_cents=z.cash.counted_cents, cash_difference_cents=z.cash.counted_cents - z.cash.expected_cents,
        pending_events=z.pending_events, report=z.model_dump(mode="json"), received_at=now))
    return None
