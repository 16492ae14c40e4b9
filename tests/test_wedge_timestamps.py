"""Wedge timing by the key event's own timestamp (issue 12): keys typed by a person while the UI
thread was busy reach the filter back to back, yet stay a person's typing; a scanner's burst
stays a scan however late it is processed. Pure timing (hardware.wedge) and the Qt filter
(ui.wedge_filter) fed key events that carry timestamps, queued as a busy UI thread finds them."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from hardware.wedge import Hold, KeyClock, Release, Scan, WedgeDetector
from ui.wedge_filter import WedgeScannerFilter, _now_ms


def test_the_key_clock_puts_event_times_on_the_monotonic_line() -> None:
    clock = KeyClock()
    assert clock.at(0, 500.0) == 500.0  # no timestamp: when it is processed
    assert clock.at(10_000, 1000.0) == 1000.0  # first sight: offset -9000
    assert clock.at(10_150, 1400.0) == 1150.0  # processed 250 ms late: typed at 1150
    assert clock.at(10_300, 1400.5) == 1300.0  # queued right behind it: still 150 ms apart
    assert clock.at(2 ** 32 + 5, 2000.0) == 2000.0  # the event clock jumped (another source): re-synced
    assert clock.at(2 ** 32 + 155, 2150.0) == 2150.0


def test_a_persons_keys_processed_back_to_back_are_no_scan() -> None:
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    results = [d.key(ch, ch, typed, 900.0 + i) for i, (ch, typed) in enumerate(zip("4711", (0, 150, 300, 450)))]
    assert isinstance(results[0], Hold) and all(isinstance(r, Release) for r in results[1:])
    assert isinstance(d.enter("enter", 600.0), Release)


def test_the_gap_timer_runs_from_processing_not_from_typing() -> None:
    d = WedgeDetector(max_gap_ms=35, min_length=4)
    hold = d.key("1", "1", 0.0, 500.0)  # typed at 0, processed at 500 (busy)
    assert hold == Hold(535.0)
    assert d.timeout(520.0) is None  # the next keys may still be queued
    assert d.key("2", "2", 3.0, 501.0) == Hold(536.0)
    assert d.timeout(536.0) == Release(("1", "2"), includes_current=True)


def _key(key: Qt.Key, text: str, timestamp: int) -> QKeyEvent:
    event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
    event.setTimestamp(timestamp)
    return event


def _queue(field: QLineEdit, keys: list[tuple[str, int]]) -> None:
    """Key events with their timestamps, queued while the UI thread is busy, then processed
    in one go (as the event loop does when the thread is free again)."""
    for text, timestamp in keys:
        key = Qt.Key.Key_Return if text == "\n" else Qt.Key(ord(text.upper()))
        QApplication.postEvent(field, _key(key, "\r" if text == "\n" else text, timestamp))
    QApplication.processEvents()


def _field(qtbot) -> tuple[QLineEdit, WedgeScannerFilter, list[str], list[str]]:  # type: ignore[no-untyped-def]
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    field.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=15_000)
    wedge = WedgeScannerFilter(max_gap_ms=35, min_length=4)
    QApplication.instance().installEventFilter(wedge)
    scans: list[str] = []
    entered: list[str] = []
    wedge.scanned.connect(scans.append)
    field.returnPressed.connect(lambda: entered.append(field.text()))
    return field, wedge, scans, entered


def test_typing_queued_behind_a_busy_ui_thread_stays_typing(qtbot) -> None:  # type: ignore[no-untyped-def]
    field, wedge, scans, entered = _field(qtbot)
    try:
        base = int(_now_ms()) + 10_000_000  # the window system's clock, far from ours
        _queue(field, [("4", base), ("7", base + 150), ("1", base + 300), ("1", base + 450), ("\n", base + 600)])
        qtbot.waitUntil(lambda: entered == ["4711"], timeout=15_000)
        assert scans == [] and field.text() == "4711"
    finally:
        QApplication.instance().removeEventFilter(wedge)


def test_a_scanner_burst_processed_late_is_still_a_scan(qtbot) -> None:  # type: ignore[no-untyped-def]
    field, wedge, scans, entered = _field(qtbot)
    try:
        base = int(_now_ms()) - 5_000  # typed "long ago" on the event clock: processed late
        code = "4006381333931"
        _queue(field, [(ch, base + 3 * i) for i, ch in enumerate(code)] + [("\n", base + 3 * len(code))])
        qtbot.waitUntil(lambda: scans == [code], timeout=15_000)
        qtbot.wait(60)  # the gap timer would have released anything still held
        assert field.text() == "" and entered == []
    finally:
        QApplication.instance().removeEventFilter(wedge)
