"""An unknown receipt is not a dead end (issue 12): the receipt number names its store, the
cashier is told to try again once that store has synced, and the returns screen offers the
blind return. Against the REAL center on loopback (a Hamburg receipt asked for in Berlin before
and after Hamburg's till synced) and through the real screens (pytest-qt, offscreen)."""
from __future__ import annotations

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from pos_app.returns import ReturnsService
from pos_app.unknown_receipt import ReceiptOrigin, UnknownReceipt, origin_of, unknown_receipt_text
from sync.client import CenterClient
from sync.purchases import CenterPurchases
from tests.backend.helpers import GREEN_SOFA, sale_event
from tests.sync_helpers import LENA
from tests.tcp_printer import TcpPrinter
from tests.test_returns_gui import inside
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)
from tests.test_till_gui import close_window, log_in, make_window
from ui.blind_return_dialog import BlindReturnDialog
from ui.returns_dialog import ReturnsDialog


def test_the_receipt_number_tells_its_store() -> None:
    assert origin_of("KOE-K1-000123") == ReceiptOrigin("KOE", "KOE-K1")
    assert origin_of(" ham-k2-000001 ") == ReceiptOrigin("HAM", "HAM-K2")
    assert origin_of("W-261201-ABCDEF") is None and origin_of("") is None and origin_of("12345") is None
    text = unknown_receipt_text("KOE-K1-000123", origin_of("KOE-K1-000123"), "Wohnen & Mode Köln",
                                own_store_id="BER")
    assert "Filiale Wohnen & Mode Köln (KOE)" in text and "wenn die Filiale KOE synchronisiert hat" in text
    assert "ohne Beleg" in text
    own = unknown_receipt_text("BER-K2-000004", origin_of("BER-K2-000004"), own_store_id="BER")
    assert "Kasse BER-K2 dieser Filiale" in own and "wenn diese Filiale synchronisiert hat" in own
    nowhere = unknown_receipt_text("X-42", None, own_store_id="BER")
    assert "Kein Bon und keine Bestellung" in nowhere and "ohne Beleg" in nowhere


@pytest.mark.slow
def test_a_hamburg_receipt_in_berlin_before_and_after_hamburg_synced(till: Till) -> None:  # noqa: F811
    returns = ReturnsService(till.store, LENA, center=CenterPurchases(
        lambda: CenterClient(till.center.url, till.token, timeout=(1, 3))))
    number = "HAM-K1-000007"
    with pytest.raises(UnknownReceipt) as caught:
        returns.find(number)
    assert caught.value.wait_for_store == "HAM" and not caught.value.offline
    assert "Filiale" in str(caught.value) and "(HAM)" in str(caught.value)
    assert "wenn die Filiale HAM synchronisiert hat" in str(caught.value) and "ohne Beleg" in str(caught.value)

    ham = till.center.register_device("HAM-K1", "HAM", "Kasse 1")  # Hamburg's till comes online and pushes
    event = sale_event("HAM-K1", "HAM", 7, lines=((GREEN_SOFA, 1, 1299_00),), receipt=number)
    answer = requests.post(f"{till.center.url}/v1/events", json={"events": [event]}, timeout=10,
                           headers={"Authorization": f"Bearer {ham}"}).json()
    assert answer["results"][0]["outcome"] == "applied", answer
    found = returns.find(number)  # "try again": now it is there
    assert (found.purchase.number, found.purchase.store_id) == (number, "HAM")

    till.center.stop()
    with pytest.raises(UnknownReceipt) as offline:
        returns.find("MUC-K3-000001")
    assert offline.value.offline and offline.value.wait_for_store == "MUC" and "nicht erreichbar" in str(offline.value)


def test_the_returns_screen_offers_a_new_look_up_and_the_blind_return(qtbot, store_path) -> None:  # type: ignore[no-untyped-def]
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        errors: list[BaseException] = []
        opened: list[str] = []
        try:
            log_in(qtbot, window)

            def unknown(dialog: QWidget) -> None:
                assert isinstance(dialog, ReturnsDialog)
                assert not dialog.blind_button.isVisible() and not dialog.retry_button.isVisible()
                dialog.number.setText("HAM-K1-000042")
                QTest.keyClick(dialog.number, Qt.Key.Key_Return)
                qtbot.waitUntil(lambda: dialog.blind_button.isVisible(), timeout=15_000)
                assert "HAM" in dialog.message.text() and dialog.retry_button.isVisible()
                dialog.retry_button.click()  # a new look-up: still unknown, still offered
                qtbot.waitUntil(lambda: "HAM" in dialog.message.text(), timeout=15_000)
                inside(BlindReturnDialog, lambda blind: (opened.append("blind"), blind.reject()), errors)
                dialog.blind_button.click()

            inside(ReturnsDialog, unknown, errors)
            QTest.keyClick(window.till.entry, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda: bool(opened) or bool(errors), timeout=15_000)
            if errors:
                raise errors[0]
            assert opened == ["blind"]
        finally:
            close_window(window)
