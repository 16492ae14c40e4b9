"""The customer display (issue 16): the pure screen model through a sale (no Qt), then the real
screens: the till with [customer_display] enabled, a cashier scanning by wedge bursts, a line
discount (the promotion), cash with change and "no paper" in the payment dialog. The display
shows the lines, the total, what was given and the change, and at the end the digital
receipt's QR code, which is decoded from the screenshot. Screenshots: test-artifacts/."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from pos_app.cart import Discount, DiscountKind
from pos_app.config import CustomerDisplaySettings, PrinterSettings, ReceiptSettings, Settings
from pos_app.customer_display import NOT_YET_SYNCED, OFFLINE, screen_of
from pos_app.store.models import Sale
from pos_app.till import TillSession
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.sync_helpers import LENA
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, in_modal, log_in, scanner_burst
from ui.app import open_window
from ui.customer_display import CustomerDisplay
from ui.payment_dialog import PaymentDialog

LINK_BASE = "https://bon.kuschelwerk.example/r/"


def test_the_screen_follows_the_sale_from_idle_to_the_receipt_link(store) -> None:
    store.sales.link_base = LINK_BASE
    session = TillSession(store, LENA)
    assert screen_of(session, "Willkommen bei Kuschelwerk").phase == "idle"
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    coffee = session.cart.lines[1].line_id
    session.set_line_discount(coffee, Discount(DiscountKind.PERCENT, Decimal(10), "Aktion"))
    sale = screen_of(session)
    assert sale.phase == "sale" and [(ln.quantity, ln.name) for ln in sale.lines] == [
        (1, "Kuscheldecke Größe XL grün"), (1, "Bio-Kaffee Äthiopien 500 g")]
    assert sale.savings_cents == 130 and "Aktion" in sale.lines[1].note  # 10 % of 12,99
    assert sale.total_cents == sale.due_cents == 3999 + 1299 - 130
    session.pay_cash(2000, partial=True)
    paying = screen_of(session)
    assert (paying.phase, paying.paid_cents, paying.due_cents) == ("payment", 2000, sale.total_cents - 2000)
    session.pay_cash(5000)
    done = session.complete()
    end = screen_of(session, online=False)
    assert end.phase == "done" and end.change_cents == 7000 - sale.total_cents == done.change_cents
    assert end.receipt_link == done.receipt_link and end.receipt_link.startswith(LINK_BASE)
    assert end.receipt_note == OFFLINE and screen_of(session, online=True).receipt_note == NOT_YET_SYNCED
    session.scan(EAN_DECKE)  # the next customer: the last receipt leaves the screen
    assert screen_of(session).receipt_link == ""


def _image_array(widget: QWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    ptr = image.constBits()
    rows = np.frombuffer(ptr, dtype=np.uint8, count=image.bytesPerLine() * image.height())
    return rows.reshape(image.height(), image.bytesPerLine())[:, :image.width()].copy()


def test_the_display_during_a_real_sale_with_no_paper(qtbot, store_path, artifacts) -> None:  # type: ignore[no-untyped-def]
    with TcpPrinter() as printer:
        settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0),
                            customer_display=CustomerDisplaySettings(enabled=True, idle_message="Willkommen!"),
                            receipts=ReceiptSettings(link_base=LINK_BASE))
        from PySide6.QtWidgets import QApplication

        window = open_window(QApplication.instance(), store_path, settings)
        window.show()
        qtbot.addWidget(window)
        try:
            log_in(qtbot, window)
            display = window.customer_display
            assert isinstance(display, CustomerDisplay) and display.isVisible()
            assert display.screen_now.phase == "idle" and display.idle_text.text() == "Willkommen!"
            display.grab().save(str(artifacts / "customer-display-idle.png"))
            till = window.till
            scanner_burst(qtbot, EAN_DECKE)
            qtbot.waitUntil(lambda: display.lines.rowCount() == 1, timeout=15_000)  # as it is scanned
            qtbot.wait(300)  # the next item is picked up and scanned
            scanner_burst(qtbot, EAN_KAFFEE)
            qtbot.waitUntil(lambda: display.lines.rowCount() == 2, timeout=15_000)
            assert [display.lines.item(0, c).text() for c in range(3)] == ["1 ×", "Kuscheldecke Größe XL grün", "39,99 €"]
            assert display.lines.item(1, 1).text() == "Bio-Kaffee Äthiopien 500 g" and "52,98" in display.total.text()
            qtbot.wait(50)
            display.grab().save(str(artifacts / "customer-display-sale.png"))

            chosen: list[bool] = []

            def pay(dialog: QWidget) -> None:
                assert isinstance(dialog, PaymentDialog)
                QTest.mouseClick(dialog.no_paper_box, Qt.MouseButton.LeftButton)  # the cashier taps "no paper"
                chosen.append(dialog.no_paper)
                if not dialog.no_paper:
                    dialog.reject()  # fail below, not hang in exec()
                    return
                dialog.amount.setText("60,00")
                QTest.keyClick(dialog.amount, Qt.Key.Key_Return)
            in_modal(pay)
            QTest.keyClick(till.entry, Qt.Key.Key_F12)
            assert chosen == [True], "the tap did not choose no paper"
            qtbot.waitUntil(lambda: display.screen_now.phase == "done", timeout=15_000)
            assert "Rückgeld 7,02" in display.change.text() and "52,98" in display.total.text()
            assert "übertragen" in display.qr_caption.text()
            qtbot.wait(50)
            display.grab().save(str(artifacts / "customer-display-receipt-qr.png"))
            [code] = zxingcpp.read_barcodes(_image_array(display))
            assert code.text == display.screen_now.receipt_link and code.text.startswith(LINK_BASE)
            assert code.text in till.message.text()  # the cashier sees the link too

            [kick] = printer.wait_for_jobs(1, timeout=5)  # the drawer opens for the cash ...
            assert decode(kick).drawer_kicks and not decode(kick).lines  # ... and nothing is printed
            with window.store.db.reading() as s:
                assert s.query(Sale.print_status).one()[0] == "digital"
            assert window.printing.retry_failed() == 0  # F11 does not print it later either
        finally:
            display = window.customer_display
            close_window(window)
            if display is not None:
                display.close()


def test_no_paper_by_key_in_the_payment_dialog(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    session = TillSession(store, LENA)
    session.scan(EAN_DECKE)
    dialog = PaymentDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    QTest.qWaitForWindowActive(dialog, 2000)
    assert not dialog.no_paper
    QTest.keyClick(dialog.amount, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dialog.no_paper
    dialog.amount.setText("39,99")
    QTest.keyClick(dialog.amount, Qt.Key.Key_Return)  # Enter still pays
    assert session.payment is not None and session.payment.is_complete
    done = session.complete(paper=not dialog.no_paper)
    assert not done.paper and store.sales.unprinted() == []


def test_display_settings_are_checked() -> None:
    from pos_app.config import ConfigError, parse_settings

    settings = parse_settings('[customer_display]\nenabled = true\nscreen = 0\n[receipts]\nlink_base = "https://b.example/r/"\n')
    assert settings.customer_display == CustomerDisplaySettings(enabled=True, screen=0)
    assert settings.receipts.base_for(settings.sync) == "https://b.example/r/"
    assert replace(settings.receipts, link_base="").base_for(replace(settings.sync, backend_url="https://z.example/")) \
        == "https://z.example/r/"
    for bad in ('[customer_display]\nscreen = 12\n', '[receipts]\nlink_base = "ftp://x"\n',
                '[customer_display]\nenabled = "ja"\n'):
        try:
            parse_settings(bad)
        except ConfigError:
            continue
        raise AssertionError(f"accepted {bad!r}")
