"""Printers as they are in shops: capability profiles (58 mm / 80 mm, 32 / 42 / 48 characters),
the logo as a raster image, the status a printer reports (DLE EOT / GS r) shown in the status
bar, long receipts through a printer that drops the connection or stalls, the test page
(Strg+T). All over a real TCP connection on loopback, decoded with the strict ESC/POS decoder."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from hardware.keyboard_layout import LAYOUT_TEST_CODE
from hardware.print_queue import PrintJob, PrintQueue, PrintResult
from hardware.printer_models import MODELS, logo_dots, model, paper_for, test_page_for
from hardware.printer_status import interpret, query
from hardware.receipt_printer import load_logo, render_escpos
from pos_app.config import PrinterSettings
from pos_app.receipt import ReceiptLine, layout
from tests.escpos_decode import decode
from tests.tcp_printer import TcpPrinter
from tests.test_printing import make_receipt
from tests.test_till_gui import close_window, log_in, make_window
from ui.app import resources_dir

LOGO = resources_dir() / "receipt_logo.png"


def long_receipt(n: int = 250):  # type: ignore[no-untyped-def]
    lines = tuple(ReceiptLine(1, f"Artikel {i:03d} Größe M", 100 + i, 100 + i, "A") for i in range(n))
    return make_receipt(lines)


@pytest.mark.parametrize(("profile", "paper", "chars"), [("TM-T88V", "80mm", 42), ("TM-T20II", "80mm", 48),
                                                         ("POS-5890", "58mm", 32), ("ZJ-5870", "58mm", 32)])
def test_the_receipt_follows_the_profiles_width(profile: str, paper: str, chars: int) -> None:
    settings = PrinterSettings(profile=profile)
    width = paper_for(settings)
    assert (width.name, width.chars) == (paper, chars)
    data = render_escpos(layout(make_receipt(), width), profile, paper=width)
    out = decode(data)
    widths = [len(line.text) * (2 if line.double_width else 1) for line in out.lines]
    assert max(widths) == chars  # the rules go edge to edge, nothing wider
    assert any("Größe" in t for t in out.text_lines) and "€" in out.text or profile == "ZJ-5870"
    if model(profile).paper == "80mm":
        assert out.barcodes == [("CODE128", "BER-K1-000042")]
    else:  # these profiles have no Code 128 (GS k B): the number is printed to be typed in
        assert out.barcodes == [] and "BER-K1-000042" in out.text_lines


def test_columns_setting_and_58mm_paper_override_the_profile() -> None:
    assert paper_for(PrinterSettings(profile="TM-T20II", columns=42)).chars == 42
    assert paper_for(PrinterSettings(profile="TM-T88V", paper="58mm")).chars == 32
    assert model("NT-5890K").paper == "58mm"  # from python-escpos' database
    assert {m.columns for m in MODELS} == {32, 42, 48}
    # a misspelt profile does not stop the till from starting: the paper setting decides
    assert paper_for(PrinterSettings(profile="TM-T88X", paper="58mm")).chars == 32
    assert logo_dots(PrinterSettings(profile="TM-T88X")) == 504


def test_logo_is_a_centred_raster_image_that_fits() -> None:
    logo = load_logo(LOGO)
    assert logo.mode == "1" and logo.width <= 384
    for profile, dots in (("TM-T88V", 512), ("TM-T20II", 576), ("POS-5890", 384)):
        settings = PrinterSettings(profile=profile, logo=True)
        assert logo_dots(settings) == dots
        data = render_escpos(layout(make_receipt(), paper_for(settings)), profile, paper=paper_for(settings),
                             logo=logo, logo_dots=dots)
        out = decode(data)
        assert [i[:2] for i in out.images] == [(dots, logo.height)]
        kinds = [kind for kind, _ in out.events]
        assert kinds[:3] == ["init", "codepage", "image"] and kinds[3] == "text"
    wide = Image.new("1", (1000, 50), 0)
    out = decode(render_escpos([], "POS-5890", logo=wide, logo_dots=384))
    assert [i[:2] for i in out.images] == [(384, 19)]  # scaled down to the paper, never cut off


def test_logo_file_problems_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(OSError, match="Logo logo.png nicht lesbar"):
        load_logo(bad)


def test_status_the_printer_reports() -> None:
    with TcpPrinter() as printer:
        settings = PrinterSettings(kind="network", port=printer.port, timeout_s=1.0)
        ok = query(settings)
        assert ok.ready and (ok.online, ok.paper, ok.cover_open) == (True, "ok", False)
        printer.paper = "near_end"
        assert query(settings).ready and "zur Neige" in query(settings).message
        printer.paper = "out"
        out = query(settings)
        assert not out.ready and out.paper == "out" and "Papier leer" in out.message
        printer.paper, printer.cover_open = "ok", True
        assert "Deckel offen" in query(settings).message and not query(settings).ready
        printer.cover_open, printer.offline = False, True
        assert query(settings).online is False and "offline" in query(settings).message
        printer.offline, printer.answers_status = False, False
        silent = query(settings)
        assert silent.ready and silent.online is None and "meldet keinen Status" in silent.message
        assert printer.jobs == []  # status queries are not print jobs
        assert b"\x10\x04\x01" in printer.status_queries and b"\x1dr\x01" not in printer.status_queries
    off = query(settings)
    assert not off.reachable and "Verbindung abgelehnt" in off.message
    # GS r 1 when DLE EOT 4 is not answered
    assert interpret(0x12, 0x12, None, 0x0C)[1] == "out"
    assert interpret(0x12, 0x12, None, 0x03)[1] == "near_end"
    assert interpret(0xFF, None, None) == (None, "unknown", None)  # garbage is not a status


def run_queue(settings: PrinterSettings, jobs: list[PrintJob], n: int) -> tuple[PrintQueue, list[PrintResult]]:
    results: list[PrintResult] = []
    done = threading.Event()

    def collect(result: PrintResult) -> None:
        results.append(result)
        if len(results) == n:
            done.set()

    queue = PrintQueue(settings, collect, backoff_s=(0.05,))
    for job in jobs:
        queue.submit(job)
    assert done.wait(20), results
    return queue, results


def test_a_long_receipt_prints_whole_after_the_printer_dropped_the_connection() -> None:
    data = render_escpos(layout(long_receipt()))
    assert len(data) > 10_000
    with TcpPrinter(mode="drop") as printer:
        printer.drop_after = 3000
        settings = PrinterSettings(kind="network", port=printer.port, timeout_s=2.0)
        queue, [result] = run_queue(settings, [PrintJob("bon-1", data)], 1)
        try:
            assert result.ok and result.attempts == 2
            [partial] = printer.dropped
            assert 0 < len(partial) < len(data) and data.startswith(partial)
            [job] = printer.wait_for_jobs(1, timeout=5)
            assert job == data
            items = [t for t in decode(job).text_lines if t.startswith("Artikel ")]
            assert len(items) == 250 and items[-1].startswith("Artikel 249")
        finally:
            queue.stop()


def test_a_stalling_printer_gets_the_whole_job() -> None:
    data = render_escpos(layout(long_receipt(220)))
    with TcpPrinter(mode="stall") as printer:
        printer.stall_after, printer.stall_s = 2048, 0.6  # busy printing, then reads on
        queue, [result] = run_queue(PrinterSettings(kind="network", port=printer.port, timeout_s=3.0),
                                    [PrintJob("bon-1", data)], 1)
        queue.stop()
        assert result.ok and printer.wait_for_jobs(1, timeout=5) == [data]
    # a printer stuck for longer than the deadline: tests/test_printing.py (mode "hold")


def test_status_queries_run_on_the_print_worker_between_jobs() -> None:
    order: list[str] = []
    sent = threading.Event()

    def send(data: bytes) -> None:
        order.append(f"job {data.decode()}")
        sent.set()

    queue = PrintQueue(send=send, attempts=1)
    try:
        answered = threading.Event()
        queue.submit(PrintJob("1", b"a"))
        assert sent.wait(2)
        queue.call(lambda: (order.append("status"), threading.current_thread())[1],
                   lambda thread, error: (order.append(f"done {thread is queue.thread} {error}"), answered.set()))
        assert answered.wait(2)
        failed = threading.Event()
        queue.call(lambda: 1 / 0, lambda result, error: (order.append(type(error).__name__), failed.set()))
        assert failed.wait(2)
        sent.clear()
        queue.submit(PrintJob("2", b"b"))
        assert sent.wait(2)  # the worker lives on after a failing call
    finally:
        queue.stop()
    assert order == ["job a", "status", "done True None", "ZeroDivisionError", "job b"]


def test_status_bar_and_test_page_at_the_till(qtbot, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            log_in(qtbot, window)
            printer.paper = "out"
            window.printing.request_status()
            qtbot.waitUntil(lambda: "Papier leer" in window.printer_label.text(), timeout=15_000)
            assert window.printer_label.property("error") is True
            printer.paper = "ok"
            window.printing.request_status()
            qtbot.waitUntil(lambda: window.printer_label.text().endswith("bereit."), timeout=15_000)
            assert window.printer_label.property("error") is False

            QTest.keyClick(window.till.entry, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
            [page] = printer.wait_for_jobs(1, timeout=5)
            out = decode(page)
            assert "Testdruck" in out.text and "Papier 80mm, 42 Zeichen je Zeile:" in out.text_lines
            assert ("CODE128", LAYOUT_TEST_CODE) in out.barcodes and out.cuts == 1
            qtbot.waitUntil(lambda: "Testseite gedruckt" in window.printer_label.text(), timeout=15_000)

            # the printer takes the bytes but is out of paper: the status bar must not say "bereit"
            printer.paper = "out"
            window.printing.request_status()
            qtbot.waitUntil(lambda: "Papier leer" in window.printer_label.text(), timeout=15_000)
            said: list[str] = []
            window.printing.status_changed.connect(lambda _ok, text: said.append(text))
            QTest.keyClick(window.till.entry, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
            printer.wait_for_jobs(2, timeout=5)
            qtbot.waitUntil(lambda: "Testseite gedruckt." in said and "Papier leer" in said[-1], timeout=15_000)
            assert "Papier leer" in window.printer_label.text() and window.printer_label.property("error") is True
            rows = test_page_for(PrinterSettings(profile="POS-5890"), "Filiale")
            assert max(len(getattr(r, "text", "")) for r in rows) <= 32
        finally:
            close_window(window)
