"""The X and Z report laid out in rows of characters, like a receipt (pos_app.receipt): the
same rows go to the printer (hardware.receipt_printer.render_escpos) and to the on-screen
preview, so both show the same thing.

Thread: any (pure).
"""
from __future__ import annotations

import re

from pos_app.plural import count_text
from pos_app.card_terminal import TerminalDay
from pos_app.clock import local_display
from pos_app.money import format_euro
from pos_app.receipt import (PAPER_80MM, BarcodeRow, CutRow, PaperWidth, Row, TextRow, pair_lines, two_columns, vat_lines,
                             wrap, wrap_indented)
from pos_app.shift import CountAmount, MovementKind, ShiftReport


def _euro(cents: int) -> str:
    return format_euro(cents, symbol=False)


def terminal_rows(day: TerminalDay, card_cents: int, w: int) -> list[Row]:
    """The card terminal's end-of-day (Kassenschnitt) in the Z report, beside what the till
    booked as card tenders, so a difference shows on paper."""
    rows: list[Row] = [TextRow("-" * w), TextRow("Kartenterminal (Kassenschnitt)", bold=True)]
    if not day.ok:
        rows += [TextRow(part) for part in wrap(f"Kassenschnitt fehlgeschlagen: {day.message}", w)]
        return rows
    for scheme, count, cents in day.schemes:
        rows += [TextRow(line) for line in pair_lines(f"  {scheme} ({count})", _euro(cents), w)]
    rows += [TextRow(line, bold=True) for line in pair_lines("  Summe Terminal", _euro(day.total_cents), w)]
    rows += [TextRow(line) for line in pair_lines("  Karte laut Kasse", _euro(card_cents), w)]
    if card_cents != day.total_cents:
        rows += [TextRow(line, bold=True) for line in pair_lines("  Differenz Karte", _euro(day.total_cents - card_cents), w)]
    return rows


def report_rows(report: ShiftReport, paper: PaperWidth = PAPER_80MM, *, copy: bool = False,
                terminal: TerminalDay | None = None) -> list[Row]:
    w = paper.chars
    rows: list[Row] = []

    def text(value: str = "", **style: bool | str) -> None:
        rows.append(TextRow(value, **style))  # type: ignore[arg-type]

    def pair(left: str, right: str, **style: bool | str) -> None:
        width = w // 2 if style.get("double") else w
        for line in pair_lines(left, right, width):  # wrapped, never cut
            rows.append(TextRow(line, **style))  # type: ignore[arg-type]

    def count(label: str, value: CountAmount) -> None:
        pair(f"{label} ({value.count})", _euro(value.amount_cents))

    text(report.store_name, align="center", bold=True)
    title = f"Z-BON Nr. {report.z_number}" if report.is_z else "X-BERICHT (Zwischenbericht)"
    text(title, align="center", bold=True, double=report.is_z)
    if copy:
        text("*** KOPIE ***", align="center", bold=True)
    text()
    pair(f"Kasse {report.device_id}", local_display(report.as_of))
    pair("Geöffnet", f"{local_display(report.opened_at)} {report.opened_by}")
    if report.is_z:
        pair("Abgeschlossen von", report.closed_by)
    if report.first_receipt:
        pair("Bons", f"{report.first_receipt[-6:]} - {report.last_receipt[-6:]}")
    rows.append(TextRow("-" * w))
    count("Umsatz", report.sales)
    count("Retouren", report.returns)
    pair("SUMME", _euro(report.total_cents), bold=True)
    rows.append(TextRow("-" * w))
    text("Zahlarten", bold=True)
    for t in report.tenders:
        pair(f"  {t.label} ({t.count})", _euro(t.amount_cents))
    if not report.tenders:
        text("  keine")
    if report.vouchers_issued.count or report.vouchers_redeemed.count:
        text("Gutscheine (kein Bargeld)", bold=True)
        count("  ausgegeben", report.vouchers_issued)
        count("  eingelöst", report.vouchers_redeemed)
    vat = [(f"  {v.percent}%", _euro(v.net_cents), _euro(v.vat_cents), _euro(v.gross_cents)) for v in report.vat]
    for i, line in enumerate(vat_lines("MwSt-Sätze", vat, w)):
        text(line, bold=i == 0)
    rows.append(TextRow("-" * w))
    count("Positionsrabatte", report.line_discounts)
    count("Bon-Rabatte", report.cart_discounts)
    pair("Preisänderungen", str(report.price_overrides))
    count("Stornierte Bons", report.voids)
    rows.append(TextRow("-" * w))
    text("Bargeld", bold=True)
    cash = report.cash
    pair("  Anfangsbestand", _euro(cash.float_cents))
    pair("  Bar-Umsatz (nach Erstattungen)" if report.returns.count else "  Bar-Umsatz",
         _euro(cash.cash_tenders_cents))
    pair("  Einlagen", _euro(cash.paid_in_cents))
    pair("  Entnahmen", _euro(-cash.paid_out_cents))
    pair("  Abschöpfungen (Tresor)", _euro(-cash.drops_cents))
    pair("  SOLL-Bestand", _euro(cash.expected_cents), bold=True)
    if cash.counted_cents is not None and cash.difference_cents is not None:
        pair("  IST-Bestand (gezählt)", _euro(cash.counted_cents), bold=True)
        diff = cash.difference_cents
        label = "Überschuss" if diff > 0 else "Fehlbetrag" if diff < 0 else "Differenz"
        pair(f"  {label}", ("+" if diff > 0 else "") + _euro(diff), bold=True)
    if report.movements:
        rows.append(TextRow("-" * w))
        text("Ein- und Auszahlungen", bold=True)
        for m in report.movements:
            sign = 1 if m.kind == MovementKind.PAID_IN.value else -1
            pair(f"  {local_display(m.created_at)[-5:]} {m.business_case}", _euro(sign * m.amount_cents))
            if m.note:
                for part in wrap_indented(f"    {m.note}", w):
                    text(part)
    if terminal is not None:
        rows += terminal_rows(terminal, sum(t.amount_cents for t in report.tenders if t.kind == "card"), w)
    if report.pending_events:
        rows.append(TextRow("-" * w))
        for part in wrap(count_text(report.pending_events, "Achtung: 1 Vorgang noch nicht an die Zentrale übertragen.",
                                  "Achtung: {count} Vorgänge noch nicht an die Zentrale übertragen."), w):
            text(part)
    text()
    if report.is_z:
        rows.append(BarcodeRow(f"Z-{report.device_id}-{report.z_number}"))
    rows.append(CutRow())
    return rows


def rows_text(rows: list[Row], paper: PaperWidth = PAPER_80MM) -> str:
    """Rows as plain text, as they will look on paper (the on-screen preview)."""
    w = paper.chars
    lines = []
    for row in rows:
        if isinstance(row, TextRow):
            value = row.text
            if row.double:
                parts = re.split(r"\s{2,}", value.strip())
                value = two_columns(parts[0], parts[-1], w) if len(parts) == 2 else value
            if row.align == "center":
                value = value.center(w).rstrip()
            elif row.align == "right":
                value = value.rjust(w)
            lines.append(value)
        elif isinstance(row, BarcodeRow):
            lines.append(f"||| {row.data} |||".center(w).rstrip())
        else:
            lines.append("- " * (w // 2))
    return "\n".join(lines)
