"""The gift card and shelf label screens of the real main window: Strg+Umschalt+G sells a card
for cash (the printed card, decoded from the TCP printer on loopback, carries its number as a
barcode and opens the drawer), Strg+Umschalt+Y prints shelf labels with their EAN-13; the focus
returns to the scan field; buttons are touch-sized; the dialogs fit 1024x768."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import text

from pos_app.gift_cards.rules import is_gift_card_code
from pos_app.store.staff import StaffMember
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE
from tests.test_till_gui import close_window, in_modal, log_in, make_window, printer  # noqa: F401 - fixture
from ui.gift_card_dialog import GiftCardDialog
from ui.label_dialog import LabelDialog

JONAS = StaffMember(2, "Jonas Weber", "manager")


def _touch_sized(dialog: QWidget) -> None:
    assert dialog.width() <= 1024 and dialog.height() <= 768
    for button in dialog.findChildren(QPushButton):
        assert button.minimumHeight() >= 44, button.text()


def test_a_gift_card_is_sold_and_printed_and_labels_print_with_ean13(qtbot, store_path, printer) -> None:
    window = make_window(qtbot, store_path, printer.port)
    try:
        if window.store.cashbook.current() is None:
            window.store.cashbook.open(50_00, JONAS)
        log_in(qtbot, window)
        till = window.till
        seen: dict[str, object] = {}

        def sell(dialog: QWidget) -> None:
            assert isinstance(dialog, GiftCardDialog)
            _touch_sized(dialog)
            dialog.amount.setText("2,00")
            dialog.sell_button.click()
            seen["refused"] = dialog.message.text()
            dialog.quick[2].click()  # 25,00
            QTest.keyClick(dialog.amount, Qt.Key.Key_Return)

        in_modal(sell)
        QTest.keyClick(till.entry, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        [job] = printer.wait_for_jobs(1, timeout=10)
        slip = decode(job)
        assert "5 bis 500" in str(seen["refused"])
        [(kind, code)] = slip.barcodes
        assert kind == "CODE128" and is_gift_card_code(code) and "25,00 €" in slip.text_lines
        assert slip.drawer_kicks and slip.cuts == 1
        with window.store.db.reading() as s:
            assert s.execute(text("SELECT count(*) FROM outbox WHERE type = 'gift_card.sold' "
                                  "AND payload LIKE :c"), {"c": f"%{code}%"}).scalar() == 1
        qtbot.waitUntil(lambda: till.entry.hasFocus(), timeout=15_000)

        def labels(dialog: QWidget) -> None:
            assert isinstance(dialog, LabelDialog)
            _touch_sized(dialog)
            dialog.codes.setPlainText(f"{EAN_DECKE}\nNOPE-1")
            dialog.print_button.click()  # the touch way (F10 is the key)
            seen["labels"] = dialog.message.text()
            dialog.close_button.click()

        in_modal(labels)
        QTest.keyClick(till.entry, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: "labels" in seen, timeout=15_000)
        [_, label_job] = printer.wait_for_jobs(2, timeout=10)
        printed = decode(label_job)
        assert printed.barcodes == [("EAN13", EAN_DECKE[:12])] and printed.cuts == 1
        assert "Kuscheldecke Größe XL grün" in printed.text_lines[0]
        assert "1 Etiketten" in str(seen["labels"]) and "NOPE-1" in str(seen["labels"])
        qtbot.waitUntil(lambda: till.entry.hasFocus(), timeout=15_000)
    finally:
        close_window(window)
