"""The fiscal path through the real screens: a cashier sells with the fiskaly stand-in as the
TSE; the printed receipt (TCP printer on loopback, decoded) carries the KassenSichV fields and a
QR code that decodes; with the TSE answering 500 the sale completes, the till says so and the
receipt says "TSE ausgefallen". Ctrl+Shift+T shows the TSE status."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from pos_app.config import PrinterSettings, Settings
from pos_app.fiscal.settings import TseSettings
from pos_app.fiscal.tse import parse_qr_payload
from pos_app.store.fiscal_models import TseTransaction
from tests.escpos_decode import decode
from tests.fiskaly_standin import FiskalyStandIn
from tests.store_fixture import EAN_DECKE
from tests.tcp_printer import TcpPrinter
from tests.test_fiscal_tse import qr_image_payload
from tests.test_till_gui import close_window, log_in, pay_cash
from ui.app import open_window
from ui.main_window import MainWindow
from ui.tse_dialog import TseStatusDialog


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    with TcpPrinter() as p:
        yield p


@pytest.fixture
def standin() -> Iterator[FiskalyStandIn]:
    server = FiskalyStandIn().start()
    yield server
    server.stop()


def make_window(qtbot, store_path: Path, port: int, standin: FiskalyStandIn) -> MainWindow:  # type: ignore[no-untyped-def]
    tse = TseSettings(kind="fiskaly", fiskaly_url=standin.base_url, fiskaly_api_key=FiskalyStandIn.API_KEY,
                      fiskaly_api_secret=FiskalyStandIn.API_SECRET, fiskaly_tss_id=standin.tss_id,
                      fiskaly_client_id=standin.client_uuid, budget_s=1.0)
    settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=port, timeout_s=1.0),
                        tse=tse)
    window = open_window(QApplication.instance(), store_path, settings)
    window.printing.queue._backoff = (0.05,)
    window.show()
    qtbot.addWidget(window)
    return window


def sell_one(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    log_in(qtbot, window)
    # the code as the wedge filter hands it over: these tests are about the TSE, and a burst of key
    # events 2 ms apart is split by a loaded machine's scheduler (the wedge has its own tests)
    window.till.on_scanned(EAN_DECKE)
    qtbot.waitUntil(lambda: len(window.till.session.cart.lines) == 1, timeout=15_000)
    pay_cash(qtbot, window, "50,00")
    qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=15_000)


def test_a_signed_sale_prints_the_tse_fields_and_a_qr_code(qtbot, store_path, printer, standin, artifacts):  # type: ignore[no-untyped-def]
    window = make_window(qtbot, store_path, printer.port, standin)
    try:
        sell_one(qtbot, window)
        assert "TSE" not in window.till.message.text()
        [job] = printer.wait_for_jobs(1, timeout=5)
        receipt = decode(job)
        assert "TSE-Transaktion" in receipt.text and "Signaturzähler" in receipt.text
        assert "NICHT ZERTIFIZIERT" not in receipt.text  # fiskaly is a certified TSE
        [payload] = receipt.qrcodes
        assert qr_image_payload(payload) == payload
        fields = parse_qr_payload(payload)
        assert fields.client_id == "BER-K1" and fields.process_data == "Beleg^39.99_0.00_0.00_0.00_0.00^39.99:Bar"
        assert fields.signature in receipt.text.replace("\n", "")
        with window.store.db.reading() as s:
            row = s.query(TseTransaction).one()
        assert (row.status, row.tx_number, row.signature) == ("signed", fields.transaction_number, fields.signature)

        dialog = TseStatusDialog(window.store, window)
        qtbot.waitUntil(lambda: "Seriennummer" in dialog.module.text(), timeout=15_000)
        assert standin.tss_serial in dialog.module.text() and "Signierte Vorgänge: 1" in dialog.counts.text()
        dialog.show()
        qtbot.wait(50)
        dialog.grab().save(str(artifacts / "tse-status.png"))
        dialog.close()
    finally:
        close_window(window)


def test_tse_down_the_sale_completes_and_the_receipt_says_so(qtbot, store_path, printer, standin):  # type: ignore[no-untyped-def]
    standin.fail_status = 500
    window = make_window(qtbot, store_path, printer.port, standin)
    try:
        sell_one(qtbot, window)
        assert "TSE ausgefallen" in window.till.message.text()
        [job] = printer.wait_for_jobs(1, timeout=5)
        receipt = decode(job)
        assert "TSE ausgefallen" in receipt.text and receipt.qrcodes == []
        assert receipt.barcodes == [("CODE128", "BER-K1-000001")]  # the sale itself is complete
        with window.store.db.reading() as s:
            row = s.query(TseTransaction).one()
        assert row.status == "failed" and "500" in row.error
        dialog = TseStatusDialog(window.store, window)
        assert "Ohne Signatur (TSE ausgefallen): 1" in dialog.counts.text()
        dialog.close()
    finally:
        close_window(window)


def test_the_status_bar_says_which_tse_signs_and_the_development_one_is_not_certified(qtbot, store_path, printer,
                                                                                     artifacts):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel
    settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0))
    window = open_window(QApplication.instance(), store_path, settings)  # [tse] defaults: development TSE
    qtbot.addWidget(window)
    try:
        label = window.statusBar().findChild(QLabel, "tseStatus")
        assert label is not None and "NICHT ZERTIFIZIERT" in label.text()
        window.show()
        sell_one(qtbot, window)
        [job] = printer.wait_for_jobs(1, timeout=5)
        receipt = decode(job)
        assert "NICHT ZERTIFIZIERTE TSE" in receipt.text and len(receipt.qrcodes) == 1
        qtbot.wait(50)
        window.grab().save(str(artifacts / "till-with-dev-tse.png"))
    finally:
        close_window(window)
