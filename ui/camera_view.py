"""Qt glue for camera scanning: CameraScanning runs hardware.camera.CameraScanner and brings
its codes, frames and end to the UI thread; CameraPreview shows the live picture with the
detected code outlined and flashes on a read.

Threads: the scanner's callbacks run on its worker thread and only emit signals (queued to
this object on the UI thread). Frames are handed over through a one-slot mailbox, so a slow UI
drops frames instead of piling them up in the event queue. Everything else: UI thread.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from pos_app.i18n import t
from hardware.camera import (
    CameraScanner, CameraStopped, CameraUnavailable, CodeRead, FrameResult, FrameSource, source_from_setting,
)

FLASH_MS = 350


class CameraScanning(QObject):
    """One camera scanner at a time; `scanned` carries each code once, like the wedge's."""

    scanned = Signal(str)
    read = Signal(object)  # CodeRead (with its capture time), for the preview and benchmarks
    frame = Signal(object)  # FrameResult, the newest one only
    state_changed = Signal(bool, str)  # running, message for the cashier

    _code = Signal(object)  # emitted on the worker thread
    _frame_ready = Signal()
    _stopped = Signal(object)

    def __init__(self, duplicate_window_ms: float = 800.0, parent: QObject | None = None,
                 decoder: str = "zbar", decode_width: int = 0) -> None:
        super().__init__(parent)
        self.duplicate_window_ms = duplicate_window_ms
        self.decoder = decoder
        self.decode_width = decode_width
        self.scanner: CameraScanner | None = None
        self.message = t("Kamera aus.")
        self._mailbox: FrameResult | None = None
        self._mailbox_lock = threading.Lock()
        self._code.connect(self._on_code)
        self._frame_ready.connect(self._on_frame)
        self._stopped.connect(self._on_stopped)

    @property
    def running(self) -> bool:
        return self.scanner is not None and self.scanner.running

    def start(self, source: str | FrameSource) -> bool:
        """Start reading from a `[camera] source` setting or a FrameSource. A bad setting is
        reported through state_changed (and False), a camera that fails to open likewise,
        a moment later, from the worker."""
        self.stop()
        try:
            frames = source_from_setting(source) if isinstance(source, str) else source
        except CameraUnavailable as exc:
            self._report(False, str(exc))
            return False
        self.scanner = CameraScanner(frames, self._code.emit, self._frame_arrived, self._stopped.emit,
                                     duplicate_window_ms=self.duplicate_window_ms, decoder=self.decoder,
                                     decode_width=self.decode_width)
        self.scanner.start()
        self._report(True, t("{name}: Kamera-Scannen an.", name=frames.name))
        return True

    def stop(self, timeout: float = 2.0) -> bool:
        """Stop the worker and wait for it (bounded by one frame's decode)."""
        scanner, self.scanner = self.scanner, None
        if scanner is None:
            return True
        ended = scanner.stop(timeout)
        self._report(False, t("Kamera aus."))
        return ended

    def _frame_arrived(self, result: FrameResult) -> None:  # worker thread
        with self._mailbox_lock:
            empty = self._mailbox is None
            self._mailbox = result
        if empty:
            self._frame_ready.emit()

    @Slot()
    def _on_frame(self) -> None:
        with self._mailbox_lock:
            result, self._mailbox = self._mailbox, None
        if result is not None and self.scanner is not None:
            self.frame.emit(result)

    @Slot(object)
    def _on_code(self, read: CodeRead) -> None:
        if self.scanner is None:
            return  # switched off meanwhile
        self.read.emit(read)
        self.scanned.emit(read.code)

    @Slot(object)
    def _on_stopped(self, result: CameraStopped) -> None:
        if self.scanner is None or self.scanner.result is not result:
            return  # an old scanner's end after a restart
        self.scanner = None
        self._report(False, result.message if not result.ok else t("{message} Kamera aus.", message=result.message))

    def _report(self, running: bool, message: str) -> None:
        self.message = message
        self.state_changed.emit(running, message)


class CameraPreview(QWidget):
    """The live picture, the code outlined in green; a green frame flashes on each read."""

    def __init__(self, camera: CameraScanning, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraPreview")
        self.camera = camera
        self.image: QImage | None = None
        self.result: FrameResult | None = None
        self.reads = 0
        self._flash = QTimer(self)
        self._flash.setSingleShot(True)
        self._flash.timeout.connect(self.update)
        self.setMinimumSize(240, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        camera.frame.connect(self.show_frame)
        camera.read.connect(self.flash)
        camera.state_changed.connect(lambda *_: self.update())

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return width * 3 // 4

    @Slot(object)
    def show_frame(self, result: FrameResult) -> None:
        rgb = result.preview
        height, width = rgb.shape[:2]
        self.image = QImage(rgb.data, width, height, int(rgb.strides[0]), QImage.Format.Format_RGB888).copy()
        self.result = result
        self.update()

    @Slot(object)
    def flash(self, _read: CodeRead | None = None) -> None:
        """A read: beep and a green frame for FLASH_MS."""
        self.reads += 1
        QApplication.beep()
        self._flash.start(FLASH_MS)
        self.update()

    @property
    def flashing(self) -> bool:
        return self._flash.isActive()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202020"))
        if self.image is None or not self.camera.running:
            painter.setPen(QColor("#dddddd"))
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.camera.message + t("\nStrg+B: Kamera an/aus"))
        else:
            box = self._image_rect()
            painter.drawImage(box, self.image)
            assert self.result is not None
            factor = self.result.scale * box.width() / self.image.width()
            pen = QPen(QColor("#00d060"), 3)
            painter.setPen(pen)
            for detection in self.result.detections:
                polygon = QPolygonF([QPointF(box.x() + x * factor, box.y() + y * factor)
                                     for x, y in detection.polygon])
                if len(detection.polygon) < 3:  # zbar gave a scan line: a box around it
                    painter.drawRect(polygon.boundingRect().adjusted(-10, -10, 10, 10))
                else:
                    painter.drawPolygon(polygon)
                painter.drawText(polygon.boundingRect().bottomLeft() + QPointF(0, 14), detection.code)
        if self.flashing:
            painter.setPen(QPen(QColor("#00d060"), 8))
            painter.drawRect(self.rect().adjusted(4, 4, -4, -4))
        painter.end()

    def _image_rect(self) -> QRectF:
        assert self.image is not None
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        w, h = self.image.width() * scale, self.image.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
