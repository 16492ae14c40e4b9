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
from typing import Any

import cv2
import numpy as np

from pos_app.i18n import t
from hardware.barcode_decoders import (  # noqa: F401 - re-exported
    DECODERS, SYMBOLOGIES, Decode, DecoderMissing, Detection, decode_grey, decoder_problem, load_decoder,
)
from hardware.camera_sources import (  # noqa: F401 - re-exported: one import for the callers
    CameraUnavailable, DeviceSource, FrameSource, ImageFolderSource, VideoFileSource, probe, source_from_setting,
)

log = logging.getLogger(__name__)



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

def to_grey(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


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
        decoder: str = "zbar",
        decode_width: int = 0,
    ) -> None:
        self.source = source
        self._on_code = on_code
        self._on_frame = on_frame
        self._on_stopped = on_stopped
        self._seen = SeenCodes(duplicate_window_ms)
        self._preview_width = preview_width
        self.decoder = decoder
        self.decode_width = decode_width  # 0: decode at full resolution
        self._decode: Decode | None = None  # loaded on the worker when it starts
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
            self._decode = load_decoder(self.decoder)
            self.source.open()
        except (CameraUnavailable, DecoderMissing) as exc:
            self._finish(CameraStopped(False, str(exc), 0))
            return
        except Exception as exc:  # a driver error: report it, keep the app
            log.exception("Kamera konnte nicht geöffnet werden")
            self._finish(CameraStopped(False, f"{self.source.name}: {exc}", 0))
            return
        result = CameraStopped(True, t("{name} beendet.", name=self.source.name), 0)
        try:
            while not self._stopping.is_set():
                frame = self.source.read()
                if frame is None:
                    result = CameraStopped(True, t("{name}: Ende erreicht.", name=self.source.name), frames)
                    break
                frames += 1
                self._frame(frames, frame)
            else:
                result = CameraStopped(True, t("{name} ausgeschaltet.", name=self.source.name), frames)
        except CameraUnavailable as exc:
            result = CameraStopped(False, str(exc), frames)
        except Exception as exc:
            log.exception("Kamera-Scannen abgebrochen")
            result = CameraStopped(False, t("{name}: Fehler {exc}", name=self.source.name, exc=exc), frames)
        finally:
            self.source.close()
        self._finish(CameraStopped(result.ok, result.message, frames))

    def _detect(self, grey: np.ndarray) -> list[Detection]:
        """Decode, on a frame shrunk to `decode_width` if set (4x fewer pixels at half the
        width: zbar is that much faster, and a label held up to the camera still has enough
        pixels); corners are given back in full-frame pixels."""
        assert self._decode is not None
        width = grey.shape[1]
        if not self.decode_width or width <= self.decode_width:
            return self._decode(grey)
        factor = self.decode_width / width
        small = cv2.resize(grey, (self.decode_width, max(1, round(grey.shape[0] * factor))),
                           interpolation=cv2.INTER_AREA)
        return [Detection(d.code, d.symbology, tuple((round(x / factor), round(y / factor)) for x, y in d.polygon))
                for d in self._decode(small)]

    def _frame(self, seq: int, frame: np.ndarray) -> None:
        captured = time.monotonic() * 1000.0
        grey = to_grey(frame)
        detections = self._detect(grey)
        decoded = time.monotonic() * 1000.0
        fresh = self._seen.new_codes((d.code for d in detections), self.source.media_ms)
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
