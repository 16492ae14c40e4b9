"""The devices screen (Strg+Umschalt+D): managers only; printer status and test page against a
loopback printer, the drawer test, the camera preview from a video, the scanner test with key
timing and the keyboard-layout warning, saving to the settings file (comments kept, a bad
value changes nothing). Plus the pure parts: layout check, timing advice, settings text."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from hardware.keyboard_layout import LAYOUT_TEST_CODE, check_scan, undo_mismatch, us_scanner_on_german_keyboard
from hardware.wedge import scan_timing
from pos_app.config import DEFAULT_FILE, ConfigError, load_settings, parse_settings, save_settings, update_settings_text
from pos_app.store.staff import StaffMember
from tests.camera_media import scene, write_video
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, MANAGER_PIN
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, in_modal, log_in, make_window
from ui.devices_view import DevicesDialog
from ui.dialogs import ManagerApprovalDialog

MANAGER = StaffMember(2, "Jonas Weber", "manager")


def test_keyboard_layout_mismatch_is_spotted() -> None:
    mangled = us_scanner_on_german_keyboard(LAYOUT_TEST_CODE)
    assert mangled == "YZß42-7"
    assert undo_mismatch(mangled) == LAYOUT_TEST_CODE
    assert check_scan(LAYOUT_TEST_CODE, LAYOUT_TEST_CODE).mismatch is False
    result = check_scan(mangled, LAYOUT_TEST_CODE)
    assert result.mismatch and "Tastatursprache Deutsch" in result.advice and result.meant == LAYOUT_TEST_CODE
    # an article code with "-": "ß" is on no label
    assert check_scan("WMßINTß00042").mismatch and check_scan("WMßINTß00042").meant == "WM-INT-00042"
    # Y/Z only: unknown as scanned, known when swapped back
    known = {"ZY42"}.__contains__
    assert check_scan("YZ42", known=known).mismatch
    assert not check_scan("YZ42", known=lambda code: False).mismatch
    assert not check_scan(EAN_DECKE).mismatch  # digits survive a mismatch: nothing to see


def test_scan_timing_advice() -> None:
    good = scan_timing((3.0, 4.0, 5.0), 35)
    assert good.keys == 4 and good.slowest_ms == 5.0 and good.margin_ok and "Gut" in good.advice()
    tight = scan_timing((10.0, 30.0), 35)
    assert not tight.margin_ok and "mindestens 46 ms" in tight.advice()
    assert scan_timing((), 35).advice() == "Noch kein Scan."


def test_settings_text_keeps_comments_and_a_bad_value_changes_nothing(tmp_path: Path) -> None:
    text = update_settings_text(DEFAULT_FILE, {"printer": {"kind": "network", "host": "10.0.0.9", "columns": 48},
                                              "camera": {"source": "C:\\video \"1\".mp4"}, "": {"language": "en"}})
    [host] = [line for line in text.splitlines() if line.startswith("host =")]
    assert host == 'host = "10.0.0.9"'.ljust(30) + '# kind = "network": the printer\'s address, port 9100'
    [default_host] = [line for line in DEFAULT_FILE.splitlines() if line.startswith("host =")]
    assert default_host.index("#") == host.index("#") == 30  # the comment column kept
    assert "# usb_vendor = 0x04B8" in text  # comments stay
    settings = parse_settings(text)
    assert (settings.printer.kind, settings.printer.columns, settings.language) == ("network", 48, "en")
    assert settings.camera.source == 'C:\\video "1".mp4'
    path = tmp_path / "pos.toml"
    load_settings(path)
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="printer.columns"):
        save_settings(path, {"printer": {"columns": 7}})
    with pytest.raises(ConfigError, match="Unbekannte Einstellung"):
        save_settings(path, {"drucker": {"x": 1}})
    assert path.read_bytes() == before
    saved = save_settings(path, {"wedge": {"max_key_gap_ms": 50}, "newsection": {}})
    assert saved.wedge.max_key_gap_ms == 50 and load_settings(path).wedge.max_key_gap_ms == 50


def burst(qtbot, target: QWidget, code: str) -> None:  # type: ignore[no-untyped-def]
    """A wedge scanner typing `code` (any characters, ß too) 2 ms apart, then Enter."""
    for ch in code:
        key = ord(ch.upper()) if len(ch.upper()) == 1 and ord(ch.upper()) < 128 else 0
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))
        QTest.qWait(2)
    QTest.keyClick(target, Qt.Key.Key_Return)


def test_devices_screen(qtbot, store_path: Path, tmp_path: Path, artifacts) -> None:  # type: ignore[no-untyped-def]
    video = write_video(tmp_path / "probe.mp4", scene([None, ("EAN13", EAN_DECKE)], frames_each=6), fps=25)
    with TcpPrinter() as printer, TcpPrinter() as other:
        window = make_window(qtbot, store_path, printer.port)
        try:
            settings_path = store_path.parent / "pos.toml"
            dialog = DevicesDialog(window, settings_path, MANAGER)
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)

            # scanner: a US-layout scanner on a German keyboard, then a right one
            dialog.activateWindow()
            dialog.max_gap.setFocus()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.max_gap, timeout=15_000)
            burst(qtbot, dialog.max_gap, us_scanner_on_german_keyboard(LAYOUT_TEST_CODE))
            qtbot.waitUntil(lambda: dialog.last_scan.text() == "YZß42-7", timeout=15_000)
            assert "Falsche Tastaturbelegung" in dialog.layout_warning.text()
            assert "Y und Z" in dialog.layout_advice.text()
            assert "Abstand zwischen Tasten" in dialog.timing.text() and "Schwelle 35 ms" in dialog.timing.text()
            assert dialog.max_gap.value() == 35  # the burst never typed into the field

            # printer: status and test page of the entered (other) printer
            dialog.port.setValue(other.port)
            dialog.profile.setEditText("Kein-Drucker-3000")
            dialog.check_printer()
            assert "unbekannt" in dialog.printer_result.text()
            dialog.profile.setCurrentIndex(dialog.profile.findData("TM-T20II"))

            other.paper = "near_end"
            dialog.check_printer()
            qtbot.waitUntil(lambda: "Papier geht zur Neige" in dialog.printer_result.text(), timeout=15_000)
            dialog.print_test_page()
            [page] = other.wait_for_jobs(1, timeout=5)
            out = decode(page)
            assert "Testdruck" in out.text and ("CODE128", LAYOUT_TEST_CODE) in out.barcodes
            assert "123456789012345678901234567890123456789012345678" in out.text_lines  # 48 wide
            qtbot.waitUntil(lambda: "48 Zeichen" in dialog.printer_result.text(), timeout=15_000)

            # drawer test: the kick goes to the till's printer, recorded as a no-sale opening
            dialog.test_drawer()
            [kick] = printer.wait_for_jobs(1, timeout=5)
            assert decode(kick).drawer_kicks == [2]

            # camera: the entered video as camera
            dialog.camera_source.setText(str(video))
            dialog.toggle_preview()
            qtbot.waitUntil(lambda: dialog.camera_result.text().startswith("Erkannt: " + EAN_DECKE), timeout=10000)
            qtbot.waitUntil(lambda: dialog.preview.image is not None, timeout=15_000)
            burst(qtbot, dialog.max_gap, LAYOUT_TEST_CODE)
            qtbot.waitUntil(lambda: dialog.last_scan.text() == LAYOUT_TEST_CODE, timeout=15_000)
            assert dialog.layout_warning.text() == dialog.layout_advice.text() == ""
            assert "stimmt" in dialog.timing.text()
            burst(qtbot, dialog.max_gap, us_scanner_on_german_keyboard(LAYOUT_TEST_CODE))
            qtbot.waitUntil(lambda: "Falsche" in dialog.layout_warning.text(), timeout=15_000)
            qtbot.wait(50)
            dialog.grab().save(str(artifacts / "devices-screen.png"))

            # save: the file, the wedge at once, the audit trail
            dialog.max_gap.setValue(45)
            dialog.save()
            assert "Gespeichert" in dialog.message.text() and "Neustart" in dialog.message.text()
            saved = load_settings(settings_path)
            assert (saved.printer.port, saved.printer.profile, saved.camera.source) == (other.port, "TM-T20II",
                                                                                        str(video))
            assert window.wedge.detector.max_gap_ms == 45
            dialog.columns.setValue(7)  # 1-23 is refused: nothing changes
            dialog.save()
            assert "Nicht gespeichert" in dialog.message.text()
            assert load_settings(settings_path).printer.columns == 0
            with window.store.db.reading() as s:
                from sqlalchemy import text
                actions = [r[0] for r in s.execute(text("SELECT action FROM audit_log ORDER BY id"))]
            assert actions[-2:] == ["drawer_no_sale", "devices_changed"]
            dialog.close()
            assert not dialog.camera.running
        finally:
            close_window(window)


def test_devices_screen_needs_a_manager(qtbot, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            log_in(qtbot, window)  # a cashier
            opened: list[str] = []

            def wrong_then_right(dialog: QWidget) -> None:
                assert isinstance(dialog, ManagerApprovalDialog)
                dialog.pin.setText("0000")
                dialog.buttons.accepted.emit()
                assert "Falsche PIN" in dialog.error.text()
                dialog.pin.setText(MANAGER_PIN)
                dialog.buttons.accepted.emit()
                in_modal(see_devices)

            def see_devices(dialog: QWidget) -> None:
                if isinstance(dialog, ManagerApprovalDialog):
                    in_modal(see_devices)
                    return
                opened.append(type(dialog).__name__)
                dialog.reject()

            in_modal(wrong_then_right)
            QTest.keyClick(window.till.entry, Qt.Key.Key_D,
                           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
            assert opened == ["DevicesDialog"]
            qtbot.waitUntil(window.isActiveWindow, timeout=15_000)

            def cancel(dialog: QWidget) -> None:
                opened.append(type(dialog).__name__)
                dialog.reject()
            in_modal(cancel)
            QTest.keyClick(window.till.entry, Qt.Key.Key_D,
                           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
            assert opened == ["DevicesDialog", "ManagerApprovalDialog"]  # no PIN, no screen
        finally:
            close_window(window)


def test_devices_screen_sets_up_and_tests_the_card_terminal(qtbot, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.zvt_terminal import ZvtSimulator

    simulator = ZvtSimulator()
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            settings_path = store_path.parent / "pos.toml"
            dialog = DevicesDialog(window, settings_path, MANAGER)
            qtbot.addWidget(dialog)
            box = dialog.terminal_box
            assert box.kind.currentData() == "none"  # confirm by hand until a terminal is chosen
            box.kind.setCurrentIndex(box.kind.findData("zvt"))
            dialog.save()
            assert "Nicht gespeichert" in dialog.message.text() and "terminal.host" in dialog.message.text()
            box.host.setText("127.0.0.1")
            box.port.setValue(simulator.port)
            box.test()
            qtbot.waitUntil(lambda: "Terminal antwortet" in box.result.text(), timeout=15_000)
            assert simulator.received[0][:2] == b"\x06\x00"
            dialog.save()
            assert "Gespeichert" in dialog.message.text() and "Neustart" in dialog.message.text()
            saved = load_settings(settings_path).terminal
            assert (saved.kind, saved.host, saved.port, saved.password) == ("zvt", "127.0.0.1", simulator.port, 0)
            dialog.close()
        finally:
            close_window(window)
            simulator.close()


def test_settings_saver_keeps_a_commented_table_header(tmp_path: Path) -> None:
    """A valid TOML file whose table header carries a comment: the hand-written saver took
    `[printer]   # Bondrucker` for a second [printer] ("Cannot declare ('printer',) twice")."""
    text = DEFAULT_FILE.replace("[printer]\n", "[printer]   # Bondrucker\n")
    assert parse_settings(text).printer.kind == "none"  # valid as it is
    changed = update_settings_text(text, {"printer": {"kind": "network", "port": 9101}, "wedge": {"min_length": 6},
                                          "": {"max_discount_percent": 15}})
    settings = parse_settings(changed)
    assert (settings.printer.kind, settings.printer.port, settings.wedge.min_length) == ("network", 9101, 6)
    assert str(settings.max_discount_percent) == "15"
    assert "[printer]   # Bondrucker\n" in changed and changed.count("[printer]") == 1
    # only the changed lines differ; every other line (comments, blank lines, order) is as it was
    before, after = text.splitlines(), changed.splitlines()
    assert len(before) == len(after)
    differing = [(old, new) for old, new in zip(before, after) if old != new]
    assert [new.split("=")[0].strip() for _, new in differing] == ["max_discount_percent", "kind", "port",
                                                                   "min_length"]
    path = tmp_path / "pos.toml"
    path.write_text(text, encoding="utf-8")
    assert save_settings(path, {"printer": {"host": "10.1.2.3"}}).printer.host == "10.1.2.3"
    assert "[printer]   # Bondrucker" in path.read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text("[printer\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="fehlerhaft"):  # not TOML: a clear message, the file unchanged
        save_settings(broken, {"printer": {"kind": "none"}})
    assert broken.read_text(encoding="utf-8") == "[printer\n"
