"""Camera scanning: frames from a camera (or a video file / an image folder acting as one),
turned grey and decoded with pyzbar, restricted to the symbologies the shop uses.

Threads: CameraScanner owns ONE worker thread that opens the source, reads frames, decodes them
and calls the callbacks (`on_code`, `on_frame`, `on_stopped`) ON THAT THREAD; a Qt caller
marshals them to the UI thread itself (ui.camera_view). start()/stop() are for the owner's
thread. OpenCV capture objects are not shared between threads: only the worker touches them.

Why a virtual camera: demos and tests need the real pipeline (capture, grey, decode, duplicate
filter, the till's scan path) without a webcam. A video file plays at its own frame rate, an
image folder at `fps`, both like a live camera unless `realtime=False`.

A missing or busy camera, a missing zbar library or an unreadable file end the worker with a
CameraStopped result carrying a German message; nothing else is affected.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".tif", ".tiff")
#: What the shop's labels carry; everything else zbar knows is switched off (faster, fewer
#: false reads). Names as pyzbar reports them.
SYMBOLOGIES = ("EAN13", "EAN8", "UPCA", "CODE128", "QRCODE")

try:  # OpenCV logs a warning per failed camera probe; the message we give says it better
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
except AttributeError:  # pragma: no cover - very old OpenCV
    pass


class CameraUnavailable(Exception):
    """The camera (or zbar) cannot be used; str(exc) is the message for the cashier."""


@dataclass(frozen=True)
class Detection:
    code: str
    symbology: str  # EAN13 | EAN8 | UPCA | CODE128 | QRCODE
    polygon: tuple[tuple[int, int], ...]  # corners in full-frame pixels


@dataclass(frozen=True)
class CodeRead:
    """A code counted once: its first frame after it was out of view for a while."""

    code: str
    symbology: str
    frame_seq: int
    captured_ms: float  # time.monotonic() * 1000 when the frame was read from the source


@dataclass(frozen=True)
class FrameResult:
    """One decoded frame, for the preview. `preview` is RGB, at most `preview_width` wide;
    `scale` maps full-frame pixels to preview pixels."""

    seq: int
    preview: np.ndarray
    scale: float
    detections: tuple[Detection, ...]
    new_codes: tuple[str, ...]
    captured_ms: float
    decode_ms: float
    size: tuple[int, int]  # full frame (width, height)


@dataclass(frozen=True)
class CameraStopped:
    """Why the worker ended: ok (stopped or the video ended) or an error for the cashier."""

    ok: bool
    message: str
    frames: int


# ---- decoding -----------------------------------------------------------------------------

_decoder: tuple[Any, list[Any]] | None = None


def _pyzbar() -> tuple[Any, list[Any]]:
    """pyzbar's decode and the symbols we allow. Imported late: without the system zbar library
    (Debian: libzbar0) the import fails, and then only camera scanning is off."""
    global _decoder
    if _decoder is None:
        try:
            from pyzbar import pyzbar
        except (ImportError, OSError) as exc:
            raise CameraUnavailable(
                "Kamera-Scannen nicht möglich: die Bibliothek zbar fehlt (Debian-Paket libzbar0). "
                f"({exc})") from exc
        symbols = [getattr(pyzbar.ZBarSymbol, name) for name in SYMBOLOGIES]
        _decoder = (pyzbar.decode, symbols)
    return _decoder


def decoder_problem() -> str | None:
    """None when decoding works, else the message why not (for the devices screen)."""
    try:
        _pyzbar()
    except CameraUnavailable as exc:
        return str(exc)
    return None


def to_grey(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def decode_grey(grey: np.ndarray) -> list[Detection]:
    """All codes of the allowed symbologies in a grey (2-D uint8) image. Any thread."""
    decode, symbols = _pyzbar()
    found = []
    for result in decode(grey, symbols=symbols):
        try:
            text = result.data.decode("utf-8")
        except UnicodeDecodeError:
            text = result.data.decode("latin-1")
        polygon = tuple((int(p.x), int(p.y)) for p in result.polygon)
        found.append(Detection(text, str(result.type), polygon))
    return found


class SeenCodes:
    """The same code in consecutive frames counts once (the camera's duplicate filter, after
    hardware.wedge.DuplicateReadFilter, but per code: a QR and an EAN side by side both count).
    A code counts again only after it was out of view for `window_ms`. Worker thread."""

    def __init__(self, window_ms: float = 800.0) -> None:
        self.window_ms = window_ms
        self._last_seen: dict[str, float] = {}

    def new_codes(self, codes: Iterable[str], t_ms: float) -> list[str]:
        fresh = []
        for code in dict.fromkeys(codes):  # once per frame, in order
            last = self._last_seen.get(code)
            if last is None or t_ms - last >= self.window_ms:
                fresh.append(code)
            self._last_seen[code] = t_ms
        for code in [c for c, t in self._last_seen.items() if t_ms - t >= self.window_ms]:
            del self._last_seen[code]
        return fresh


# ---- sources ------------------------------------------------------------------------------

class FrameSource(Protocol):
    name: str

    def open(self) -> None: ...
    def read(self) -> np.ndarray | None: ...  # None: no more frames (a video's end)
    def close(self) -> None: ...


class DeviceSource:
    """A real camera by index (/dev/video<index>)."""

    def __init__(self, index: int, width: int = 1280, height: int = 720) -> None:
        self.index, self.width, self.height = index, width, height
        self.name = f"Kamera {index}"
        self._cap: cv2.VideoCapture | None = None

    def open(self) -> None:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"{self.name} nicht gefunden oder von einem anderen Programm belegt.")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        ok, _ = cap.read()
        if not ok:
            cap.release()
            raise CameraUnavailable(f"{self.name} liefert kein Bild (belegt oder gestört).")
        self._cap = cap

    def read(self) -> np.ndarray | None:
        assert self._cap is not None
        ok, frame = self._cap.read()
        if not ok:
            raise CameraUnavailable(f"{self.name} liefert kein Bild mehr (Kabel gezogen?).")
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource:
    """A video file as a virtual camera: plays at the file's frame rate (realtime) or as fast
    as it decodes; loops when asked."""

    def __init__(self, path: Path, *, realtime: bool = True, loop: bool = False) -> None:
        self.path, self.realtime, self.loop = path, realtime, loop
        self.name = f"Video {path.name}"
        self._cap: cv2.VideoCapture | None = None
        self._interval = 0.0
        self._next = 0.0

    def open(self) -> None:
        if not self.path.is_file():
            raise CameraUnavailable(f"{self.name}: Datei nicht gefunden.")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"{self.name}: kein lesbares Video.")
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        self._interval = 1.0 / fps if self.realtime and fps > 0 else 0.0
        self._cap = cap
        self._next = time.monotonic()

    def read(self) -> np.ndarray | None:
        assert self._cap is not None
        _pace(self)
        ok, frame = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource:
    """The images of a folder, in name order, as frames at `fps`."""

    def __init__(self, path: Path, *, fps: float = 10.0, realtime: bool = True, loop: bool = False) -> None:
        self.path, self.loop = path, loop
        self.name = f"Bildordner {path.name}"
        self._files: list[Path] = []
        self._pos = 0
        self._interval = 1.0 / fps if realtime and fps > 0 else 0.0
        self._next = 0.0

    def open(self) -> None:
        if not self.path.is_dir():
            raise CameraUnavailable(f"{self.name}: Ordner nicht gefunden.")
        self._files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise CameraUnavailable(f"{self.name}: keine Bilder darin.")
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
        raise CameraUnavailable("Keine Kamera eingestellt.")
    if text.isdigit():
        return DeviceSource(int(text))
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, realtime=realtime, loop=loop)
    return VideoFileSource(path, realtime=realtime, loop=loop)


# ---- the worker ---------------------------------------------------------------------------

class CameraScanner:
    """Capture and decode on one worker thread until stop() or the source ends."""

    def __init__(
        self,
        source: FrameSource,
        on_code: Callable[[CodeRead], None],
        on_frame: Callable[[FrameResult], None] | None = None,
        on_stopped: Callable[[CameraStopped], None] | None = None,
        *,
        duplicate_window_ms: float = 800.0,
        preview_width: int = 480,
    ) -> None:
        self.source = source
        self._on_code = on_code
        self._on_frame = on_frame
        self._on_stopped = on_stopped
        self._seen = SeenCodes(duplicate_window_ms)
        self._preview_width = preview_width
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.result: CameraStopped | None = None  # set when the worker has ended

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self.result = None
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Ask the worker to end after the current frame and wait; True when it has ended."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _run(self) -> None:  # worker thread
        frames = 0
        try:
            _pyzbar()
            self.source.open()
        except CameraUnavailable as exc:
            self._finish(CameraStopped(False, str(exc), 0))
            return
        except Exception as exc:  # a driver error: report it, keep the app
            log.exception("Kamera konnte nicht geöffnet werden")
            self._finish(CameraStopped(False, f"{self.source.name}: {exc}", 0))
            return
        result = CameraStopped(True, f"{self.source.name} beendet.", 0)
        try:
            while not self._stopping.is_set():
                frame = self.source.read()
                if frame is None:
                    result = CameraStopped(True, f"{self.source.name}: Ende erreicht.", frames)
                    break
                frames += 1
                self._frame(frames, frame)
            else:
                result = CameraStopped(True, f"{self.source.name} ausgeschaltet.", frames)
        except CameraUnavailable as exc:
            result = CameraStopped(False, str(exc), frames)
        except Exception as exc:
            log.exception("Kamera-Scannen abgebrochen")
            result = CameraStopped(False, f"{self.source.name}: Fehler {exc}", frames)
        finally:
            self.source.close()
        self._finish(CameraStopped(result.ok, result.message, frames))

    def _frame(self, seq: int, frame: np.ndarray) -> None:
        captured = time.monotonic() * 1000.0
        grey = to_grey(frame)
        detections = decode_grey(grey)
        decoded = time.monotonic() * 1000.0
        fresh = self._seen.new_codes((d.code for d in detections), captured)
        for code in fresh:
            symbology = next(d.symbology for d in detections if d.code == code)
            self._call(self._on_code, CodeRead(code, symbology, seq, captured))
        if self._on_frame is not None:
            height, width = grey.shape[:2]
            scale = min(1.0, self._preview_width / width)
            small = cv2.resize(frame, (int(width * scale), int(height * scale))) if scale < 1 else frame
            rgb = (cv2.cvtColor(small, cv2.COLOR_GRAY2RGB) if small.ndim == 2
                   else cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
            self._call(self._on_frame, FrameResult(seq, rgb, scale, tuple(detections), tuple(fresh),
                                                   captured, decoded - captured, (width, height)))

    def _call(self, callback: Callable[[Any], None] | None, value: object) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # the receiver's bug must not kill the camera thread
            log.exception("Kamera-Rückruf fehlgeschlagen")

    def _finish(self, result: CameraStopped) -> None:
        self.result = result
        self._call(self._on_stopped, result)


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
