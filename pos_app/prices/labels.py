"""Shelf labels: what one label shows (name, price, Grundpreis, the lowest price of the last 30
days when the price is reduced, the EAN-13 barcode) as printer rows, for one product or a whole
list (a promotion, the day's price changes). hardware.label_printer turns the rows into ESC/POS
bytes for the receipt printer (or a label printer that speaks ESC/POS).

Label texts are plain German literals (the store's legal language, like receipts).
Thread: any; no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pos_app.gtin import check_digit
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.prices.lowest_price import lowest_price_text
from pos_app.prices.unit_price import ContentError, unit_price
from pos_app.receipt import PAPER_80MM, BarcodeRow, CutRow, PaperWidth, Row, TextRow, two_columns


@dataclass(frozen=True)
class Ean13Row:
    """An EAN-13 barcode (13 digits, a valid check digit): the till scans it like the product's."""

    digits: str


LabelRow = Row | Ean13Row


@dataclass(frozen=True)
class ShelfLabel:
    name: str
    sku: str
    price_cents: int
    barcode: str = ""  # the product's primary code; EAN-13 printed as such, others as Code 128
    content_amount: int | None = None  # net content for the Grundpreis (pos_app.prices.unit_price)
    content_unit: str | None = None
    per_100: bool = False
    before_cents: int | None = None  # the price before a reduction (struck through in words)
    lowest_30_days_cents: int | None = None  # § 11 PAngV, needed whenever before_cents is set


def is_ean13(code: str) -> bool:
    return len(code) == 13 and code.isascii() and code.isdigit() and check_digit(code[:12]) == int(code[12])


def unit_price_text(label: ShelfLabel) -> str | None:
    """The Grundpreis line, None when there is no content or it equals the price."""
    if label.content_amount is None or label.content_unit is None:
        return None
    try:
        up = unit_price(label.price_cents, label.content_amount, label.content_unit, label.per_100)
    except ContentError:
        return None  # a product with a broken content prints without a Grundpreis rather than not at all
    return None if up.same_as_price else f"Grundpreis {up.text}"


def label_rows(label: ShelfLabel, paper: PaperWidth = PAPER_80MM) -> list[LabelRow]:
    """One label, ending with a cut. A reduction without the lowest 30-day price is refused:
    § 11 PAngV does not allow showing the old price without it."""
    reduced = label.before_cents is not None and label.before_cents > label.price_cents
    if reduced and label.lowest_30_days_cents is None:
        raise ValueError(t("{sku}: ein reduzierter Preis braucht den niedrigsten Preis der letzten 30 Tage",
                           sku=label.sku))
    w = paper.chars
    rows: list[LabelRow] = [TextRow(label.name[:w], "left", bold=True)]
    if reduced:
        assert label.before_cents is not None and label.lowest_30_days_cents is not None
        rows.append(TextRow(two_columns("statt", format_euro(label.before_cents), w)))
    rows.append(TextRow(format_euro(label.price_cents), "right", bold=True, double=True))
    if (unit := unit_price_text(label)) is not None:
        rows.append(TextRow(unit, "right"))
    if label.lowest_30_days_cents is not None:  # reduced (the feed says so even without the old price)
        text = lowest_price_text(label.lowest_30_days_cents)
        if len(text) <= w:
            rows.append(TextRow(text))
        else:  # 58 mm and 80 mm paper: the words on one line, the amount right below, never cut
            words, amount = text.rsplit(": ", 1)
            rows += [TextRow(words + ":"), TextRow(amount, "right")]
    if is_ean13(label.barcode):
        rows.append(Ean13Row(label.barcode))
    elif label.barcode:
        rows.append(BarcodeRow(label.barcode))
    rows.append(TextRow(two_columns("Art.-Nr.", label.sku, w)))
    rows.append(CutRow())
    return rows


def label_sheet(labels: Sequence[ShelfLabel], paper: PaperWidth = PAPER_80MM) -> list[LabelRow]:
    """Many labels in one print job (a promotion's or a price change list), one cut each."""
    rows: list[LabelRow] = []
    for label in labels:
        rows += label_rows(label, paper)
    return rows
