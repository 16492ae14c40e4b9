"""Receipts that fit every printer: a sale, a return, an X and a Z report with five-digit euro
amounts, rendered to ESC/POS at 32, 42 and 48 columns and decoded; every line within the paper,
nothing cut, every amount and VAT rate a token of its own."""
from __future__ import annotations

from dataclasses import replace

import pytest

from hardware.receipt_printer import render_escpos
from pos_app.money import format_euro
from pos_app.receipt import (PaperWidth, Receipt, ReceiptLine, ReceiptTender, ReceiptVatRow, card_slip_rows, layout,
                             pair_lines, vat_lines)
from pos_app.return_receipt import ReturnReceipt, ReturnReceiptLine, layout_return
from pos_app.shift import CountAmount, ShiftDocument, ShiftHeader, build_report
from pos_app.shift_print import report_rows
from tests.escpos_decode import Decoded, decode

WIDTHS = (32, 42, 48)
PROFILE = {32: "POS-5890", 42: "TM-T88V", 48: "TM-T20II"}


def euro(cents: int) -> str:
    return format_euro(cents, symbol=False)


def big_sale() -> Receipt:
    return Receipt(
        store_name="Wohnen & Mode Köln", store_address=("Hohe Straße 1", "50667 Köln"), vat_id="DE123456789",
        created_at="06.12.2026 14:03", receipt_number="KOE-K1-000123", device_name="KOE-K1",
        cashier_name="Łukasz Gülşen",
        lines=(ReceiptLine(10, "Samtsofa Milano 3-Sitzer grün", 129900, 1299000, "A",
                           notes=("Preis geändert: 1.399,00 -> 1.299,00 (Ausstellungsstück, Kratzer links)",)),
               ReceiptLine(1, "Bio-Kaffee Äthiopien 500 g", 1299, 1299, "B")),
        total_cents=1300299,
        vat_rows=(ReceiptVatRow("A", 19, 1091597, 207403, 1299000), ReceiptVatRow("B", 7, 1214, 85, 1299)),
        tenders=(ReceiptTender("Karte", 1300299),), footer=("Vielen Dank für Ihren Einkauf!",),
    )


def big_return() -> ReturnReceipt:
    return ReturnReceipt(
        store_name="Wohnen & Mode Köln", store_address=("Hohe Straße 1",), vat_id="DE123456789",
        created_at="06.12.2026 15:10", return_number="KOE-K1-000124", device_name="KOE-K1",
        cashier_name="Gülşen Yılmaz", original="Bon KOE-K1-000123 vom 06.12.2026",
        lines=(ReturnReceiptLine(10, "Samtsofa Milano 3-Sitzer grün", 1299000, 19, "wie neu", "gefällt nicht"),),
        total_cents=1299000, tenders=(("Erstattung Karte", 1299000),),
    )


def big_report(z: bool):  # type: ignore[no-untyped-def]
    header = ShiftHeader("KOE-K1", "KOE", "Wohnen & Mode Köln", "2026-12-06T07:00:00+00:00", "Łukasz Gülşen", 150_00)
    docs = [ShiftDocument("sale", "KOE-K1-000123", 1300299, (("card", 1300299),), ((19, 1299000), (7, 1299))),
            ShiftDocument("sale", "KOE-K1-000125", 2500000, (("cash", 2500000),), ((19, 2500000),)),
            ShiftDocument("return", "KOE-K1-000124", -1299000, (("card", -1299000),), ((19, -1299000),))]
    return build_report(header, docs, [], CountAmount(), as_of="2026-12-06T19:00:00+00:00",
                        z_number=17 if z else None, closed_by="Jonas Weber" if z else "",
                        counted_cents=2515000 if z else None)


def printed(rows, width: int, profile: str = "") -> Decoded:  # type: ignore[no-untyped-def]
    paper = PaperWidth("58mm" if width == 32 else "80mm", width)
    out = decode(render_escpos(rows, profile or PROFILE[width], paper=paper))
    for line in out.lines:
        assert len(line.text) * (2 if line.double_width else 1) <= width, (width, line.text)
        assert not line.text.rstrip().endswith("."), f"cut: {line.text!r}"
    return out


def tokens(out: Decoded) -> list[str]:
    return " ".join(out.text_lines).split()


@pytest.mark.parametrize("width", WIDTHS)
def test_sale_receipt(width: int) -> None:
    out = printed(layout(big_sale(), PaperWidth("", width)), width)
    words = tokens(out)
    text = " ".join(" ".join(out.text_lines).split())
    assert "Bon KOE-K1-000123" in text and "Bediener: Lukasz Gülsen" in text  # transliterated, not "?"
    assert "Samtsofa Milano 3-Sitzer grün" in text
    assert "(Ausstellungsstück, Kratzer links)" in text
    for amount in ("12.990,00", "12,99", "13.002,99", "10.915,97", "2.074,03", "12,14", "0,85"):
        assert amount in words, amount
    assert "19%" in words and "7%" in words and "?" not in text
    # the POS-5890 profile has no GS k function B: the number is printed as text to type in
    assert out.barcodes == [("CODE128", "KOE-K1-000123")] or (width == 32 and "KOE-K1-000123" in out.text_lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_return_receipt(width: int) -> None:
    out = printed(layout_return(big_return(), PaperWidth("", width)), width)
    words = tokens(out)
    text = " ".join(" ".join(out.text_lines).split())
    assert "Beleg KOE-K1-000124" in text and "ERSTATTUNG EUR" in text and "Erstattung Karte" in text
    assert "Bediener: Gülsen Yilmaz" in text
    assert "10 x Samtsofa Milano 3-Sitzer grün" in text
    for amount in ("-12.990,00", "-10.915,97", "-2.074,03"):
        assert amount in words, amount
    assert "A 19%" in text


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("z", [False, True])
def test_x_and_z_report(width: int, z: bool) -> None:
    report = big_report(z)
    out = printed(report_rows(report, PaperWidth("", width)), width)
    words = tokens(out)
    text = " ".join(" ".join(out.text_lines).split())
    assert "MwSt-Sätze" in text and ("Z-BON Nr. 17" in text if z else "X-BERICHT" in text)
    assert "Geöffnet" in text and "Lukasz Gülsen" in text
    for v in report.vat:
        for cents in (v.net_cents, v.vat_cents, v.gross_cents):
            assert euro(cents) in words, (v, euro(cents))
        assert f"{v.percent}%" in words
    assert euro(report.total_cents) in words and "25.150,00" in words  # the SOLL: float + cash


def test_table_when_it_fits_blocks_when_not() -> None:
    rows = [("A 19%", "10.374,51", "1.971,16", "12.345,67")]
    table = vat_lines("MwSt", rows, 42)
    assert len(table) == 2 and table[1].split() == ["A", "19%", "10.374,51", "1.971,16", "12.345,67"]
    block = vat_lines("MwSt", rows, 32)
    assert block == ["MwSt", "A 19%", "  Netto" + " " * 16 + "10.374,51", "  MwSt" + " " * 18 + "1.971,16",
                     "  Brutto" + " " * 15 + "12.345,67"]
    assert pair_lines("Bon KOE-K1-000123", "06.12.2026 14:03", 32) == ["Bon KOE-K1-000123", " " * 16 + "06.12.2026 14:03"]


def test_zj5870_prints_the_euro_sign_and_readable_names() -> None:
    rows = layout(replace(big_sale(), footer=("Ab 50 € Einkauf: 5 € Gutschein",)), PaperWidth("58mm", 32))
    out = decode(render_escpos(rows, "ZJ-5870", paper=PaperWidth("58mm", 32)))
    assert out.codepages == [16]  # CP1252: the ZJ-5870 has no CP858
    assert "Ab 50 € Einkauf: 5 € Gutschein" in out.text_lines
    assert any("Lukasz Gülsen" in line for line in out.text_lines)
    plain = decode(render_escpos(rows, "simple", paper=PaperWidth("58mm", 32)))  # CP437 only
    assert "Ab 50 EUR Einkauf: 5 EUR Gutschein" in plain.text_lines


def test_card_slip_lines_wrap_at_32() -> None:
    out = printed(card_slip_rows(("Kundenbeleg", "Genehmigungsnummer 123456789 Terminal 52500038"),
                                 PaperWidth("58mm", 32)), 32, "TM-T88V")
    assert out.cuts == 1 and "Kartenzahlung" in out.text_lines
    assert "Genehmigungsnummer 123456789 Terminal 52500038" == " ".join(out.text_lines[3:5])
