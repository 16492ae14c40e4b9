"""A whole sale through the real screens, the way a cashier does it: PIN log-in, a scanner burst
sent as real key events, a quantity change, cash with change; the receipt arrives at a TCP
printer on loopback and is decoded. Then the same with the printer off."""
from __future__ import annotations

import time

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.config import PrinterSettings, Settings
from pos_app.gtin import with_check_digit
from pos_app.store.models import Sale
from tests.escpos_decode import decode
from tests.store_fixture import CASHIER_PIN, EAN_DECKE, EAN_KAFFEE, MANAGER_PIN
from tests.tcp_printer import TcpPrinter
from ui.app import open_window
from ui.main_window import MainWindow
from ui.payment_dialog import PaymentDialog


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


def make_window(qtbot, store_path: Path, port: int) -> MainWindow:  # type: ignore[no-untyped-def]
    settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=port, timeout_s=1.0))
    app = QApplication.instance()
    window = open_window(app, store_path, settings)
    window.printing.queue._backoff = (0.05,)  # retry quickly in tests
    window.show()
    qtbot.addWidget(window)
    return window


def close_window(window: MainWindow) -> None:
    app = QApplication.instance()
    app.removeEventFilter(window.wedge)
    app.removeEventFilter(window.activity)
    window.printing.stop()
    window.store.close()


def press(widget: QWidget, ch: str, at_ms: int = 0) -> None:
    """One real key press and release carrying the character's text (QTest's char overload
    mangles non-ASCII characters such as ü); `at_ms`: the events' timestamp (0: none)."""
    key = ord(ch.upper()) if ord(ch.upper()) < 256 else 0
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
        if at_ms:
            event.setTimestamp(at_ms)
        QApplication.sendEvent(widget, event)


def type_slowly(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """A person typing: 60 ms between keys, so the wedge detector lets the keys through."""
    for ch in text:
        press(widget, ch)
        qtbot.wait(60)


def scanner_burst(qtbot, code: str) -> None:  # type: ignore[no-untyped-def]
    """A keyboard-wedge scanner: the code's keys 3 ms apart by their timestamps (as the window
    system stamps them), then Enter, sent to whatever has the focus. Sent in one go, as keys
    queued behind a busy UI thread arrive: the wedge times keys by their timestamps, so a
    loaded test machine cannot stretch the burst into typing."""
    target = QApplication.focusWidget()
    assert target is not None
    start = int(time.monotonic() * 1000)
    for i, ch in enumerate(code):
        press(target, ch, start + 3 * i)
    at = start + 3 * len(code)
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        enter = QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
        enter.setTimestamp(at)
        QApplication.sendEvent(target, enter)
    QApplication.processEvents()


def in_modal(action: Callable[[QWidget], None]) -> None:
    """Run `action` on the next modal dialog once it is open (dialogs block in exec())."""
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, attempt)
            return
        action(dialog)
    QTimer.singleShot(0, attempt)


def log_in(qtbot, window: MainWindow, pin: str = CASHIER_PIN) -> None:  # type: ignore[no-untyped-def]
    window.login.people.setCurrentRow(0)  # Lena Schmidt, cashier
    window.login.pin.setFocus()
    type_slowly(qtbot, window.login.pin, pin)
    QTest.keyClick(window.login.pin, Qt.Key.Key_Return)
    try:
        qtbot.waitUntil(lambda: window.till is not None and window.stack.currentWidget() is window.till,
                        timeout=15_000)
    except Exception:
        raise AssertionError(f"not logged in: {window.login.message.text()!r} pin={window.login.pin.text()!r}")


def pay_cash(qtbot, window: MainWindow, given: str) -> None:  # type: ignore[no-untyped-def]
    def pay(dialog: QWidget) -> None:
        assert isinstance(dialog, PaymentDialog)
        dialog.amount.setText(given)
        QTest.keyClick(dialog.amount, Qt.Key.Key_Return)
    in_modal(pay)
    QTest.keyClick(window.till.entry, Qt.Key.Key_F12)


def test_a_whole_sale_scan_to_printed_receipt(qtbot, store_path, printer, artifacts):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        assert "Lena Schmidt" in till.header.text() and "BER-K1" in till.header.text()
        assert "Wohnen & Mode Berlin" in till.header.text()

        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        assert till.entry.text() == ""  # the scan never typed into the focused field
        scanner_burst(qtbot, EAN_KAFFEE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 2, timeout=15_000)
        assert till.entry.text() == ""

        # a quantity change on the coffee line (selected after the scan): Ctrl++ twice -> 3
        QTest.keyClick(till.entry, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(till.entry, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert [ln.quantity for ln in till.session.cart.lines] == [1, 3]
        assert till.model.totals().total_cents == 3999 + 3 * 1299
        assert "78,96" in till.total.text()
        qtbot.wait(50)  # let the layout settle, as it does between two key presses
        till.grab().save(str(artifacts / "till-filled-cart.png"))

        pay_cash(qtbot, window, "100,00")
        qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=15_000)
        assert "21,04" in till.change.text()  # 100,00 - 78,96

        [job] = printer.wait_for_jobs(1, timeout=5)
        receipt = decode(job)
        text = receipt.text
        assert receipt.drawer_kicks, "a cash sale opens the drawer"
        assert receipt.barcodes == [("CODE128", "BER-K1-000001")]
        assert receipt.cuts == 1
        assert "Kuscheldecke Größe XL grün" in text
        assert "Bio-Kaffee Äthiopien 500 g" in text
        assert "3 x 12,99" in text
        assert "78,96" in text and "100,00" in text and "21,04" in text
        vat_a = next(line for line in receipt.text_lines if line.startswith("A 19%"))
        vat_b = next(line for line in receipt.text_lines if line.startswith("B 7%"))
        assert vat_a.split()[-3:] == ["33,61", "6,38", "39,99"]
        assert vat_b.split()[-3:] == ["36,42", "2,55", "38,97"]
        qtbot.waitUntil(lambda: sale_print_status(window) == "printed", timeout=15_000)
    finally:
        close_window(window)


def sale_print_status(window: MainWindow) -> str:
    with window.store.db.reading() as s:
        return s.query(Sale.print_status).one()[0]


def test_printer_down_keeps_the_sale_and_reprints_when_back(qtbot, store_path, printer):  # type: ignore[no-untyped-def]
    port = printer.port
    printer.stop()  # the printer is switched off
    window = make_window(qtbot, store_path, port)
    try:
        log_in(qtbot, window)
        till = window.till
        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        pay_cash(qtbot, window, "39,99")
        qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=15_000)
        # the sale is stored; the cashier is told the printer is not there
        qtbot.waitUntil(lambda: sale_print_status(window) == "failed", timeout=10000)
        assert window.printer_label.property("error") is True
        assert "nicht gedruckt" in window.printer_label.text()
        assert window.store.outbox_summary().pending >= 1

        printer.start()  # switched on again
        QTest.keyClick(till.entry, Qt.Key.Key_F11)
        [job] = printer.wait_for_jobs(1, timeout=5)
        assert ("CODE128", "BER-K1-000001") in decode(job).barcodes
        qtbot.waitUntil(lambda: sale_print_status(window) == "printed", timeout=15_000)

        # and any receipt can be printed again from the journal: marked as a copy
        window.printing.print_sale(window.store.sales.recent(1)[0].sale_id)
        jobs = printer.wait_for_jobs(2, timeout=5)
        assert "*** KOPIE ***" in decode(jobs[1]).text
    finally:
        close_window(window)


def test_wrong_pin_then_lockout(qtbot, store_path, printer):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port)
    try:
        window.login.people.setCurrentRow(0)
        for attempt in range(5):
            window.login.pin.setText("0000")
            window.login.submit()
            qtbot.waitUntil(lambda: "Falsche PIN" in window.login.message.text(), timeout=15_000)
            if attempt < 4:
                left = 4 - attempt
                assert (f"Noch {left} Versuche" if left > 1 else "Noch 1 Versuch.") in window.login.message.text()
                assert "für Lena Schmidt" in window.login.message.text()  # whose attempt it was
            window.login.message.setText("")
        window.login.pin.setText(CASHIER_PIN)
        window.login.submit()
        qtbot.waitUntil(lambda: "gesperrt" in window.login.message.text(), timeout=15_000)
        assert window.stack.currentWidget() is window.login
    finally:
        close_window(window)


def test_discount_over_limit_needs_a_manager(qtbot, store_path, printer):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        till.scan(EAN_DECKE)

        def discount(dialog: QWidget) -> None:
            dialog.value.setText("20")
            dialog.reason.setCurrentText("Beschädigte Ware")
            in_modal(approve)
            dialog.buttons.accepted.emit()

        def approve(dialog: QWidget) -> None:
            dialog.pin.setText(MANAGER_PIN)
            dialog.buttons.accepted.emit()

        in_modal(discount)
        QTest.keyClick(till.entry, Qt.Key.Key_F4)
        assert till.session.cart.lines[0].discount_cents == 800  # 20 % of 39,99
        with window.store.db.reading() as s:
            from pos_app.store.models import AuditEntry
            actions = [a for (a,) in s.query(AuditEntry.action)]
        assert actions.count("approval") == 1
    finally:
        close_window(window)


def test_unknown_and_bad_codes_change_nothing(qtbot, store_path, printer):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        scanner_burst(qtbot, "4006381333932")  # wrong check digit
        qtbot.waitUntil(lambda: "Prüfziffer" in till.message.text(), timeout=15_000)
        scanner_burst(qtbot, with_check_digit("400000000099"))  # valid GTIN, no such product
        qtbot.waitUntil(lambda: "Unbekannter Artikelcode" in till.message.text(), timeout=15_000)
        assert till.session.cart.is_empty()
        with window.store.db.reading() as s:
            assert s.query(Sale).count() == 0
    finally:
        close_window(window)


def test_typing_by_hand_reaches_the_field_and_search_adds(qtbot, store_path, printer):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        type_slowly(qtbot, till.entry, "samt grün")
        assert till.entry.text() == "samt grün"
        qtbot.waitUntil(lambda: till.results.isVisible() and till.results.count() == 1, timeout=15_000)
        QTest.keyClick(till.entry, Qt.Key.Key_Return)
        assert [ln.product.name for ln in till.session.cart.lines] == ["Samtsofa Milano 3-Sitzer grün"]
    finally:
        close_window(window)


def test_settings_replace_keeps_defaults() -> None:
    assert replace(Settings(), device_id="HAM-K1").printer.kind == "none"
