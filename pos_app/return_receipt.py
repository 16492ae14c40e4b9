"""The return receipt ("Rücknahmebeleg"): the same rows as a sale receipt (pos_app.receipt),
so it prints through the same ESC/POS renderer and print queue.

What it carries: the return number as a barcode, the original purchase, the items with their
condition and reason, the refund per tender (negative amounts), the VAT given back per rate,
each new voucher's code as a barcode with its value, and, for a cash refund, a signature line
for the customer (the drawer's cash leaves against a signature), and the KassenSichV block with
the DSFinV-K QR code exactly as on a sale receipt (a return is a TSE transaction of its own).

Thread: any (pure).
"""
from __future__ import annotations

from dataclasses import dataclass

from pos_app.money import format_euro
from pos_app.receipt import (PAPER_80MM, BarcodeRow, CutRow, PaperWidth, QrRow, ReceiptTse, Row, TextRow,
                             digital_rows, pair_lines, tse_rows, vat_lines, wrap, wrap_indented)
from pos_app.vat import VatRate, breakdown


@dataclass(frozen=True)
class ReturnReceiptLine:
    quantity: int
    name: str
    refund_cents: int
    vat_percent: int
    condition_label: str
    reason_label: str


@dataclass(frozen=True)
class ReturnReceipt:
    store_name: str
    store_address: tuple[str, ...]
    vat_id: str
    created_at: str  # formatted for display
    return_number: str
    device_name: str
    cashier_name: str
    original: str  # "Online-Bestellung W-... vom 01.12.2026", or "ohne Beleg"
    lines: tuple[ReturnReceiptLine, ...]
    total_cents: int
    tenders: tuple[tuple[str, int], ...]  # (label, cents)
    vouchers: tuple[tuple[str, int], ...] = ()  # (code, value)
    cash_refund: bool = False
    approved_by: str = ""
    exchange_note: str = ""  # "Umtausch: neuer Bon BER-K1-000043"
    copy: bool = False  # a reprint
    tse: ReceiptTse | None = None  # KassenSichV fields and QR code (None: no TSE configured)
    digital_link: str = ""  # the digital receipt's short link (pos_app.digital_receipt)


def _pair(left: str, right: str, width: int, **style: bool | str) -> list[Row]:
    return [TextRow(line, **style) for line in pair_lines(left, right, width)]  # type: ignore[arg-type]


def _wrapped(text: str, width: int) -> list[Row]:
    return [TextRow(line) for line in wrap_indented(text, width)]


def layout_return(receipt: ReturnReceipt, paper: PaperWidth = PAPER_80MM) -> list[Row]:
    w = paper.chars
    rows: list[Row] = [TextRow(receipt.store_name, align="center", bold=True)]
    rows += [TextRow(line, align="center") for line in receipt.store_address]
    if receipt.vat_id:
        rows.append(TextRow(f"USt-IdNr.: {receipt.vat_id}", align="center"))
    if receipt.copy:
        rows.append(TextRow("*** KOPIE ***", align="center", bold=True))
    rows += [TextRow(""), TextRow("RÜCKNAHME / GUTSCHRIFT", align="center", bold=True)]
    rows += _pair(f"Beleg {receipt.return_number}", receipt.created_at, w)
    rows += _pair(f"Kasse {receipt.device_name}", f"Bediener: {receipt.cashier_name}", w)
    rows += [TextRow(part) for part in wrap(f"Zu: {receipt.original}", w)]
    rows.append(TextRow("-" * w))
    by_rate: dict[VatRate, int] = {}
    for line in receipt.lines:
        rate = VatRate.from_percent(line.vat_percent)
        by_rate[rate] = by_rate.get(rate, 0) + line.refund_cents
        rows += _pair(f"{line.quantity} x {line.name}", f"-{format_euro(line.refund_cents, symbol=False)} {rate.letter}", w)
        rows += _wrapped(f"  {line.condition_label}, {line.reason_label}", w)
    rows.append(TextRow("-" * w))
    rows += _pair("ERSTATTUNG EUR", f"-{format_euro(receipt.total_cents, symbol=False)}", w // 2,
                  bold=True, double=True)
    rows.append(TextRow("-" * w))
    for label, cents in receipt.tenders:
        rows += _pair(label, f"-{format_euro(cents, symbol=False)}", w)
    rows.append(TextRow(""))
    vat = [(f"{row.rate.letter} {row.rate.percent}%", format_euro(-row.net_cents, symbol=False),
            format_euro(-row.vat_cents, symbol=False), format_euro(-row.gross_cents, symbol=False))
           for row in breakdown(by_rate)]
    rows += [TextRow(line) for line in vat_lines("MwSt", vat, w)]
    if receipt.exchange_note:
        rows += [TextRow("")] + _wrapped(receipt.exchange_note, w)
    for code, cents in receipt.vouchers:
        rows += [TextRow(""), TextRow("GUTSCHEIN", align="center", bold=True),
                 TextRow(f"Wert {format_euro(cents)}", align="center", bold=True),
                 TextRow(f"Code {code}", align="center"),
                 *[TextRow(part, align="center") for part in wrap("Einlösbar in allen Filialen und im Onlineshop.", w)],
                 BarcodeRow(code)]
    if receipt.approved_by:
        rows += _wrapped(f"Freigabe: {receipt.approved_by}", w)
    if receipt.cash_refund:
        rows += [TextRow(""), TextRow("Betrag bar erhalten:"), TextRow(""), TextRow(""),
                 TextRow("_" * w), TextRow("Unterschrift Kunde", align="center")]
    if receipt.tse is not None:
        rows += tse_rows(receipt.tse, paper)
    rows += digital_rows(receipt.digital_link, w)
    rows += [TextRow(""), BarcodeRow(receipt.return_number), CutRow()]
    return rows


def preview_lines(rows: list[Row], paper: PaperWidth = PAPER_80MM) -> str:
    """The rows as plain text (for the screen)."""
    out = []
    for row in rows:
        if isinstance(row, TextRow):
            out.append(row.text.center(paper.chars).rstrip() if row.align == "center" else row.text)
        elif isinstance(row, BarcodeRow):
            out.append(f"||| {row.data} |||".center(paper.chars).rstrip())
        elif isinstance(row, QrRow):
            out.append("[QR-Code]".center(paper.chars).rstrip())
        else:
            out.append("- " * (paper.chars // 2))
    return "\n".join(out)
