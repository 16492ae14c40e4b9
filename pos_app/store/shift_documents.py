"""The receipts of a shift as the X/Z report needs them (pos_app.shift.ShiftDocument): this till's
sales and returns whose numbers lie in the shift's range. Sales and returns take their numbers
from one device counter (`devices.last_receipt_no`), so the range is exact for both; a return
keeps only its number text, whose counter part is read back in SQL (`return_no`).

Thread: any; runs inside the caller's session.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from pos_app.shift import ShiftDocument
from pos_app.store.models import Sale, SaleLine, SaleTender, Shift
from pos_app.store.returns_models import Return, ReturnLine, ReturnTender


def return_no(device_id: str) -> Any:
    """A return's place in the till's receipt sequence: its number is the device id, "-" and
    the counter (pos_app.store.sales.receipt_number_for), taken from the same counter as sales."""
    return cast(func.substr(Return.return_number, len(device_id) + 2), Integer)


def shift_documents(s: Session, device_id: str, row: Shift) -> list[ShiftDocument]:
    """The shift's receipts, sales and returns in number order."""
    docs = [(no, d) for no, d in _sale_documents(s, device_id, row)] + _return_documents(s, device_id, row)
    return [d for _no, d in sorted(docs, key=lambda pair: pair[0])]


def _return_documents(s: Session, device_id: str, row: Shift) -> list[tuple[int, ShiftDocument]]:
    """Returns of the shift (same number range as sales), with negative amounts."""
    number = return_no(device_id)
    cond = [Return.device_id == device_id, number > row.receipt_no_from]
    if row.receipt_no_to is not None:
        cond.append(number <= row.receipt_no_to)
    heads = s.execute(select(Return.id, number, Return.return_number, Return.total_cents).where(*cond)).all()
    if not heads:
        return []
    ids = [h[0] for h in heads]
    gross: dict[str, dict[int, int]] = {}
    for return_id, vat, cents in s.execute(select(ReturnLine.return_id, ReturnLine.vat_percent,
                                                  ReturnLine.refund_cents).where(ReturnLine.return_id.in_(ids))):
        gross.setdefault(return_id, {})
        gross[return_id][vat] = gross[return_id].get(vat, 0) - cents
    tenders: dict[str, list[tuple[str, int]]] = {}
    for return_id, kind, cents in s.execute(select(ReturnTender.return_id, ReturnTender.kind,
                                                   ReturnTender.amount_cents)
                                            .where(ReturnTender.return_id.in_(ids)).order_by(ReturnTender.seq)):
        tenders.setdefault(return_id, []).append((kind, -cents))
    return [(int(no), ShiftDocument(kind="return", receipt_number=number_text, total_cents=-total,
                                    tenders=tuple(tenders.get(return_id, [])),
                                    gross_by_vat=tuple(sorted(gross.get(return_id, {}).items()))))
            for return_id, no, number_text, total in heads]


def _sale_documents(s: Session, device_id: str, row: Shift) -> list[tuple[int, ShiftDocument]]:
    """The shift's sales: this till's receipt numbers after the one current at opening."""
    cond = [Sale.device_id == device_id, Sale.receipt_no > row.receipt_no_from]
    if row.receipt_no_to is not None:
        cond.append(Sale.receipt_no <= row.receipt_no_to)
    sales = s.execute(select(Sale.id, Sale.receipt_no, Sale.receipt_number, Sale.total_cents, Sale.cart_discount_cents)
                      .where(*cond).order_by(Sale.receipt_no)).all()
    if not sales:
        return []
    first, last = sales[0].receipt_no, sales[-1].receipt_no
    in_range = (Sale.device_id == device_id, Sale.receipt_no >= first, Sale.receipt_no <= last)
    lines: dict[str, list[tuple[int, int, int, bool]]] = {}
    for sale_id, vat, total, discount, override in s.execute(
            select(SaleLine.sale_id, SaleLine.vat_percent, SaleLine.total_cents, SaleLine.line_discount_cents,
                   SaleLine.override_reason != "").join(Sale, Sale.id == SaleLine.sale_id).where(*in_range)):
        lines.setdefault(sale_id, []).append((vat, total, discount, bool(override)))
    tenders: dict[str, list[tuple[str, int]]] = {}
    for sale_id, kind, amount in s.execute(
            select(SaleTender.sale_id, SaleTender.kind, SaleTender.amount_cents)
            .join(Sale, Sale.id == SaleTender.sale_id).where(*in_range).order_by(SaleTender.seq)):
        tenders.setdefault(sale_id, []).append((kind, amount))
    docs = []
    for sale in sales:
        own = lines.get(sale.id, [])
        gross: dict[int, int] = {}
        for vat, total, _discount, _override in own:
            gross[vat] = gross.get(vat, 0) + total
        docs.append((sale.receipt_no, ShiftDocument(
            kind="sale", receipt_number=sale.receipt_number,
            total_cents=sale.total_cents, tenders=tuple(tenders.get(sale.id, [])),
            gross_by_vat=tuple(sorted(gross.items())),
            line_discount_cents=sum(d for _v, _t, d, _o in own), line_discounts=sum(1 for _v, _t, d, _o in own if d),
            cart_discount_cents=sale.cart_discount_cents, price_overrides=sum(1 for *_x, o in own if o))))
    return docs
