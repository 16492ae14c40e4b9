"""Shelf labels as ESC/POS bytes: pos_app.prices.labels' rows on the receipt printer (or an
ESC/POS label printer). The text rows, Code 128 and cut go through hardware.receipt_printer's
own renderer; an EAN-13 is sent as GS k 67 (function B, 12 digits: the printer adds the check
digit, which pos_app.prices.labels already checked) so that a shelf scanner reads the same code
as the product's.

Thread: the print queue's worker (pure function, no I/O).
"""
from __future__ import annotations

from collections.abc import Sequence

from hardware.receipt_printer import render_escpos
from pos_app.prices.labels import Ean13Row, LabelRow
from pos_app.receipt import PAPER_80MM, PaperWidth, Row

GS, LF = b"\x1d", b"\n"
EAN13_MODULES = 95


def _ean13_bytes(row: Ean13Row, paper: PaperWidth) -> bytes:
    """Centred, HRI below, 64 dots high; module width 3 (285 dots) or 2 on narrow paper."""
    width = 3 if EAN13_MODULES * 3 <= paper.chars * 12 else 2
    digits = row.digits[:12].encode("ascii")
    return (b"\x1ba\x01" + GS + b"h\x40" + GS + b"w" + bytes([width]) + GS + b"H\x02" + GS + b"f\x00"
            + GS + b"k\x43" + bytes([len(digits)]) + digits + b"\x1ba\x00")


def render_labels(rows: Sequence[LabelRow], profile: str = "TM-T88V", *, paper: PaperWidth = PAPER_80MM) -> bytes:
    """One print job: the receipt renderer's init and code page once, then the rows; runs of
    ordinary rows are rendered by hardware.receipt_printer (their own init taken off), the
    EAN-13s spliced in between."""
    prefix = render_escpos([], profile, paper=paper)  # ESC @, ESC t n: the same for every run
    out = bytearray(prefix)
    run: list[Row] = []

    def flush() -> None:
        if run:
            data = render_escpos(list(run), profile, paper=paper)
            if not data.startswith(prefix):
                raise AssertionError("the receipt renderer's job no longer starts with its init")
            out.extend(data[len(prefix):])
            run.clear()

    for row in rows:
        if isinstance(row, Ean13Row):
            flush()
            out.extend(_ean13_bytes(row, paper))
        else:
            run.append(row)
    flush()
    return bytes(out)
