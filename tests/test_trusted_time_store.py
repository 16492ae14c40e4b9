"""The store side of trusted time: each event is stamped in its own transaction with the offset
known then; no offset, no stamp; a conflict sent again keeps the original's stamp (it happened
then, not at today's measurement)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pos_app.clock import iso, parse_iso
from pos_app.store import clock_offset, outbox
from pos_app.store.models import OutboxEvent
from pos_app.trusted_time import ClockOffset

TWO_HOURS = timedelta(hours=2)


def test_events_carry_device_time_and_corrected_time_and_a_resend_keeps_them(store) -> None:
    device_id = store.device_id
    with store.db.writing() as s:
        before = outbox.append_event(s, device_id, outbox.EventType.AUDIT_RECORDED, {"x": 1})
        assert (before.corrected_at, before.clock_synced_at) == (None, None)  # nothing measured yet
    synced = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
    with store.db.writing() as s:
        clock_offset.save(s, ClockOffset(int(TWO_HOURS.total_seconds() * 1000), 30, synced))
    device_time = datetime(2026, 12, 6, 8, 30, tzinfo=timezone.utc)  # the till two hours behind
    with store.db.writing() as s:
        event = outbox.append_event(s, device_id, outbox.EventType.AUDIT_RECORDED, {"x": 2}, iso(device_time))
        event_id = event.id
    with store.db.reading() as s:
        row = s.get(OutboxEvent, event_id)
        assert parse_iso(row.created_at) == device_time
        assert parse_iso(row.corrected_at) == device_time + TWO_HOURS
        assert parse_iso(row.clock_synced_at) == synced
        [queued] = [q for q in outbox.pending_events(s, 10) if q.id == event_id]
        assert (queued.corrected_at, queued.clock_synced_at) == (row.corrected_at, row.clock_synced_at)

    with store.db.writing() as s:
        outbox.mark_conflict(s, event_id, "abgelehnt")
        clock_offset.save(s, ClockOffset(0, 30, synced + timedelta(days=1)))  # the clock was fixed since
    with store.db.writing() as s:
        decision = outbox.decide_conflict(s, event_id, True, "Marktleitung")
    with store.db.reading() as s:
        copy = s.get(OutboxEvent, decision.resent_as)
        assert (copy.created_at, copy.corrected_at, copy.clock_synced_at) == (
            row.created_at, row.corrected_at, row.clock_synced_at)
