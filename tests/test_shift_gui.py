"""Shifts through the real screens, as a cashier and a manager do it: the till refuses to sell
before it is opened; the manager opens it with a float (Ctrl+Shift+O), a cash sale, a paid out
(Ctrl+P), the X report (Ctrl+Shift+X), closing refused while a sale is open, then the day close
with a blind count (Ctrl+Shift+Z): the expected amount is nowhere on the counting page; the Z
report shows the shortfall and arrives at a TCP printer on loopback, decoded; the audit viewer
(Ctrl+Shift+A) filters the day's entries. Screenshots go to test-artifacts/."""
from __future__ import annotations

import shutil
from datetime import datetime
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QPushButton, QWidget

from pos_app.clock import STORE_TZ
from tests.confirm_helpers import answer_next_question
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, EAN_SOFA_GRUEN, MANAGER_PIN, build_store
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, log_in, make_window, pay_cash, scanner_burst
from ui.audit_dialog import AuditDialog
from ui.dialogs import ManagerApprovalDialog
from ui.shift_dialogs import CashMovementDialog, CloseDayDialog, OpenShiftDialog, ReportDialog

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(scope="module")
def closed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("closed-gui") / "store.db", open_till=False)


@pytest.fixture
def closed_path(closed_template: Path, tmp_path: Path) -> Path:
    shutil.copy(closed_template, tmp_path / "store.db")
    return tmp_path / "store.db"


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


FAILURES: list[BaseException] = []


def when_modal(kind: type, action: Callable[[QWidget], None]) -> None:
    """Run `action` once a modal dialog of this kind is open (dialogs block in exec()). A failed
    assertion inside closes the dialog and is raised by the test afterwards (else exec() waits
    for ever)."""
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind) or not dialog.isVisible():
            QTimer.singleShot(10, attempt)
            return
        try:
            action(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test
            FAILURES.append(exc)
            dialog.reject()  # type: ignore[attr-defined]
    QTimer.singleShot(0, attempt)


def no_failures() -> None:
    if FAILURES:
        raise FAILURES.pop(0)


def approve_then(kind: type, action: Callable[[QWidget], None]) -> None:
    """The manager types their PIN into the approval dialog; then `action` on the next dialog."""
    def approve(dialog: QWidget) -> None:
        assert isinstance(dialog, ManagerApprovalDialog)
        dialog.pin.setText(MANAGER_PIN)
        when_modal(kind, action)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    when_modal(ManagerApprovalDialog, approve)


def shortcut(qtbot, window: QWidget, key: Qt.Key, mods: Qt.KeyboardModifier) -> None:  # type: ignore[no-untyped-def]
    """A key combination at the till, once its window is active again after a dialog (window
    shortcuts fire only in the active window)."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
    QTest.keyClick(window.till.entry, key, mods)  # type: ignore[attr-defined]
    no_failures()


def back_at_till(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    """After a dialog: the till's window is active again and its entry has the keys."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window
                    and QApplication.focusWidget() is window.till.entry, timeout=3000)  # type: ignore[attr-defined]


def ok(dialog: QWidget, closes: bool = True) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # type: ignore[attr-defined]
    assert dialog.isVisible() != closes, dialog.error.text()  # type: ignore[attr-defined]


def test_open_sell_pay_out_x_report_and_close_with_a_blind_count(qtbot, closed_path, printer, artifacts):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, closed_path, printer.port)
    try:
        log_in(qtbot, window)  # Lena, a cashier
        till = window.till
        assert "nicht geöffnet" in till.message.text() and "Strg+Umschalt+O" in till.message.text()
        scanner_burst(qtbot, EAN_SOFA_GRUEN)  # (another code than the next scan: a repeat within 200 ms is one scan)
        qtbot.waitUntil(lambda: "nicht geöffnet" in till.message.text(), timeout=15_000)
        assert till.session.cart.is_empty()

        # open with a float of 150,00 (Lena asks the manager)
        def open_with_float(dialog: QWidget) -> None:
            assert isinstance(dialog, OpenShiftDialog)
            assert any("Z-Bon Nr. 1" in label.text() for label in dialog.findChildren(QLabel))
            dialog.amount.setText("150,00")
            ok(dialog)
        approve_then(OpenShiftDialog, open_with_float)
        shortcut(qtbot, window, Qt.Key.Key_O, CTRL_SHIFT)
        qtbot.waitUntil(lambda: window.store.cashbook.current() is not None, timeout=15_000)
        assert "Anfangsbestand 150,00 €" in till.message.text()

        back_at_till(qtbot, window)
        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        pay_cash(qtbot, window, "50,00")
        qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=15_000)
        printer.wait_for_jobs(1, timeout=5)

        # paid out 12,50 to a supplier
        def pay_out(dialog: QWidget) -> None:
            assert isinstance(dialog, CashMovementDialog)
            assert dialog.case.currentText().startswith("Auszahlung")
            dialog.amount.setText("12,50")
            ok(dialog, closes=False)  # no note: refused inline, nothing booked
            assert "wofür" in dialog.error.text()
            dialog.note.setText("Lieferant Blumen, Beleg 77")
            dialog.grab().save(str(artifacts / "shift-pay-out.png"))
            ok(dialog)
        approve_then(CashMovementDialog, pay_out)
        shortcut(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "Entnahme 12,50 €" in till.message.text(), timeout=15_000)  # {till.message.text()}

        # the X report: 150,00 + 39,99 - 12,50 = 177,49 expected
        seen: dict[str, str] = {}

        def read_x(dialog: QWidget) -> None:
            assert isinstance(dialog, ReportDialog)
            seen["x"] = dialog.preview.toPlainText()
            dialog.grab().save(str(artifacts / "shift-x-report.png"))
            dialog.accept()
        approve_then(ReportDialog, read_x)
        shortcut(qtbot, window, Qt.Key.Key_X, CTRL_SHIFT)
        qtbot.waitUntil(lambda: "x" in seen, timeout=15_000)
        x = seen["x"]
        assert "X-BERICHT" in x and "Umsatz (1)" in x and "39,99" in x
        assert any(line.startswith("  SOLL-Bestand") and line.endswith("177,49") for line in x.splitlines())
        assert "Auszahlung" in x and "-12,50" in x

        # closing is refused while a sale is open: no dialog, a message
        back_at_till(qtbot, window)
        scanner_burst(qtbot, EAN_KAFFEE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        shortcut(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
        assert "Bon ist noch offen" in till.message.text()
        assert QApplication.activeModalWidget() is None
        asked = answer_next_question(yes=True)  # Ctrl+Del asks before the whole cart goes
        QTest.keyClick(till.entry, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)  # void it
        assert asked and "stornieren" in asked[0]
        assert till.session.cart.is_empty()

        # the day close with a blind count: 174,00 counted, 3,49 short
        def count(dialog: QWidget) -> None:
            assert isinstance(dialog, CloseDayDialog)
            page = dialog.pages.currentWidget()
            visible = " ".join(label.text() for label in page.findChildren(QLabel))
            seen["count_page"] = visible
            dialog.grab().save(str(artifacts / "shift-blind-count.png"))
            dialog.counted.setText("abc")
            dialog.confirm_count()
            assert "kein gültiger Betrag" in dialog.error.text() and dialog.closed is None
            for value, pieces in ((10000, 1), (5000, 1), (2000, 1), (200, 2)):  # counted by denomination
                dialog.pieces[value].setValue(pieces)
            assert dialog.counted.text() == "174,00"
            QTest.keyClick(dialog.counted, Qt.Key.Key_Return)
            seen["result"] = dialog.result.text()
            seen["z"] = dialog.preview.toPlainText()
            dialog.grab().save(str(artifacts / "shift-z-report.png"))
            dialog.accept()
        approve_then(CloseDayDialog, count)
        shortcut(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
        qtbot.waitUntil(lambda: "result" in seen, timeout=15_000)
        assert "Z-Bon Nr. 1" in seen["count_page"]
        assert "177,49" not in seen["count_page"] and "Soll-Bestand wird erst nach der Eingabe" in seen["count_page"]
        assert "Gezählt 174,00 €, Soll 177,49 €: Fehlbetrag 3,49 €" in seen["result"]
        assert "Fehlbetrag" in seen["z"] and "-3,49" in seen["z"]
        assert window.store.cashbook.current() is None
        qtbot.waitUntil(lambda: "Tag abgeschlossen: Z-Bon Nr. 1" in till.message.text(), timeout=15_000)

        jobs = printer.wait_for_jobs(2, timeout=5)
        assert len(jobs) == 2, [decode(j).text_lines[:2] for j in jobs]
        z = decode(jobs[-1])
        assert "Z-BON Nr. 1" in z.text and "Wohnen & Mode Berlin" in z.text
        assert any(line.split()[:1] == ["Fehlbetrag"] and line.endswith("-3,49") for line in
                   (ln.strip() for ln in z.text_lines))
        assert any("IST-Bestand (gezählt)" in line and line.endswith("174,00") for line in z.text_lines)
        assert z.barcodes == [("CODE128", "Z-BER-K1-1")] and z.cuts == 1
        assert not z.drawer_kicks

        # after the close: selling is refused again
        back_at_till(qtbot, window)
        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: "nicht geöffnet" in till.message.text(), timeout=15_000)
        assert till.session.cart.is_empty()

        # on a closed till Ctrl+Shift+X shows the last Z report, to print a copy
        def copy_z(dialog: QWidget) -> None:
            assert isinstance(dialog, ReportDialog)
            seen["z_copy"] = dialog.preview.toPlainText()
            next(b for b in dialog.findChildren(QPushButton) if b.text() == "Drucken").click()
            dialog.accept()
        approve_then(ReportDialog, copy_z)
        shortcut(qtbot, window, Qt.Key.Key_X, CTRL_SHIFT)
        qtbot.waitUntil(lambda: "z_copy" in seen, timeout=15_000)
        assert "Z-BON Nr. 1" in seen["z_copy"] and "*** KOPIE ***" in seen["z_copy"]
        copy_job = printer.wait_for_jobs(3, timeout=5)[-1]
        assert "*** KOPIE ***" in decode(copy_job).text and "Z-BON Nr. 1" in decode(copy_job).text

        # the audit viewer, filtered
        def view(dialog: QWidget) -> None:
            assert isinstance(dialog, AuditDialog)
            everything = dialog.table.rowCount()
            seen["all"] = str(everything)
            seen["actions"] = " ".join(dialog.table.item(r, 3).text() for r in range(everything))
            dialog.action.setCurrentIndex(dialog.action.findData("shift.closed"))
            seen["closed_rows"] = str(dialog.table.rowCount())
            seen["closed_what"] = dialog.table.item(0, 4).text()
            dialog.action.setCurrentIndex(0)
            dialog.person.setCurrentIndex(dialog.person.findData("Lena Schmidt"))
            seen["lena"] = " ".join(dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount()))
            dialog.person.setCurrentIndex(0)
            dialog.date_from.setDate(dialog.date_from.date().addDays(-30))
            dialog.date_to.setDate(dialog.date_from.date())  # a month ago: nothing
            seen["old"] = str(dialog.table.rowCount())
            store_today = QDate(datetime.now(STORE_TZ).date())  # the store's day (Berlin), not the machine's
            dialog.date_from.setDate(store_today)
            dialog.date_to.setDate(store_today)
            seen["today"] = str(dialog.table.rowCount())
            seen["check"] = str(dialog.check())
            dialog.grab().save(str(artifacts / "shift-audit-viewer.png"))
            dialog.accept()
        approve_then(AuditDialog, view)
        shortcut(qtbot, window, Qt.Key.Key_A, CTRL_SHIFT)
        qtbot.waitUntil(lambda: "check" in seen, timeout=15_000)
        for label in ("Anmeldung", "Kasse geöffnet", "Entnahme", "X-Bericht", "Bon storniert", "Tagesabschluss"):
            assert label in seen["actions"], label
        assert seen["closed_rows"] == "1" and "difference_cents: -349" in seen["closed_what"]
        assert set(seen["lena"].split(" ")) <= {"Lena", "Schmidt"} and "Lena" in seen["lena"]
        assert seen["old"] == "0" and seen["today"] == seen["all"] and seen["check"] == "True"
    finally:
        close_window(window)
