"""Receipt rows (pos_app.receipt.layout) to ESC/POS bytes, via python-escpos's Dummy printer.

Pure and thread-agnostic: no I/O, no shared state, so the UI thread or the print worker may call
it. The bytes are sent later by hardware.printer_connection (on the print queue's worker thread).

Why the code page is forced: python-escpos's default "magic" encoding picks a code page per
character and switches mid-text (ä in CP437, then ESC t 15 for €), which depends on the order of
the text and on what the profile lists. A receipt must come out the same every time, so we send
ESC @, then ESC t n for CP858 exactly once (CP850 plus €; n = 19 on Epson profiles) and encode
all text with it. A profile without CP858 gets CP1252 (umlauts and €: the ZJ-5870 has it as
n = 16), else CP437, where "€" is written "EUR". Characters the code page lacks are replaced
one-for-one where possible, so that the column layout done in pos_app.receipt stays aligned:
typography (… -> .), then a readable transliteration of letters (Ł -> L, ş -> s, ő -> o:
the base letter of the Unicode decomposition, or a small table for letters that have none);
only what has no Latin reading at all becomes "?".
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from escpos.constants import CODEPAGE_CHANGE, QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image

from pos_app.receipt import PAPER_80MM, BarcodeRow, CutRow, PaperWidth, QrRow, Row, TextRow

PREFERRED_CODEPAGE = "CP858"  # umlauts, ß and € (0xD5)
EURO_CODEPAGES = ("CP858", "CP1252")  # in this order; both have umlauts, ß and €
FALLBACK_CODEPAGE = "CP437"  # umlauts and ß, no € (written "EUR"); n = 0 on every profile
DOTS_PER_CHAR = 12  # font A is 12 dots wide at 180 and 203 dpi: 42 chars = 504 dots

# One character for one character, so the widths computed by the layout stay right.
_REPLACEMENTS = str.maketrans({
    "…": ".", "–": "-", "—": "-", "‚": ",", "‘": "'", "’": "'", "„": '"', "“": '"', "”": '"',
    "\u00a0": " ", "\u202f": " ", "\t": " ", "\r": " ", "\n": " ",
})


# Letters whose Unicode decomposition has no base letter, read the way a German reader would.
_LETTERS = {
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t",
    "Ø": "O", "ø": "o", "Æ": "A", "æ": "a", "Œ": "O", "œ": "o", "Þ": "T", "þ": "t", "ð": "d",
    "ĸ": "k", "ŉ": "n", "ſ": "s", "ß": "s",
}


@lru_cache(maxsize=4096)
def _readable(ch: str, encoding: str) -> str:
    """One character the code page has, for `ch`: itself, its base letter, or "?"."""
    try:
        ch.encode(encoding)
        return ch
    except UnicodeEncodeError:
        pass
    if ch == "€":
        return "E"  # only inside a word; whole "€" signs are replaced before (see _clean)
    for candidate in (unicodedata.normalize("NFKD", ch)[:1], _LETTERS.get(ch, "")):
        if candidate and not unicodedata.combining(candidate):
            try:
                candidate.encode(encoding)
                return candidate
            except UnicodeEncodeError:
                continue
    return "?"


def _clean(text: str, encoding: str = "cp858") -> str:
    """Map characters the code page lacks to readable ones and drop control characters, so that
    text from a product name can never smuggle an ESC/POS command (or a line break) into the
    receipt. Without € in the code page it is written "EUR" (the one replacement that is not
    one-for-one: € only appears in running text, never in the amount columns)."""
    text = text.translate(_REPLACEMENTS)
    if "€" in text:
        try:
            "€".encode(encoding)
        except UnicodeEncodeError:
            text = text.replace(" €", " EUR").replace("€", "EUR")
    return "".join(_readable(ch, encoding) if ord(ch) >= 0x20 and ch != "\x7f" else " " for ch in text)


def _new_printer(profile: str) -> Dummy:
    return Dummy(profile=profile)


def codepage_for(profile: str) -> tuple[str, int]:
    """The code page we force on this profile and its ESC t number (CP858, else CP1252, else
    CP437)."""
    pages = _new_printer(profile).profile.get_code_pages()
    for name in (*EURO_CODEPAGES, FALLBACK_CODEPAGE):
        if name in pages:
            return name, int(pages[name])
    raise ValueError(f"Druckerprofil {profile!r} kennt weder CP858 noch CP437.")


def _code128_data(data: str) -> str:
    """ESC/POS Code 128 wants the code set as a prefix ("{B"); a literal "{" is sent as "{{"."""
    ascii_only = "".join(ch if 0x20 <= ord(ch) < 0x7F else "?" for ch in data)
    return "{B" + ascii_only.replace("{", "{{")


def _code128_module_width(data: str, max_dots: int) -> int | None:
    """The widest module (3 or 2 dots) that keeps the symbol on the paper, None if none does:
    Epson printers silently skip a barcode that is wider than the printable area."""
    modules = 11 * (len(data) + 2) + 13  # start, data, check digit, stop (13)
    for width in (3, 2):
        if modules * width <= max_dots:
            return width
    return None


def _barcode(printer: Dummy, row: BarcodeRow, paper: PaperWidth) -> None:
    if not row.data:
        return
    code = _code128_data(row.data)
    width = _code128_module_width(row.data, paper.chars * DOTS_PER_CHAR)
    if not printer.profile.supports("barcodeB") or width is None or len(code) > 255:
        # Code 128 needs GS k function B and room on the paper; without them print the
        # number as text, so that it can still be typed in at a return.
        printer.set(align="center")
        printer.text(_clean(row.data) + "\n")
        printer.set(align="left")
        return
    # The public barcode(): with GS k function B in the profile (checked above) it renders in the
    # printer (GS k 73), never as a software image (python-escpos prints a note to stdout).
    printer.barcode(code, "CODE128", height=64, width=width, pos="BELOW", font="A", align_ct=True,
                    function_type="B", check=True, force_software=False)
    printer.set(align="left")  # barcode() leaves the alignment centred


def _qr_module_size(data: str, max_dots: int) -> int:
    """The largest module size (4, 3 or 2 dots) at which the QR code fits on the paper."""
    import qrcode  # python-escpos depends on it; only needed when a receipt has a QR code

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    modules = 17 + 4 * int(code.version)
    for size in (4, 3, 2):
        if modules * size <= max_dots:
            return size
    return 1


def _qr(printer: Dummy, row: QrRow, paper: PaperWidth) -> None:
    """The DSFinV-K QR code, rendered by the printer itself (GS ( k), centred; without native
    QR support python-escpos sends it as a raster image (GS v 0); a printer without graphics
    gets the QR code's text."""
    if not row.data:
        return
    # The payload goes in as UTF-8 bytes, unchanged (it is signed data: an umlaut in a
    # SonstigerVorgang's processData must survive); only control characters are dropped.
    data = "".join(ch for ch in row.data if ord(ch) >= 0x20 and ch != "\x7f")
    size = _qr_module_size(data, paper.chars * DOTS_PER_CHAR)
    if printer.profile.supports("qrCode"):
        printer.set(align="center")
        printer.qr(data, ec=QR_ECLEVEL_M, size=size, native=True)
        printer.text("\n")
        printer.set(align="left")
    elif printer.profile.supports("bitImageRaster"):
        printer.qr(data, ec=QR_ECLEVEL_M, size=size, native=False, center=True)
    else:  # an impact printer: no graphics at all; print the QR code's text instead
        width = paper.chars
        printer.text("QR-Code-Daten:\n")
        clean = _clean(data)
        for start in range(0, len(clean), width):
            printer.text(clean[start:start + width] + "\n")


def _text(printer: Dummy, row: TextRow, encoding: str = "cp858") -> None:
    align = row.align if row.align in ("left", "center", "right") else "left"
    style: dict[str, object] = {}
    if row.double:
        style.update(double_width=True, double_height=True)
    if row.bold:
        style["bold"] = True  # after the size: ESC ! (size) also switches bold off
    if align != "left":
        style["align"] = align
    if style:
        printer.set(**style)  # type: ignore[arg-type]
    printer.text(_clean(row.text, encoding) + "\n")
    # Back to the default style after every row, so one row never leaks into the next.
    if row.double:
        printer.set(normal_textsize=True)
    if row.bold:
        printer.set(bold=False)
    if align != "left":
        printer.set(align="left")


def drawer_kick_bytes(pin: int = 2) -> bytes:
    """ESC p m t1 t2: a 100 ms pulse on drawer pin 2 (m = 0) or pin 5 (m = 1)."""
    if pin not in (2, 5):
        raise ValueError("Die Kassenlade hängt an Pin 2 oder Pin 5.")
    printer = _new_printer("default")
    printer.cashdraw(pin)
    return printer.output


def load_logo(path: Path) -> Image.Image:
    """A logo file as a black-and-white image (dithered if it has greys). Raises OSError with
    the file's name when it cannot be read."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                white = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(white, image)
            return image.convert("1")
    except (OSError, ValueError) as exc:
        raise OSError(f"Logo {path.name} nicht lesbar: {exc}") from exc


def _logo(printer: Dummy, logo: Image.Image, max_dots: int) -> None:
    """The logo as one raster image (GS v 0), centred by padding it to the printable width:
    that works on every printer, unlike ESC a before an image."""
    image = logo
    if image.width > max_dots:
        height = max(1, round(image.height * max_dots / image.width))
        image = image.convert("L").resize((max_dots, height)).convert("1")
    padded = Image.new("1", (max_dots, image.height), 1)
    padded.paste(image, ((max_dots - image.width) // 2, 0))
    printer.image(padded, impl="bitImageRaster", center=False)


def render_escpos(rows: list[Row], profile: str = "TM-T88V", open_drawer: bool = False,
                  *, paper: PaperWidth = PAPER_80MM, logo: Image.Image | None = None,
                  logo_dots: int | None = None) -> bytes:
    """The whole print job for one receipt: ESC @, the drawer kick (if wanted; first, so the
    drawer opens while the receipt prints), ESC t <CP858>, the logo (if given), the rows, the cut.

    `paper` limits the barcode width (and the logo's, unless `logo_dots` says); the text was
    laid out for it by pos_app.receipt.
    """
    printer = _new_printer(profile)
    name, number = codepage_for(profile)
    printer.hw("INIT")  # also resets the printer's code page to 0: the ESC t must follow it
    if open_drawer:
        printer.cashdraw(2)
    # charcode() disables magic encoding: ESC t n once, then every text is encoded with `name`.
    printer.charcode(name)
    if not printer.output.endswith(CODEPAGE_CHANGE + bytes([number])):
        raise AssertionError(f"python-escpos did not select {name} (ESC t {number})")
    if logo is not None:
        _logo(printer, logo, logo_dots or paper.chars * DOTS_PER_CHAR)
    for row in rows:
        if isinstance(row, TextRow):
            _text(printer, row, name.lower())
        elif isinstance(row, BarcodeRow):
            _barcode(printer, row, paper)
        elif isinstance(row, QrRow):
            _qr(printer, row, paper)
        elif isinstance(row, CutRow):
            printer.cut()  # ESC d 6 (feed past the cutter), GS V 0
        else:
            raise TypeError(f"unknown receipt row: {row!r}")
    return printer.output


def test_page_rows(store_name: str = "Name der Filiale") -> list[Row]:
    """A short test page for the settings screen: code page, styles, barcode and cutter."""
    return [
        TextRow(store_name, align="center", bold=True),
        TextRow("Testdruck", align="center", double=True),
        TextRow(""),
        TextRow("Umlaute: ä ö ü Ä Ö Ü ß"),
        TextRow("Euro: 1,99 €"),
        TextRow("Rechtsbündig", align="right"),
        BarcodeRow("TEST-0001"),
        CutRow(),
    ]


test_page_rows.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
