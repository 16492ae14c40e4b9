"""The sync worker: one background thread that pushes the outbox to the center and pulls the
center's change feed into the local store.

One round (`run_cycle`):
  0. once per start (and after an auth error), when `device_id` is given: ask /v1/device
     whether the token is this till's.
  1. push: pending events in seq order, in batches of `batch_size` (split further to stay
     under the center's body limit), each with its own id (the idempotency key, the same on
     every retry). Per result: applied/duplicate -> `sent` (with the center's change_seq,
     which also tells the stock movements when the feed covers them); rejected -> `conflict`
     with the reason (the events behind it carry on). A batch the center refuses whole
     (413/422) is split in halves until the bad events are alone (fewer requests than one by
     one); each of those becomes a `conflict` with the center's words, the others go through.
     A batch answered 5xx is halved the same way; an event that fails alone, again and again
     while the center otherwise answers, is parked as a `conflict` too (`_isolate`).
     Events the protocol itself refuses are caught before sending and become conflicts too.
  2. pull: feed pages from the local cursor until `has_more` is false, each applied in one
     transaction together with the cursor (sync/feed.py); the request for the next page goes
     out before the current one is applied (sync.client.FeedStream, same thread).

States (SyncStatus.state) and what comes next:
  syncing    -> a round is running
  online     -> the last round succeeded; the next one in `interval_s` (or at once on
                wake(), or nudge() after a sale)
  offline    -> no connection, a server error or 429/503: retry after
                uniform(0, min(cap, base * 2**attempt)) seconds (full jitter), or after
                Retry-After when the center sent one; wake() retries at once (network back)
  auth_error -> 401/403: the device is not registered or not allowed; no retries until wake()
  error      -> a local failure (e.g. a feed page we cannot apply): retried with backoff

Trusted time: after every round that reached the center, `_learn_center_clock` turns the
client's quickest clock reading of the round into an offset sample, smooths it into the offset
kept in the local store (pos_app.trusted_time, pos_app.store.clock_offset) and reports it in
the status (`clock_offset_ms`); the outbox stamps every new event with it.

Crash safety: an event is marked only after the center's answer, in one local transaction;
a lost answer or a kill before that transaction means the event is sent again and comes back
`duplicate`, which is treated like `applied`. Nothing doubles, nothing is lost.

Thread: everything except start/wake/nudge/stop and `status` runs on the worker's own thread
(a plain threading.Thread, no Qt). `on_status` is called on that thread too: a UI must
marshal it to its own thread (ui/sync_glue.py does, with a queued Qt signal).
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import ValidationError

from pos_app.clock import Clock, iso, parse_iso, utc_now
from pos_app import trusted_time
from pos_app.i18n import t
from pos_app.store import audit, clock_offset, outbox
from pos_app.store.db import Database
from pos_app.store.models import SyncState
from sync import feed
from sync.client import AuthError, BatchRefused, CenterClient, Offline, ServerBusy, ServerError, SyncError
from sync.protocol import MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_PAGE_CHANGES, Event, Outcome
from sync.status import State, SyncStatus

__all__ = ["PushStats", "State", "SyncStatus", "SyncWorker", "backoff_delay"]

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
BODY_BUDGET_BYTES = MAX_BODY_BYTES * 3 // 4  # a batch's JSON body stays well under the center's limit
LONE_FAILURES_TO_PARK = 3  # 5xx answers to an event sent alone before it goes to the conflict list
EVENT_OVERHEAD_BYTES = 300  # id, device, seq, type, version, created_at and JSON punctuation


def backoff_delay(attempt: int, rng: random.Random, base: float = BACKOFF_BASE_S,
                  cap: float = BACKOFF_CAP_S) -> float:
    """Full jitter (AWS architecture blog): uniform over [0, min(cap, base * 2**attempt)]."""
    return rng.uniform(0.0, min(cap, base * 2 ** min(attempt, 32)))


@dataclass(frozen=True)
class PushStats:
    sent: int = 0
    conflicts: int = 0
    requests: int = 0


class SyncWorker:
    def __init__(self, db: Database, client: CenterClient, *, batch_size: int = 200,
                 interval_s: float = 15.0, page_size: int = MAX_PAGE_CHANGES,
                 on_status: Callable[[SyncStatus], None] | None = None,
                 clock: Clock = utc_now, rng: random.Random | None = None,
                 backoff_base: float = BACKOFF_BASE_S, backoff_cap: float = BACKOFF_CAP_S,
                 device_id: str | None = None,
                 clock_skew_warn_s: float = trusted_time.DEFAULT_SKEW_LIMIT_S,
                 lone_failures_to_park: int = LONE_FAILURES_TO_PARK) -> None:
        if not 1 <= batch_size <= MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH_EVENTS}")
        self._db = db
        self._client = client
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.page_size = min(page_size, MAX_PAGE_CHANGES)
        self.on_status = on_status  # set before start(); called on the worker thread
        self._clock = clock
        self._rng = rng or random.Random()
        self._backoff = (backoff_base, backoff_cap)
        self._attempt = 0
        self._moved = 0  # events and feed pages the current round moved (see _delay_after_failure)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stored_error: str | None = None
        self.device_id = device_id  # when given, checked against the center's /v1/device
        self.clock_skew_warn_s = clock_skew_warn_s
        self._device_checked = False
        self._woken = False
        self._status = SyncStatus(State.SYNCING, last_sync_at=self._stored_last_sync(),
                                  clock_offset_ms=self._stored_clock_offset_ms())
        self.lone_failures_to_park = lone_failures_to_park

    # ---- any thread ------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the sync worker runs already")
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Sync now: also after 401/403 and during a backoff (e.g. the network came back)."""
        self._woken = True
        self._wake.set()

    def nudge(self) -> None:
        """New local events: a round soon if the center is reachable (right after the running
        one, if any); a backoff keeps its timing."""
        if self.status.state in (State.ONLINE, State.SYNCING):
            self._wake.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """End the thread after the step it is in; True when it ended within `timeout`. A
        request still in flight then is harmless: its events are sent again next time."""
        self._stopping.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- the worker thread -----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                delay = self.run_cycle()
            except Exception:  # noqa: BLE001 - run_cycle reports its failures; this is the last net
                log.exception("sync round failed unexpectedly")
                delay = self._next_backoff()
            deadline = None if delay is None else time.monotonic() + delay
            while not self._stopping.is_set():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._wake.wait(left)
                self._wake.clear()
                if self._woken:  # "sync now", the network is back: at once, backoff forgotten
                    self._woken = False
                    self._attempt = 0
                    break
                if self.status.state is State.ONLINE:  # a nudge while all is well
                    break
                # a nudge during a backoff (or stop): keep the backoff's timing

    @property
    def client(self) -> CenterClient:
        """The worker's client (not for other threads: use client.copy() there)."""
        return self._client

    def run_cycle(self) -> float | None:
        """One round: push, then pull. Returns the seconds until the next round (None: only
        on wake()). Never raises: every outcome becomes a status."""
        self._check_thread()
        self._publish(state=State.SYNCING, retry_in_s=None)
        self._moved = 0
        pushed, pages = PushStats(), []
        try:
            try:
                self._check_device()
                pushed = self.push_pending()
                if not self._stopping.is_set():
                    pages = self.pull()
            finally:
                self._learn_center_clock()  # any answer tells the center's clock, errors too
        except AuthError as exc:
            self._device_checked = False
            return self._failed(State.AUTH_ERROR, str(exc), None)
        except ServerBusy as exc:
            return self._failed(State.OFFLINE, str(exc), exc.retry_after)
        except (Offline, ServerError, SyncError) as exc:
            return self._failed(State.OFFLINE, str(exc), self._delay_after_failure())
        except Exception as exc:  # noqa: BLE001 - a local failure must not end the thread
            log.exception("sync round failed")
            return self._failed(State.ERROR, f"Interner Fehler beim Abgleich: {exc}", self._next_backoff())
        self._attempt = 0
        now = self._clock()
        self._remember(last_error="")
        self._publish(state=State.ONLINE, last_sync_at=now, last_error="", retry_in_s=self.interval_s,
                      pulling=False)
        status = self.status
        log.info("sync round online: %d sent, %d conflicts, %d requests; %d feed pages (cursor %s); "
                 "%d pending, %d open conflicts; next round in %.0f s", pushed.sent, pushed.conflicts,
                 pushed.requests, len(pages), pages[-1].cursor if pages else "-", status.pending,
                 status.conflicts, self.interval_s)
        return self.interval_s

    def _learn_center_clock(self) -> None:
        """Fold this round's quickest clock reading into the stored offset (worker thread)."""
        take = getattr(self._client, "take_clock_reading", None)
        reading = take() if take is not None else None
        if reading is None:
            return
        device_now, mono_now = self._clock(), time.monotonic()
        sample = trusted_time.measure(reading.center_time,
                                      device_now - timedelta(seconds=mono_now - reading.sent_mono),
                                      device_now - timedelta(seconds=mono_now - reading.received_mono))
        try:
            with self._db.reading() as s:
                before = clock_offset.load(s)
            offset = trusted_time.smooth(before, sample)
            if trusted_time.worth_keeping(before, offset):  # not a write transaction every idle round
                with self._db.writing() as s:
                    clock_offset.save(s, offset)
                    if (self.device_id is not None and offset.skew_exceeds(self.clock_skew_warn_s)
                            and (before is None or not before.skew_exceeds(self.clock_skew_warn_s))):
                        # for the manager: the audit log reaches the center and the till's journal
                        audit.record(s, self.device_id, None, "Abgleich", "clock_skew",
                                     {"offset_ms": offset.offset_ms, "limit_s": self.clock_skew_warn_s})
        except Exception:  # noqa: BLE001 - a clock we could not keep must not fail the round
            log.exception("could not keep the center's clock offset")
            return
        with self._lock:
            self._status = replace(self._status, clock_offset_ms=offset.offset_ms)

    def _stored_clock_offset_ms(self) -> int | None:
        with self._db.reading() as s:
            offset = clock_offset.load(s)
        return offset.offset_ms if offset is not None else None

    def _check_device(self) -> None:
        """Once per start (and after an auth error): is the token this till's? A token of
        another device would otherwise surface as a puzzling 403 on the first push."""
        if self.device_id is None or self._device_checked:
            return
        info = self._client.device()
        if info.device_id != self.device_id:
            raise AuthError(t("Das Geräte-Token gehört zu {device_id} ({store_id}), diese Kasse ist {device_id2}", device_id=info.device_id, store_id=info.store_id, device_id2=self.device_id), 403)
        self._device_checked = True

    def _delay_after_failure(self) -> float:
        """Backoff that rewards progress. A round that moved events (pushed results came back)
        or feed pages before it failed shows that the center answers: the backoff starts
        over and the next round goes at once, instead of waiting longer after every failure
        as if nothing had come through (2,000 sales through a proxy faulting 8 of 20
        connections took 128 s that way). A round that moved nothing backs off as before."""
        if self._moved:
            log.info("sync round failed after moving %d events/pages; retrying at once", self._moved)
            self._attempt = 0
            return 0.0
        return self._next_backoff()

    def _next_backoff(self) -> float:
        delay = backoff_delay(self._attempt, self._rng, *self._backoff)
        self._attempt += 1
        return delay

    def _failed(self, state: State, message: str, delay: float | None) -> float | None:
        log.warning("sync round %s: %s; %s", state.value, message,
                    "waiting for a wake-up" if delay is None else f"next try in {delay:.1f} s")
        try:
            self._remember(last_error=message)
        except Exception:  # noqa: BLE001 - the store file itself may be what failed
            log.exception("could not record the sync error")
        self._publish(state=state, last_error=message, retry_in_s=delay, pulling=False)
        return delay

    # ---- push ------------------------------------------------------------------------------

    def push_pending(self) -> PushStats:
        """Push every event that is pending now, batch after batch, in seq order."""
        self._check_thread()
        stats = PushStats()
        after = 0
        while not self._stopping.is_set():
            with self._db.reading() as s:
                batch = outbox.pending_events(s, self.batch_size, after_seq=after)
            if not batch:
                break
            after = batch[-1].seq
            stats = self._push_batch(batch, stats)
            self._remember(last_push_at=iso(self._clock()))
            self._publish()
        return stats

    def _push_batch(self, batch: list[outbox.QueuedEvent], stats: PushStats) -> PushStats:
        requests: list[list[Event]] = [[]]
        size = 0
        invalid: list[tuple[str, str]] = []
        for queued in batch:
            try:
                event = Event(id=queued.id, device_id=queued.device_id, seq=queued.seq, type=queued.type,
                              schema_version=queued.schema_version, created_at=parse_iso(queued.created_at),
                              payload=json.loads(queued.payload),
                              corrected_at=parse_iso(queued.corrected_at) if queued.corrected_at else None,
                              clock_synced_at=parse_iso(queued.clock_synced_at) if queued.clock_synced_at else None)
            except (ValidationError, ValueError) as exc:
                # the center would refuse it the same way: no need to send it to find out
                invalid.append((queued.id, f"Vorgang ungültig (vor dem Senden geprüft): {_short(exc)}"))
                continue
            weight = len(queued.payload) + EVENT_OVERHEAD_BYTES
            if requests[-1] and size + weight > BODY_BUDGET_BYTES:  # stay under the center's 413
                requests.append([])
                size = 0
            requests[-1].append(event)
            size += weight
        if invalid:
            with self._db.writing() as s:
                for event_id, reason in invalid:
                    outbox.mark_conflict(s, event_id, reason)
            stats = replace(stats, conflicts=stats.conflicts + len(invalid))
        for events in requests:
            if events:
                stats = self._send(events, stats)
        return stats

    def _send(self, events: list[Event], stats: PushStats) -> PushStats:
        stats = replace(stats, requests=stats.requests + 1)
        try:
            response = self._client.push(events)
        except BatchRefused as exc:
            if len(events) == 1:
                reason = f"{exc}: {exc.detail}" if exc.detail else str(exc)
                with self._db.writing() as s:
                    outbox.mark_conflict(s, str(events[0].id), reason)
                return replace(stats, conflicts=stats.conflicts + 1)
            # refused whole, nothing stored: halve until the bad ones stand alone
            middle = len(events) // 2
            stats = self._send(events[:middle], stats)
            return self._send(events[middle:], stats)
        except ServerError as exc:
            if not _isolates(exc):
                with self._db.writing() as s:
                    outbox.note_failure(s, [str(e.id) for e in events], str(exc))
                raise
            return self._isolate(events, exc, stats)
        except SyncError as exc:
            with self._db.writing() as s:
                outbox.note_failure(s, [str(e.id) for e in events], str(exc))
            raise
        applied = [(str(r.id), r.change_seq) for r in response.results
                   if r.outcome in (Outcome.APPLIED, Outcome.DUPLICATE)]
        rejected = [(str(r.id), r.reason or "") for r in response.results if r.outcome is Outcome.REJECTED]
        with self._db.writing() as s:
            outbox.mark_sent(s, applied)
            for event_id, reason in rejected:
                outbox.mark_conflict(s, event_id, reason)
        self._moved += len(applied) + len(rejected)
        return replace(stats, sent=stats.sent + len(applied), conflicts=stats.conflicts + len(rejected))

    # ---- isolating an event the center fails on --------------------------------------------

    def _isolate(self, events: list[Event], exc: ServerError, stats: PushStats) -> PushStats:
        """A batch answered 5xx: halve it (the halves that go through are applied; a replay of
        what the failed request committed comes back `duplicate`) until the failing event stands
        alone. An event that fails alone while the center answers otherwise counts one lone
        failure; after `lone_failures_to_park` of them (in separate rounds, with backoff between,
        so a passing fault has time to pass) it is parked on the conflict list, where a manager
        sees it and can send it again, and the events behind it flow. Until then the round
        stops there: events keep their order while the fault may still be passing. A center that
        fails on everything (its health probe fails too) parks nothing."""
        if len(events) > 1:
            middle = len(events) // 2
            stats = self._send(events[:middle], stats)
            return self._send(events[middle:], stats)
        event_id = str(events[0].id)
        with self._db.writing() as s:
            outbox.note_failure(s, [event_id], str(exc))
        if not self._center_answers():
            raise exc
        with self._db.writing() as s:  # counted in the store file: a restart keeps the count
            count = outbox.note_lone_failure(s, event_id)
        if count < self.lone_failures_to_park:
            raise exc
        reason = (f"Die Zentrale scheitert an diesem Vorgang ({count}-mal einzeln gesendet, zuletzt: {exc}). "
                  "Die Vorgänge dahinter wurden weiter gesendet; erneut senden, wenn die Zentrale behoben ist.")
        log.warning("event %s parked after %d lone failures: %s", event_id, count, exc)
        with self._db.writing() as s:
            outbox.mark_conflict(s, event_id, reason)
        return replace(stats, conflicts=stats.conflicts + 1)

    def _center_answers(self) -> bool:
        """Does the center answer a request that touches its database (the device look-up)?
        Then a 5xx for one event alone is that event's, not the center's being down."""
        try:
            self._client.device()
        except SyncError:
            return False
        return True

    # ---- pull ------------------------------------------------------------------------------

    def pull(self) -> list[feed.PageResult]:
        """Apply feed pages until the center has no more; progress goes into the status."""
        self._check_thread()
        with self._db.reading() as s:
            state = s.get(SyncState, 1)
            start = state.cursor if state is not None else 0

        def progress(cursor: int, high_water: int) -> None:
            self._moved += 1  # a page committed
            self._publish(pulling=True, pull_done=cursor - start, pull_total=max(high_water - start, 0))

        stream = self._client.feed_stream()
        if stream is None:
            return feed.pull(self._db, lambda after: self._client.changes_raw(after, self.page_size), progress,
                             self._stopping.is_set)
        with stream:  # the next page is on its way while this one is applied
            return feed.pull(self._db, lambda after: stream.fetch(after, self.page_size), progress,
                             self._stopping.is_set, lambda after: stream.ahead(after, self.page_size))

    # ---- status ----------------------------------------------------------------------------

    def _publish(self, **changes: object) -> None:
        try:
            with self._db.reading() as s:
                summary = outbox.summary(s)
            counts: dict[str, object] = {
                "pending": summary.pending, "conflicts": summary.conflicts,
                "oldest_pending_at": parse_iso(summary.oldest_pending_at) if summary.oldest_pending_at else None}
        except Exception:  # noqa: BLE001 - report the rest with the counts we had
            log.exception("could not read the outbox summary")
            counts = {}
        with self._lock:
            self._status = replace(self._status, as_of=self._clock(), **counts, **changes)  # type: ignore[arg-type]
            status = self._status
        receiver = self.on_status
        if receiver is not None:
            try:
                receiver(status)
            except Exception:  # noqa: BLE001 - a broken receiver must not stop the sync
                log.exception("sync status receiver failed")

    def _remember(self, **values: str | None) -> None:
        """Keep times and the last error in sync_state (shown after a restart, too)."""
        if set(values) == {"last_error"} and values["last_error"] == self._stored_error:
            return  # nothing new: no write transaction every round
        self._stored_error = values.get("last_error", self._stored_error) or ""
        with self._db.writing() as s:
            state = s.get(SyncState, 1)
            if state is not None:
                for key, value in values.items():
                    setattr(state, key, value if value is not None else "")

    def _stored_last_sync(self) -> datetime | None:
        with self._db.reading() as s:
            state = s.get(SyncState, 1)
            last = state.last_pull_at if state is not None else None
        return parse_iso(last) if last else None

    def _check_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            assert threading.current_thread() is self._thread, "sync work runs on the sync thread only"


def _isolates(exc: ServerError) -> bool:
    """A 5xx that may be one event's doing (500, 502, 504 ...); not "busy" (429, or 503 with
    Retry-After: the center asks to wait), not a failure without a status (TLS, a broken
    answer)."""
    return not isinstance(exc, ServerBusy) and exc.status is not None and exc.status >= 500


def _short(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return text[:400]
