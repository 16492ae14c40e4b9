"""The sync worker and the HTTP client on the protocol's edge cases, against a small fake
center on loopback (tests/sync_fake_center.py): how failures are classified, backoff with
full jitter, Retry-After, 401/403, a batch refused whole and split to find the bad event,
rejections that do not block, and the status the UI gets. The main flows run against the
real backend in test_sync_backend.py."""
from __future__ import annotations

import json
import random
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from sqlalchemy import update

from pos_app.store import outbox
from pos_app.store.models import OutboxEvent
from sync.client import AuthError, BatchRefused, CenterClient, Offline, ServerBusy, ServerError
from sync.protocol import Event
from sync.worker import State, SyncStatus, SyncWorker, backoff_delay
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.sync_fake_center import TOKEN, FakeCenter
from tests.sync_helpers import event_id_of, outbox_rows, sell, statuses

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


class FixedClock:
    def __init__(self, moment: datetime = T0) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def center():
    with FakeCenter() as fake:
        yield fake


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # nobody listens once it is closed


def make_worker(store, url: str, **kwargs) -> tuple[SyncWorker, list[SyncStatus]]:  # type: ignore[no-untyped-def]
    seen: list[SyncStatus] = []
    kwargs.setdefault("rng", random.Random(7))
    worker = SyncWorker(store.db, CenterClient(url, kwargs.pop("token", TOKEN), timeout=(1, 2)),
                        on_status=seen.append, **kwargs)
    return worker, seen


def an_event() -> Event:
    return Event(id=uuid.uuid4(), device_id="BER-K1", seq=1, type="audit.recorded", schema_version=1,
                 created_at=T0, payload={"created_at": T0.isoformat(), "actor_id": 1, "actor_name": "x",
                                         "action": "test", "details": {}, "prev_hash": "0" * 64,
                                         "hash": "1" * 64})


# ---- the client: failures classified -------------------------------------------------------


def test_client_classifies_every_kind_of_failure(center):
    client = CenterClient(center.url, TOKEN, timeout=(1, 0.5))
    assert client._http.verify is True  # TLS certificate checks stay on
    center.answer_next(429, {"detail": "slow down"}, {"Retry-After": "7"})
    with pytest.raises(ServerBusy) as busy:
        client.push([an_event()])
    assert busy.value.retry_after == 7
    center.answer_next(503, {}, {"Retry-After": format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30),
                                                                usegmt=True)})
    with pytest.raises(ServerBusy) as busy:
        client.changes(0, 10)
    assert 20 < busy.value.retry_after <= 30
    center.answer_next(503, {"detail": "maintenance"})  # no Retry-After: just a server error
    with pytest.raises(ServerError) as err:
        client.changes(0, 10)
    assert not isinstance(err.value, ServerBusy) and err.value.status == 503
    center.answer_next(500, b"Internal Server Error")
    with pytest.raises(ServerError, match="HTTP 500"):
        client.push([an_event()])
    center.answer_next(403, {"detail": "device BER-K1 may not write for HAM"})
    with pytest.raises(AuthError, match="HAM"):
        client.push([an_event()])
    with pytest.raises(AuthError) as auth:
        CenterClient(center.url, "wrong").push([an_event()])
    assert auth.value.status == 401
    center.answer_next(413, {"detail": "request body too large"})
    with pytest.raises(BatchRefused) as refused:
        client.push([an_event()])
    assert refused.value.status == 413 and refused.value.detail == "request body too large"
    center.answer_next(422, {"detail": [{"loc": ["body", "events", 0, "payload", "lines"], "msg": "too short",
                                         "type": "x"}]})
    with pytest.raises(BatchRefused) as refused:
        client.push([an_event()])
    assert refused.value.detail == "events.0.payload.lines: too short"
    center.answer_next(200, b"<html>captive portal</html>")
    with pytest.raises(ServerError, match="Unlesbare Antwort"):
        client.changes(0, 10)
    center.answer_next(200, {"results": []})
    with pytest.raises(ServerError, match="passt nicht"):
        client.push([an_event()])
    center.delay_s = 1.0  # longer than the read timeout
    with pytest.raises(Offline):
        client.changes(0, 10)
    center.delay_s = 0
    with pytest.raises(Offline):
        CenterClient(closed_port_url(), TOKEN).changes(0, 10)
    with pytest.raises(Offline):
        CenterClient("http://no-such-host.invalid", TOKEN).changes(0, 10)


# ---- backoff ---------------------------------------------------------------------------------


class _Highest(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_is_full_jitter_doubling_and_capped_at_60_s():
    assert [backoff_delay(a, _Highest()) for a in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    rng = random.Random(1)
    for attempt in range(40):
        delay = backoff_delay(attempt, rng)
        assert 0 <= delay <= min(60, 2 ** attempt)
    draws = [backoff_delay(8, random.Random(seed)) for seed in range(200)]
    assert min(draws) < 6 and max(draws) > 54  # spread over the whole [0, 60] range


def test_offline_rounds_back_off_with_jitter_and_a_wake_retries_at_once(store):
    sell(store, EAN_DECKE)
    worker, seen = make_worker(store, closed_port_url(), rng=random.Random(3))
    expected = random.Random(3)
    delays = [worker.run_cycle() for _ in range(4)]
    assert delays == [expected.uniform(0, 1), expected.uniform(0, 2), expected.uniform(0, 4),
                      expected.uniform(0, 8)]
    assert seen[-1].state is State.OFFLINE and "nicht erreichbar" in seen[-1].last_error
    assert seen[-1].pending == 1 and seen[-1].retry_in_s == delays[-1]
    [row] = outbox_rows(store)
    assert row.status == "pending" and row.attempts == 4 and "nicht erreichbar" in row.last_error


def test_429_is_honoured_and_401_waits_for_a_wake(store, center):
    sell(store, EAN_DECKE)
    worker, seen = make_worker(store, center.url)
    center.answer_next(429, {"detail": "slow down"}, {"Retry-After": "12"})
    assert worker.run_cycle() == 12
    assert seen[-1].state is State.OFFLINE and "ausgelastet" in seen[-1].last_error

    worker, seen = make_worker(store, center.url, token="not-registered")
    assert worker.run_cycle() is None  # no more tries until wake()
    assert seen[-1].state is State.AUTH_ERROR and "nicht registriert" in seen[-1].last_error
    assert list(statuses(store).values()) == ["pending"]


# ---- push outcomes -------------------------------------------------------------------------


def test_a_rejected_event_goes_to_conflict_and_the_ones_behind_it_are_applied(store, center):
    first = sell(store, EAN_DECKE)
    bad = sell(store, EAN_KAFFEE)
    last = sell(store, EAN_DECKE)
    _mark_payload(store, event_id_of(store, bad.sale_id), center.reject_marker)
    worker, seen = make_worker(store, center.url)
    assert worker.run_cycle() == worker.interval_s
    state = statuses(store)
    assert state[event_id_of(store, first.sale_id)] == "sent"
    assert state[event_id_of(store, bad.sale_id)] == "conflict"
    assert state[event_id_of(store, last.sale_id)] == "sent"
    [conflict] = store.conflicts()
    assert conflict.reason == "already handed over at another till"
    assert conflict.receipt_number == bad.receipt_number
    assert seen[-1].state is State.ONLINE and seen[-1].pending == 0 and seen[-1].conflicts == 1
    assert [r.change_seq for r in outbox_rows(store) if r.status == "sent"] == [1001, 1002]


def test_a_batch_refused_whole_is_split_until_the_bad_event_stands_alone(store, center):
    sales = [sell(store, EAN_DECKE) for _ in range(8)]
    bad = event_id_of(store, sales[5].sale_id)
    _mark_payload(store, bad, center.refuse_marker)
    worker, _ = make_worker(store, center.url, batch_size=8)
    stats = worker.push_pending()
    assert (stats.sent, stats.conflicts) == (7, 1)
    # 8 refused -> [0-3] ok, [4-7] refused -> [4,5] refused -> [4] ok, [5] alone: conflict; [6,7] ok
    assert [n for method, path, n in center.requests if path == "/v1/events"] == [8, 4, 4, 2, 1, 1, 2]
    state = statuses(store)
    assert state[bad] == "conflict" and list(state.values()).count("sent") == 7
    [conflict] = store.conflicts()
    assert "HTTP 422" in conflict.reason and "do not add up" in conflict.reason
    assert set(center.applied) == set(state) - {bad}


def test_an_event_the_protocol_refuses_is_caught_before_sending(store, center):
    sell(store, EAN_DECKE)
    bad = sell(store, EAN_KAFFEE)
    event_id = event_id_of(store, bad.sale_id)
    with store.db.writing() as s:
        row = s.get(OutboxEvent, event_id)
        payload = json.loads(row.payload)
        payload["total_cents"] += 1
        row.payload = json.dumps(payload)
    worker, _ = make_worker(store, center.url)
    worker.push_pending()
    [conflict] = store.conflicts()
    assert conflict.event_id == event_id and "do not add up" in conflict.reason
    assert event_id not in center.applied and len(center.applied) == 1


def test_a_resend_after_a_lost_answer_is_a_duplicate_and_marks_sent(store, center):
    sale = sell(store, EAN_DECKE)
    event_id = event_id_of(store, sale.sale_id)
    center.applied[event_id] = 1234  # the center has it; its answer never reached us
    worker, _ = make_worker(store, center.url)
    worker.push_pending()
    [row] = outbox_rows(store)
    assert row.status == "sent" and row.change_seq == 1234 and len(center.applied) == 1


def test_batches_go_in_seq_order_and_respect_the_batch_size(store, center):
    for _ in range(5):
        sell(store, EAN_DECKE)
    worker, _ = make_worker(store, center.url, batch_size=2)
    stats = worker.push_pending()
    assert stats.sent == 5 and stats.requests == 3
    assert [n for _, path, n in center.requests if path == "/v1/events"] == [2, 2, 1]
    assert list(center.applied) == [r.id for r in outbox_rows(store)]


# ---- status --------------------------------------------------------------------------------


def test_status_counts_pending_age_conflicts_and_last_sync(store, center):
    clock = FixedClock()
    worker, seen = make_worker(store, closed_port_url(), clock=clock)
    sell(store, EAN_DECKE)
    with store.db.writing() as s:  # the sale was made 5 minutes ago (by the worker's clock)
        s.execute(update(OutboxEvent).values(created_at=(T0 - timedelta(minutes=5)).isoformat()))
    worker.run_cycle()
    offline = seen[-1]
    assert offline.state is State.OFFLINE and offline.pending == 1 and offline.oldest_pending_age_s == 300
    assert offline.last_sync_at is None
    assert seen[0].state is State.SYNCING

    center.feed = [{"seq": 3, "kind": "price", "key": "1@BER",
                    "data": {"product_id": 1, "store_id": "BER", "gross_cents": 4299}}]
    worker, seen = make_worker(store, center.url, clock=clock)
    clock.now = T0 + timedelta(minutes=1)
    assert worker.run_cycle() == 15
    online = seen[-1]
    assert online.state is State.ONLINE and online.pending == 0 and online.oldest_pending_age_s is None
    assert online.last_sync_at == clock.now and online.last_error == "" and online.conflicts == 0
    assert any(st.pulling and st.pull_done == 3 and st.pull_total == 3 for st in seen)
    assert store.catalog.by_barcode(EAN_DECKE).unit_price_cents == 4299
    # a restarted worker knows when the last sync was
    assert make_worker(store, center.url)[0].status.last_sync_at is not None


def test_the_thread_syncs_on_nudge_and_stops_cleanly(store, center):
    woke = threading.Event()
    worker, seen = make_worker(store, center.url, interval_s=60)
    worker.on_status = lambda st: (seen.append(st), woke.set() if st.state is State.ONLINE else None)
    worker.start()
    assert woke.wait(5)
    woke.clear()
    sell(store, EAN_DECKE)
    worker.nudge()  # online: a new sale goes out at once, not after 60 s
    assert woke.wait(5)
    assert seen[-1].pending == 0 and len(center.applied) == 1
    assert worker.stop(timeout=5) and not worker.running


def _mark_payload(store, event_id: str, marker: str) -> None:  # type: ignore[no-untyped-def]
    """Make one event recognisable for the fake center (a valid payload still)."""
    with store.db.writing() as s:
        row = s.get(OutboxEvent, event_id)
        payload = json.loads(row.payload)
        payload["lines"][0]["name"] = marker
        row.payload = json.dumps(payload)


# ---- the feed's fetch-ahead stream ---------------------------------------------------------


def _feed(n: int) -> list[dict]:
    return [{"seq": i, "kind": "price", "key": "1@BER",
             "data": {"product_id": 1, "store_id": "BER", "gross_cents": 1000 + i}} for i in range(1, n + 1)]


def test_the_feed_stream_asks_for_the_next_page_before_the_current_one_is_applied(store, center, monkeypatch):
    from sync import feed as feed_module

    center.feed = _feed(7)
    served: dict[int, threading.Event] = {after: threading.Event() for after in (0, 3, 6)}
    original = center._changes

    def changes(after: int, limit: int) -> dict:
        served[after].set()
        return original(after, limit)

    center._changes = changes
    applied = feed_module.apply_page
    early: list[bool] = []

    def apply_page(db, page, after):  # type: ignore[no-untyped-def]
        if page.has_more:  # the center gets the next request while this page is applied
            early.append(served[page.next_cursor].wait(2))
        return applied(db, page, after)

    monkeypatch.setattr(feed_module, "apply_page", apply_page)
    worker, _ = make_worker(store, center.url, page_size=3)
    results = worker.pull()
    assert [r.cursor for r in results] == [3, 6, 7] and early == [True, True]
    assert store.catalog.by_barcode(EAN_DECKE).unit_price_cents == 1007
    assert len([r for r in center.requests if r[1] == "/v1/changes"]) == 3  # no page asked twice


def test_the_feed_stream_classifies_failures_like_the_client(store, center):
    client = CenterClient(center.url, TOKEN, timeout=(1, 2.0))  # generous: a loaded CI machine is slow
    stream = client.feed_stream()
    assert stream is not None
    center.answer_next(429, {"detail": "slow down"}, {"Retry-After": "9"})
    with pytest.raises(ServerBusy) as busy:
        stream.fetch(0, 10)
    assert busy.value.retry_after == 9
    center.answer_next(500, b"boom")
    stream.ahead(0, 10)
    with pytest.raises(ServerError, match="HTTP 500"):
        stream.fetch(0, 10)
    center.answer_next(200, b'{"changes": []}')
    with pytest.raises(ServerError, match="Unlesbare Antwort"):
        stream.fetch(0, 10)
    center.answer_next(401, {"detail": "unknown device token"})
    with pytest.raises(AuthError):
        stream.fetch(0, 10)
    stream.ahead(0, 10)  # asked ahead for another page than the one then wanted: asked again
    center.feed = _feed(2)
    page = stream.fetch(1, 10)
    assert [c["seq"] for c in page.changes] == [2] and page.next_cursor == 2 and not page.has_more
    center.delay_s = 3.0  # longer than the read timeout
    with pytest.raises(Offline):
        stream.fetch(0, 10)
    center.delay_s = 0
    stream.close()
    with pytest.raises(Offline):
        CenterClient(closed_port_url(), TOKEN).feed_stream().fetch(0, 10)


def test_a_proxy_means_no_stream(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert CenterClient("http://zentrale.example.de", TOKEN).feed_stream() is None


def test_a_batch_too_big_for_one_request_is_sent_in_parts(store, center, monkeypatch):
    import sync.worker as worker_module

    for _ in range(6):
        sell(store, EAN_DECKE)
    size = len(outbox_rows(store)[0].payload) + worker_module.EVENT_OVERHEAD_BYTES
    monkeypatch.setattr(worker_module, "BODY_BUDGET_BYTES", size * 2)  # two events per request
    worker, _ = make_worker(store, center.url, batch_size=6)
    stats = worker.push_pending()
    assert stats.sent == 6 and [n for _, path, n in center.requests if path == "/v1/events"] == [2, 2, 2]
