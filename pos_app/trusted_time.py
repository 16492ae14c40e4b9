"""Trusted time: what a device's clock is worth, and which moment the center judges by.

A till's clock can be hours off (a dead CMOS battery, a wrong manual setting, no NTP behind a
shop router). Rules with a time in them (the return window, "last writer wins" on a customer
field) must not depend on it. Two pieces, both pure, both used by till AND center:

1. The offset. Every answer from the center carries its own clock (header `X-Center-Time`,
   HTTP `Date` as a fallback). The device notes its own clock before and after the request;
   `measure` takes offset = center time - midpoint of the request, with the round trip as its
   error bound. `smooth` folds samples into one `ClockOffset`: a moving average while the
   offset holds still, the new sample at once when it jumps (someone set the clock). The till
   keeps the result in its local store (pos_app.store.clock_offset), so it survives a restart,
   and stamps every event with device time AND corrected time (device time + offset) and the
   center time of the measurement it used (`synced_at`).

2. The center's event time (`event_time`), the one rule by which the center judges windows
   and merges, written down in docs/architecture.md ("Who decides what, by whose clock"):

       offset known:   clamp(corrected time, lower = synced_at, upper = received_at)
       offset unknown: received_at (the center's own clock when the event arrived)

   Why the bounds: the center's receipt time is a hard upper bound (nothing happened after it
   arrived). The event was written after the offset it carries was measured, so the
   measurement's center time is a lower bound: a clock set back after the last sync cannot
   move an event to before that sync, and the offline span the device claims is exactly
   received_at - synced_at. An event without any measurement (a device that never talked to
   the center) is judged at its arrival: no raw device timestamp ever decides.

Thread: any (pure functions over frozen values).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

JUMP_MS = 5_000  # a sample this far from the average (beyond its round trip) is a clock change
SMOOTHING = 0.25  # weight of a new sample in the moving average
DEFAULT_SKEW_LIMIT_S = 120.0  # warn the cashier and the manager beyond this (config: sync.clock_skew_warn_s)


def as_utc(moment: datetime) -> datetime:
    """A moment in UTC; a naive value (SQLite hands them back so) is taken as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class ClockSample:
    """One measurement: the center's clock against the device's, from one request."""

    offset_ms: int  # center - device
    round_trip_ms: int
    center_time: datetime  # the center's clock in the answer


@dataclass(frozen=True)
class ClockOffset:
    """What the device knows about its clock: add `offset_ms` to device time to get the
    center's time, give or take `round_trip_ms / 2`; `measured_at` is the center's clock at
    the last measurement (the start of any offline span that follows)."""

    offset_ms: int
    round_trip_ms: int
    measured_at: datetime
    samples: int = 1

    @property
    def offset(self) -> timedelta:
        return timedelta(milliseconds=self.offset_ms)

    def skew_exceeds(self, limit_s: float) -> bool:
        return abs(self.offset_ms) > limit_s * 1000


def measure(center_time: datetime, device_sent: datetime, device_received: datetime) -> ClockSample:
    """offset = center time - the midpoint of the request on the device's clock."""
    sent, received = as_utc(device_sent), as_utc(device_received)
    if received < sent:  # the device clock stepped back during the request: keep the sample usable
        sent, received = received, sent
    midpoint = sent + (received - sent) / 2
    offset = as_utc(center_time) - midpoint
    return ClockSample(round(offset.total_seconds() * 1000), round((received - sent).total_seconds() * 1000),
                       as_utc(center_time))


def smooth(previous: ClockOffset | None, sample: ClockSample) -> ClockOffset:
    """Fold one sample into the known offset (moving average; a jump replaces it)."""
    if previous is None or abs(sample.offset_ms - previous.offset_ms) > JUMP_MS + sample.round_trip_ms:
        return ClockOffset(sample.offset_ms, sample.round_trip_ms, sample.center_time)
    # a slow answer says less about the offset: its weight shrinks with its round trip
    weight = SMOOTHING * min(1.0, 1000 / max(sample.round_trip_ms, 1000))
    offset = round(previous.offset_ms + weight * (sample.offset_ms - previous.offset_ms))
    rtt = round(previous.round_trip_ms + SMOOTHING * (sample.round_trip_ms - previous.round_trip_ms))
    return ClockOffset(offset, rtt, max(previous.measured_at, sample.center_time), previous.samples + 1)


KEEP_CHANGE_MS = 100  # store a new offset when it moved this much ...
KEEP_EVERY = timedelta(seconds=60)  # ... or its measurement (the offline span's start) is this old


def worth_keeping(stored: ClockOffset | None, new: ClockOffset) -> bool:
    """Whether `new` should replace the stored offset (bounded writes on an idle till)."""
    return (stored is None or abs(new.offset_ms - stored.offset_ms) >= KEEP_CHANGE_MS
            or new.measured_at - stored.measured_at >= KEEP_EVERY)


def corrected(device_time: datetime, offset: ClockOffset | None) -> datetime:
    """Device time moved onto the center's clock (unchanged when no offset is known)."""
    moment = as_utc(device_time)
    return moment if offset is None else moment + offset.offset


@dataclass(frozen=True)
class EventTime:
    """The center's judgement of when an event happened (see the module's rule)."""

    at: datetime  # the moment windows and merges use
    device_at: datetime  # what the device's clock said
    offset: timedelta | None  # corrected - device, as the device stated it (None: unknown)
    basis: str  # "corrected" | "capped_at_receipt" | "raised_to_last_sync" | "received"

    def correct(self, device_moment: datetime) -> datetime:
        """Another device time of the same event (e.g. a field's `changed_at`) on the same rule."""
        if self.offset is None:
            return self.at
        moment = as_utc(device_moment) + self.offset
        shift = self.at - (self.device_at + self.offset)  # what the bounds did to the event itself
        return moment + shift


def event_time(device_at: datetime, corrected_at: datetime | None, synced_at: datetime | None,
               received_at: datetime) -> EventTime:
    """The one rule by which the center dates a device's event (module docstring)."""
    device, received = as_utc(device_at), as_utc(received_at)
    if corrected_at is None or synced_at is None:
        return EventTime(received, device, None, "received")
    moment, offset, basis = as_utc(corrected_at), as_utc(corrected_at) - device, "corrected"
    lower = min(as_utc(synced_at), received)
    if moment > received:
        moment, basis = received, "capped_at_receipt"
    elif moment < lower:
        moment, basis = lower, "raised_to_last_sync"
    return EventTime(moment, device, offset, basis)
