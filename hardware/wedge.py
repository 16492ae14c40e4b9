"""Keyboard-wedge scanners, recognised by timing.

A wedge scanner types its code as a burst of key presses a few milliseconds apart, ending in
Enter; a person types 100+ ms apart. The detector sees every printable key wherever the focus
is, and HOLDS it back: if the next key follows within `max_gap_ms` it is part of a burst; when
Enter ends a burst of at least `min_length` characters, that is a scan and none of its keys
reach the focused field. When the burst breaks off (the gap timer fires, or a slow key or Enter
after too few characters comes), the held keys are released to the focused field unchanged, so
typing by hand still works, delayed by at most `max_gap_ms`.

Whose clock: a key's time is when it was TYPED, the key event's own timestamp (the window
system stamps it), not when the UI thread got round to it. A person's "4711" + Enter typed while
the UI thread was busy arrives as five keys processed back to back; timed on processing they
looked like a scan. `KeyClock` puts event timestamps on the monotonic time line the timer uses
(events without a timestamp, e.g. synthesised ones, count at processing time). The gap timer
itself runs from when the last key was processed (`received_ms`): keys still queued behind a
busy UI thread are processed before it can fire.

Pure timing logic, no Qt: the ui glue feeds it keys with timestamps and a timer, and carries
out the decisions. Thread: the UI thread only.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hold:
    """Keep the key; wait for the next one (or the timer, `deadline_ms`)."""

    deadline_ms: float


@dataclass(frozen=True)
class Release:
    """Hand these keys (in order) to the focused field, as if never intercepted. The key just
    fed is among them when `includes_current`; otherwise it is held anew after them."""

    keys: tuple[object, ...]
    includes_current: bool


@dataclass(frozen=True)
class Scan:
    code: str
    key_gaps_ms: tuple[float, ...]  # for the devices screen: how fast the scanner types


@dataclass
class KeyClock:
    """Key event timestamps (ms on the window system's clock, 0 for none) turned into times on
    the caller's monotonic line: event time + one fixed offset, taken at the first key seen.
    Fixed, so that the gaps between keys are exactly the gaps between their timestamps however
    late each was processed (an offset that followed each key's delay would shrink the gaps of
    keys queued behind a busy thread). A jump of the event clock by more than `resync_ms`
    (another input source, a 32-bit wrap-around) takes a new offset."""

    resync_ms: float = 60_000.0
    _offset: float | None = None

    def at(self, event_ms: int | float, now_ms: float) -> float:
        if not event_ms:
            return now_ms
        delay = now_ms - event_ms
        if self._offset is None or abs(delay - self._offset) > self.resync_ms:
            self._offset = delay
        return event_ms + self._offset


@dataclass
class WedgeDetector:
    max_gap_ms: float = 35.0
    min_length: int = 4
    _chars: list[str] = field(default_factory=list)
    _keys: list[object] = field(default_factory=list)  # opaque key events, replayed on release
    _times: list[float] = field(default_factory=list)  # when each key was typed
    _received_ms: float = 0.0  # when the last key was processed (the gap timer's start)

    @property
    def holding(self) -> bool:
        return bool(self._keys)

    def key(self, char: str, event: object, t_ms: float, received_ms: float | None = None) -> Hold | Release:
        """A printable key typed at `t_ms`, processed at `received_ms` (default: the same).
        `event` is whatever the caller needs to replay it later."""
        received = t_ms if received_ms is None else received_ms
        if self._keys and t_ms - self._times[-1] > self.max_gap_ms:
            released = tuple(self._keys)
            self._reset()
            self._start(char, event, t_ms, received)
            return Release(released, includes_current=False)
        self._start(char, event, t_ms, received)
        return Hold(received + self.max_gap_ms)

    def enter(self, event: object, t_ms: float) -> Scan | Release:
        """Enter (or Return). Ends a burst as a scan, or is passed on with whatever was held."""
        if (len(self._chars) >= self.min_length and t_ms - self._times[-1] <= self.max_gap_ms):
            gaps = tuple(b - a for a, b in zip(self._times, self._times[1:]))
            scan = Scan("".join(self._chars), gaps)
            self._reset()
            return scan
        released = tuple(self._keys) + (event,)
        self._reset()
        return Release(released, includes_current=True)

    def other_key(self, event: object) -> Release | None:
        """A non-printable key (arrows, Backspace, F-keys): flush what is held, then let it pass."""
        if not self._keys:
            return None
        released = tuple(self._keys) + (event,)
        self._reset()
        return Release(released, includes_current=True)

    def timeout(self, now_ms: float) -> Release | None:
        """The gap timer fired (`now_ms` on the processing clock): no key came within the gap
        after the last one was processed, so a burst that stopped short was a person typing."""
        if self._keys and now_ms - self._received_ms >= self.max_gap_ms:
            released = tuple(self._keys)
            self._reset()
            return Release(released, includes_current=True)
        return None

    def _start(self, char: str, event: object, t_ms: float, received_ms: float) -> None:
        self._chars.append(char)
        self._keys.append(event)
        self._times.append(t_ms)
        self._received_ms = received_ms

    def _reset(self) -> None:
        self._chars.clear()
        self._keys.clear()
        self._times.clear()


@dataclass
class DuplicateReadFilter:
    """A scanner (or camera) that reads the same code twice within `window_ms` counts once."""

    window_ms: float = 200.0
    _last_code: str | None = None
    _last_t: float = float("-inf")

    def accept(self, code: str, t_ms: float) -> bool:
        duplicate = code == self._last_code and t_ms - self._last_t < self.window_ms
        self._last_code, self._last_t = code, t_ms
        return not duplicate


@dataclass(frozen=True)
class ScanTiming:
    """How fast a scanner typed one code, against the detector's threshold (devices screen)."""

    keys: int
    fastest_ms: float
    mean_ms: float
    slowest_ms: float
    max_gap_ms: float

    @property
    def margin_ok(self) -> bool:
        """The slowest gap leaves a third of the threshold to spare: a busier PC still works."""
        return self.slowest_ms * 1.5 <= self.max_gap_ms

    def advice(self) -> str:
        if not self.keys:
            return "Noch kein Scan."
        text = (f"{self.keys} Zeichen, Abstand zwischen Tasten {self.fastest_ms:.1f} / {self.mean_ms:.1f} / "
                f"{self.slowest_ms:.1f} ms (min / Mittel / max), Schwelle {self.max_gap_ms:g} ms.")
        if self.margin_ok:
            return text + " Gut: genug Abstand zur Schwelle."
        suggested = int(self.slowest_ms * 1.5) + 1
        return text + f" Knapp: Schwelle auf mindestens {suggested} ms stellen (oder den Scanner schneller)."


def scan_timing(key_gaps_ms: tuple[float, ...], max_gap_ms: float) -> ScanTiming:
    if not key_gaps_ms:
        return ScanTiming(0, 0.0, 0.0, 0.0, max_gap_ms)
    return ScanTiming(len(key_gaps_ms) + 1, min(key_gaps_ms), sum(key_gaps_ms) / len(key_gaps_ms),
                      max(key_gaps_ms), max_gap_ms)
