"""The till's own Z reports as the DSFinV-K export's cash closings: every `DayClosing` the cash
book keeps (pos_app.store.cashbook.list_closings) becomes a `CashClosing` with the totals the Z
report printed, so the export reconciles its receipts against what the manager signed off.

The export needs every closing of the till (a closing's period starts after the previous one),
so all are read; `export` picks those of the date range. A till's closings are a few hundred a
year: one short read.
Thread: a worker (with the export), or any: one read transaction.
"""
from __future__ import annotations

from pos_app.clock import parse_iso
from pos_app.fiscal.dsfinvk.closing import CashClosing
from pos_app.shift import MovementKind
from pos_app.store.cashbook import DayClosing, list_closings
from pos_app.store.local import LocalStore


def closing_of(day: DayClosing) -> CashClosing:
    """One Z report as a CashClosing (tenders and VAT rates that net to zero are left out, such
    as an exchange's credit, which the return gives and the new sale takes)."""
    movements: dict[str, int] = {}
    for m in day.movements:
        movements[m.business_case] = movements.get(m.business_case, 0) + MovementKind(m.kind).sign * m.amount_cents
    return CashClosing(
        z_number=day.z_number, device_id=day.device_id, closed_at=parse_iso(day.closed_at),
        totals_by_tender={t.kind: t.amount_cents for t in day.tenders if t.amount_cents},
        totals_by_vat={v.percent: v.gross_cents for v in day.vat if v.gross_cents},
        cash_expected_cents=day.cash_expected_cents, cash_counted_cents=day.cash_counted_cents,
        opened_at=parse_iso(day.opened_at), cash_movements=movements)


def closings_from_store(store: LocalStore) -> list[CashClosing]:
    """Every Z closing of this till, in Z number order."""
    return [closing_of(day) for day in list_closings(store)]
