"""The keyboard-wedge timing logic, fed with key timestamps like a scanner and like a person."""
from __future__ import annotations

from hardware.wedge import DuplicateReadFilter, Hold, Release, Scan, WedgeDetector


def feed(detector: WedgeDetector, text: str, start: float, gap: float) -> list[object]:
    out = []
    t = start
    for ch in text:
        out.append(detector.key(ch, ch, t))
        t += gap
    return out


def test_a_burst_ending_in_enter_is_a_scan_and_nothing_is_released():
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    decisions = feed(d, "4006381333931", 1000.0, 4.0)
    assert all(isinstance(x, Hold) for x in decisions)
    result = d.enter("\r", 1000.0 + 13 * 4.0)
    assert isinstance(result, Scan) and result.code == "4006381333931"
    assert len(result.key_gaps_ms) == 12 and max(result.key_gaps_ms) == 4.0
    assert not d.holding


def test_slow_typing_is_released_key_by_key():
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    assert isinstance(d.key("1", "k1", 0.0), Hold)
    released = d.key("2", "k2", 150.0)  # a person: 150 ms later
    assert isinstance(released, Release) and released.keys == ("k1",) and not released.includes_current
    assert d.timeout(150.0 + 35) == Release(("k2",), includes_current=True)
    assert d.enter("enter", 400.0) == Release(("enter",), includes_current=True)


def test_a_short_burst_plus_enter_is_not_a_scan():
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    feed(d, "12", 0.0, 5.0)
    assert d.enter("enter", 12.0) == Release(("1", "2", "enter"), includes_current=True)


def test_enter_long_after_the_burst_is_not_a_scan():
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    feed(d, "123456", 0.0, 5.0)
    result = d.enter("enter", 25.0 + 200.0)
    assert isinstance(result, Release) and result.keys[-1] == "enter" and len(result.keys) == 7


def test_timer_firing_early_releases_nothing_yet():
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    d.key("a", "a", 0.0)
    assert d.timeout(33.0) is None and d.holding
    assert d.timeout(35.0) == Release(("a",), includes_current=True)


def test_other_keys_flush_what_is_held():
    d = WedgeDetector()
    d.key("x", "x", 0.0)
    assert d.other_key("left") == Release(("x", "left"), includes_current=True)
    assert d.other_key("left") is None


def test_duplicate_read_within_window_counts_once():
    f = DuplicateReadFilter(window_ms=200)
    assert f.accept("4006381333931", 0.0)
    assert not f.accept("4006381333931", 150.0)
    assert f.accept("4006381333931", 400.0)
    assert f.accept("96385074", 410.0)
