"""The DSFinV-K single recordings of what is not a sale: returns and cash moved outside a sale.

- A return is a Bonkopf of BON_TYP "Beleg" with negative amounts (Bonpos lines of GV_TYP
  "Umsatz" with a negative quantity, their VAT, the refund per tender in Bonkopf_Zahlarten) and a
  Bon_Referenzen row to what it took back: REF_TYP "Transaktion" to the original sale (its till,
  its Z number when this till closed it, its BON_ID = the sale id) or "ExterneSonstige" naming
  the web order. An exchange's new sale references its return the same way.
- A paid in / paid out / drop is a Bonkopf "Beleg" with one Bonpos line whose GV_TYP is its
  business case (Einzahlung, Auszahlung, Geldtransit, Privatentnahme, ...), not taxable
  (UST_SCHLUESSEL 5), paid "Bar"; BON_ID "BEWEGUNG-<id>", no BON_NR (movements take no receipt
  number), BON_NOTIZ its note.
Both carry their TSE transaction (tse_transactions.reference "return:<id>" / "cash:<id>").

Thread: the export's worker; every function runs inside the export's read session.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_app.clock import parse_iso
from pos_app.fiscal.dsfinvk import spec
from pos_app.fiscal.dsfinvk.writer import cents, number
from pos_app.fiscal.tse import parse_qr_time
from pos_app.shift import BusinessCase, MovementKind
from pos_app.store.fiscal_models import TseTransaction
from pos_app.store.models import CashMovement, Sale, Shift
from pos_app.store.returns_models import Return, ReturnLine, ReturnTender

RETURN_REF, CASH_REF = "return", "cash"


@dataclass(frozen=True)
class Helpers:
    """What the export already knows how to write (passed in, so the rules stay in one place)."""

    local: Callable[[Any], str]  # a datetime as the export's local time text
    key: Callable[[int], int]  # VAT percent -> UST_SCHLUESSEL
    vat: Callable[[int, int], int]  # (percent, gross) -> VAT cents
    tender_type: Callable[[str], tuple[str, str]]  # tender kind -> (ZAHLART_TYP, ZAHLART_NAME)
    tse_row: Callable[[TseTransaction], list[Any]]


def in_period(s: Session, device_id: str, closed_at: str, lower: str | None
              ) -> tuple[list[Return], list[CashMovement], dict[str, TseTransaction]]:
    """This till's returns and cash movements of a closing's period, and their TSE rows."""
    rq = select(Return).where(Return.device_id == device_id, Return.created_at <= closed_at)
    mq = select(CashMovement).where(CashMovement.device_id == device_id, CashMovement.created_at <= closed_at)
    if lower is not None:
        rq, mq = rq.where(Return.created_at > lower), mq.where(CashMovement.created_at > lower)
    returns = list(s.execute(rq.order_by(Return.created_at, Return.return_number)).scalars())
    moves = list(s.execute(mq.order_by(CashMovement.id)).scalars())
    refs = [f"{RETURN_REF}:{r.id}" for r in returns] + [f"{CASH_REF}:{m.id}" for m in moves]
    tse = {row.reference: row for row in s.execute(select(TseTransaction).where(
        TseTransaction.device_id == device_id, TseTransaction.reference.in_(refs))).scalars()} if refs else {}
    return returns, moves, tse


def _times(fiscal: TseTransaction | None, created_at: str) -> tuple[Any, Any]:
    if fiscal is not None and fiscal.status == "signed" and fiscal.start and fiscal.end:
        return parse_qr_time(fiscal.start), parse_qr_time(fiscal.end)
    return parse_iso(created_at), parse_iso(created_at)


def _z_of_sale(s: Session, sale: Sale) -> int | None:
    return s.execute(select(Shift.z_number).where(
        Shift.device_id == sale.device_id, Shift.receipt_no_from < sale.receipt_no,
        Shift.receipt_no_to >= sale.receipt_no, Shift.z_number.is_not(None))).scalar()


def write_returns(s: Session, z: list[Any], returns: Sequence[Return], tse: dict[str, TseTransaction],
                  rows: dict[spec.Table, list[list[Any]]], sums: dict[str, Any], h: Helpers) -> None:
    ids = [r.id for r in returns]
    lines: dict[str, list[ReturnLine]] = {}
    tenders: dict[str, list[ReturnTender]] = {}
    if ids:
        for line in s.execute(select(ReturnLine).where(ReturnLine.return_id.in_(ids))
                              .order_by(ReturnLine.return_id, ReturnLine.line_no)).scalars():
            lines.setdefault(line.return_id, []).append(line)
        for tender in s.execute(select(ReturnTender).where(ReturnTender.return_id.in_(ids))
                                .order_by(ReturnTender.return_id, ReturnTender.seq)).scalars():
            tenders.setdefault(tender.return_id, []).append(tender)
    for ret in returns:
        bon = z + [ret.id]
        by_vat: dict[int, int] = {}
        for line in lines.get(ret.id, []):
            key, gross = h.key(line.vat_percent), -line.refund_cents
            vat = h.vat(line.vat_percent, gross)
            by_vat[line.vat_percent] = by_vat.get(line.vat_percent, 0) + gross
            unit = Decimal(line.refund_cents) / 100 / line.quantity
            rows[spec.BONPOS].append(bon + [
                str(line.line_no), "", line.name, ret.device_id, "Umsatz", "", 0, 0, 0, line.sku, "", "", "",
                cents(-line.quantity * 100, 3), "1.000", "Stück", number(unit, 5)])
            rows[spec.BONPOS_UST].append(bon + [str(line.line_no), key, cents(gross, 5), cents(gross - vat, 5),
                                                cents(vat, 5)])
            rows[spec.BONPOS_PREISFINDUNG].append(bon + [str(line.line_no), "base_amount", key, cents(gross, 5),
                                                         cents(gross - vat, 5), cents(vat, 5)])
        fiscal = tse.get(f"{RETURN_REF}:{ret.id}")
        start, end = _times(fiscal, ret.created_at)
        note = f"Rücknahme zu {ret.original_number}" if ret.original_number else "Rücknahme ohne Beleg"
        rows[spec.BONKOPF].append(bon + [
            int(ret.return_number.rsplit("-", 1)[-1]), "Beleg", "", ret.device_id, 0, h.local(start), h.local(end),
            str(ret.cashier_id), ret.cashier_name, cents(-ret.total_cents), "", "", "", "", "", "", "", "", note])
        for percent in sorted(by_vat, key=h.key):
            gross = by_vat[percent]
            vat = h.vat(percent, gross)
            rows[spec.BONKOPF_UST].append(bon + [h.key(percent), cents(gross, 5), cents(gross - vat, 5),
                                                 cents(vat, 5)])
            sums["by_vat"][percent] += gross
        paid: dict[str, int] = {}
        for tender in tenders.get(ret.id, []):
            paid[tender.kind] = paid.get(tender.kind, 0) - tender.amount_cents
        for kind in sorted(paid):
            kind_type, kind_name = h.tender_type(kind)
            rows[spec.BONKOPF_ZAHLARTEN].append(bon + [kind_type, kind_name, "", None, cents(paid[kind])])
            sums["by_tender"][kind] += paid[kind]
        sums["gross"] -= ret.total_cents
        _reference(s, bon, ret, rows, h)
        if fiscal is not None:
            rows[spec.TSE_TRANSAKTIONEN].append(bon + h.tse_row(fiscal))


def _reference(s: Session, bon: list[Any], ret: Return, rows: dict[spec.Table, list[list[Any]]], h: Helpers) -> None:
    """Bon_Referenzen: the return to what it took back; an exchange's new sale to its return."""
    if ret.original_kind == "sale" and ret.original_id:
        sale = s.get(Sale, ret.original_id)
        if sale is not None:  # this store file knows it: its till, day and Z number
            rows[spec.BON_REFERENZEN].append(bon + [
                "", "Transaktion", "", h.local(parse_iso(sale.created_at)), sale.device_id, _z_of_sale(s, sale),
                sale.id])
        else:  # another till's or store's sale, known from the center: its till from its number
            device = (ret.original_number or "").rsplit("-", 1)[0]
            rows[spec.BON_REFERENZEN].append(bon + ["", "Transaktion", ret.original_number or "", "", device, None,
                                                    ret.original_id])
    elif ret.original_kind == "order":
        rows[spec.BON_REFERENZEN].append(bon + ["", "ExterneSonstige", f"Online-Bestellung {ret.original_number}",
                                                "", "", None, ""])
    if ret.exchange_sale_id:
        rows[spec.BON_REFERENZEN].append(bon[:3] + [ret.exchange_sale_id, "", "Transaktion", "Umtausch",
                                                    h.local(parse_iso(ret.created_at)), ret.device_id, bon[2], ret.id])


def write_movements(z: list[Any], moves: Sequence[CashMovement], tse: dict[str, TseTransaction],
                    rows: dict[spec.Table, list[list[Any]]], sums: dict[str, Any], h: Helpers) -> None:
    key = spec.NOT_TAXABLE_KEY
    for move in moves:
        bon = z + [f"BEWEGUNG-{move.id}"]
        signed = MovementKind(move.kind).sign * move.amount_cents
        name = BusinessCase(move.business_case).label[:60]
        rows[spec.BONPOS].append(bon + ["1", "", move.note or name, move.device_id, move.business_case, name,
                                        0, 0, 0, "", "", "", "", "1.000", "1.000", "", cents(signed, 5)])
        rows[spec.BONPOS_UST].append(bon + ["1", key, cents(signed, 5), cents(signed, 5), cents(0, 5)])
        rows[spec.BONPOS_PREISFINDUNG].append(bon + ["1", "base_amount", key, cents(signed, 5), cents(signed, 5),
                                                     cents(0, 5)])
        fiscal = tse.get(f"{CASH_REF}:{move.id}")
        start, end = _times(fiscal, move.created_at)
        rows[spec.BONKOPF].append(bon + [
            None, "Beleg", name, move.device_id, 0, h.local(start), h.local(end), str(move.actor_id or ""),
            move.actor_name, cents(signed), "", "", "", "", "", "", "", "", move.note])
        rows[spec.BONKOPF_UST].append(bon + [key, cents(signed, 5), cents(signed, 5), cents(0, 5)])
        rows[spec.BONKOPF_ZAHLARTEN].append(bon + ["Bar", "Bar", "", None, cents(signed)])
        sums["movements"][move.business_case] += signed
        if fiscal is not None:
            rows[spec.TSE_TRANSAKTIONEN].append(bon + h.tse_row(fiscal))
