"""The DSFinV-K export: the single recordings of a date range's cash closings, their master data
and the closings' totals, as the CSV set with index.xml that a tax auditor reads.

`export(store, date_from, date_to, closings, out_dir)` takes the closings (Z reports) as plain
`CashClosing` values (pos_app.fiscal.dsfinvk.from_store builds them from the till's Z reports);
the sales, returns and cash movements in each closing's period come from the local store
(returns and movements: pos_app.fiscal.dsfinvk.other_records). It also
reconciles the two: a closing whose totals differ from its receipts is named in
`ExportResult.mismatches` (the export is still written; the difference is the auditor's
business and the manager's warning).
Thread: a worker (it reads a whole period); never the UI thread.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from pos_app.clock import STORE_TZ, iso, parse_iso
from pos_app.fiscal.dsfinvk import other_records, spec
from pos_app.fiscal.dsfinvk.closing import CashClosing
from pos_app.fiscal.dsfinvk.writer import cents, render_csv, render_index, write_all
from pos_app.fiscal.records import ABORTED
from pos_app.fiscal.tse import parse_qr_time
from pos_app.gift_cards.rules import redeems_gift_card
from pos_app.store.fiscal_models import TseTransaction
from pos_app.store.local import LocalStore
from pos_app.store.models import Device, Sale, SaleLine, SaleTender, Store
from pos_app.vat import VatRate, vat_from_gross

SOFTWARE = ("OmniPOS", "OmniPOS Store App", "OmniPOS", "0.1.0")
TENDER_TYPES = {"cash": ("Bar", "Bar"), "card": ("Unbar", "Karte"), "voucher": ("Unbar", "Gutschein"),
                "exchange": ("Unbar", "Umtausch-Gutschrift")}


MPV_REDEMPTION = "MehrzweckgutscheinEinloesung"  # DSFinV-K Anhang C: a gift card spent


class ExportError(ValueError):
    """Nothing to export, or a bad request; the message is for the manager."""


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    files: tuple[str, ...]
    closings: int
    receipts: int
    unclosed_receipts: int  # sales in the range after the last closing: not exported yet
    mismatches: tuple[str, ...]


def _local(moment: datetime) -> str:
    return moment.astimezone(STORE_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def _vat(percent: int, gross: int) -> int:
    return vat_from_gross(gross, VatRate.from_percent(percent)) if percent else 0


def _key(percent: int) -> int:
    if percent not in spec.VAT_KEYS:
        raise ExportError(f"USt-Satz {percent} % hat keinen DSFinV-K-Schlüssel.")
    return spec.VAT_KEYS[percent]


def _log_time(value: str | None, time_format: str) -> str:
    if not value:
        return ""
    moment = parse_qr_time(value)
    return str(int(moment.timestamp())) if time_format == "unixTime" else value


def _periods(selected: list[CashClosing], every: Sequence[CashClosing]) -> list[tuple[CashClosing, str | None]]:
    """Each selected closing with the ISO lower bound of its period (exclusive)."""
    out = []
    for closing in selected:
        if closing.opened_at is not None:
            out.append((closing, iso(closing.opened_at)))
            continue
        earlier = [c.closed_at for c in every if c.device_id == closing.device_id and c.closed_at < closing.closed_at]
        out.append((closing, iso(max(earlier)) if earlier else None))
    return out


def export(store: LocalStore, date_from: date, date_to: date, closings: Sequence[CashClosing],
           out_dir: Path) -> ExportResult:
    if date_to < date_from:
        raise ExportError("Das Ende des Zeitraums liegt vor seinem Anfang.")
    selected = sorted((c for c in closings if date_from <= c.local_day <= date_to),
                      key=lambda c: (c.device_id, c.z_number))
    if not selected:
        raise ExportError(f"Keine Kassenabschlüsse vom {date_from:%d.%m.%Y} bis {date_to:%d.%m.%Y}: "
                          "exportiert werden nur abgeschlossene Tage.")
    rows: dict[spec.Table, list[list[Any]]] = defaultdict(list)
    mismatches: list[str] = []
    receipts = 0
    with store.db.reading() as s:
        for closing, lower in _periods(selected, closings):
            device = s.get(Device, closing.device_id)
            if device is None:
                raise ExportError(f"Kasse {closing.device_id} ist in diesem Speicher nicht bekannt.")
            place = s.get(Store, device.store_id)
            assert place is not None
            query = select(Sale).where(Sale.device_id == closing.device_id,
                                       Sale.created_at <= iso(closing.closed_at))
            if lower is not None:
                query = query.where(Sale.created_at > lower)
            sales = s.execute(query.order_by(Sale.receipt_no)).scalars().all()
            returns, moves, other_tse = other_records.in_period(s, closing.device_id, iso(closing.closed_at), lower)
            receipts += len(sales) + len(returns) + len(moves)
            z = [closing.device_id, _local(closing.closed_at), closing.z_number]
            aborted = s.execute(select(TseTransaction).where(
                TseTransaction.device_id == closing.device_id, TseTransaction.sale_id.is_(None),
                TseTransaction.reference.like(f"{ABORTED}:%"), TseTransaction.created_at <= iso(closing.closed_at),
                *([TseTransaction.created_at > lower] if lower is not None else []))
                .order_by(TseTransaction.id)).scalars().all()
            sums = _single_recordings(s, z, sales, rows, aborted, list(other_tse.values()))
            helpers = other_records.Helpers(_local, _key, _vat, lambda kind: TENDER_TYPES.get(kind, ("Unbar", kind)),
                                            lambda row, ids=sums["tse_ids"]: _tse_row(row, ids))
            other_records.write_returns(s, z, returns, other_tse, rows, sums, helpers)
            other_records.write_movements(z, moves, other_tse, rows, sums, helpers)
            _master_data(z, closing, place, sales, sums["tse"], rows)
            _closing_totals(z, closing, rows, sums["gift_cards"])
            mismatches += _reconcile(closing, sums)
        last = {c.device_id: max(x.closed_at for x in closings if x.device_id == c.device_id) for c in selected}
        unclosed = sum(s.execute(select(func.count()).select_from(Sale).where(
            Sale.device_id == device_id, Sale.created_at > iso(closed_at))).scalar_one()
            for device_id, closed_at in last.items())
    files = {table.file: render_csv(table, rows.get(table, [])) for table in spec.TABLES}
    files["index.xml"] = render_index(spec.TABLES, SOFTWARE[0], selected[0].device_id,
                                      f"DSFinV-K {date_from.isoformat()} bis {date_to.isoformat()}",
                                      date_from.isoformat(), date_to.isoformat())
    write_all(out_dir, files)
    return ExportResult(out_dir, tuple(sorted(files)), len(selected), receipts, unclosed, tuple(mismatches))


def _tse_row(fiscal: TseTransaction, tse_ids: dict[str, int]) -> list[Any]:
    if fiscal.status == "signed":
        return [tse_ids[fiscal.tse_serial], fiscal.tx_number, _log_time(fiscal.start, fiscal.time_format),
                _log_time(fiscal.end, fiscal.time_format), fiscal.process_type, fiscal.signature_counter,
                fiscal.signature, "", fiscal.process_data]
    return [None, None, "", "", fiscal.process_type, None, "", fiscal.error[:200], fiscal.process_data]


def _single_recordings(s, z: list[Any], sales, rows, aborted, others=()) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """`others`: the TSE rows of the period's returns and cash movements (written by
    other_records), counted here so that every TSE gets one TSE_ID."""
    ids = [sale.id for sale in sales]
    lines: dict[str, list[SaleLine]] = defaultdict(list)
    tenders: dict[str, list[SaleTender]] = defaultdict(list)
    tse: dict[str, TseTransaction] = {}
    if ids:
        for line in s.execute(select(SaleLine).where(SaleLine.sale_id.in_(ids))
                              .order_by(SaleLine.sale_id, SaleLine.line_no)).scalars():
            lines[line.sale_id].append(line)
        for tender in s.execute(select(SaleTender).where(SaleTender.sale_id.in_(ids))
                                .order_by(SaleTender.sale_id, SaleTender.seq)).scalars():
            tenders[tender.sale_id].append(tender)
        for row in s.execute(select(TseTransaction).where(TseTransaction.sale_id.in_(ids))).scalars():
            tse[row.sale_id or ""] = row
    signed_rows = [row for row in [*tse.values(), *aborted, *others] if row.status == "signed"]
    serials = sorted({row.tse_serial for row in signed_rows})
    tse_ids = {serial: n for n, serial in enumerate(serials, start=1)}
    sums: dict[str, Any] = {"gross": 0, "gift_cards": 0, "by_vat": defaultdict(int), "by_tender": defaultdict(int),
                            "movements": defaultdict(int), "tse": signed_rows, "tse_ids": tse_ids}
    for sale in sales:
        bon = z + [sale.id]
        by_vat: dict[int, int] = defaultdict(int)
        for line in lines[sale.id]:
            key, gross = _key(line.vat_percent), line.total_cents
            vat = _vat(line.vat_percent, gross)
            by_vat[line.vat_percent] += gross
            rows[spec.BONPOS].append(bon + [
                str(line.line_no), "", line.name, sale.device_id, "Umsatz", "", 0, 0, 0, line.sku, "", "", "",
                cents(line.quantity * 100, 3), "1.000", "Stück", cents(line.unit_price_cents, 5)])
            rows[spec.BONPOS_UST].append(bon + [str(line.line_no), key, cents(gross, 5), cents(gross - vat, 5),
                                                cents(vat, 5)])
            base = line.unit_price_cents * line.quantity
            base_vat = _vat(line.vat_percent, base)
            rows[spec.BONPOS_PREISFINDUNG].append(bon + [str(line.line_no), "base_amount", key, cents(base, 5),
                                                         cents(base - base_vat, 5), cents(base_vat, 5)])
            off = line.line_discount_cents + line.cart_discount_cents
            if off:
                off_vat = base_vat - vat
                rows[spec.BONPOS_PREISFINDUNG].append(bon + [str(line.line_no), "discount", key, cents(-off, 5),
                                                             cents(-(off - off_vat), 5), cents(-off_vat, 5)])
        # a gift card spent (a multi-purpose voucher) is its own business case, not a Zahlart
        # (DSFinV-K 4.1.3, Anhang C): a line MehrzweckgutscheinEinloesung, USt-Schlüssel 5,
        # negative, with the card's number in GUTSCHEIN_NR; the goods keep their VAT above
        redeemed = 0
        line_no = max((line.line_no for line in lines[sale.id]), default=0)
        for tender in tenders[sale.id]:
            if not redeems_gift_card(tender.kind, tender.reference):
                continue
            line_no, cents_ = line_no + 1, tender.amount_cents
            redeemed += cents_
            rows[spec.BONPOS].append(bon + [
                str(line_no), tender.reference, f"Geschenkgutschein {tender.reference}", sale.device_id,
                MPV_REDEMPTION, "", 0, 0, 0, "", "", "", "", cents(100, 3), "1.000", "Stück", cents(-cents_, 5)])
            rows[spec.BONPOS_UST].append(bon + [str(line_no), spec.NOT_TAXABLE_KEY, cents(-cents_, 5),
                                                cents(-cents_, 5), cents(0, 5)])
        sums["gift_cards"] += redeemed
        fiscal = tse.get(sale.id)
        signed = fiscal is not None and fiscal.status == "signed"
        start = parse_qr_time(fiscal.start) if signed and fiscal.start else parse_iso(sale.created_at)
        end = parse_qr_time(fiscal.end) if signed and fiscal.end else parse_iso(sale.created_at)
        rows[spec.BONKOPF].append(bon + [
            sale.receipt_no, "Beleg", "", sale.device_id, 0, _local(start), _local(end), str(sale.cashier_id),
            sale.cashier_name, cents(sale.total_cents - redeemed), "", "", "", "", "", "", "", "",
            sale.cart_discount_reason])
        for percent in sorted(by_vat, key=lambda p: _key(p)):
            gross = by_vat[percent]
            vat = _vat(percent, gross)
            rows[spec.BONKOPF_UST].append(bon + [_key(percent), cents(gross, 5), cents(gross - vat, 5), cents(vat, 5)])
            sums["by_vat"][percent] += gross
        if redeemed:
            rows[spec.BONKOPF_UST].append(bon + [spec.NOT_TAXABLE_KEY, cents(-redeemed, 5), cents(-redeemed, 5),
                                                 cents(0, 5)])
        paid: dict[str, int] = defaultdict(int)
        for tender in tenders[sale.id]:
            if not redeems_gift_card(tender.kind, tender.reference):
                paid[tender.kind] += tender.amount_cents
        for kind in sorted(paid):
            kind_type, kind_name = TENDER_TYPES.get(kind, ("Unbar", kind))
            rows[spec.BONKOPF_ZAHLARTEN].append(bon + [kind_type, kind_name, "", None, cents(paid[kind])])
            sums["by_tender"][kind] += paid[kind]
        sums["gross"] += sale.total_cents
        if fiscal is not None:
            rows[spec.TSE_TRANSAKTIONEN].append(bon + _tse_row(fiscal, tse_ids))
    for row in aborted:  # sales given up after their TSE transaction started (AVBelegabbruch)
        bon = z + [f"TSE-{row.id}"]
        moment = parse_qr_time(row.end) if row.status == "signed" and row.end else parse_iso(row.created_at)
        rows[spec.BONKOPF].append(bon + [
            None, "AVBelegabbruch", row.reference.split(":", 1)[-1][:60], row.device_id, 0,
            _local(parse_qr_time(row.start) if row.start else moment), _local(moment), "", "", cents(0),
            "", "", "", "", "", "", "", "", ""])
        rows[spec.TSE_TRANSAKTIONEN].append(bon + _tse_row(row, tse_ids))
    if sales:
        sums["first"], sums["last"] = sales[0].id, sales[-1].id
    return sums


def _master_data(z, closing: CashClosing, place: Store, sales, signed, rows) -> None:  # type: ignore[no-untyped-def]
    moved = sum(closing.cash_movements.values())  # cash in and out outside a sale is paid "Bar" too
    sums_all = sum(closing.totals_by_tender.values()) + moved
    rows[spec.STAMM_ABSCHLUSS].append(z + [
        closing.local_day.isoformat(), spec.TAXONOMY_VERSION, sales[0].id if sales else "",
        sales[-1].id if sales else "", place.name, place.street, place.zip_code, place.city, "DEU", "",
        place.vat_id, cents(sums_all), cents(closing.totals_by_tender.get("cash", 0) + moved)])
    rows[spec.STAMM_ORTE].append(z + [place.name, place.street, place.zip_code, place.city, "DEU", place.vat_id])
    # the till's serial number is the one its TSE knows it by (the QR code's first field)
    serial = min((row.client_id for row in signed), default=closing.device_id)
    rows[spec.STAMM_KASSEN].append(z + [SOFTWARE[0], SOFTWARE[1], serial, SOFTWARE[2], SOFTWARE[3], "EUR", 0])
    used = sorted({spec.VAT_KEYS[19], spec.VAT_KEYS[7], *(_key(p) for p in closing.totals_by_vat)}
                  | ({spec.NOT_TAXABLE_KEY} if closing.difference_cents or closing.cash_movements else set()))
    rates = {1: 19, 2: 7, 5: 0, 6: 0}
    for key in used:
        rows[spec.STAMM_UST].append(z + [key, f"{rates[key]}.00", spec.VAT_NAMES[key]])
    seen: dict[str, TseTransaction] = {}
    for row in signed:
        seen.setdefault(row.tse_serial, row)
    for n, serial in enumerate(sorted(seen), start=1):
        row = seen[serial]
        rows[spec.STAMM_TSE].append(z + [n, serial, row.signature_algorithm, row.time_format, "UTF-8",
                                         row.public_key, "", ""])


def _closing_totals(z, closing: CashClosing, rows, gift_cards: int = 0) -> None:  # type: ignore[no-untyped-def]
    """`gift_cards`: the gift cards spent in the closing's sales (from their tenders): the Z
    report counts them with the vouchers; here they are the business case
    MehrzweckgutscheinEinloesung and the Zahlart Gutschein keeps the store credit only."""
    for percent in sorted(closing.totals_by_vat, key=_key):
        gross = closing.totals_by_vat[percent]
        vat = _vat(percent, gross)
        rows[spec.Z_GV_TYP].append(z + ["Umsatz", "", 0, _key(percent), cents(gross, 5), cents(gross - vat, 5),
                                        cents(vat, 5)])
    for case in sorted(closing.cash_movements):  # Einzahlung, Auszahlung, Geldtransit, ...: not taxable
        amount = closing.cash_movements[case]
        rows[spec.Z_GV_TYP].append(z + [case, "", 0, spec.NOT_TAXABLE_KEY, cents(amount, 5), cents(amount, 5),
                                        cents(0, 5)])
    if closing.difference_cents:
        diff = closing.difference_cents
        rows[spec.Z_GV_TYP].append(z + ["DifferenzSollIst", "", 0, spec.NOT_TAXABLE_KEY, cents(diff, 5),
                                        cents(diff, 5), cents(0, 5)])
    if gift_cards:
        rows[spec.Z_GV_TYP].append(z + [MPV_REDEMPTION, "", 0, spec.NOT_TAXABLE_KEY, cents(-gift_cards, 5),
                                        cents(-gift_cards, 5), cents(0, 5)])
    paid = dict(closing.totals_by_tender)
    if gift_cards:
        paid["voucher"] = paid.get("voucher", 0) - gift_cards
        if not paid["voucher"]:
            del paid["voucher"]
    if closing.cash_movements:
        paid["cash"] = paid.get("cash", 0) + sum(closing.cash_movements.values())
    for kind in sorted(paid):
        kind_type, kind_name = TENDER_TYPES.get(kind, ("Unbar", kind))
        rows[spec.Z_ZAHLART].append(z + [kind_type, kind_name, cents(paid[kind])])
    rows[spec.Z_WAEHRUNGEN].append(z + ["EUR", cents(paid.get("cash", 0))])


def _reconcile(closing: CashClosing, sums: dict[str, Any]) -> list[str]:
    found = []
    label = f"Z {closing.z_number} ({closing.device_id})"
    vat_keys = set(closing.totals_by_vat) | set(sums["by_vat"])
    for percent in sorted(vat_keys):
        want, got = closing.totals_by_vat.get(percent, 0), sums["by_vat"].get(percent, 0)
        if want != got:
            found.append(f"{label}: Umsatz {percent} % laut Abschluss {cents(want)}, laut Belegen {cents(got)}")
    for kind in sorted(set(closing.totals_by_tender) | set(sums["by_tender"])):
        want, got = closing.totals_by_tender.get(kind, 0), sums["by_tender"].get(kind, 0)
        if kind == "voucher":  # the Z report counts gift cards spent as vouchers (business case here)
            got += sums["gift_cards"]
        if want != got:
            found.append(f"{label}: Zahlart {kind} laut Abschluss {cents(want)}, laut Belegen {cents(got)}")
    for case in sorted(set(closing.cash_movements) | set(sums["movements"])):
        want, got = closing.cash_movements.get(case, 0), sums["movements"].get(case, 0)
        if want != got:
            found.append(f"{label}: {case} laut Abschluss {cents(want)}, laut Belegen {cents(got)}")
    return found
