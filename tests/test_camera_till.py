"""Camera scanning in the real till: a video made here plays as the camera (Strg+B), its codes
land in the cart through the same path as the wedge scanner's; the preview outlines the code and
flashes; a missing camera is a message and nothing else; the thread stops when the till is left."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.camera_media import scene, write_video
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, UPC_TEELICHT
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, log_in, make_window, scanner_burst


def camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "camera" and t.is_alive()]


def ctrl(widget, key) -> None:  # type: ignore[no-untyped-def]
    QTest.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


def test_codes_from_the_camera_land_in_the_cart(qtbot, store_path: Path, tmp_path: Path, artifacts) -> None:  # type: ignore[no-untyped-def]
    clip = [None, ("EAN13", EAN_DECKE), None, ("UPCA", UPC_TEELICHT), ("UPCA", UPC_TEELICHT), None,
            ("QRCODE", "WM-INT-00042"), None]
    # 12 fps: each code is in view for 0.67 s, so a busy test machine still sees it
    video = write_video(tmp_path / "kamera.mp4", scene(clip, 640, 480, frames_each=8), fps=12)
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            log_in(qtbot, window)
            till = window.till
            devices = window.devices
            devices.camera_source = str(video)
            shots: list[bool] = []

            def snapshot(result) -> None:  # type: ignore[no-untyped-def]
                if result.detections and not shots:  # the till with a code outlined, once
                    shots.append(True)
                    devices.preview.show_frame(result)
                    window.grab().save(str(artifacts / "till-camera-scanning.png"))

            devices.ensure_camera().frame.connect(snapshot)
            ctrl(till.entry, Qt.Key.Key_B)
            assert devices.camera.running and devices.preview.isVisible()
            qtbot.waitUntil(lambda: len(till.session.cart.lines) == 3, timeout=15000)
            names = [line.product.name for line in till.session.cart.lines]
            assert names == ["Kuscheldecke Größe XL grün", "Teelicht-Set Weiß 50 Stück",
                             "Samtsofa Milano 3-Sitzer grün"]
            assert [line.quantity for line in till.session.cart.lines] == [1, 1, 1]  # held = once
            assert devices.preview.reads == 3
            assert shots, "the preview showed a frame with a code outlined"
            assert till.entry.text() == ""
            # the video ends: the camera switches itself off and says so
            qtbot.waitUntil(lambda: not devices.camera.running, timeout=10000)
            # the end reaches the UI thread by a queued signal, after the worker has stopped
            qtbot.waitUntil(lambda: "Ende erreicht" in till.message.text(), timeout=15_000)
            assert not camera_threads()
            # the wedge scanner works alongside
            scanner_burst(qtbot, EAN_KAFFEE)
            qtbot.waitUntil(lambda: len(till.session.cart.lines) == 4, timeout=15_000)
        finally:
            window.devices.stop()
            close_window(window)


def test_camera_stops_when_the_till_is_locked_and_a_missing_camera_only_says_so(
        qtbot, store_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    video = write_video(tmp_path / "lang.avi", scene([None], 320, 240, frames_each=10), fps=25)
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            log_in(qtbot, window)
            till = window.till
            devices = window.devices
            ctrl(till.entry, Qt.Key.Key_B)  # nothing set up yet
            assert "Keine Kamera eingestellt" in till.message.text()
            assert devices.camera is None  # OpenCV is not even loaded for that

            devices.camera_source = "97"
            ctrl(till.entry, Qt.Key.Key_B)
            qtbot.waitUntil(lambda: "Kamera 97 nicht gefunden" in till.message.text(), timeout=10000)
            assert not devices.camera.running and not camera_threads()
            scanner_burst(qtbot, EAN_DECKE)  # the till goes on as before
            qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)

            from hardware.camera import VideoFileSource
            devices.camera_source = str(video)
            ctrl(till.entry, Qt.Key.Key_B)
            assert devices.camera.running
            devices.camera.stop()
            devices.camera.start(VideoFileSource(video, loop=True))  # a camera that runs until stopped
            qtbot.waitUntil(lambda: devices.preview.image is not None, timeout=15_000)
            assert camera_threads()
            ctrl(till.entry, Qt.Key.Key_L)  # lock: the till screen goes away, so does the camera
            qtbot.waitUntil(lambda: not camera_threads(), timeout=15_000)
            assert not devices.camera.running and not devices.preview.isVisible()
        finally:
            window.devices.stop()
            close_window(window)


def test_the_preview_outlines_every_kind_of_detection(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """zbar locates a Code 128 by a scan line (two points): the preview draws a box around it;
    a four-corner detection is drawn as its polygon."""
    import numpy as np
    from PySide6.QtGui import QColor

    from hardware.camera import Detection, FrameResult
    from ui.camera_view import CameraPreview, CameraScanning

    camera = CameraScanning()
    preview = CameraPreview(camera)
    qtbot.addWidget(preview)
    preview.resize(320, 240)
    rgb = np.full((240, 320, 3), 90, dtype=np.uint8)
    line = Detection("WM-INT-00042", "CODE128", ((200, 200), (203, 260)))
    quad = Detection("4006381333931", "EAN13", ((400, 100), (560, 100), (560, 180), (400, 180)))
    preview.show_frame(FrameResult(1, rgb, 0.5, (line, quad), (), 0.0, 1.0, (640, 480)))

    def green(x: int, y: int) -> bool:
        colour = QColor(preview.grab().toImage().pixel(x, y))
        return colour.green() > 150 and colour.red() < 60

    assert not green(90, 115)  # not running: the message, not a stale picture
    monkeypatch.setattr(CameraScanning, "running", property(lambda self: True))
    assert green(90, 115)  # the box around the scan line: x 100 - 10 in preview pixels
    assert green(200, 70) and green(240, 50)  # the polygon's edges (preview: 200-280 x 50-90)
    assert not green(160, 200)
    preview.flash()
    assert preview.flashing and preview.reads == 1 and green(5, 120)  # the flash frame
