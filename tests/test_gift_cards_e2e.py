"""A gift card sold in the web shop is spent in the Berlin store, through the real screens: the
web shop sells the card (the real center's channel API on loopback), the cashier scans a
cushion, opens the payment (F12), types the card number into the voucher field and pays the
rest in cash; the till checks the card at the center (GiftCardCheck), the receipt prints (TCP
printer on loopback, decoded) and the sync takes the redemption to the center: the card's
balance is down by what it paid, in every channel."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from sqlalchemy import text

from tests.escpos_decode import decode
from tests.test_scenario_6 import backend_db, center, close, open_till, printer  # noqa: F401 - fixtures
from tests.test_till_gui import in_modal, log_in, scanner_burst
from ui.payment_dialog import PaymentDialog

pytestmark = pytest.mark.slow
CUSHION = 30


def ean13(window, product_id: int) -> str:  # type: ignore[no-untyped-def]
    with window.store.db.reading() as s:
        return str(s.execute(text("SELECT MIN(code) FROM barcodes WHERE product_id = :p AND symbology = 'EAN13'"),
                             {"p": product_id}).scalar())


def test_a_gift_card_sold_on_the_web_is_spent_at_the_till(qtbot, store_path, center, printer) -> None:
    card = center.admin("POST", "/v1/channel/gift-cards", json={"amount_cents": 10_00, "reference": "web-77"}).json()
    window = open_till(qtbot, store_path, center, printer)
    try:
        log_in(qtbot, window)
        till = window.till
        scanner_burst(qtbot, ean13(window, CUSHION))
        try:
            qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=10_000)
        except Exception:
            raise AssertionError(f"not scanned: {till.message.text()!r}") from None
        total = till.session.cart.totals().total_cents
        assert total > 10_00, "the cushion costs more than the card holds"
        seen: dict[str, object] = {}

        def pay(dialog: QWidget) -> None:
            assert isinstance(dialog, PaymentDialog)
            dialog.voucher_code.setText(card["code"].lower())  # typed as the customer reads it out
            QTest.keyClick(dialog.voucher_code, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: dialog._payment is not None and dialog._payment.remaining_cents == total - 10_00,
                            timeout=10_000)
            seen["after_card"] = dialog._payment.remaining_cents
            dialog.amount.setText(f"{(total - 10_00) // 100},{(total - 10_00) % 100:02d}")
            QTest.keyClick(dialog.amount, Qt.Key.Key_Return)

        in_modal(pay)
        QTest.keyClick(till.entry, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=10_000)
        assert seen["after_card"] == total - 10_00
        [job] = printer.wait_for_jobs(1, timeout=10)
        receipt = decode(job)
        assert "Gutschein" in receipt.text and "10,00" in receipt.text
        window.sync.sync_now()
        qtbot.waitUntil(lambda: center.admin("GET", f"/v1/channel/gift-cards/{card['code']}").json()["balance_cents"]
                        == 0, timeout=30_000)
        assert center.admin("GET", "/v1/admin/reconciliations").json() == []
    finally:
        close(window)
