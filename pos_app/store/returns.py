"""Returns in the store file: written once, in one transaction with their outbox event
(return.completed), the stock movements of resellable items, the vouchers they issue, the audit
entry of a manager's approval and, for an exchange, the sale of the new items.

Also what the till knows on its own: its sales (to find a purchase offline) and its returns
that the center has not confirmed yet (added to what the center says was returned, so the
same item cannot go back twice while an event is still in the outbox).

Thread: any; one short transaction per call.
"""
from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from pos_app import digital_receipt
from pos_app.cart import Totals
from pos_app.fiscal import records as fiscal_records
from pos_app.fiscal.signing import FiscalOutcome, SigningFailure
from pos_app.clock import Clock, iso, local_display, parse_iso, utc_now
from pos_app.payment import Payment
from pos_app.refunds import (CONDITION_LABELS, REFUND_LABELS, Purchase, PurchaseLine, PurchaseTender,
                             RefundTender)
from pos_app.return_receipt import ReturnReceipt, ReturnReceiptLine
from pos_app.shift import ShiftClosed
from pos_app.prices.refunds import promotable_lines, sale_pricing
from pos_app.store import audit, clock_offset, movements, promotion_models
from pos_app.store.cashbook import NOT_OPEN, open_shift_row
from pos_app.store.fiscal_models import TseTransaction
from pos_app.store.db import Database
from pos_app.store.models import Device, Product, Sale, SaleLine, SaleTender, Stock, Store
from pos_app.store.outbox import EventType, Status, append_event, next_device_counter
from pos_app.store.returns_models import Return, ReturnLine, ReturnTender, Voucher
from pos_app.store.sales import CompletedSale, SaleBook, receipt_number_for
from pos_app.store.staff import StaffMember
from pos_app.trusted_time import corrected

RETURN_REF = "return"  # tse_transactions.reference of a return: "return:<return id>"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


def new_voucher_code() -> str:
    return "GS-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


@dataclass(frozen=True)
class ReturnItem:
    """One line of a return as the cashier decided it (quantity, condition, reason)."""

    original_line_no: int | None  # None: a blind return
    product_id: int
    sku: str
    name: str
    quantity: int
    refund_cents: int
    vat_percent: int
    condition: str  # resellable | damaged
    reason_code: str
    reason_label: str
    reason_text: str = ""


@dataclass(frozen=True)
class CompletedReturn:
    return_id: str
    return_number: str
    total_cents: int
    tenders: tuple[RefundTender, ...]
    cash_cents: int  # to hand out from the drawer
    vouchers: tuple[tuple[str, int], ...]  # (code, value) issued
    restocked: tuple[tuple[int, int], ...]  # (product id, quantity) back into this store's stock
    exchange_sale: CompletedSale | None = None
    tse_failure: str = ""  # the TSE did not sign this return (it is recorded unsigned): why
    receipt_link: str = ""  # its digital receipt's short link (pos_app.digital_receipt)


@dataclass(frozen=True)
class Exchange:
    """The new items of an exchange: paid with the return's credit (`credit_cents`, at most
    their total) plus `payment`'s other tenders."""

    totals: Totals
    payment: Payment
    credit_cents: int


class ReturnBook:
    def __init__(self, db: Database, device_id: str, store_id: str, sales: SaleBook,
                 clock: Clock = utc_now) -> None:
        self._db = db
        self.device_id = device_id
        self.store_id = store_id
        self._sales = sales
        self._clock = clock

    # ---- writing -----------------------------------------------------------------------------

    def record(self, cashier: StaffMember, purchase: Purchase | None, items: list[ReturnItem],
               tenders: list[RefundTender], customer_id: int | None = None,
               approval: tuple[int, str] | None = None, exchange: Exchange | None = None,
               fiscal: FiscalOutcome | None = None, sale_fiscal: FiscalOutcome | None = None,
               reason_labels: dict[str, str] | None = None) -> CompletedReturn:
        """Write the return (and the exchange's sale). Voucher tenders without a code get a new
        one. The caller has checked quantities, policy and refund split (pos_app.returns).
        Like a sale, a return needs an open shift (checked here, inside the write transaction,
        so a Z close cannot slip in). `fiscal` / `sale_fiscal`: the TSE outcomes of the return and
        of the exchange's sale (signed or failed), recorded with them; None: no TSE set up.
        `reason_labels`: the policy's words for the reason codes, for the digital receipt (laid
        out here, in the return's transaction, as the paper one is later)."""
        if not items:
            raise ValueError("a return needs at least one item")
        total = sum(i.refund_cents for i in items)
        created_at = iso(self._clock())
        return_id = str(uuid.uuid4())
        token = digital_receipt.new_token()
        link = digital_receipt.link_for(self._sales.link_base, token)
        tenders = [RefundTender(t.kind, t.amount_cents, t.reference or new_voucher_code())
                   if t.kind == "voucher" else t for t in tenders]
        with self._db.writing() as s:
            if open_shift_row(s, self.device_id) is None:
                raise ShiftClosed(NOT_OPEN)
            number = receipt_number_for(self.device_id, next_device_counter(s, self.device_id, "last_receipt_no"))
            sale = None
            if exchange is not None:
                sale = self._sales.complete(exchange.totals, _with_reference(exchange.payment, number), cashier,
                                            fiscal=sale_fiscal, into=s)
                tenders = [RefundTender("exchange", exchange.credit_cents, sale.sale_id), *tenders]
            if sum(t.amount_cents for t in tenders) != total:
                raise ValueError("the refund tenders do not add up to the return's total")
            s.add(Return(id=return_id, return_number=number, device_id=self.device_id, store_id=self.store_id,
                         cashier_id=cashier.id, cashier_name=cashier.name, created_at=created_at,
                         original_kind=purchase.kind if purchase else None, original_id=purchase.id if purchase else None,
                         original_number=purchase.number if purchase else None, customer_id=customer_id,
                         approved_by=approval[1] if approval else "", total_cents=total,
                         exchange_sale_id=sale.sale_id if sale else None, event_id="", receipt_token=token))
            s.flush()
            for n, item in enumerate(items, 1):
                s.add(ReturnLine(return_id=return_id, line_no=n, original_line_no=item.original_line_no,
                                 product_id=item.product_id, sku=item.sku, name=item.name, quantity=item.quantity,
                                 refund_cents=item.refund_cents, vat_percent=item.vat_percent,
                                 condition=item.condition, reason_code=item.reason_code,
                                 reason_text=item.reason_text))
            for n, t in enumerate(tenders, 1):
                s.add(ReturnTender(return_id=return_id, seq=n, kind=t.kind, amount_cents=t.amount_cents,
                                   reference=t.reference))
                if t.kind == "voucher":
                    s.add(Voucher(code=t.reference, initial_cents=t.amount_cents, balance_cents=t.amount_cents,
                                  issued_at=created_at, return_id=return_id, customer_id=customer_id))
            restock: dict[int, int] = {}
            for item in items:
                if item.condition == "resellable":
                    restock[item.product_id] = restock.get(item.product_id, 0) + item.quantity
            for product_id, quantity in restock.items():
                moved = s.execute(update(Stock).where(Stock.product_id == product_id, Stock.store_id == self.store_id)
                                  .values(quantity=Stock.quantity + quantity)).rowcount
                if not moved:
                    s.add(Stock(product_id=product_id, store_id=self.store_id, quantity=quantity))
            audit.record(s, self.device_id, cashier.id, cashier.name, "refund", {  # a sensitive action (issue 8)
                "return_number": number, "original": purchase.number if purchase else None,
                "total_cents": total, "tenders": [[t.kind, t.amount_cents] for t in tenders],
                "customer_id": customer_id})
            if approval is not None:
                audit.record(s, self.device_id, approval[0], approval[1], "approval",
                             {"action": "blind_return", "return_number": number, "total_cents": total,
                              "customer_id": customer_id, "cashier": cashier.name})
            if fiscal is not None:
                fiscal_records.record(s, self.device_id, fiscal, reference=f"{RETURN_REF}:{return_id}")
            s.flush()  # the digital receipt below reads the rows just written
            document = digital_receipt.to_document(self._receipt(
                s, return_id, purchase.label if purchase else "ohne Beleg", reason_labels))
            event = append_event(s, self.device_id, EventType.RETURN_COMPLETED, {
                "return_id": return_id, "return_number": number, "store_id": self.store_id,
                "device_id": self.device_id, "cashier_id": cashier.id, "created_at": created_at,
                "original": {"kind": purchase.kind, "id": purchase.id, "number": purchase.number} if purchase else None,
                "customer_id": customer_id, "approved_by": approval[0] if approval else None, "total_cents": total,
                "lines": [{"line_no": n, "original_line_no": i.original_line_no, "product_id": i.product_id,
                           "sku": i.sku, "name": i.name, "quantity": i.quantity, "refund_cents": i.refund_cents,
                           "vat_percent": i.vat_percent, "condition": i.condition, "reason_code": i.reason_code,
                           "reason_text": i.reason_text} for n, i in enumerate(items, 1)],
                "tenders": [{"kind": t.kind, "amount_cents": t.amount_cents, "reference": t.reference}
                            for t in tenders],
                **({"tse": fiscal_records.event_payload(fiscal)} if fiscal is not None else {}),
                "receipt": {"token": token, "link": link, "document": document},
            }, created_at)
            s.flush()
            s.execute(update(Return).where(Return.id == return_id).values(event_id=event.id))
            movements.record(s, event.id, self.store_id, restock)
        return CompletedReturn(return_id, number, total, tuple(tenders),
                               sum(t.amount_cents for t in tenders if t.kind == "cash"),
                               tuple((t.reference, t.amount_cents) for t in tenders if t.kind == "voucher"),
                               tuple(sorted(restock.items())), sale,
                               fiscal.error if isinstance(fiscal, SigningFailure) else "", receipt_link=link)

    # ---- what this till knows --------------------------------------------------------------

    def local_purchase(self, number: str) -> Purchase | None:
        """A sale of this store file by receipt number or sale id, with its local returns."""
        with self._db.reading() as s:
            sale = s.execute(select(Sale).where((Sale.receipt_number == number) | (Sale.id == number))).scalar()
            if sale is None:
                return None
            rows = s.execute(select(SaleLine, Product.category).join(Product, Product.id == SaleLine.product_id)
                             .where(SaleLine.sale_id == sale.id).order_by(SaleLine.line_no)).all()
            paid: dict[str, int] = {}
            for t in s.execute(select(SaleTender).where(SaleTender.sale_id == sale.id)).scalars():
                paid[t.kind] = paid.get(t.kind, 0) + t.amount_cents
            head = (sale.id, sale.receipt_number, sale.store_id, sale.created_at)
            offers = promotion_models.sale_promotions(s, sale.id)  # issue 15: the sale's promotions
        returned, refunded = self.unconfirmed_returns("sale", head[0], only_unconfirmed=False)
        shares: dict[int, int] = {}
        for offer in offers:
            for share in json.loads(offer.lines):
                shares[int(share["line_no"])] = shares.get(int(share["line_no"]), 0) + int(share["cents"])
        promotable = promotable_lines(((line.line_no, line.unit_price_cents, line.list_price_cents,
                                        line.line_discount_cents) for line, _ in rows), shares)
        lines = tuple(PurchaseLine(line.line_no, line.product_id, line.sku, line.name, category or "",
                                   line.quantity, returned.get(line.line_no, (0, 0))[0], line.total_cents,
                                   returned.get(line.line_no, (0, 0))[1], line.vat_percent, line.list_price_cents,
                                   promotable[line.line_no])
                      for line, category in rows)
        tenders = tuple(PurchaseTender(kind, cents, refunded.get(kind, 0)) for kind, cents in paid.items())
        return Purchase("sale", head[0], head[1], head[2], "store", parse_iso(head[3]), None, lines, tenders, "local",
                        sale_pricing(head[2], [json.loads(o.definition) for o in offers]))

    def unconfirmed_returns(self, kind: str, original_id: str, only_unconfirmed: bool = True
                            ) -> tuple[dict[int, tuple[int, int]], dict[str, int]]:
        """({original line: (quantity, cents)}, {refund kind: cents}) of this till's returns of a
        purchase; `only_unconfirmed`: just those whose event the center has not applied yet."""
        status_filter = "AND (o.status IS NULL OR o.status != :sent)" if only_unconfirmed else ""
        params = {"k": kind, "id": original_id, "sent": Status.SENT}
        with self._db.reading() as s:
            lines = s.execute(text(
                "SELECT l.original_line_no, SUM(l.quantity), SUM(l.refund_cents) FROM return_lines l "
                "JOIN returns r ON r.id = l.return_id LEFT JOIN outbox o ON o.id = r.event_id "
                f"WHERE r.original_kind = :k AND r.original_id = :id {status_filter} GROUP BY l.original_line_no"),
                params).all()
            tenders = s.execute(text(
                "SELECT t.kind, SUM(t.amount_cents) FROM return_tenders t JOIN returns r ON r.id = t.return_id "
                "LEFT JOIN outbox o ON o.id = r.event_id "
                f"WHERE r.original_kind = :k AND r.original_id = :id {status_filter} GROUP BY t.kind"), params).all()
        return ({int(n): (int(q), int(c)) for n, q, c in lines if n is not None}, {k: int(c) for k, c in tenders})

    def blind_total(self, customer_id: int, since: str) -> int:
        """Store credit this till gave `customer_id` for blind returns since `since`."""
        with self._db.reading() as s:
            return int(s.execute(select(func.coalesce(func.sum(Return.total_cents), 0)).where(
                Return.customer_id == customer_id, Return.original_kind.is_(None),
                Return.created_at >= since)).scalar_one())

    # ---- the receipt ---------------------------------------------------------------------------

    def find_return(self, number: str) -> tuple[str, str] | None:
        """(return id, what it took back) of this till's return with that number, if it is one."""
        with self._db.reading() as s:
            row = s.execute(select(Return.id, Return.original_number).where(Return.return_number == number)).first()
        return (row[0], row[1] or "ohne Beleg") if row else None

    def receipt(self, return_id: str, original_label: str = "", reason_labels: dict[str, str] | None = None,
                copy: bool = False) -> ReturnReceipt:
        with self._db.reading() as s:
            return self._receipt(s, return_id, original_label, reason_labels, copy)

    def _receipt(self, s: Session, return_id: str, original_label: str = "",
                 reason_labels: dict[str, str] | None = None, copy: bool = False) -> ReturnReceipt:
        ret = s.get(Return, return_id)
        if ret is None:
            raise LookupError(f"Rücknahme {return_id} nicht gefunden.")
        store, device = s.get(Store, ret.store_id), s.get(Device, ret.device_id)
        lines = s.execute(select(ReturnLine).where(ReturnLine.return_id == return_id)
                          .order_by(ReturnLine.line_no)).scalars().all()
        tenders = s.execute(select(ReturnTender).where(ReturnTender.return_id == return_id)
                            .order_by(ReturnTender.seq)).scalars().all()
        sale_number = (s.execute(select(Sale.receipt_number).where(Sale.id == ret.exchange_sale_id)).scalar()
                       if ret.exchange_sale_id else None)
        fiscal = s.execute(select(TseTransaction).where(
            TseTransaction.reference == f"{RETURN_REF}:{return_id}")).scalar_one_or_none()
        tse = None if fiscal is None else fiscal_records.receipt_block(fiscal_records.outcome_of(fiscal))
        offset = clock_offset.load(s)  # the receipt shows the corrected time (pos_app.trusted_time)
        assert store is not None and device is not None
        labels = reason_labels or {}
        original = original_label or (f"{ret.original_number}" if ret.original_number else "ohne Beleg")
        return ReturnReceipt(
            store_name=store.name,
            store_address=tuple(x for x in (store.street, f"{store.zip_code} {store.city}".strip(),
                                            f"Tel. {store.phone}" if store.phone else "") if x),
            vat_id=store.vat_id, created_at=local_display(corrected(parse_iso(ret.created_at), offset)), return_number=ret.return_number,
            device_name=device.id, cashier_name=ret.cashier_name, original=original,
            lines=tuple(ReturnReceiptLine(line.quantity, line.name, line.refund_cents, line.vat_percent,
                                          CONDITION_LABELS.get(line.condition, line.condition),
                                          labels.get(line.reason_code, line.reason_code)
                                          + (f": {line.reason_text}" if line.reason_text else ""))
                        for line in lines),
            total_cents=ret.total_cents,
            tenders=tuple((REFUND_LABELS.get(t.kind, t.kind) + (" (Terminal)" if t.kind == "card" else ""),
                           t.amount_cents) for t in tenders),
            vouchers=tuple((t.reference, t.amount_cents) for t in tenders if t.kind == "voucher"),
            cash_refund=any(t.kind == "cash" for t in tenders), approved_by=ret.approved_by,
            exchange_note=f"Umtausch: neue Ware auf Bon {sale_number}" if sale_number else "", copy=copy, tse=tse,
            digital_link=digital_receipt.link_for(self._sales.link_base, ret.receipt_token) if ret.receipt_token else "")


def _with_reference(payment: Payment, return_number: str) -> Payment:
    """The exchange tender names the return it comes from."""
    from dataclasses import replace

    return Payment(payment.total_cents, [replace(t, reference=return_number) if t.kind.value == "exchange" else t
                                         for t in payment.tenders])

