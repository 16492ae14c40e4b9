"""Receipt printing end to end: layout -> ESC/POS bytes -> loopback TCP printer -> decoded text;
plus the connection errors and the print queue's retry/failed-job behaviour."""
from __future__ import annotations

import queue
import threading
import time

import pytest

from hardware.print_queue import PrintJob, PrintQueue, PrintResult
from hardware.printer_connection import PrinterUnavailable, check, send
from hardware.receipt_printer import drawer_kick_bytes, render_escpos, test_page_rows
from pos_app.config import PrinterSettings
from pos_app.receipt import (
    PAPER_58MM,
    PAPER_80MM,
    BarcodeRow,
    Receipt,
    ReceiptLine,
    ReceiptTender,
    ReceiptVatRow,
    TextRow,
    layout,
)
from tests.escpos_decode import DecodeError, decode
from tests.tcp_printer import TcpPrinter

FOOTER = ("Vielen Dank für Ihren Einkauf!", "Ab 50 € Einkauf: 5 € Gutschein")


def make_receipt(lines: tuple[ReceiptLine, ...] | None = None) -> Receipt:
    if lines is None:
        lines = (
            ReceiptLine(1, "Kuscheldecke Größe XL grün", 3999, 3999, "A"),
            ReceiptLine(2, "Bio-Kaffee Äthiopien 500 g", 899, 1618, "B",
                        notes=("Rabatt 10 % (Treue)  -1,80",)),
            ReceiptLine(1, "Tasse „Berlin“", 1250, 1250, "A"),
        )
    return Receipt(
        store_name="Kuschelwerk Berlin-Mitte",
        store_address=("Torstraße 12", "10119 Berlin"),
        vat_id="DE123456789",
        created_at="24.11.2026 14:03",
        receipt_number="BER-K1-000042",
        device_name="BER-K1",
        cashier_name="Jörg",
        lines=lines,
        total_cents=6867,
        vat_rows=(ReceiptVatRow("A", 19, 4411, 838, 5249), ReceiptVatRow("B", 7, 1512, 106, 1618)),
        tenders=(ReceiptTender("Bar", 7000),),
        change_cents=133,
        footer=FOOTER,
    )


def network(port: int, timeout_s: float = 1.0) -> PrinterSettings:
    return PrinterSettings(kind="network", host="127.0.0.1", port=port, timeout_s=timeout_s)


def print_over_tcp(data: bytes) -> bytes:
    with TcpPrinter() as printer:
        send(network(printer.port), data)
        [job] = printer.wait_for_jobs(1, timeout=2)
    return job


# ---- rendering and the network path -----------------------------------------------------------


def test_receipt_arrives_and_decodes_with_umlauts_euro_barcode_totals() -> None:
    data = render_escpos(layout(make_receipt(), PAPER_80MM), "TM-T88V", open_drawer=False)
    assert data.startswith(b"\x1b@\x1bt\x13")  # ESC @, then CP858 at once
    job = print_over_tcp(data)
    assert job == data
    out = decode(job)

    assert out.codepages == [19]  # CP858, selected once, never switched
    assert data.count(b"\x1bt") == 1
    text = out.text
    assert "Kuscheldecke Größe XL grün" in text
    assert "Bio-Kaffee Äthiopien 500 g" in text
    assert "Torstraße 12" in text and "Bediener: Jörg" in text
    assert 'Tasse "Berlin"' in text  # „“ are not in CP858: replaced one for one
    assert "Ab 50 € Einkauf: 5 € Gutschein" in text
    assert "?" not in text
    assert b"Gr\x94\xe1e" in job and b"\xd5" in job  # "Größe" and "€" as CP858 bytes

    summe = next(line for line in out.lines if line.text.startswith("SUMME EUR"))
    assert summe.text.endswith("68,67") and summe.bold and summe.double_width and summe.double_height
    assert any(t.startswith("Bar") and t.endswith("70,00") for t in out.text_lines)
    assert any(t.startswith("Rückgeld") and t.endswith("1,33") for t in out.text_lines)
    vat_a = next(t for t in out.text_lines if t.startswith("A 19%"))
    vat_b = next(t for t in out.text_lines if t.startswith("B 7%"))
    assert vat_a.split()[2:] == ["44,11", "8,38", "52,49"]
    assert vat_b.split()[2:] == ["15,12", "1,06", "16,18"]
    assert any("Rabatt 10 % (Treue)" in t for t in out.text_lines)

    assert out.barcodes == [("CODE128", "BER-K1-000042")]
    assert out.cuts == 1 and out.events[-1] == ("cut", None)
    assert out.drawer_kicks == []
    header = next(line for line in out.lines if line.text == "Kuschelwerk Berlin-Mitte")
    assert header.align == "center" and header.bold
    assert all(len(t) <= 42 for t in out.text_lines)


def test_drawer_kick_comes_first_when_asked() -> None:
    rows = layout(make_receipt())
    data = render_escpos(rows, open_drawer=True)
    assert data.startswith(b"\x1b@" + drawer_kick_bytes(2) + b"\x1bt\x13")
    out = decode(print_over_tcp(data))
    assert out.drawer_kicks == [2]
    kinds = [kind for kind, _ in out.events]
    assert kinds[:3] == ["init", "drawer", "codepage"]
    assert kinds.index("drawer") < kinds.index("text")
    assert drawer_kick_bytes() == b"\x1bp\x00\x32\x32"
    assert decode(drawer_kick_bytes(5)).drawer_kicks == [5]


def test_58mm_paper_keeps_every_line_within_32_columns() -> None:
    data = render_escpos(layout(make_receipt(), PAPER_58MM), paper=PAPER_58MM)
    out = decode(print_over_tcp(data))
    for line in out.lines:
        assert len(line.text) * (2 if line.double_width else 1) <= 32, line.text
    assert any("Größe" in t for t in out.text_lines)  # cut to fit, with "." for "…"
    assert out.codepages == [19] and out.barcodes == [("CODE128", "BER-K1-000042")]
    assert "?" not in out.text


def test_a_250_line_receipt_arrives_whole() -> None:
    lines = tuple(ReceiptLine(1, f"Artikel {i:03d} Größe M", 100 + i, 100 + i, "A") for i in range(250))
    data = render_escpos(layout(make_receipt(lines)))
    job = print_over_tcp(data)
    assert job == data
    out = decode(job)
    items = [t for t in out.text_lines if t.startswith("Artikel ")]
    assert len(items) == 250 and items[-1].startswith("Artikel 249 Größe M")
    assert out.cuts == 1 and out.barcodes == [("CODE128", "BER-K1-000042")]


def test_control_characters_in_names_cannot_inject_commands() -> None:
    lines = (ReceiptLine(1, "Böse\x1b@Ware\nX\x1dV\x00", 100, 100, "A"),)
    out = decode(render_escpos(layout(make_receipt(lines))))
    assert out.cuts == 1 and out.codepages == [19]
    assert any(t.startswith("Böse @Ware X V") for t in out.text_lines)


def test_test_page_decodes() -> None:
    out = decode(render_escpos(test_page_rows("Filiale Mitte")))
    assert "Filiale Mitte" in out.text_lines and "Testdruck" in out.text_lines
    assert "Umlaute: ä ö ü Ä Ö Ü ß" in out.text_lines and "Euro: 1,99 €" in out.text_lines
    assert out.barcodes == [("CODE128", "TEST-0001")] and out.cuts == 1


def test_fallbacks_barcode_too_wide_and_profile_without_cp858() -> None:
    out = decode(render_escpos([BarcodeRow("X" * 20), TextRow("Größe 5 €")], paper=PAPER_58MM))
    assert out.barcodes == [] and out.text_lines == ["X" * 20, "Größe 5 €"]
    out = decode(render_escpos(test_page_rows(), profile="simple"))  # no CP858, no GS k B, no cutter
    assert out.codepages == [0] and "Umlaute: ä ö ü Ä Ö Ü ß" in out.text_lines
    assert out.barcodes == [] and "TEST-0001" in out.text_lines


def test_decoder_is_strict() -> None:
    with pytest.raises(DecodeError):
        decode(b"\x1b{\x00")  # upside-down printing: never emitted by our renderer
    with pytest.raises(DecodeError):
        decode(b"\x1bt\x11abc\n")  # a code page the decoder does not know (17: CP866)
    with pytest.raises(DecodeError):
        decode(b"abc\x1dkI\x04{B12")  # barcode mid-line: a real printer ignores it
    with pytest.raises(DecodeError):
        decode(b"\x1bt\x13" + b"x" * 3 + b"\x1bp")  # cut short


def test_refused_connection_message_and_check() -> None:
    printer = TcpPrinter().start()
    port = printer.port
    try:
        assert check(network(port)) is None
    finally:
        printer.stop()
    expected = f"Drucker 127.0.0.1:{port} nicht erreichbar: Verbindung abgelehnt"
    with pytest.raises(PrinterUnavailable) as info:
        send(network(port), b"x")
    assert str(info.value) == expected
    assert check(network(port)) == expected


def test_send_times_out_when_the_printer_never_reads() -> None:
    with TcpPrinter(mode="hold") as printer:
        started = time.monotonic()
        with pytest.raises(PrinterUnavailable) as info:
            send(network(printer.port, timeout_s=0.3), b"\x00" * (32 << 20))
        assert time.monotonic() - started < 1.5
    assert f"Drucker 127.0.0.1:{printer.port}" in str(info.value)
    assert "Zeitüberschreitung nach 0,3 s" in str(info.value)


def test_send_fails_when_the_printer_drops_the_connection() -> None:
    with TcpPrinter(mode="close") as printer:
        with pytest.raises(PrinterUnavailable) as info:
            send(network(printer.port, timeout_s=1.0), b"\x00" * (32 << 20))
    assert str(info.value).startswith(f"Drucker 127.0.0.1:{printer.port}")


def test_file_none_usb_serial_kinds(tmp_path) -> None:
    target = tmp_path / "lp0"
    settings = PrinterSettings(kind="file", file_path=str(target))
    send(settings, b"eins")
    send(settings, b"zwei")
    assert target.read_bytes() == b"einszwei" and check(settings) is None
    send(PrinterSettings(kind="none"), b"egal")
    with pytest.raises(PrinterUnavailable):
        send(PrinterSettings(kind="file", file_path=str(tmp_path / "fehlt" / "lp0")), b"x")
    with pytest.raises(PrinterUnavailable, match="USB-Drucker 04b8:0202"):
        send(PrinterSettings(kind="usb", timeout_s=0.2), b"x")  # no pyusb, or no such device
    with pytest.raises(PrinterUnavailable, match="/nonexistent/ttyUSB9"):
        send(PrinterSettings(kind="serial", serial_device="/nonexistent/ttyUSB9", timeout_s=0.2), b"x")


# ---- the print queue --------------------------------------------------------------------------


class Results:
    """Collects PrintResults and the thread each was reported on."""

    def __init__(self) -> None:
        self.items: queue.Queue[tuple[PrintResult, threading.Thread]] = queue.Queue()

    def __call__(self, result: PrintResult) -> None:
        self.items.put((result, threading.current_thread()))

    def get(self, timeout: float = 2.0) -> tuple[PrintResult, threading.Thread]:
        return self.items.get(timeout=timeout)


def test_queue_keeps_a_failed_job_until_the_printer_is_back() -> None:
    data = render_escpos(layout(make_receipt()))
    printer = TcpPrinter().start()
    port = printer.port
    printer.stop()  # switched off: nothing listens on the port
    results = Results()
    jobs = PrintQueue(network(port, timeout_s=0.5), results, attempts=3, backoff_s=(0.01, 0.02))
    try:
        assert jobs.status() == "idle"
        jobs.submit(PrintJob("bon-42", data, "Bon BER-K1-000042"))
        result, thread = results.get()
        assert thread is jobs.thread  # the callback runs on the worker thread
        assert (result.job_id, result.ok, result.attempts) == ("bon-42", False, 3)
        assert result.error == f"Drucker 127.0.0.1:{port} nicht erreichbar: Verbindung abgelehnt"
        assert [job.job_id for job in jobs.failed_jobs()] == ["bon-42"]
        assert jobs.failure("bon-42") == result.error
        assert jobs.status() == "offline"

        printer.start()  # switched on again, same port
        assert printer.port == port
        assert jobs.retry("bon-42")
        result, _ = results.get()
        assert (result.ok, result.attempts, result.error) == (True, 1, "")
        assert printer.wait_for_jobs(1) == [data]
        assert jobs.failed_jobs() == [] and jobs.status() == "online"
        assert not jobs.retry("bon-42")
    finally:
        assert jobs.stop(1.0)
        printer.stop()


def test_queue_does_not_block_later_jobs_behind_a_failed_one() -> None:
    calls: list[bytes] = []

    def flaky(data: bytes) -> None:
        calls.append(data)
        if data == b"kaputt":
            raise PrinterUnavailable("Drucker aus")
        if data == b"bug":
            raise KeyError("oops")

    results = Results()
    jobs = PrintQueue(send=flaky, on_result=results, attempts=3, backoff_s=(0.001,))
    try:
        for job_id, data in (("a", b"kaputt"), ("b", b"gut"), ("c", b"bug"), ("d", b"auch gut")):
            jobs.submit(PrintJob(job_id, data))
        got = [results.get()[0] for _ in range(4)]
        assert [(r.job_id, r.ok, r.attempts) for r in got] == [
            ("a", False, 3), ("b", True, 1), ("c", False, 3), ("d", True, 1)]
        assert got[0].error == "Drucker aus" and "oops" in got[2].error
        assert calls == [b"kaputt"] * 3 + [b"gut"] + [b"bug"] * 3 + [b"auch gut"]
        assert [job.job_id for job in jobs.failed_jobs()] == ["a", "c"]
        assert jobs.status() == "online"  # the last attempt got through
        assert jobs.discard("a") and not jobs.discard("a")
        assert [job.job_id for job in jobs.failed_jobs()] == ["c"]
    finally:
        assert jobs.stop(1.0)


def test_stop_ends_a_backoff_at_once_and_joins_the_thread() -> None:
    attempted = threading.Event()

    def down(data: bytes) -> None:
        attempted.set()
        raise PrinterUnavailable("Drucker aus")

    results = Results()
    jobs = PrintQueue(send=down, on_result=results, attempts=3, backoff_s=(30.0,))
    jobs.submit(PrintJob("eins", b"1"))
    jobs.submit(PrintJob("zwei", b"2"))
    assert attempted.wait(2.0)
    started = time.monotonic()
    assert jobs.stop(1.0)
    assert time.monotonic() - started < 0.5
    assert not jobs.thread.is_alive()
    assert [job.job_id for job in jobs.failed_jobs()] == ["eins"]  # kept, not dropped
    assert [job.job_id for job in jobs.pending_jobs()] == ["zwei"]  # never started
    assert results.items.empty()
    with pytest.raises(RuntimeError):
        jobs.submit(PrintJob("drei", b"3"))
