"""The till session: one cashier selling, from the first scan to the completed sale.

This is the application service the till screen drives; it holds no Qt and can be tested (and
used by another front end) on its own. Every operation either succeeds and returns what changed,
or raises an error with a message for the cashier and changes nothing.

Tenders are recorded as they are taken (pos_app.store.tender_log), each in its own committed
transaction, and marked sold in the sale's transaction: a till killed in the middle of a payment
leaves the cash it took on record, for a manager to resume or close out after the restart.

Thread: the UI thread (its reads are primary-key look-ups of well under a millisecond); product
search and printing run elsewhere.
"""
from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pos_app import limits
from pos_app.card_terminal import TerminalReply
from pos_app.cart import (
    Approval, ApprovalAction, ApprovalPolicy, ApprovalRequired, Cart, CartChange, CartError, Discount,
    ProductSnapshot,
)
from pos_app.fiscal.sale_hook import SaleFiscal
from pos_app.fiscal.signing import FiscalSigner
from pos_app.clock import iso, utc_now
from pos_app.gtin import BarcodeError, ScannedCode, classify
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.payment import Payment, Tender, TenderError
from pos_app.shift import ShiftClosed
from pos_app.store.catalog import NoPrice
from pos_app.store.local import LocalStore
from pos_app.store.sales import CompletedSale
from pos_app.store.staff import StaffMember
from pos_app.store.tender_log import InterruptedPayment, TenderLog
from pos_app.till_promotions import TillPromotions


class UnknownCode(LookupError):
    """No product has this code; the till offers a search instead."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Unbekannter Artikelcode {code}. Artikel über die Suche finden?")
        self.code = code


SellError = (CartError, TenderError, BarcodeError, UnknownCode, NoPrice, ShiftClosed)
log = logging.getLogger(__name__)
_Op = TypeVar("_Op", bound=Callable[..., Any])


def _announced(operation: _Op) -> _Op:
    """After an operation that succeeded, tell the watchers (the customer display) that the
    sale changed; they read what they show from the session. A watcher's failure is logged and
    never undoes or blocks the sale."""
    @functools.wraps(operation)
    def run(self: "TillSession", *args: Any, **kwargs: Any) -> Any:
        result = operation(self, *args, **kwargs)
        for watcher in list(self.watchers):
            try:
                watcher()
            except Exception:  # noqa: BLE001 - a display must not break a sale
                log.exception("a till watcher failed")
        return result
    return run  # type: ignore[return-value]


@dataclass(frozen=True)
class PaymentChange:
    tender: Tender | None  # None: the card was declined
    remaining_cents: int
    change_cents: int
    complete: bool


class TillSession:
    def __init__(self, store: LocalStore, cashier: StaffMember, policy: ApprovalPolicy | None = None,
                 signer: FiscalSigner | None = None) -> None:
        self.store = store
        self.fiscal = SaleFiscal(store, signer if signer is not None else store.fiscal)  # the TSE side
        self.cashier = cashier
        self.cart = Cart(policy or ApprovalPolicy())
        self.promotions = TillPromotions(store)  # the shared engine prices the cart (pos_app.prices)
        self.cart.pricer = self.promotions.price
        self.payment: Payment | None = None
        self.vouchers: Callable[[str], int] | None = None  # pos_app.vouchers.VoucherCheck, set by the app
        # (product id, units the cart would hold) -> raises CartError when reserved units would be
        # sold to a walk-in (pos_app.pickups.WalkInGuard, set by the app)
        self.reservation_guard: Callable[[int, int], None] | None = None
        self.customer_id: int | None = None  # attached for loyalty points (pos_app.clienteling)
        self.tender_log = TenderLog(store.db, store.device_id)
        self._payment_id: str | None = None  # the tender log's key of the payment in progress
        # called (UI thread, no arguments) after each change of the sale: pos_app.customer_display
        self.watchers: list[Callable[[], None]] = []
        self.last_sale: CompletedSale | None = None  # the sale just completed, until the next starts
        # units sold for fulfilment elsewhere (pos_app.stock.fulfilment.EndlessAisle, set by the app)
        self.endless_aisle: Any = None

    @property
    def has_open_sale(self) -> bool:
        """Lines in the cart or a payment begun: the day cannot be closed now."""
        return not self.cart.is_empty() or self.payment is not None

    # ---- adding --------------------------------------------------------------------------

    def scan(self, raw: str) -> CartChange:
        """A code from a scanner or typed in: EAN-13/EAN-8/UPC-A (check digit verified), an
        internal Code 128 code, or a SKU."""
        code: ScannedCode = classify(raw)
        product = self.store.catalog.by_barcode(code.lookup_key)
        if product is None and not code.raw.isdigit():
            product = self.store.catalog.by_sku(code.raw)
        if product is None:
            raise UnknownCode(code.raw)
        return self.add(product)

    def add_product(self, product_id: int) -> CartChange:
        product = self.store.catalog.product(product_id)
        if product is None:
            raise CartError(t("Dieser Artikel ist nicht mehr im Sortiment."))
        return self.add(product)

    @_announced
    def add(self, product: ProductSnapshot, quantity: int = 1) -> CartChange:
        if self.cart.is_empty():  # a new receipt: say at once when the till is not open
            self.store.cashbook.require_open()
            self.last_sale = None
        if self.reservation_guard is not None:
            self.reservation_guard(product.product_id, quantity + sum(
                ln.quantity for ln in self.cart.lines if ln.product.product_id == product.product_id))
        change = self._guarded(lambda: self.cart.add(product, quantity))
        self.fiscal.items_changed(self.cart)
        return change

    # ---- changing ------------------------------------------------------------------------

    @_announced
    def set_quantity(self, line_id: int, quantity: int, approval: Approval | None = None) -> CartChange:
        line = next((ln for ln in self.cart.lines if ln.line_id == line_id), None)
        if self.reservation_guard is not None and line is not None and quantity > line.quantity:
            product_id = line.product.product_id  # more units: reserved ones must stay on the shelf
            self.reservation_guard(product_id, quantity - line.quantity + sum(
                ln.quantity for ln in self.cart.lines if ln.product.product_id == product_id))
        return self._guarded(lambda: self.cart.set_quantity(line_id, quantity, approval))

    @_announced
    def remove_line(self, line_id: int, approval: Approval | None = None) -> CartChange:
        return self._guarded(lambda: self.cart.remove(line_id, approval))

    @_announced
    def set_line_discount(self, line_id: int, discount: Discount | None,
                          approval: Approval | None = None) -> CartChange:
        return self._guarded(lambda: self.cart.set_line_discount(line_id, discount, approval))

    @_announced
    def set_cart_discount(self, discount: Discount | None, approval: Approval | None = None) -> CartChange:
        return self._guarded(lambda: self.cart.set_cart_discount(discount, approval))

    @_announced
    def override_price(self, line_id: int, unit_price_cents: int, reason: str,
                       approval: Approval | None = None) -> CartChange:
        return self._guarded(lambda: self.cart.override_price(line_id, unit_price_cents, reason, approval))

    @_announced
    def void_sale(self, approval: Approval | None = None) -> CartChange:
        """Throw the whole cart away. Once payment has started that is a void and needs a manager."""
        if self.payment is not None and self.payment.tenders:
            if approval is None:
                raise ApprovalRequired(ApprovalAction.VOID_AFTER_PAYMENT,
                                       t("Bon stornieren, obwohl schon bezahlt wurde: Geld zurückgeben!"))
            self.store.record(approval.manager_id, approval.manager_name, "approval",
                              {"action": "void_sale", "cashier": self.cashier.name,
                               "paid_cents": self.payment.paid_cents})
            if self._payment_id is not None:  # the money went back: nothing left to resolve
                self.tender_log.voided(self._payment_id, approval.manager_name)
        if not self.cart.is_empty():
            self.store.record(self.cashier.id, self.cashier.name, "sale_voided",
                              {"lines": len(self.cart.lines), "total_cents": self.cart.totals().total_cents,
                               "before": self.cart.to_dict(), "after": None})
        self.payment = None
        self._payment_id = None
        self.customer_id = None  # a voided sale takes its customer with it
        if self.endless_aisle is not None:
            self.endless_aisle.forget()  # nothing to order from elsewhere any more
        self.promotions.clear()
        self.fiscal.given_up("storniert")
        return self.cart.clear()

    @_announced
    def add_coupon(self, code: str) -> CartChange:
        """A coupon code handed over (pos_app.till_promotions: checked online, or the offline rule)."""
        if self.cart.is_empty():
            raise CartError(t("Bitte zuerst Artikel erfassen, dann den Gutschein."))
        if self.cart.payment_started:
            raise CartError(t("Nach Zahlungsbeginn kann kein Gutschein mehr dazukommen."))
        return self._guarded(lambda: (self.promotions.add_coupon(code), CartChange("discount"))[1])

    @_announced
    def remove_coupon(self, code: str) -> CartChange:
        """Take a coupon off the cart before payment; a use taken online goes back to the center."""
        if self.cart.payment_started:
            raise CartError(t("Nach Zahlungsbeginn kann kein Gutschein mehr entfernt werden."))
        return self._guarded(lambda: (self.promotions.remove_coupon(code), CartChange("discount"))[1])

    # ---- paying --------------------------------------------------------------------------

    def start_payment(self) -> Payment:
        if self.cart.is_empty():
            raise CartError(t("Der Warenkorb ist leer."))
        total = self.cart.totals().total_cents
        if total > limits.MAX_CENTS:  # the center would refuse the sale (pos_app.limits)
            raise CartError(t("Der Bon ({total}) ist höher als {MAX_CENTS}: bitte auf mehrere Bons aufteilen.", total=format_euro(total), MAX_CENTS=format_euro(limits.MAX_CENTS)))
        if self.payment is None:
            self.payment = Payment(total)
            self._payment_id = str(uuid.uuid4())
        return self.payment

    def _taken(self, tender: Tender | None) -> None:
        """Record a tender the moment it is taken; if that write fails, the tender is not taken."""
        if tender is None or self.payment is None:
            return
        if self._payment_id is None:
            self._payment_id = str(uuid.uuid4())
        try:
            self.tender_log.taken(self._payment_id, tender, self.payment.total_cents, self.cart.to_dict(),
                                  self.cashier)
        except Exception:
            self.payment.tenders.remove(tender)
            raise

    @_announced
    def pay_cash(self, given_cents: int, partial: bool = False) -> PaymentChange:
        payment = self.start_payment()
        tender = payment.add_cash(given_cents, partial)
        self._taken(tender)
        self.cart.payment_started = True
        return PaymentChange(tender, payment.remaining_cents, payment.change_cents, payment.is_complete)

    @_announced
    def pay_card(self, amount_cents: int, approved: bool, reference: str = "") -> PaymentChange:
        payment = self.start_payment()
        tender = payment.add_card(amount_cents, approved, reference)
        self._taken(tender)
        if tender is not None:
            self.cart.payment_started = True
        else:
            self.store.record(self.cashier.id, self.cashier.name, "card_declined",
                              {"amount_cents": amount_cents})
        return PaymentChange(tender, payment.remaining_cents, payment.change_cents, payment.is_complete)

    @_announced
    def pay_card_reply(self, reply: TerminalReply) -> PaymentChange:
        """The card terminal's final answer (pos_app.card_payments): approved adds the tender
        with the terminal's reference; anything else changes nothing but the audit log."""
        payment = self.start_payment()
        if reply.approved:
            tender = payment.add_card(reply.amount_cents, True, reply.reference)
            self._taken(tender)
            self.cart.payment_started = True
        else:
            tender = None
            self.store.record(self.cashier.id, self.cashier.name, "card_declined",
                              {"amount_cents": reply.amount_cents, "outcome": reply.outcome.value,
                               "result_code": reply.result_code, "reason": reply.message})
        return PaymentChange(tender, payment.remaining_cents, payment.change_cents, payment.is_complete)

    @_announced
    def remove_card_tender(self, reference: str) -> PaymentChange:
        """The terminal reversed this card payment: the amount is open again."""
        payment = self.start_payment()
        tender = payment.remove_card(reference)
        self.store.record(self.cashier.id, self.cashier.name, "card_reversed",
                          {"amount_cents": tender.amount_cents, "reference": reference})
        return PaymentChange(None, payment.remaining_cents, payment.change_cents, payment.is_complete)

    @_announced
    def pay_voucher(self, code: str, amount_cents: int, available_cents: int) -> PaymentChange:
        """Store credit; `available_cents` from pos_app.vouchers.VoucherCheck (self.vouchers)."""
        payment = self.start_payment()
        tender = payment.add_voucher(code, amount_cents, available_cents)
        self._taken(tender)
        self.cart.payment_started = True
        return PaymentChange(tender, payment.remaining_cents, payment.change_cents, payment.is_complete)

    @_announced
    def cancel_payment(self) -> None:
        """Leave the payment screen. Tenders already taken stay with the sale."""
        if self.payment is not None and not self.payment.tenders:
            self.payment = None
            self._payment_id = None

    def resume_interrupted(self, payment: InterruptedPayment) -> CartChange:
        """Take up a payment a crash interrupted (pos_app.store.tender_log): its cart and the
        tenders already taken come back; completing the sale settles them."""
        if not self.cart.is_empty() or self.payment is not None:
            raise CartError(t("Bitte den aktuellen Bon erst abschließen, parken oder stornieren."))
        self.tender_log.find(payment.payment_id)  # still open (not resolved meanwhile)
        change = self.cart.load(payment.cart)
        total = self.cart.totals().total_cents
        self.payment = Payment(total, list(payment.tenders))
        self._payment_id = payment.payment_id
        self.cart.payment_started = True
        self.fiscal.items_changed(self.cart)
        return change

    @_announced
    def complete(self, paper: bool = True) -> CompletedSale:
        """`paper`: False when the cashier chose "no paper" for this sale (the digital receipt,
        which every sale gets, is then the customer's receipt)."""
        payment = self.payment
        if payment is None or not payment.is_complete:
            due = payment.remaining_cents if payment else self.cart.totals().total_cents
            raise TenderError(t("Noch {due} offen: Der Bon ist nicht vollständig bezahlt.", due=format_euro(due)))
        reason = self.cart.cart_discount.reason if self.cart.cart_discount else ""
        totals = self.cart.totals()
        fiscal = self.fiscal.sign(totals, payment)  # never raises, bounded wait (KassenSichV)
        pricing = self.promotions.pricing_for(totals.lines, totals.promotions, self.customer_id)
        with self.store.db.writing() as s:  # the sale, its customer and its tenders settled: one commit
            # endless aisle: its orders' events go before the sale's (pos_app.stock.fulfilment)
            ordered = self.endless_aisle.before_sale(s, self) if self.endless_aisle is not None else []
            done = self.store.sales.complete(totals, payment, self.cashier, reason, fiscal, into=s, paper=paper,
                                             pricing=pricing)
            self.promotions.book_coupons(s, done.receipt_number, totals.promotions, iso(utc_now()))
            if self.customer_id is not None:
                from pos_app.clienteling import link_sale

                link_sale(s, self.store.device_id, done.sale_id, done.total_cents, self.customer_id)
                self.store.sales.reissue_document(s, done)  # the digital receipt shows the points too
            if self._payment_id is not None:
                self.tender_log.settle(s, self._payment_id, done.sale_id)
            if ordered:
                self.endless_aisle.after_sale(s, ordered, done)
        self.customer_id = None
        self.promotions.forget()  # book_coupons settled every coupon in the sale's transaction
        self.cart.clear()
        self.payment = None
        self._payment_id = None
        self.last_sale = done
        return done

    # ---- parking -------------------------------------------------------------------------

    @_announced
    def park(self, label: str = "") -> int:
        if self.cart.is_empty():
            raise CartError(t("Ein leerer Bon kann nicht geparkt werden."))
        if self.payment is not None and self.payment.tenders:
            raise CartError(t("Nach Zahlungsbeginn kann der Bon nicht mehr geparkt werden."))
        total = self.cart.totals().total_cents
        label = label.strip() or f"{len(self.cart.lines)} Pos., {format_euro(total)}"
        self.promotions.clear()  # coupons are not parked: online uses go back, hand them over again
        parked_id = self.store.parked.park(self.cart.to_dict(), self.cashier.name, label)
        self.fiscal.given_up(f"geparkt {parked_id}")  # a recalled sale starts a new transaction
        self.cart.clear()
        self.payment = None
        self.customer_id = None  # not parked with the cart: attach the customer again after recall
        return parked_id

    @_announced
    def recall(self, parked_id: int) -> CartChange:
        if not self.cart.is_empty():
            raise CartError(t("Bitte den aktuellen Bon erst abschließen oder parken."))
        data: dict[str, Any] = self.store.parked.take(parked_id)
        change = self.cart.load(data)
        self.fiscal.items_changed(self.cart)
        return change

    # ---- internals -----------------------------------------------------------------------

    def _guarded(self, operation) -> CartChange:  # type: ignore[no-untyped-def]
        """Run a cart operation; keep the payment's total in step, refusing any change that
        would leave less to pay than was already paid; record any manager approval."""
        before = self.cart.to_dict() if self.payment is not None else None
        started = self.cart.payment_started
        lines_before = {line.line_id: line for line in self.cart.lines}  # for the audit's before/after
        discount_before = self.cart.cart_discount
        change: CartChange = operation()
        if self.payment is not None and before is not None:
            new_total = self.cart.totals().total_cents
            if new_total < self.payment.paid_cents:
                self.cart.load(before)
                self.cart.payment_started = started
                raise CartError(t("Schon bezahlt: {paid_cents}. Die Summe kann nicht darunter sinken; den Bon stattdessen stornieren.", paid_cents=format_euro(self.payment.paid_cents)))
            self.payment.total_cents = new_total
        if change.approval is not None:
            action, approval, description = change.approval
            details: dict[str, Any] = {"action": action.value, "description": description,
                                       "cashier": self.cashier.name}
            if change.line_id is not None:
                old = lines_before.get(change.line_id)
                new = next((ln for ln in self.cart.lines if ln.line_id == change.line_id), None)
                details["before"] = old.to_dict() if old else None
                details["after"] = new.to_dict() if new else None
            else:
                details["before"] = discount_before.to_dict() if discount_before else None
                details["after"] = self.cart.cart_discount.to_dict() if self.cart.cart_discount else None
            self.store.record(approval.manager_id, approval.manager_name, "approval", details)
        if self.cart.is_empty():
            self.fiscal.items_changed(self.cart)  # every line removed: no sale after all
        return change
