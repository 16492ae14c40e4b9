"""Completed sales: written once, in one transaction with their outbox event (and the stock
movements the center has yet to see), and read back as receipts.

The receipt number is taken from the device row inside that same write transaction, so numbers
run per till with no gaps and no reuse: a crash before the commit takes the number back with
everything else, a crash after it keeps both.
Thread: any; one short transaction per call.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from pos_app import digital_receipt
from pos_app.cart import Totals
from pos_app.fiscal import records as fiscal_records
from pos_app.fiscal.signing import FiscalOutcome, SigningFailure
from pos_app.clock import Clock, iso, local_display, parse_iso, utc_now
from pos_app.money import format_euro
from pos_app.payment import Payment, TenderKind
from pos_app.receipt import Receipt, ReceiptLine, ReceiptTender, ReceiptVatRow
from pos_app.shift import ShiftClosed
from pos_app.store import clock_offset, movements, promotion_models, transfer_models
from pos_app.store.gift_card_models import record_sale_indications, sale_indications
from pos_app.prices.indications import stated_lowest_price
from pos_app.prices.lowest_price import lowest_price_text
from pos_app.store.policies import return_policy_in
from pos_app.trusted_time import corrected
from pos_app.store.cashbook import NOT_OPEN, open_shift_row
from pos_app.store.db import Database
from pos_app.store.models import Device, OutboxEvent, Sale, SaleLine, SaleTender, Stock, Store
from pos_app.store.outbox import EventType, append_event, next_device_counter
from pos_app.store.staff import StaffMember
from pos_app.vat import VatRate, breakdown

TENDER_LABELS = {"cash": "Bar", "card": "Karte", "voucher": "Gutschein", "exchange": "Umtausch-Gutschrift"}
THANKS = "Vielen Dank für Ihren Einkauf!"


@dataclass(frozen=True)
class CompletedSale:
    sale_id: str
    receipt_number: str
    total_cents: int
    change_cents: int
    has_cash: bool
    tse_failure: str = ""  # the TSE did not sign this sale (it is recorded unsigned): why
    receipt_link: str = ""  # the digital receipt's short link ("" when the till has no center)
    event_id: str = ""  # its sale.completed outbox event
    paper: bool = True  # False: the cashier chose "no paper" (the digital receipt stands alone)


@dataclass(frozen=True)
class SaleSummary:
    sale_id: str
    receipt_number: str
    created_at: str
    cashier_name: str
    total_cents: int
    print_status: str
    # created_at on the center's clock (the offset the sync measured), as its receipt shows it:
    # what the journal (F9) shows; created_at stays the till's own clock
    corrected_at: str = ""

    @property
    def shown_at(self) -> str:
        return self.corrected_at or self.created_at


def _summaries(s: Session, rows: Any) -> list[SaleSummary]:
    offset = clock_offset.load(s)
    return [SaleSummary(r.id, r.receipt_number, r.created_at, r.cashier_name, r.total_cents, r.print_status,
                        iso(corrected(parse_iso(r.created_at), offset))) for r in rows]


def receipt_number_for(device_id: str, number: int) -> str:
    return f"{device_id}-{number:06d}"


class SaleBook:
    def __init__(self, db: Database, device_id: str, store_id: str, clock: Clock = utc_now) -> None:
        self._db = db
        self.device_id = device_id
        self.store_id = store_id
        self._clock = clock
        # where the center shows digital receipts, e.g. "https://bon.example.de/r/" (set by the
        # app from pos.toml; "" = no link printed, the receipt still goes to the center)
        self.link_base = ""

    def complete(self, totals: Totals, payment: Payment, cashier: StaffMember,
                 cart_discount_reason: str = "", fiscal: FiscalOutcome | None = None,
                 into: Session | None = None, paper: bool = True,
                 pricing: dict[str, Any] | None = None) -> CompletedSale:
        """`fiscal`: the TSE's outcome for this sale (signed or failed), stored with it and sent
        along in its event; None where no TSE is set up. `into`: write inside the caller's
        transaction instead of a new one (an exchange writes its return and its sale together:
        pos_app.store.returns). `paper`: False when the cashier chose "no paper"; the sale is
        then never queued for printing (nor reprinted as unprinted) and the digital receipt,
        which every sale gets, is the receipt the customer takes. `pricing`: the promotions the
        sale got (pos_app.prices.sale_pricing), kept with it and sent in its event; their
        savings are part of the lines' line_discount_cents."""
        if not totals.lines:
            raise ValueError("a sale needs at least one line")
        if not payment.is_complete or payment.total_cents != totals.total_cents:
            raise ValueError("a sale completes only when fully paid")
        created_at = iso(self._clock())
        sale_id = str(uuid.uuid4())
        token = digital_receipt.new_token()
        link = digital_receipt.link_for(self.link_base, token)
        with self._writing(into) as s:
            if open_shift_row(s, self.device_id) is None:  # in the transaction: a close cannot slip in
                raise ShiftClosed(NOT_OPEN)
            number = next_device_counter(s, self.device_id, "last_receipt_no")
            receipt_number = receipt_number_for(self.device_id, number)
            s.add(Sale(
                id=sale_id, receipt_no=number, receipt_number=receipt_number, device_id=self.device_id,
                store_id=self.store_id, cashier_id=cashier.id, cashier_name=cashier.name,
                created_at=created_at, total_cents=totals.total_cents,
                cart_discount_cents=totals.cart_discount_cents,
                cart_discount_reason=cart_discount_reason, change_cents=payment.change_cents,
                receipt_token=token, print_status="pending" if paper else "digital",
            ))
            s.flush()
            lines_payload = []
            deltas: dict[int, int] = {}
            indications: dict[int, int] = {}  # § 11 PAngV: line -> lowest 30-day price it states
            for no, priced in enumerate(totals.lines, start=1):
                line = priced.line
                if stated_lowest_price(line) is not None:
                    indications[no] = line.product.lowest_30_days_cents  # type: ignore[assignment]
                row = SaleLine(
                    sale_id=sale_id, line_no=no, product_id=line.product.product_id, sku=line.product.sku,
                    name=line.product.name, quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                    list_price_cents=line.product.unit_price_cents,
                    line_discount_cents=line.discount_cents + priced.promotion_cents,
                    line_discount_reason=line.discount.reason if line.discount else ("Aktion" if priced.promotions else ""),
                    cart_discount_cents=priced.cart_discount_cents, total_cents=priced.total_cents,
                    vat_percent=line.product.vat.percent, override_reason=line.override_reason,
                )
                s.add(row)
                lines_payload.append({
                    "line_no": no, "product_id": row.product_id, "sku": row.sku, "name": row.name,
                    "quantity": row.quantity, "unit_price_cents": row.unit_price_cents,
                    "list_price_cents": row.list_price_cents, "line_discount_cents": row.line_discount_cents,
                    "cart_discount_cents": row.cart_discount_cents, "total_cents": row.total_cents,
                    "vat_percent": row.vat_percent,
                })
                self._move_stock(s, line.product.product_id, -line.quantity)
                deltas[row.product_id] = deltas.get(row.product_id, 0) - line.quantity
            tenders_payload = []
            for seq, tender in enumerate(payment.tenders, start=1):
                s.add(SaleTender(sale_id=sale_id, seq=seq, kind=tender.kind.value,
                                 amount_cents=tender.amount_cents, given_cents=tender.given_cents,
                                 reference=tender.reference))
                tenders_payload.append({"kind": tender.kind.value, "amount_cents": tender.amount_cents,
                                        "given_cents": tender.given_cents, "reference": tender.reference})
                if tender.kind is TenderKind.VOUCHER:  # a voucher this till knows: its balance here too
                    s.execute(text("UPDATE vouchers SET balance_cents = balance_cents - :a WHERE code = :c"),
                              {"a": tender.amount_cents, "c": tender.reference})
            payload = {
                "sale_id": sale_id, "receipt_number": receipt_number, "store_id": self.store_id,
                "device_id": self.device_id, "cashier_id": cashier.id, "created_at": created_at,
                "total_cents": totals.total_cents, "cart_discount_cents": totals.cart_discount_cents,
                "lines": lines_payload, "tenders": tenders_payload,
                "vat": [{"percent": r.rate.percent, "gross_cents": r.gross_cents, "vat_cents": r.vat_cents}
                        for r in totals.vat],
            }
            record_sale_indications(s, sale_id, indications)
            if pricing is not None:
                payload["pricing"] = pricing
                promotion_models.record_sale(s, sale_id, pricing)
            if fiscal is not None:
                fiscal_records.record(s, self.device_id, fiscal, sale_id=sale_id)
                payload["tse"] = fiscal_records.event_payload(fiscal)
            s.flush()  # the receipt below reads the rows just written
            payload["receipt"] = {"token": token, "link": link,
                                  "document": digital_receipt.to_document(self._receipt(s, sale_id))}
            event = append_event(s, self.device_id, EventType.SALE_COMPLETED, payload, created_at)
            s.flush()
            # what the center's stock figures do not show until it has applied this event
            movements.record(s, event.id, self.store_id, deltas)
        return CompletedSale(sale_id, receipt_number, totals.total_cents, payment.change_cents,
                             payment.has_cash,
                             fiscal.error if isinstance(fiscal, SigningFailure) else "",
                             receipt_link=link, event_id=event.id, paper=paper)

    def reissue_document(self, s: Session, done: CompletedSale) -> None:
        """Lay the digital receipt out again inside the sale's own, still open transaction, after
        something the receipt shows was added to it (the customer and their points: TillSession).
        The event is not committed yet, so nobody has seen the first version."""
        s.flush()
        event = s.get(OutboxEvent, done.event_id)
        if event is None:
            raise LookupError(f"event {done.event_id} of sale {done.sale_id} not found")
        payload = json.loads(event.payload)
        payload["receipt"]["document"] = digital_receipt.to_document(self._receipt(s, done.sale_id))
        event.payload = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @contextmanager
    def _writing(self, into: Session | None) -> Iterator[Session]:
        if into is not None:
            yield into
        else:
            with self._db.writing() as s:
                yield s

    def _move_stock(self, s, product_id: int, delta: int) -> None:  # type: ignore[no-untyped-def]
        """The store sees its own sale at once; the movement recorded with the event keeps the
        feed from counting it twice (pos_app.store.movements)."""
        moved = s.execute(update(Stock).where(Stock.product_id == product_id, Stock.store_id == self.store_id)
                          .values(quantity=Stock.quantity + delta)).rowcount
        if not moved:
            s.add(Stock(product_id=product_id, store_id=self.store_id, quantity=delta))

    # ---- reading back ----------------------------------------------------------------------

    def recent(self, limit: int = 50) -> list[SaleSummary]:
        with self._db.reading() as s:
            rows = s.execute(select(Sale).where(Sale.device_id == self.device_id)
                             .order_by(Sale.receipt_no.desc()).limit(limit)).scalars().all()
            return _summaries(s, rows)

    def find(self, receipt_number: str) -> str | None:
        with self._db.reading() as s:
            return s.execute(select(Sale.id).where(Sale.receipt_number == receipt_number.strip())).scalar()

    def receipt(self, sale_id: str) -> Receipt:
        with self._db.reading() as s:
            return self._receipt(s, sale_id)

    def _receipt(self, s: Session, sale_id: str) -> Receipt:
        sale = s.get(Sale, sale_id)
        if sale is None:
            raise LookupError(f"Bon {sale_id} nicht gefunden.")
        store = s.get(Store, sale.store_id)
        device = s.get(Device, sale.device_id)
        lines = s.execute(select(SaleLine).where(SaleLine.sale_id == sale_id)
                          .order_by(SaleLine.line_no)).scalars().all()
        tenders = s.execute(select(SaleTender).where(SaleTender.sale_id == sale_id)
                            .order_by(SaleTender.seq)).scalars().all()
        tse = fiscal_records.receipt_tse(s, sale_id)
        customer = s.execute(text(  # a customer attached (pos_app.clienteling): points on the receipt
            "SELECT c.number, c.first_name, c.last_name, sc.points FROM sale_customers sc "
            "LEFT JOIN customers c ON c.id = sc.customer_id WHERE sc.sale_id = :s"), {"s": sale_id}).first()
        policy, offset = return_policy_in(s), clock_offset.load(s)
        categories = dict(s.execute(text("SELECT id, category FROM products WHERE id IN "
                                         "(SELECT product_id FROM sale_lines WHERE sale_id = :s)"),
                                    {"s": sale_id}).all())
        follows = transfer_models.receipt_notes(s, sale_id)
        by_rate: dict[VatRate, int] = {}
        receipt_lines = []
        offers = promotion_models.line_notes(promotion_models.sale_promotions(s, sale_id))
        lowest = sale_indications(s, sale_id)
        for line in lines:
            rate = VatRate.from_percent(line.vat_percent)
            by_rate[rate] = by_rate.get(rate, 0) + line.total_cents
            notes = []
            if line.override_reason:
                notes.append(f"Preis geändert statt {format_euro(line.list_price_cents)}: {line.override_reason}")
            offered = offers.get(line.line_no, [])
            manual = line.line_discount_cents - sum(cents for _, cents in offered)
            if manual:
                notes.append(f"Rabatt {line.line_discount_reason} -{format_euro(manual)}")
            notes += [f"Aktion {name} -{format_euro(cents)}" for name, cents in offered]
            if line.line_no in lowest:  # § 11 PAngV under the reduced line (receipts stay German)
                notes.append(lowest_price_text(lowest[line.line_no]))
            if policy.is_final_sale(line.product_id, categories.get(line.product_id) or ""):
                notes.append("Vom Umtausch ausgeschlossen")
            if line.product_id in follows:  # sold for fulfilment elsewhere (issue 14): what follows
                notes.append(follows[line.product_id])
            receipt_lines.append(ReceiptLine(line.quantity, line.name, line.unit_price_cents,
                                             line.total_cents + line.cart_discount_cents, rate.letter,
                                             tuple(notes)))
        vat_rows = tuple(ReceiptVatRow(r.rate.letter, r.rate.percent, r.net_cents, r.vat_cents, r.gross_cents)
                         for r in breakdown(by_rate))
        assert store is not None and device is not None
        return Receipt(
            store_name=store.name,
            store_address=tuple(x for x in (store.street, f"{store.zip_code} {store.city}".strip(),
                                            f"Tel. {store.phone}" if store.phone else "") if x),
            vat_id=store.vat_id, created_at=local_display(corrected(parse_iso(sale.created_at), offset)),
            receipt_number=sale.receipt_number, device_name=device.id, cashier_name=sale.cashier_name,
            lines=tuple(receipt_lines), total_cents=sale.total_cents, vat_rows=vat_rows,
            tenders=tuple(ReceiptTender(TENDER_LABELS.get(t.kind, t.kind),
                                        t.given_cents if t.kind == TenderKind.CASH.value else t.amount_cents)
                          for t in tenders),
            change_cents=sale.change_cents, cart_discount_cents=sale.cart_discount_cents,
            cart_discount_reason=sale.cart_discount_reason, copy=sale.print_count > 0, tse=tse,
            digital_link=digital_receipt.link_for(self.link_base, sale.receipt_token) if sale.receipt_token else "",
            footer=(() if customer is None else (
                f"Kunde {customer.number or ''} {customer.first_name or ''} {customer.last_name or ''}".strip(),
                f"Bonuspunkte für diesen Einkauf: +{customer.points}")) + (THANKS, *policy.footer_lines()),
        )

    def mark_printed(self, sale_id: str, ok: bool, error: str = "") -> None:
        with self._db.writing() as s:
            sale = s.get(Sale, sale_id)
            if sale is None:
                return
            if ok:
                sale.print_status = "printed"
                sale.print_count += 1
                sale.print_error = ""
            elif sale.print_count == 0:
                sale.print_status = "failed"
                sale.print_error = error

    def unprinted(self) -> list[SaleSummary]:
        with self._db.reading() as s:
            rows = s.execute(select(Sale).where(Sale.device_id == self.device_id,
                                                Sale.print_status.not_in(("printed", "digital")))
                             .order_by(Sale.receipt_no)).scalars().all()
            return _summaries(s, rows)
