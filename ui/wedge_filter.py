"""Qt glue for the keyboard-wedge scanner: an application-wide event filter that feeds every key
press to hardware.wedge.WedgeDetector and carries out its decisions (hold a key, replay held
keys to the focused widget, or emit `scanned`). A scan never types into the focused field.
Keys are timed by the key event's own timestamp (QKeyEvent.timestamp(), put on the monotonic
clock by hardware.wedge.KeyClock), not by when this filter processes them: a person's typing
queued behind a busy UI thread must not become a scan.
Thread: UI thread.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
import shiboken6

from hardware.wedge import DuplicateReadFilter, Hold, KeyClock, Release, Scan, WedgeDetector

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _now_ms() -> float:
    return time.monotonic() * 1000.0


class WedgeScannerFilter(QObject):
    scanned = Signal(str)
    scan_timing = Signal(str, object)  # code, tuple of key gaps in ms (for the devices screen)

    def __init__(self, max_gap_ms: float = 35, min_length: int = 4, duplicate_window_ms: float = 200,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = WedgeDetector(max_gap_ms, min_length)
        self.duplicates = DuplicateReadFilter(duplicate_window_ms)
        self.clock = KeyClock()
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timeout)
        self.enabled = True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if self._replaying or not self.enabled or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(obj, QWidget):
            return False  # the window-level copy of the event; we act on the widget's
        focus = QApplication.focusWidget()
        if focus is not None and obj is not focus:
            return False  # the same event propagating to a parent
        assert isinstance(event, QKeyEvent)
        now = _now_ms()
        typed = self.clock.at(event.timestamp(), now)
        mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        copy = (obj, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text(),
                               event.isAutoRepeat(), event.count()))
        if event.key() in _ENTER and not mods:
            decision = self.detector.enter(copy, typed)
            if isinstance(decision, Scan):
                self._timer.stop()
                self.scan_timing.emit(decision.code, decision.key_gaps_ms)
                if self.duplicates.accept(decision.code, typed):
                    self.scanned.emit(decision.code)
                return True
            return self._release(decision)
        text = event.text()
        if len(text) == 1 and text.isprintable() and not mods:
            decision = self.detector.key(text, copy, typed, now)
            if isinstance(decision, Release):
                self._release(decision)
                decision = Hold(now + self.detector.max_gap_ms)
            self._timer.start(max(1, int(decision.deadline_ms - now)))
            return True
        release = self.detector.other_key(copy)
        return self._release(release) if release else False

    def _release(self, decision: Release, live: bool = True) -> bool:
        """Replay held keys to the focused widget, in order. When `live` and the key being
        filtered is the last of them, it is not replayed but let through (returns False)."""
        self._timer.stop()
        keys = decision.keys[:-1] if (live and decision.includes_current) else decision.keys
        self._replaying = True
        try:
            for target, key_event in keys:  # type: ignore[misc]
                # to the widget the key was meant for; if that one is gone, to the focus
                if not shiboken6.isValid(target):
                    target = QApplication.focusWidget()
                if target is not None:
                    QApplication.sendEvent(target, key_event)
        finally:
            self._replaying = False
        return False

    def _on_timeout(self) -> None:
        release = self.detector.timeout(_now_ms())
        if release is not None:
            self._release(release, live=False)
        elif self.detector.holding:  # the timer fired a little early: wait out the rest
            self._timer.start(2)
