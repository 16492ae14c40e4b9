"""The receipt: one model (plain frozen dataclasses) and one layout into rows, rendered two ways:
to ESC/POS bytes (hardware.receipt_printer) and to the on-screen preview (ui).

The layout is done here, once, in characters per line (42 on 80 mm paper with font A, 32 on
58 mm, 48 on some 80 mm printers), so the preview shows exactly what the printer prints. Nothing
that matters is ever cut: a label and its amount that do not fit on one line take two (the
label wrapped, the amount right-aligned below: `pair_lines`), and the VAT table turns into one
block per rate when its columns do not fit (`vat_lines`), so 10.000,00 EUR and more stay readable
on 58 mm paper.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pos_app.money import format_euro


@dataclass(frozen=True)
class ReceiptLine:
    quantity: int
    name: str
    unit_price_cents: int
    total_cents: int  # after the line discount (the cart discount is shown once, below)
    vat_letter: str
    notes: tuple[str, ...] = ()  # "Rabatt 10 % (Treue)  -1,50", "Preis geändert: ..."


@dataclass(frozen=True)
class ReceiptVatRow:
    letter: str
    percent: int
    net_cents: int
    vat_cents: int
    gross_cents: int


@dataclass(frozen=True)
class ReceiptTender:
    label: str
    amount_cents: int  # what was handed over (cash given, or the card amount)


@dataclass(frozen=True)
class ReceiptTse:
    """The KassenSichV block of a receipt (pos_app.fiscal.records builds it). `failure` set:
    the TSE did not sign and the receipt says so; the other fields are then empty."""

    failure: str = ""
    certified: bool = True
    transaction_number: str = ""
    start: str = ""  # ISO 8601 UTC, as in the QR code
    end: str = ""
    signature_counter: str = ""
    signature: str = ""
    tse_serial: str = ""
    client_id: str = ""
    time_format: str = ""
    signature_algorithm: str = ""
    public_key: str = ""
    qr_payload: str = ""


@dataclass(frozen=True)
class Receipt:
    store_name: str
    store_address: tuple[str, ...]
    vat_id: str
    created_at: str  # already formatted for display, local time: "24.11.2026 14:03"
    receipt_number: str
    device_name: str
    cashier_name: str
    lines: tuple[ReceiptLine, ...]
    total_cents: int
    vat_rows: tuple[ReceiptVatRow, ...]
    tenders: tuple[ReceiptTender, ...]
    change_cents: int = 0
    cart_discount_cents: int = 0
    cart_discount_reason: str = ""
    footer: tuple[str, ...] = ("Vielen Dank für Ihren Einkauf!", "Umtausch binnen 30 Tagen mit Beleg.")
    copy: bool = False  # a reprint of a receipt that was printed before
    tse: ReceiptTse | None = None  # KassenSichV fields and QR code (None: no TSE configured)
    digital_link: str = ""  # the digital receipt's short link (pos_app.digital_receipt), as a QR code


@dataclass(frozen=True)
class TextRow:
    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    double: bool = False  # double width and height (the total)


@dataclass(frozen=True)
class BarcodeRow:
    data: str  # printed as Code 128 so that a return can scan it


@dataclass(frozen=True)
class QrRow:
    data: str  # the DSFinV-K receipt QR code, or the digital receipt's link


@dataclass(frozen=True)
class CutRow:
    pass


Row = TextRow | BarcodeRow | QrRow | CutRow


@dataclass(frozen=True)
class PaperWidth:
    name: str
    chars: int


PAPER_80MM = PaperWidth("80mm", 42)
PAPER_58MM = PaperWidth("58mm", 32)


def two_columns(left: str, right: str, width: int) -> str:
    """Left text and a right-aligned amount; the left text is cut to fit, never the amount."""
    room = width - len(right) - 1
    if room < 1:
        return right[-width:]
    if len(left) > room:
        left = left[: room - 1] + "." if room > 1 else left[:room]  # "." prints on every code page
    return left + " " * (width - len(left) - len(right)) + right


def wrap(text: str, width: int) -> list[str]:
    words, rows, current = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if current:
                rows.append(current)
                current = ""
            rows.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}".strip()
        if len(candidate) > width:
            rows.append(current)
            current = word
        else:
            current = candidate
    if current or not rows:
        rows.append(current)
    return rows


def wrap_indented(text: str, width: int) -> list[str]:
    """Like wrap, keeping the text's leading spaces on every line (notes under an item)."""
    if len(text) <= width:
        return [text]
    indent = len(text) - len(text.lstrip(" "))
    if indent >= width // 2:
        indent = 0
    return [" " * indent + part for part in wrap(text.strip(), width - indent)]


def pair_lines(left: str, right: str, width: int) -> list[str]:
    """A label and a right-aligned value on one line if they fit; else the label wrapped and the
    value at the right of its last line, or on a line of its own. Never cuts either."""
    if len(left) + 1 + len(right) <= width:
        return [left + " " * (width - len(left) - len(right)) + right]
    parts = wrap_indented(left, width) if left.strip() else []
    if parts and len(parts[-1]) + 1 + len(right) <= width:
        parts[-1] = parts[-1] + " " * (width - len(parts[-1]) - len(right)) + right
        return parts
    return parts + ([right.rjust(width)] if len(right) <= width else wrap(right, width))


VAT_HEADER = ("Netto", "MwSt", "Brutto")


def vat_lines(title: str, rows: list[tuple[str, str, str, str]], width: int) -> list[str]:
    """The VAT breakdown: (label, net, VAT, gross) per rate. As a table when its columns fit the
    paper, else one block per rate ("A 19%" then Netto/MwSt/Brutto each on its own line)."""
    cols = [max([len(h)] + [len(r[i + 1]) for r in rows]) for i, h in enumerate(VAT_HEADER)]
    label = max([len(title)] + [len(r[0]) for r in rows])
    amounts = sum(cols) + len(cols) - 1
    if label + 1 + amounts <= width:
        def line(left: str, values: tuple[str, ...]) -> str:
            right = " ".join(v.rjust(c) for v, c in zip(values, cols))
            return left + " " * (width - len(left) - len(right)) + right
        return [line(title, VAT_HEADER)] + [line(r[0], r[1:]) for r in rows]
    out = [title]
    for r in rows:
        out.append(r[0].strip())
        out += [line for name, value in zip(VAT_HEADER, r[1:]) for line in pair_lines(f"  {name}", value, width)]
    return out


@dataclass
class _Layout:
    width: int
    rows: list[Row] = field(default_factory=list)

    def text(self, text: str = "", **style: bool | str) -> None:
        self.rows.append(TextRow(text, **style))  # type: ignore[arg-type]

    def pair(self, left: str, right: str, **style: bool | str) -> None:
        width = self.width // 2 if style.get("double") else self.width
        for line in pair_lines(left, right, width):
            self.rows.append(TextRow(line, **style))  # type: ignore[arg-type]

    def wrapped(self, text: str, **style: bool | str) -> None:
        for line in wrap_indented(text, self.width):
            self.rows.append(TextRow(line, **style))  # type: ignore[arg-type]

    def rule(self, char: str = "-") -> None:
        self.rows.append(TextRow(char * self.width))


def layout(receipt: Receipt, paper: PaperWidth = PAPER_80MM) -> list[Row]:
    out = _Layout(paper.chars)
    w = paper.chars
    out.text(receipt.store_name, align="center", bold=True)
    for line in receipt.store_address:
        out.text(line, align="center")
    if receipt.vat_id:
        out.text(f"USt-IdNr.: {receipt.vat_id}", align="center")
    if receipt.copy:
        out.text("*** KOPIE ***", align="center", bold=True)
    out.text()
    out.pair(f"Bon {receipt.receipt_number}", receipt.created_at)
    out.pair(f"Kasse {receipt.device_name}", f"Bediener: {receipt.cashier_name}")
    out.rule()
    for item in receipt.lines:
        amount = f"{format_euro(item.total_cents, symbol=False)} {item.vat_letter}"
        if item.quantity == 1:
            out.pair(item.name, amount)
        else:
            for part in wrap(item.name, w):
                out.text(part)
            out.pair(f"  {item.quantity} x {format_euro(item.unit_price_cents, symbol=False)}", amount)
        for note in item.notes:
            out.wrapped(f"  {note}")
    out.rule()
    if receipt.cart_discount_cents:
        out.pair(f"Bon-Rabatt ({receipt.cart_discount_reason})",
                 f"-{format_euro(receipt.cart_discount_cents, symbol=False)}")
    out.pair("SUMME EUR", format_euro(receipt.total_cents, symbol=False), bold=True, double=True)
    out.rule()
    for tender in receipt.tenders:
        out.pair(tender.label, format_euro(tender.amount_cents, symbol=False))
    if receipt.change_cents:
        out.pair("Rückgeld", format_euro(receipt.change_cents, symbol=False), bold=True)
    out.text()
    vat = [(f"{row.letter} {row.percent}%", format_euro(row.net_cents, symbol=False),
            format_euro(row.vat_cents, symbol=False), format_euro(row.gross_cents, symbol=False))
           for row in receipt.vat_rows]
    for line in vat_lines("MwSt", vat, w):
        out.text(line)
    if receipt.tse is not None:
        _tse_block(out, receipt.tse)
    out.text()
    for line in receipt.footer:
        for part in wrap(line, w):
            out.text(part, align="center")
    out.rows += digital_rows(receipt.digital_link, w)
    out.rows.append(BarcodeRow(receipt.receipt_number))
    out.rows.append(CutRow())
    return out.rows


def _tse_block(out: _Layout, tse: ReceiptTse) -> None:
    """The KassenSichV fields (AEAO zu § 146a, Belegausgabe) and the DSFinV-K QR code."""
    w = out.width
    out.text()
    if tse.failure:
        out.text("TSE ausgefallen", align="center", bold=True)
        for part in wrap("Sicherheitseinrichtung nicht erreichbar: Beleg ohne Signatur.", w):
            out.text(part, align="center")
        for part in wrap(tse.failure, w):
            out.text(part)
        return
    if not tse.certified:
        out.text("NICHT ZERTIFIZIERTE TSE", align="center", bold=True)
        out.text("(Entwicklung, nicht zulässig)", align="center")
    for label, value in (("TSE-Transaktion", tse.transaction_number), ("TSE-Start", tse.start),
                         ("TSE-Ende", tse.end), ("Signaturzähler", tse.signature_counter),
                         ("Zeitformat", tse.time_format), ("Hash-Algorithmus", tse.signature_algorithm)):
        if len(label) + 1 + len(value) <= w:
            out.pair(label, value)
        else:  # never cut a fiscal label or value: the value goes on its own line
            out.text(f"{label}:")
            out.text(value.rjust(w))
    for label, value in (("Kassen-Seriennr.", tse.client_id), ("TSE-Seriennr.", tse.tse_serial),
                         ("Signatur", tse.signature), ("Öffentl. Schlüssel", tse.public_key)):
        out.text(f"{label}:")
        for start in range(0, len(value), w):  # base64 and hex have no spaces: cut hard
            out.text(value[start:start + w])
    out.rows.append(QrRow(tse.qr_payload))


def card_slip_rows(lines: tuple[str, ...], paper: PaperWidth = PAPER_80MM) -> list[Row]:
    """The card terminal's customer receipt, printed right after the till's receipt (the same
    print job, after its cut): the terminal's own lines, each wrapped to the paper, never cut."""
    w = paper.chars
    rows: list[Row] = [TextRow("Kartenzahlung", align="center", bold=True), TextRow("-" * w)]
    for line in lines:
        for part in wrap(line, w) if line.strip() else [""]:
            rows.append(TextRow(part))
    rows += [TextRow("-" * w), CutRow()]
    return rows


def digital_rows(link: str, width: int) -> list[Row]:
    """The digital receipt's link as a QR code with the link written under it (for a phone
    without a camera app); nothing when the till has no center to link to."""
    if not link:
        return []
    rows: list[Row] = [TextRow(""), TextRow("Ihr digitaler Beleg:", align="center"), QrRow(link)]
    for start in range(0, len(link), width):  # a link has no spaces: cut hard
        rows.append(TextRow(link[start:start + width], align="center"))
    return rows


def tse_rows(tse: ReceiptTse, paper: PaperWidth = PAPER_80MM) -> list[Row]:
    """The KassenSichV block alone, for other receipts (the return receipt)."""
    out = _Layout(paper.chars)
    _tse_block(out, tse)
    return out.rows


def preview_text(receipt: Receipt, paper: PaperWidth = PAPER_80MM) -> str:
    """The receipt as plain text, as it will look on paper (for the on-screen preview)."""
    w = paper.chars
    lines = []
    for row in layout(receipt, paper):
        if isinstance(row, TextRow):
            text = row.text
            if row.double:  # printed at double width: spread its two columns over the line
                parts = re.split(r"\s{2,}", text.strip())
                text = two_columns(parts[0], parts[-1], w) if len(parts) == 2 else text
            if row.align == "center":
                text = text.center(w).rstrip()
            elif row.align == "right":
                text = text.rjust(w)
            lines.append(text)
        elif isinstance(row, BarcodeRow):
            lines.append(f"||| {row.data} |||".center(w).rstrip())
        elif isinstance(row, QrRow):
            lines.append("[QR-Code]".center(w).rstrip())
        else:
            lines.append("- " * (w // 2))
    return "\n".join(lines)
