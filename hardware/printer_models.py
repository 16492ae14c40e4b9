"""Which printer is this: the python-escpos capability profile chosen in the settings decides
the line width the receipt is laid out for and how wide the logo may be.

The profiles come from python-escpos' printer database (font A columns, media width in dots).
The models offered on the devices screen are the common ones in small shops; any other profile
name from the database works too. `[printer] columns` overrides the width (a 80 mm printer set
to 42 columns by its DIP switches, for example).

Pure and thread-agnostic.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hardware.keyboard_layout import LAYOUT_TEST_CODE
from hardware.printer_connection import describe
from hardware.receipt_printer import test_page_rows
from pos_app.config import PrinterSettings
from pos_app.receipt import BarcodeRow, PaperWidth, Row, TextRow


@dataclass(frozen=True)
class PrinterModel:
    profile: str  # python-escpos profile name
    label: str  # for the devices screen
    paper: str  # "80mm" | "58mm"
    columns: int  # font A characters per line
    dots: int  # printable width in dots (raster images)


MODELS = (
    PrinterModel("TM-T88V", "Epson TM-T88V (80 mm, 42 Zeichen)", "80mm", 42, 512),
    PrinterModel("TM-T88IV", "Epson TM-T88IV (80 mm, 42 Zeichen)", "80mm", 42, 512),
    PrinterModel("TM-T20II", "Epson TM-T20II (80 mm, 48 Zeichen)", "80mm", 48, 576),
    PrinterModel("TM-T20II-42col", "Epson TM-T20II, 42-Zeichen-Modus (80 mm)", "80mm", 42, 546),
    PrinterModel("POS-5890", "POS-5890 (58 mm, 32 Zeichen)", "58mm", 32, 384),
    PrinterModel("ZJ-5870", "Zjiang ZJ-5870 (58 mm, 32 Zeichen)", "58mm", 32, 384),
)
DOTS_PER_CHAR = 12  # font A


@lru_cache(maxsize=64)
def _profile_facts(profile: str) -> tuple[int | None, int | None, float | None]:
    """(columns, dots, mm) from python-escpos' database; None where it says "Unknown"."""
    from escpos.printer import Dummy

    data = Dummy(profile=profile).profile.profile_data
    columns = data.get("fonts", {}).get("0", {}).get("columns")
    width = data.get("media", {}).get("width", {})

    def number(value: object) -> float | None:
        return float(value) if isinstance(value, (int, float)) else None

    dots, mm = number(width.get("pixels")), number(width.get("mm"))
    return (int(columns) if isinstance(columns, int) else None, int(dots) if dots else None, mm)


def model(profile: str) -> PrinterModel:
    """The model for a profile: from the list above, else from the profile database."""
    for known in MODELS:
        if known.profile == profile:
            return known
    columns, dots, mm = _profile_facts(profile)  # raises for an unknown profile name
    paper = "58mm" if mm is not None and mm < 60 else "80mm"
    columns = columns if columns and columns >= 24 else (32 if paper == "58mm" else 42)
    return PrinterModel(profile, profile, paper, columns, dots or columns * DOTS_PER_CHAR)


def known_profile(profile: str) -> bool:
    try:
        model(profile)
    except Exception:  # python-escpos raises its own NotSupported / KeyError
        return False
    return True


def _model_or_guess(settings: PrinterSettings) -> PrinterModel:
    """An unknown profile name must not stop the till from starting: guess from `paper` (the
    print job itself then reports the bad profile to the cashier)."""
    try:
        return model(settings.profile)
    except Exception:  # python-escpos: NotSupported / KeyError for an unknown name
        columns = 32 if settings.paper == "58mm" else 42
        return PrinterModel(settings.profile, settings.profile, settings.paper, columns, columns * DOTS_PER_CHAR)


def paper_for(settings: PrinterSettings) -> PaperWidth:
    """The width the receipt is laid out for: `columns` if set, else the profile's. 58 mm
    paper set in the settings wins over an 80 mm profile (a narrow roll in a wide printer)."""
    found = _model_or_guess(settings)
    if settings.paper == "58mm" and found.paper != "58mm":
        return PaperWidth("58mm", settings.columns or 32)
    return PaperWidth(found.paper, settings.columns or found.columns)


def logo_dots(settings: PrinterSettings) -> int:
    """How wide a raster image may be on this printer."""
    found = _model_or_guess(settings)
    return min(found.dots, paper_for(settings).chars * DOTS_PER_CHAR) if settings.columns else found.dots


def test_page_for(settings: PrinterSettings, store_name: str, note: str = "") -> list[Row]:
    """The test page (Strg+T, devices screen): model, line width with a ruler, connection,
    code page, styles, the receipt barcode, the scanner's keyboard-layout test code, cutter."""
    found = _model_or_guess(settings)
    paper = paper_for(settings)
    rows = test_page_rows(store_name)
    ruler = ("1234567890" * 7)[:paper.chars]
    rows[3:3] = [TextRow(f"Drucker: {found.label}"[:paper.chars]),
                 TextRow(f"Papier {paper.name}, {paper.chars} Zeichen je Zeile:"[:paper.chars]),
                 TextRow(ruler), TextRow(describe(settings)[:paper.chars])]
    if note:
        rows.insert(3, TextRow(note[:paper.chars]))
    rows.insert(-1, TextRow("Scanner-Test (Tastaturbelegung):", align="center"))
    rows.insert(-1, BarcodeRow(LAYOUT_TEST_CODE))
    return rows


test_page_for.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
