"""The digital receipt as a web page and as a PDF, both from the rows of the paper layout
(pos_app.receipt.layout / pos_app.return_receipt.layout_return at 42 columns, as on 80 mm
paper): the same lines, amounts, VAT rows, TSE fields and QR codes as the printed receipt.

PDF library: fpdf2 (PyPI `fpdf2`, LGPL-3.0, maintained by the py-pdf organisation, pure
Python with Pillow and fontTools). Why not ReportLab: its platypus layout machinery is far more
than a column of monospaced rows and two images needs, and fpdf2 embeds a TrueType font as a
Unicode subset with a ToUnicode map, so the PDF's text can be searched and extracted (the tests
read it back with pypdf). Font: DejaVu Sans Mono when the system has it (umlauts, "Ł", "€"),
else the PDF core font Courier with the text folded to Latin-1.

Thread: request threads (pure CPU; a receipt renders in milliseconds).
"""
from __future__ import annotations

import html
import io
import unicodedata
from pathlib import Path

import qrcode
import qrcode.image.svg
from fpdf import FPDF

from pos_app.digital_receipt import from_document, number_of, rows_of
from pos_app.receipt import PAPER_80MM, BarcodeRow, CutRow, QrRow, Row, TextRow

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),  # Debian, Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu/DejaVuSansMono.ttf"),  # Fedora, Alpine
    Path("/usr/share/fonts/TTF/DejaVuSansMono.ttf"),  # Arch
)
BOLD_CANDIDATES = tuple(p.with_name("DejaVuSansMono-Bold.ttf") for p in FONT_CANDIDATES)
WIDTH = PAPER_80MM.chars
PAGE_MM, MARGIN_MM = 80.0, 4.0
FONT_PT = (PAGE_MM - 2 * MARGIN_MM) / WIDTH / 0.6 / 0.3528  # a monospaced glyph is 0.6 em wide
LINE_MM = FONT_PT * 0.3528 * 1.25
QR_MM = 36.0


def _display_text(row: TextRow) -> str:
    text = row.text
    if row.align == "center":
        return text.strip().center(WIDTH // 2 if row.double else WIDTH).rstrip()
    if row.align == "right":
        return text.rjust(WIDTH // 2 if row.double else WIDTH)
    return text


# ---- the web page ---------------------------------------------------------------------------------


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def page_html(document: dict, token: str) -> str:
    """The receipt page: the paper receipt's rows in a monospaced column, its QR codes as SVG,
    a link to the PDF."""
    receipt = from_document(document)
    number = number_of(receipt)
    parts: list[str] = []
    for row in rows_of(receipt, PAPER_80MM):
        if isinstance(row, TextRow):
            classes = " ".join(c for c, on in (("b", row.bold), ("d", row.double)) if on)
            parts.append(f'<div class="row {classes}">{html.escape(_display_text(row)) or "&nbsp;"}</div>')
        elif isinstance(row, QrRow) and row.data:
            parts.append(f'<div class="qr" data-qr="{html.escape(row.data, quote=True)}">{_qr_svg(row.data)}</div>')
        elif isinstance(row, BarcodeRow):
            parts.append(f'<div class="barcode" data-code128="{html.escape(row.data)}">||| {html.escape(row.data)} |||</div>')
        elif isinstance(row, CutRow):
            pass
    title = f"Beleg {html.escape(number)}"
    return (
        "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{title}</title><style>"
        "body{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;background:#eee;margin:0;padding:1em}"
        f".paper{{background:#fff;max-width:{WIDTH}ch;margin:auto;padding:1.5ch;box-shadow:0 1px 4px #999}}"
        ".row{white-space:pre;line-height:1.3}.b{font-weight:bold}.d{font-size:200%;line-height:1.2}"
        ".qr{text-align:center;margin:.6em 0}.qr svg{width:60%;height:auto}.barcode{text-align:center;white-space:pre}"
        ".pdf{text-align:center;margin:1em}</style></head><body>"
        f"<div class=\"paper\" id=\"receipt\">{''.join(parts)}</div>"
        f"<p class=\"pdf\"><a href=\"/r/{html.escape(token)}.pdf\">Als PDF herunterladen</a></p>"
        "</body></html>\n")


def not_yet_html(token: str) -> str:
    """What the link shows before the till's sale has reached the center."""
    return (
        "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Beleg noch nicht da</title>"
        "</head><body style=\"font-family:sans-serif;max-width:36em;margin:2em auto\">"
        "<h1>Ihr Beleg ist noch nicht da</h1>"
        "<p>Die Kasse hat ihn noch nicht übertragen (zum Beispiel, weil sie gerade offline ist). "
        "Sobald sie wieder verbunden ist, steht der Beleg unter diesem Link bereit. "
        "Bitte versuchen Sie es später noch einmal.</p>"
        "<p lang=\"en\">Not yet: this receipt has not reached us yet; the link works as soon as the "
        "till has synced.</p>"
        f"<p style=\"color:#888\">{html.escape(token)}</p></body></html>\n")


# ---- the PDF --------------------------------------------------------------------------------------


def _font_path(candidates: tuple[Path, ...]) -> Path | None:
    return next((p for p in candidates if p.is_file()), None)


def _latin1(text: str) -> str:
    """For the core font: letters without their accents where Latin-1 lacks them ("Ł" -> "L"),
    the euro sign as "EUR"."""
    text = text.replace("€", "EUR")
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base[:1] or {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d"}.get(ch, "?"))
    return "".join(out)


def pdf_bytes(document: dict) -> bytes:
    """The receipt as a one-page PDF on a roll 80 mm wide, as long as the receipt."""
    receipt = from_document(document)
    rows = rows_of(receipt, PAPER_80MM)
    height = MARGIN_MM * 2 + sum(QR_MM + 2 if isinstance(r, QrRow) and r.data else
                                 LINE_MM * (2 if isinstance(r, TextRow) and r.double else 1) for r in rows)
    pdf = FPDF(unit="mm", format=(PAGE_MM, max(height, 60.0)))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_title(f"Beleg {number_of(receipt)}")
    pdf.set_creator("OmniPOS")
    regular, bold = _font_path(FONT_CANDIDATES), _font_path(BOLD_CANDIDATES)
    if regular is not None:
        pdf.add_font("Mono", "", str(regular))
        pdf.add_font("Mono", "B", str(bold or regular))
        family, fold = "Mono", (lambda t: t)
    else:
        family, fold = "Courier", _latin1
    pdf.add_page()
    y = MARGIN_MM
    for row in rows:
        if isinstance(row, TextRow):
            size = FONT_PT * (2 if row.double else 1)
            pdf.set_font(family, "B" if row.bold else "", size)
            pdf.set_xy(MARGIN_MM, y)
            pdf.cell(PAGE_MM - 2 * MARGIN_MM, LINE_MM * (2 if row.double else 1), fold(_display_text(row)))
            y += LINE_MM * (2 if row.double else 1)
        elif isinstance(row, QrRow) and row.data:
            image = qrcode.make(row.data, border=1).get_image()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            pdf.image(buffer, x=(PAGE_MM - QR_MM) / 2, y=y + 1, w=QR_MM, h=QR_MM)
            y += QR_MM + 2
        elif isinstance(row, BarcodeRow):
            pdf.set_font(family, "", FONT_PT)
            pdf.set_xy(MARGIN_MM, y)
            pdf.cell(PAGE_MM - 2 * MARGIN_MM, LINE_MM, fold(row.data), align="C")
            y += LINE_MM
    return bytes(pdf.output())


def rows_text(document: dict) -> list[str]:
    """The receipt's text rows as shown (for the e-mail's plain-text part)."""
    receipt = from_document(document)
    out: list[str] = []
    for row in rows_of(receipt, PAPER_80MM):
        if isinstance(row, TextRow):
            out.append(_display_text(row))
        elif isinstance(row, BarcodeRow):
            out.append(row.data.center(WIDTH).rstrip())
    return out


__all__ = ["not_yet_html", "page_html", "pdf_bytes", "rows_text", "Row"]
