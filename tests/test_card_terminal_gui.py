"""Card payments through the real screens and the ZVT simulator on loopback: the slip on the
decoded paper, a decline then cash, a killed till recovered at the next start without a second
charge."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.card_payments import CardLedger
from pos_app.config import PrinterSettings, Settings, TerminalSettings
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, in_modal, log_in
from tests.zvt_terminal import ZvtSimulator
from ui.app import open_window
from ui.main_window import MainWindow
from ui.payment_dialog import PaymentDialog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


@pytest.fixture
def sim() -> Iterator[ZvtSimulator]:
    simulator = ZvtSimulator()
    yield simulator
    if simulator.hold is not None:
        simulator.hold.set()
    simulator.close()


def make_window(qtbot, store_path: Path, printer: TcpPrinter, sim: ZvtSimulator) -> MainWindow:  # type: ignore[no-untyped-def]
    settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0),
                        terminal=TerminalSettings(kind="zvt", host="127.0.0.1", port=sim.port, answer_timeout_s=5.0))
    window = open_window(QApplication.instance(), store_path, settings)
    window.printing.queue._backoff = (0.05,)
    window.show()
    qtbot.addWidget(window)
    return window


def close(window: MainWindow) -> None:
    if window.card_terminal is not None:
        window.card_terminal.stop()
    close_window(window)


def when(condition: Callable[[], bool], then: Callable[[], None], tries: int = 1000) -> None:
    """Call `then` on the UI thread once `condition` holds (polled every 10 ms, at most 10 s)."""
    def check() -> None:
        if condition():
            then()
        elif tries > 0:
            QTimer.singleShot(10, lambda: when(condition, then, tries - 1))
    QTimer.singleShot(10, check)


def pay(qtbot, window: MainWindow, action: Callable[[PaymentDialog], None]) -> None:  # type: ignore[no-untyped-def]
    def run(dialog: QWidget) -> None:
        assert isinstance(dialog, PaymentDialog)
        action(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)  # F12 is a window shortcut
    in_modal(run)
    QTest.keyClick(window.till.entry, Qt.Key.Key_F12)  # returns when the dialog closed


def test_card_sale_through_the_terminal_prints_its_slip(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    sim.hold = threading.Event()
    window = make_window(qtbot, store_path, printer, sim)
    seen: list[str] = []
    try:
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)  # the scanner's path (the wedge is tested in test_till_gui)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)

        def card(dialog: PaymentDialog) -> None:
            assert dialog.amount.text() == "39,99"  # the open amount: the cashier types nothing
            dialog.card_button.click()  # F10

            def held() -> None:  # the terminal holds the payment: what does the cashier see?
                seen.append(dialog.card_prompt.text())
                dialog.reject()  # Esc now: the till asks the terminal to stop, but it has already booked
                seen.append(dialog.error.text())
                assert not dialog.cash_button.isEnabled()
                sim.hold.set()
            when(sim.at_hold.is_set, lambda: when(lambda: "Bank" in dialog.card_prompt.text(), held))
        pay(qtbot, window, card)
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        assert seen[0] == "Terminal: Warte auf Antwort der Bank"
        assert "warte auf seine Antwort" in seen[1]  # the dialog stayed: the terminal's answer decides
        assert sim.received[0] == bytes.fromhex("06 01 0a 04 000000003999 49 0978")
        [job] = printer.wait_for_jobs(1, timeout=5)
        paper = decode(job)
        lines = paper.text_lines
        assert not paper.drawer_kicks, "a card sale does not open the drawer"
        assert paper.cuts == 2  # the till's receipt, then the terminal's slip
        assert any(line.startswith("Karte") and line.endswith("39,99") for line in lines)
        slip = lines[lines.index("Kartenzahlung"):]
        for expected in ("Kundenbeleg", "Terminal-ID 52500038", "Beleg-Nr. 0001", "Betrag 39,99 EUR",
                         "Zahlung erfolgt"):
            assert expected in slip
        assert sim.charged_cents == 3999
    finally:
        close(window)


def test_decline_then_cash(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    sim.fault = "decline"
    window = make_window(qtbot, store_path, printer, sim)
    messages: list[str] = []
    try:
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)  # the scanner's path (the wedge is tested in test_till_gui)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)

        def card_then_cash(dialog: PaymentDialog) -> None:
            dialog.card_button.click()

            def declined() -> None:
                messages.append(dialog.error.text())
                dialog.amount.setText("50,00")
                QTest.keyClick(dialog.amount, Qt.Key.Key_Return)
            when(lambda: "abgelehnt" in dialog.error.text(), declined)
        pay(qtbot, window, card_then_cash)
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        assert messages == ["Karte abgelehnt: abgelehnt (Bank). Nichts wurde gebucht: andere Karte oder bar."]
        [job] = printer.wait_for_jobs(1, timeout=5)
        lines = decode(job).text_lines
        assert any(line.startswith("Bar") and line.endswith("50,00") for line in lines)
        assert not any(line.startswith("Karte") for line in lines) and "Kartenzahlung" not in lines
        assert sim.charged_cents == 0
    finally:
        close(window)


def test_killed_till_is_recovered_at_start_without_a_second_charge(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    sim.hold = threading.Event()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "tests.crash_card_payer", str(store_path), str(sim.port)],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        assert sim.at_hold.wait(60)
        child.send_signal(signal.SIGKILL)  # between the authorisation and the completion
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    sim.hold.set()
    sim.hold = None
    assert sim.charged_cents == 3999
    window = make_window(qtbot, store_path, printer, sim)  # the next start asks the terminal
    try:
        ledger = CardLedger(window.store.db)
        qtbot.waitUntil(lambda: window.card_terminal.last_recovery is not None, timeout=10000)
        assert ledger.is_clear() and sim.bookings[0].reversed and sim.charged_cents == 0
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)  # the scanner's path (the wedge is tested in test_till_gui)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)
        pay(qtbot, window, lambda dialog: dialog.card_button.click())
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        assert sim.charged_cents == 3999 and len(sim.payments()) == 2  # one charge stands
        assert [raw[:2] for raw in sim.received] == [b"\x06\x01", b"\x06\x20", b"\x06\x30", b"\x06\x01"]
    finally:
        close(window)


def test_end_of_day_totals_in_the_z_report(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QWidget as _W

    from tests.test_shift_gui import CTRL_SHIFT, approve_then, no_failures
    from ui.shift_dialogs import CloseDayDialog

    window = make_window(qtbot, store_path, printer, sim)
    try:
        log_in(qtbot, window)
        for _ in range(2):  # two card sales of 39,99
            window.till.scan(EAN_DECKE)
            qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)
            pay(qtbot, window, lambda dialog: dialog.card_button.click())
            qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        printer.wait_for_jobs(2, timeout=5)

        def count(dialog: _W) -> None:
            assert isinstance(dialog, CloseDayDialog)
            dialog.counted.setText("0,00")
            QTest.keyClick(dialog.counted, Qt.Key.Key_Return)
            dialog.accept()
        approve_then(CloseDayDialog, count)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        QTest.keyClick(window.till.entry, Qt.Key.Key_Z, CTRL_SHIFT)
        qtbot.waitUntil(lambda: window.store.cashbook.current() is None, timeout=10000)
        no_failures()
        jobs = printer.wait_for_jobs(3, timeout=5)
        z = decode(jobs[-1])
        lines = [line.strip() for line in z.text_lines]
        assert "Z-BON Nr. 1" in z.text and "Kartenterminal (Kassenschnitt)" in lines
        assert any(line.startswith("girocard (2)") and line.endswith("79,98") for line in lines)
        assert any(line.startswith("Summe Terminal") and line.endswith("79,98") for line in lines)
        assert any(line.startswith("Karte laut Kasse") and line.endswith("79,98") for line in lines)
        assert not any(line.startswith("Differenz Karte") for line in lines)
        assert sum(1 for raw in sim.received if raw[:2] == b"\x06\x50") == 1
    finally:
        close(window)


def test_card_refund_in_a_return_goes_through_the_terminal(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    from tests.test_returns_gui import inside
    from ui.returns_dialog import ReturnsDialog

    window = make_window(qtbot, store_path, printer, sim)
    errors: list[BaseException] = []
    try:
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)
        pay(qtbot, window, lambda dialog: dialog.card_button.click())
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        printer.wait_for_jobs(1, timeout=5)

        def give_back(dialog: QWidget) -> None:
            assert isinstance(dialog, ReturnsDialog)
            dialog.look_up("BER-K1-000001")
            qtbot.waitUntil(lambda: dialog.purchase is not None, timeout=15_000)
            dialog.set_quantity(1, 1)
            assert dialog.refund_fields["card"].text() == "39,99"  # back to the card it was paid with
            dialog.book_button.click()
        inside(ReturnsDialog, give_back, errors)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        QTest.keyClick(window.till.entry, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        if errors:
            raise errors[0]
        refunds = [raw for raw in sim.received if raw[:2] == b"\x06\x31"]
        assert refunds == [bytes.fromhex("06 31 0d 000000 04 000000003999 49 0978")]
        assert sim.charged_cents == 0
        jobs = printer.wait_for_jobs(2, timeout=5)
        lines = [line.strip() for line in decode(jobs[-1]).text_lines]
        assert "RÜCKNAHME / GUTSCHRIFT" in lines
        assert any(line.startswith("Karte") and line.endswith("-39,99") for line in lines)
        with window.store.db.reading() as s:
            from pos_app.store.returns_models import ReturnTender
            [tender] = s.query(ReturnTender).all()
            assert tender.kind == "card" and tender.reference.startswith("TID 52500038 Beleg 0002")
    finally:
        close(window)


def test_partial_card_payment_reversed_then_cash(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer, sim)
    steps: list[str] = []
    try:
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)

        def split_then_undo(dialog: PaymentDialog) -> None:
            dialog.amount.setText("20,00")  # the customer pays 20,00 by card, the rest later
            dialog.card_button.click()

            def reverse() -> None:
                steps.append(dialog.remaining.text())
                dialog.card_flow.reverse_button.click()
                when(lambda: "storniert" in dialog.error.text(), cash)

            def cash() -> None:
                steps.append(dialog.remaining.text())
                dialog.amount.setText("50,00")
                QTest.keyClick(dialog.amount, Qt.Key.Key_Return)
            when(lambda: dialog.card_flow.reverse_button.isVisible(), reverse)
        pay(qtbot, window, split_then_undo)
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        assert steps == ["Offen: 19,99 €", "Offen: 39,99 €"]
        assert [raw[:2] for raw in sim.received] == [b"\x06\x01", b"\x06\x30"]
        assert sim.received[1] == bytes.fromhex("06 30 06 000000 87 0001") and sim.charged_cents == 0
        [job] = printer.wait_for_jobs(1, timeout=5)
        lines = decode(job).text_lines
        assert not any(line.startswith("Karte") for line in lines) and "Kartenzahlung" not in lines
        assert CardLedger(window.store.db).unused_payments() == []  # nothing left for a restart to give back
    finally:
        close(window)


def test_cashier_cancels_while_the_terminal_waits_for_the_card(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    sim.card_wait_s = 5.0
    window = make_window(qtbot, store_path, printer, sim)
    messages: list[str] = []
    try:
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)

        def cancel_then_cash(dialog: PaymentDialog) -> None:
            dialog.card_button.click()

            def cancel() -> None:
                QTest.keyClick(dialog, Qt.Key.Key_Escape)  # the customer changed their mind

                def aborted() -> None:
                    messages.append(dialog.error.text())
                    dialog.amount.setText("40,00")
                    QTest.keyClick(dialog.amount, Qt.Key.Key_Return)
                when(lambda: "abgebrochen" in dialog.error.text(), aborted)
            when(lambda: "Karte einstecken" in dialog.card_prompt.text(), cancel)
        pay(qtbot, window, cancel_then_cash)
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        assert messages and messages[0].startswith("Kartenzahlung abgebrochen")
        assert bytes.fromhex("06 b0 00") in sim.received and not sim.bookings
        assert CardLedger(window.store.db).is_clear()
    finally:
        close(window)


def test_terminal_drops_the_line_after_booking_the_sale_is_paid_once(qtbot, store_path, printer, sim):  # type: ignore[no-untyped-def]
    sim.fault = "lose_completion"  # booked, status sent, then the line goes before the Completion
    window = make_window(qtbot, store_path, printer, sim)
    try:
        log_in(qtbot, window)
        window.till.scan(EAN_DECKE)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)
        pay(qtbot, window, lambda dialog: dialog.card_button.click())
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        assert [raw[:2] for raw in sim.received] == [b"\x06\x01", b"\x06\x20"]  # asked, not sent again
        assert sim.charged_cents == 3999 and len(window.store.sales.recent()) == 1
        [job] = printer.wait_for_jobs(1, timeout=5)
        assert "Kartenzahlung" in decode(job).text_lines
    finally:
        close(window)
