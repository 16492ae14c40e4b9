"""What click and collect prints: the pickup slip / bag label (with the order's QR code, which
the till scans at the handover) and the handover receipt. Rows for pos_app.receipt's printer
pipeline (ESC/POS in hardware.receipt_printer). Qt-free; any thread."""
from __future__ import annotations

from datetime import datetime

from pos_app.clock import local_display
from pos_app.money import format_euro
from pos_app.pickups import HandoverResult, PickupOrder
from pos_app.receipt import CutRow, PaperWidth, QrRow, Row, TextRow, two_columns


def slip_rows(order: PickupOrder, store_name: str, paper: PaperWidth) -> list[Row]:
    """The bag label: who, what, until when, and the QR code of the order."""
    w = paper.chars
    what = "RESERVIERUNG" if order.kind == "reservation" else "ABHOLAUFTRAG"
    rows: list[Row] = [TextRow(what, "center", bold=True, double=True), TextRow(order.number, "center", bold=True),
                       TextRow(store_name, "center"), TextRow("-" * w),
                       TextRow(two_columns("Kunde:", order.customer_name, w))]
    if order.second_person:
        rows.append(TextRow(two_columns("Auch:", order.second_person, w)))
    rows.append(TextRow(two_columns("Abholen bis:", local_display(order.pickup_by), w)))
    rows.append(TextRow(two_columns("Zahlung:", {"prepaid": "bezahlt", "in_store": "im Laden",
                                                 "none": "bei Abholung"}.get(order.payment, order.payment), w)))
    rows.append(TextRow("-" * w))
    for ln in order.lines:
        rows.append(TextRow(two_columns(f"{ln.held} x {ln.name}", ln.sku, w)))
    rows += [TextRow("-" * w), QrRow(order.qr_payload), TextRow(order.qr_payload, "center"), CutRow()]
    return rows


def handover_rows(order: PickupOrder, result: HandoverResult, collector: str, store_name: str,
                  paper: PaperWidth, when: datetime) -> list[Row]:
    """The customer's receipt for the goods handed over (and what was refused)."""
    w = paper.chars
    rows: list[Row] = [TextRow(store_name, "center", bold=True), TextRow("ÜBERGABE ABHOLAUFTRAG", "center", bold=True),
                       TextRow(two_columns("Auftrag:", order.number, w)),
                       TextRow(two_columns("Datum:", local_display(when), w)),
                       TextRow(two_columns("Abgeholt von:", collector, w)), TextRow("-" * w)]
    for ln in order.lines:
        got = result.collected.get(ln.line_no, 0)
        rows.append(TextRow(two_columns(f"{got} x {ln.name}", format_euro(got * ln.unit_price_cents), w)))
        if ln.held - got:
            rows.append(TextRow(f"  zurückgewiesen: {ln.held - got}"))
        if ln.short_quantity:
            rows.append(TextRow(f"  nicht lieferbar: {ln.short_quantity}"))
    rows.append(TextRow("-" * w))
    if result.refused_cents and order.payment == "prepaid":
        rows.append(TextRow(two_columns("Erstattung (online):", format_euro(result.refused_cents), w), bold=True))
    rows += [TextRow("Vielen Dank für Ihren Einkauf!", "center"), CutRow()]
    return rows
