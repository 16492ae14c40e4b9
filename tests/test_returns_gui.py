"""Returns through the real screens (pytest-qt, offscreen), without a center: a blind return
approved with the manager's PIN (the till's approval dialog) that prints a voucher, and an
exchange of a scanned receipt against the new items in the cart, with the difference in cash.
Receipts arrive at a TCP printer on loopback and are decoded."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from pos_app.store.models import OutboxEvent, Sale
from pos_app.store.returns_models import Return, Voucher
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, MANAGER_PIN
from tests.sync_helpers import sell
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, log_in, make_window, scanner_burst, type_slowly
from ui.blind_return_dialog import BlindReturnDialog
from ui.dialogs import ManagerApprovalDialog
from ui.payment_dialog import PaymentDialog
from ui.returns_dialog import ReturnsDialog


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


def inside(kind: type, steps: Callable[[QWidget], None], errors: list[BaseException]) -> None:
    """Run `steps` in the next modal dialog of type `kind` once it is open (a failing step
    closes it, so nothing waits for ever)."""
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, attempt)
            return
        try:
            steps(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the test
            errors.append(exc)
            dialog.reject()
    QTimer.singleShot(0, attempt)


def test_blind_return_with_the_managers_pin_prints_a_voucher(qtbot, store_path, printer, artifacts):  # type: ignore[no-untyped-def]
    with sqlite3.connect(store_path) as conn:
        conn.execute("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, "
                     "email) VALUES (7, 'K-000007', 'Eva', 'Kühn', '', '', '', '', '')")
    window = make_window(qtbot, store_path, printer.port)
    errors: list[BaseException] = []
    try:
        log_in(qtbot, window)

        def approve(dialog: QWidget) -> None:
            assert isinstance(dialog, ManagerApprovalDialog)
            type_slowly(qtbot, dialog.pin, MANAGER_PIN)
            QTest.keyClick(dialog.pin, Qt.Key.Key_Return)

        def blind(dialog: QWidget) -> None:
            assert isinstance(dialog, BlindReturnDialog)
            dialog.customer.setText("K-000007")
            dialog.code.setFocus()
            qtbot.wait(50)
            scanner_burst(qtbot, EAN_DECKE)  # the item, scanned
            qtbot.waitUntil(lambda: dialog.item is not None, timeout=15_000)
            assert "39,99" in dialog.refund.text()
            dialog.grab().save(str(artifacts / "blind-return-dialog.png"))
            inside(ManagerApprovalDialog, approve, errors)
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
            assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()

        inside(BlindReturnDialog, blind, errors)
        QTest.keyClick(window.till.entry, Qt.Key.Key_R,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        if errors:
            raise errors[0]
        assert "Gutschein GS-" in window.till.message.text()
        [job] = printer.wait_for_jobs(1, timeout=5)
        out = decode(job)
        assert "GUTSCHEIN" in out.text and "Freigabe: Jonas Weber" in out.text and "39,99" in out.text
        assert [kind for kind, _ in out.barcodes] == ["CODE128", "CODE128"]
        with window.store.db.reading() as s:
            [ret] = s.query(Return).all()
            approvals = [json.loads(e.payload) for e in s.query(OutboxEvent).filter_by(type="audit.recorded")]
        assert ret.customer_id == 7 and ret.approved_by == "Jonas Weber" and ret.original_kind is None
        assert any(a["action"] == "approval" and a["details"]["action"] == "blind_return" for a in approvals)

        # the voucher pays for a coffee at this till (Ctrl+G in the payment screen, code, Enter)
        [code] = [data for kind, data in out.barcodes if data.startswith("GS-")]
        window.activateWindow()
        window.till.focus_search()
        qtbot.wait(50)
        scanner_burst(qtbot, EAN_KAFFEE)
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)

        def pay_with_voucher(dialog: QWidget) -> None:
            assert isinstance(dialog, PaymentDialog)
            dialog.activateWindow()  # offscreen does not activate a new dialog by itself
            qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=1000)
            QTest.keyClick(dialog.amount, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.voucher_code, timeout=1000)
            dialog.voucher_code.setText(code.lower())  # typed by hand
            QTest.keyClick(dialog.voucher_code, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=15_000)

        inside(PaymentDialog, pay_with_voucher, errors)
        QTest.keyClick(window.till.entry, Qt.Key.Key_F12)
        if errors:
            raise errors[0]
        qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)
        [_, sale_job] = printer.wait_for_jobs(2, timeout=5)
        assert any(t.startswith("Gutschein") and t.endswith("12,99") for t in decode(sale_job).text_lines)
        with window.store.db.reading() as s:
            assert s.get(Voucher, code).balance_cents == 39_99 - 12_99
    finally:
        close_window(window)


def test_exchange_at_the_till_returns_and_sells_in_one_go(qtbot, store_path, printer, artifacts):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port)
    errors: list[BaseException] = []
    try:
        old = sell(window.store, EAN_KAFFEE)  # 12,99, bought earlier at this till
        log_in(qtbot, window)
        scanner_burst(qtbot, EAN_DECKE)  # the new item: 39,99
        qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)

        def exchange(dialog: QWidget) -> None:
            assert isinstance(dialog, ReturnsDialog)
            dialog.number.setFocus()
            qtbot.wait(50)
            scanner_burst(qtbot, old.receipt_number)  # the old receipt's barcode
            qtbot.waitUntil(lambda: dialog.purchase is not None, timeout=15_000)
            dialog.set_quantity(1, 1)
            assert dialog.exchange.isEnabled() and "39,99" in dialog.exchange.text()
            dialog.exchange.setChecked(True)
            dialog.difference.setText("30,00")
            dialog.grab().save(str(artifacts / "exchange-dialog.png"))
            dialog.book_button.click()
            assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()

        inside(ReturnsDialog, exchange, errors)
        QTest.keyClick(window.till.entry, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        if errors:
            raise errors[0]
        assert window.till.session.cart.is_empty()
        assert "neuer Bon BER-K1-000003" in window.till.message.text()
        jobs = printer.wait_for_jobs(2, timeout=5)
        texts = sorted(decode(job).text for job in jobs)
        assert any("Umtausch: neue Ware auf Bon BER-K1-000003" in t for t in texts)
        sale_text = next(t for t in texts if "SUMME EUR" in t)
        assert "Umtausch-Gutschrift" in sale_text and "Rückgeld" in sale_text and "3,00" in sale_text
        with window.store.db.reading() as s:
            assert s.query(Sale).count() == 2 and s.query(Return).count() == 1

        # the return's own receipt scanned at the returns screen: not a purchase; reprint it
        def reprint(dialog: QWidget) -> None:
            assert isinstance(dialog, ReturnsDialog)
            dialog.look_up("BER-K1-000002")
            qtbot.waitUntil(lambda: dialog.reprint_button.isVisible(), timeout=15_000)
            assert "ist ein Rücknahmebeleg" in dialog.message.text() and dialog.purchase is None
            dialog.reprint_button.click()
            ran.append(dialog.message.text())
            dialog.reject()

        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        ran: list[str] = []
        inside(ReturnsDialog, reprint, errors)
        QTest.keyClick(window.till.entry, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        if errors:
            raise errors[0]
        assert ran and "KOPIE" in ran[0], ran
        copy = decode(printer.wait_for_jobs(3, timeout=5)[2])
        assert "*** KOPIE ***" in copy.text and "RÜCKNAHME / GUTSCHRIFT" in copy.text and not copy.drawer_kicks
    finally:
        close_window(window)
