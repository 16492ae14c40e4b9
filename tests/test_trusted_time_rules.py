"""The pure rules of trusted time (pos_app.trusted_time), the store-zone formatting
(pos_app.clock) and the policy's one judgement and receipt footer (pos_app.return_policy)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pos_app.clock import local_date, local_format
from pos_app.return_policy import DEFAULT_POLICY, CategoryRule, PolicyError, ReturnPolicy
from pos_app.trusted_time import ClockOffset, corrected, event_time, measure, smooth, worth_keeping

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
HOURS_2 = timedelta(hours=2)


def test_measure_takes_the_midpoint_of_the_request_and_knows_its_round_trip() -> None:
    # a device two hours behind: it sent at 09:59:59.9 and heard back at 10:00:00.1 (its clock)
    sent, received = T0 - HOURS_2 - timedelta(milliseconds=100), T0 - HOURS_2 + timedelta(milliseconds=100)
    sample = measure(T0, sent, received)
    assert sample.offset_ms == 2 * 3600 * 1000 and sample.round_trip_ms == 200


def test_smoothing_averages_small_noise_and_takes_a_clock_jump_at_once() -> None:
    start = smooth(None, measure(T0, T0 - timedelta(milliseconds=50), T0 + timedelta(milliseconds=50)))
    assert start.offset_ms == 0 and start.samples == 1
    noisy = smooth(start, measure(T0 + timedelta(seconds=15), T0 + timedelta(seconds=14.9),
                                  T0 + timedelta(seconds=14.9)))  # 100 ms off
    assert 0 < noisy.offset_ms < 100 and noisy.samples == 2
    jumped = smooth(noisy, measure(T0 + timedelta(seconds=30), T0 - HOURS_2, T0 - HOURS_2))
    assert jumped.offset_ms == 2 * 3600 * 1000 + 30_000 and jumped.samples == 1
    assert jumped.skew_exceeds(120) and not start.skew_exceeds(120)


def test_event_time_is_corrected_then_bounded_by_the_last_sync_and_the_arrival() -> None:
    synced, received = T0, T0 + timedelta(hours=5)
    device = T0 + timedelta(hours=1) - HOURS_2  # an hour after the sync, on a clock two hours behind
    inside = event_time(device, device + HOURS_2, synced, received)
    assert inside.at == T0 + timedelta(hours=1) and inside.basis == "corrected"
    # the clock was set back two more hours after the sync: never before the sync
    set_back = event_time(device - HOURS_2, device, synced, received)
    assert set_back.at == synced and set_back.basis == "raised_to_last_sync"
    # a clock that runs ahead: never after the center heard of it
    ahead = event_time(received + HOURS_2, received + HOURS_2, synced, received)
    assert ahead.at == received and ahead.basis == "capped_at_receipt"
    # no offset ever measured: the center's own clock at arrival, not the device's word
    unknown = event_time(device, None, None, received)
    assert unknown.at == received and unknown.basis == "received"
    # another moment of the same event moves by the same correction
    assert inside.correct(device - timedelta(minutes=1)) == T0 + timedelta(minutes=59)
    assert set_back.correct(device - HOURS_2) == synced
    assert corrected(device, ClockOffset(7_200_000, 10, synced)) == T0 + timedelta(hours=1)


@pytest.mark.parametrize("utc, shown", [
    (datetime(2026, 12, 10, 17, 0, tzinfo=timezone.utc), "10.12.2026 18:00"),  # CET
    (datetime(2026, 7, 10, 16, 0, tzinfo=timezone.utc), "10.07.2026 18:00"),  # CEST
    (datetime(2026, 12, 31, 23, 30), "01.01.2027 00:30"),  # naive (SQLite) is UTC; the date turns over
])
def test_instants_are_shown_in_the_stores_zone(utc: datetime, shown: str) -> None:
    assert local_format(utc) == shown
    assert local_date(utc.isoformat()) == shown[:10]


def test_one_judgement_of_window_and_final_sale_for_till_and_center() -> None:
    bought = datetime(2026, 11, 1, 23, 30, tzinfo=timezone.utc)  # 2 November in Berlin
    assert DEFAULT_POLICY.breach(1, "Kissen", "Kissen", bought, bought + timedelta(days=30)) is None
    late = DEFAULT_POLICY.breach(1, "Kissen", "Kissen", bought, bought + timedelta(days=30, hours=1))
    assert late is not None and late.kind == "window" and "02.11.2026" in late.message
    sofa = DEFAULT_POLICY.breach(2, "Sofa", "Sofas", bought, bought + timedelta(days=15))
    assert sofa is not None and "14 Tagen" in sofa.message
    food = DEFAULT_POLICY.breach(3, "Pesto", "Feinkost", bought, bought)
    assert food is not None and food.kind == "final_sale"
    with pytest.raises(PolicyError, match="Rückgabefrist von 30 Tagen"):
        DEFAULT_POLICY.check_item(1, "Kissen", "Kissen", bought, bought + timedelta(days=31))


def test_the_receipt_footer_says_what_the_policy_says() -> None:
    assert DEFAULT_POLICY.footer_lines() == ("Umtausch binnen 30 Tagen mit Beleg.", "Sofas: 14 Tage.",
                                             "Vom Umtausch ausgeschlossen: Feinkost.")
    other = ReturnPolicy(window_days=21, category_rules=(CategoryRule("Leuchten", returnable=False),))
    assert other.footer_lines() == ("Umtausch binnen 21 Tagen mit Beleg.", "Vom Umtausch ausgeschlossen: Leuchten.")


def test_an_idle_till_keeps_a_new_offset_only_when_it_moved_or_its_measurement_is_old() -> None:
    stored = ClockOffset(1_000, 10, T0)
    assert not worth_keeping(stored, ClockOffset(1_050, 10, T0 + timedelta(seconds=15)))
    assert worth_keeping(stored, ClockOffset(1_150, 10, T0 + timedelta(seconds=15)))
    assert worth_keeping(stored, ClockOffset(1_000, 10, T0 + timedelta(seconds=60)))
    assert worth_keeping(None, stored)
