"""Where camera frames come from: a real camera by index, or a video file or an image folder
acting as one (demos, tests, benchmarks). Used only on hardware.camera's worker thread: an
OpenCV capture object is never shared between threads.

`media_ms` is each source's clock for the duplicate filter (see FrameSource).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from pos_app.i18n import t

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".tif", ".tiff")

try:  # OpenCV logs a warning per failed camera probe; the message we give says it better
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
except AttributeError:  # pragma: no cover - very old OpenCV
    pass


class CameraUnavailable(Exception):
    """The camera (or zbar) cannot be used; str(exc) is the message for the cashier."""


class FrameSource(Protocol):
    """`media_ms` is the time of the last frame read on the source's own clock: the capture
    time for a camera, the position in a video (so the duplicate filter behaves the same on a
    slow machine as on a fast one)."""

    name: str
    media_ms: float

    def open(self) -> None: ...
    def read(self) -> np.ndarray | None: ...  # None: no more frames (a video's end)
    def close(self) -> None: ...


class DeviceSource:
    """A real camera by index (/dev/video<index>)."""

    def __init__(self, index: int, width: int = 1280, height: int = 720) -> None:
        self.index, self.width, self.height = index, width, height
        self.name = f"Kamera {index}"
        self.media_ms = 0.0
        self._cap: cv2.VideoCapture | None = None

    def open(self) -> None:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(t("{name} nicht gefunden oder von einem anderen Programm belegt.", name=self.name))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not one queued seconds ago
        ok, _ = cap.read()
        if not ok:
            cap.release()
            raise CameraUnavailable(t("{name} liefert kein Bild (belegt oder gestört).", name=self.name))
        self._cap = cap

    def read(self) -> np.ndarray | None:
        assert self._cap is not None
        ok, frame = self._cap.read()
        if not ok:
            raise CameraUnavailable(t("{name} liefert kein Bild mehr (Kabel gezogen?).", name=self.name))
        self.media_ms = time.monotonic() * 1000.0
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource:
    """A video file as a virtual camera. `realtime`: it behaves like a live camera, frames come
    at the file's rate and a reader that falls behind gets the current frame, the ones it
    missed are dropped (`dropped`); otherwise every frame, as fast as it decodes. Loops when
    asked."""

    def __init__(self, path: Path, *, realtime: bool = True, loop: bool = False) -> None:
        self.path, self.realtime, self.loop = path, realtime, loop
        self.name = f"Video {path.name}"
        self.media_ms = 0.0
        self.started = 0.0  # time.monotonic() of frame 0 (realtime)
        self.interval = 0.0  # seconds per frame when realtime, else 0
        self.dropped = 0
        self._cap: cv2.VideoCapture | None = None
        self._frame_ms = 40.0
        self._frames = 0

    def open(self) -> None:
        if not self.path.is_file():
            raise CameraUnavailable(t("{name}: Datei nicht gefunden.", name=self.name))
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(t("{name}: kein lesbares Video.", name=self.name))
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        self.interval = 1.0 / fps if self.realtime and fps > 0 else 0.0
        self._frame_ms = 1000.0 / fps if fps > 0 else 40.0
        self._cap = cap
        self.started = time.monotonic()

    def frame_time(self, index: int) -> float:
        """When frame `index` is "in front of the camera" (time.monotonic(), realtime only)."""
        return self.started + index * self.interval

    def _step(self, grab_only: bool) -> tuple[bool, np.ndarray | None]:
        assert self._cap is not None
        for _ in range(2):
            if grab_only:
                ok, frame = self._cap.grab(), None
            else:
                ok, frame = self._cap.read()
            if ok or not self.loop:
                return ok, frame
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        return False, None

    def read(self) -> np.ndarray | None:
        if self.interval > 0:
            due = int((time.monotonic() - self.started) / self.interval)
            if self._frames > due:  # early: wait for the frame's time
                time.sleep(max(0.0, self.frame_time(self._frames) - time.monotonic()))
            while self._frames < due:  # late: a live camera does not wait for a slow reader
                if not self._step(grab_only=True)[0]:
                    return None
                self._frames += 1
                self.dropped += 1
        ok, frame = self._step(grab_only=False)
        self.media_ms = self._frames * self._frame_ms  # frame count: steady across loops
        self._frames += 1
        return frame if ok else None

    @property
    def frames_read(self) -> int:
        """Frames consumed so far (read or dropped): the index of the next one."""
        return self._frames

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource:
    """The images of a folder, in name order, as frames at `fps`."""

    def __init__(self, path: Path, *, fps: float = 10.0, realtime: bool = True, loop: bool = False) -> None:
        self.path, self.loop = path, loop
        self.name = f"Bildordner {path.name}"
        self.media_ms = 0.0
        self._files: list[Path] = []
        self._pos = 0
        self._frames = 0
        self._frame_ms = 1000.0 / fps if fps > 0 else 100.0
        self._interval = 1.0 / fps if realtime and fps > 0 else 0.0
        self._next = 0.0

    def open(self) -> None:
        if not self.path.is_dir():
            raise CameraUnavailable(t("{name}: Ordner nicht gefunden.", name=self.name))
        self._files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise CameraUnavailable(t("{name}: keine Bilder darin.", name=self.name))
        self._next = time.monotonic()

    def read(self) -> np.ndarray | None:
        while True:
            if self._pos >= len(self._files):
                if not self.loop:
                    return None
                self._pos = 0
            path = self._files[self._pos]
            self._pos += 1
            _pace(self)
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is not None:
                self.media_ms = self._frames * self._frame_ms
                self._frames += 1
                return frame
            log.warning("Bild %s nicht lesbar, übersprungen", path)

    def close(self) -> None:
        self._files = []


def _pace(source: Any) -> None:
    """Hold a virtual camera to its frame rate."""
    if source._interval <= 0:
        return
    delay = source._next - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    source._next = max(source._next + source._interval, time.monotonic() - source._interval)


def source_from_setting(text: str, *, realtime: bool = True, loop: bool = False) -> FrameSource:
    """The `[camera] source` setting: a camera index ("0"), a video file or an image folder."""
    text = text.strip()
    if not text:
        raise CameraUnavailable(t("Keine Kamera eingestellt."))
    if text.isdigit():
        return DeviceSource(int(text))
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, realtime=realtime, loop=loop)
    return VideoFileSource(path, realtime=realtime, loop=loop)


def probe(source: FrameSource) -> str | None:
    """Open and close a source once: None when it delivers, else the message. Blocking (a
    camera can take a second to open): call it off the UI thread."""
    try:
        source.open()
        return None
    except CameraUnavailable as exc:
        return str(exc)
    finally:
        try:
            source.close()
        except Exception:  # closing a source that never opened
            pass
