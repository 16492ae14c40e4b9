"""Returns at the till: the application service a returns screen drives (Qt-free, like
pos_app.till.TillSession). Every operation either returns what it did or raises an error with a
message for the cashier (RefundError, PolicyError, ApprovalRequired) and changes nothing.

Finding the purchase: the number from the receipt's barcode, the order's QR code ("ORDER:...")
or typed in. This till's own sales are found in the store file; the center is asked for
everything (another till or store, a web order) and for what was returned elsewhere. Online,
the center's figures count, plus this till's returns it has not confirmed yet. Offline, only
this till's own sales can be taken back, checked against this till's own returns: the center
checks again when the event arrives, and a rejection lands on the manager's conflict list.

Rules: the synced return policy (window, final sale, reasons; pos_app.return_policy), the money
rules of pos_app.refunds (per-unit refunds that add up, never more per tender than was paid).
Blind returns (no receipt) need a manager's approval (the till's approval mechanism:
ApprovalRequired, then the call again with an Approval), a known customer, store credit only,
at the lowest price of the last `blind_price_days` days in this store (the price history the
store file keeps of every price change; without history, the current price), within the
policy's per-customer limit (what this till knows; the center checks over all stores).
Exchange: the returned items' credit pays for the new items in the till's cart in one
transaction; the cashier takes the difference (cash or card) or refunds what is left.

Shift and TSE: a return (and an exchange) needs an open shift, like a sale (ReturnBook checks
it in the write transaction; this service asks first, so nothing is signed for a closed till).
Each return is a TSE transaction (Kassenbeleg-V1, Beleg with negative amounts: see
pos_app.fiscal.cash_movements), an exchange's sale is one more; both are signed before the write
(never longer than the signer's budget) and recorded in it, unsigned with the error when the TSE
is down. The return receipt carries the TSE block and QR code.

Loyalty points: there is no loyalty model in the product yet, so there is nothing to take back.

Thread: the UI thread for the quick parts; `find` may ask the center and belongs on a worker
(ui.tasks.run_in_background), as do complete* (an fsync'd write).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import text

from pos_app.cart import Approval, ApprovalAction, ApprovalRequired
from pos_app.clock import Clock, iso, utc_now
from pos_app.fiscal.cash_movements import return_amounts
from pos_app.fiscal.records import amounts_for_sale
from pos_app.fiscal.signing import FiscalOutcome, FiscalSigner
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.payment import Payment, Tender, TenderError, TenderKind
from pos_app.prices.refunds import RefundError as PriceRuleError, purchase_refunds, split_over_items
from pos_app.refunds import (CONDITIONS, CenterUnavailable, Purchase, PurchaseNotFound, RefundError, RefundTender,
                             check_refund, propose_refund)
from pos_app.return_policy import PolicyError, ReturnPolicy
from pos_app.shift import ShiftError
from pos_app.store import clock_offset
from pos_app.store.local import LocalStore
from pos_app.store.policies import load_return_policy, lowest_price
from pos_app.store.returns import CompletedReturn, Exchange, ReturnBook, ReturnItem
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from pos_app.unknown_receipt import UnknownReceipt, origin_of

CenterLookup = Callable[[str], Purchase]  # raises PurchaseNotFound or CenterUnavailable


class IsReturnReceipt(RefundError):
    """The number scanned is one of this till's return receipts, not a purchase."""

    def __init__(self, return_id: str, number: str, original: str) -> None:
        super().__init__(f"{number} ist ein Rücknahmebeleg (zu {original}), kein Kauf. "
                         f"„Beleg nachdrucken“ druckt ihn noch einmal.")
        self.return_id = return_id
ReturnError = (RefundError, PolicyError, TenderError, ShiftError)


@dataclass(frozen=True)
class FoundPurchase:
    purchase: Purchase
    note: str = ""  # for the cashier, e.g. "offline: checked against this till only"


@dataclass(frozen=True)
class Choice:
    """What the cashier picked on one line of the purchase."""

    line_no: int
    quantity: int
    condition: str = "resellable"
    reason_code: str = "gefaellt_nicht"
    reason_text: str = ""


def normalise_number(raw: str) -> str:
    text_ = raw.strip()
    for prefix in ("ORDER:", "ORDER ", "BESTELLUNG:", "BON:"):
        if text_.upper().startswith(prefix):
            return text_[len(prefix):].strip()
    return text_


class ReturnsService:
    def __init__(self, store: LocalStore, cashier: StaffMember, center: CenterLookup | None = None,
                 clock: Clock = utc_now, signer: FiscalSigner | None = None) -> None:
        """`signer`: the TSE; None takes the store's (LocalStore.fiscal, itself None without a TSE)."""
        self.store = store
        self.cashier = cashier
        self.center = center
        self._clock = clock
        self.signer = signer if signer is not None else store.fiscal
        self.book = ReturnBook(store.db, store.device_id, store.store_id, store.sales, clock)

    @property
    def policy(self) -> ReturnPolicy:
        return load_return_policy(self.store.db)

    # ---- finding ---------------------------------------------------------------------------

    def find(self, raw: str) -> FoundPurchase:
        number = normalise_number(raw)
        if not number:
            raise RefundError(t("Bitte Bon- oder Bestellnummer scannen oder eingeben."))
        if (earlier := self.book.find_return(number)) is not None:
            raise IsReturnReceipt(earlier[0], number, earlier[1])
        local = self.book.local_purchase(number)
        if self.center is None:
            if local is None:
                raise self._unknown(number, offline=True, why="keine Verbindung zur Zentrale eingerichtet")
            return FoundPurchase(local, t("Nur mit den Daten dieser Kasse geprüft."))
        try:
            remote = self.center(number)
        except PurchaseNotFound as exc:
            if local is not None:  # the center has not received this till's sale yet
                return FoundPurchase(local, t("Die Zentrale kennt den Bon noch nicht: geprüft mit den Daten dieser "
                                            "Kasse, die Zentrale prüft beim Abgleich nach."))
            raise self._unknown(number) from exc
        except CenterUnavailable as exc:
            if local is not None:
                return FoundPurchase(local, t("Offline: geprüft mit den Daten dieser Kasse; die Zentrale prüft "
                                            "beim Abgleich nach."))
            raise self._unknown(number, offline=True, why=str(exc)) from exc
        return FoundPurchase(self._with_unconfirmed(remote))

    def _unknown(self, number: str, offline: bool = False, why: str = "") -> UnknownReceipt:
        """The refusal that names the receipt's store and offers the ways forward."""
        origin = origin_of(number)
        name = ""
        if origin is not None:
            with self.store.db.reading() as s:
                name = s.execute(text("SELECT name FROM stores WHERE id = :i"), {"i": origin.store_id}).scalar() or ""
        return UnknownReceipt(number, origin, name, offline=offline, own_store_id=self.store.store_id, why=why)

    def _with_unconfirmed(self, purchase: Purchase) -> Purchase:
        """Add this till's returns of `purchase` that the center has not confirmed yet."""
        lines, tenders = self.book.unconfirmed_returns(purchase.kind, purchase.id)
        if not lines and not tenders:
            return purchase
        return replace(purchase, lines=tuple(
            replace(line, returned_quantity=line.returned_quantity + lines.get(line.line_no, (0, 0))[0],
                    refunded_cents=line.refunded_cents + lines.get(line.line_no, (0, 0))[1])
            for line in purchase.lines), tenders=tuple(
            replace(t, refunded_cents=t.refunded_cents + tenders.get(t.kind, 0)) for t in purchase.tenders))

    # ---- choosing ------------------------------------------------------------------------------

    def items(self, purchase: Purchase, choices: list[Choice]) -> list[ReturnItem]:
        """The return's items for the cashier's choices, checked against the policy and against
        what is left to return (two choices on one line count together)."""
        if not choices:
            raise RefundError(t("Bitte mindestens einen Artikel zur Rücknahme wählen."))
        # judged on the center's clock (this till's clock + the offset the sync measured), as the
        # center re-judges it when the return arrives (backend.returns, pos_app.trusted_time)
        policy, now, taken = self.policy, clock_offset.corrected_now(self.store.db, self._clock), {}
        items = []
        for choice in choices:
            line = purchase.line(choice.line_no)
            if choice.condition not in CONDITIONS:
                raise RefundError(t("Unbekannter Zustand „{condition}“.", condition=choice.condition))
            policy.check_reason(choice.reason_code, choice.reason_text)
            policy.check_item(line.product_id, line.name, line.category, purchase.created_at, now)
            so_far = taken.get(line.line_no, (0, 0))
            current = replace(line, returned_quantity=line.returned_quantity + so_far[0],
                              refunded_cents=line.refunded_cents + so_far[1])
            refund = current.refund_for(choice.quantity)
            taken[line.line_no] = (so_far[0] + choice.quantity, so_far[1] + refund)
            items.append(ReturnItem(line.line_no, line.product_id, line.sku, line.name, choice.quantity, refund,
                                    line.vat_percent, choice.condition, choice.reason_code,
                                    policy.reason(choice.reason_code).label, choice.reason_text.strip()))
        return self._promotion_refunds(purchase, items)

    @staticmethod
    def _promotion_refunds(purchase: Purchase, items: list[ReturnItem]) -> list[ReturnItem]:
        """A sale with promotions refunds by their rule (pos_app.prices.refunds, the center's
        too): what was paid for what is held, minus what the kept goods cost re-priced."""
        returning: dict[int, int] = {}
        for item in items:
            assert item.original_line_no is not None
            returning[item.original_line_no] = returning.get(item.original_line_no, 0) + item.quantity
        try:
            per_line = purchase_refunds(purchase, returning)
        except PriceRuleError as exc:
            raise RefundError(str(exc)) from None
        if per_line is None:
            return items
        cents = split_over_items(per_line, [(i.original_line_no or 0, i.quantity) for i in items])
        return [replace(item, refund_cents=c) for item, c in zip(items, cents)]

    def propose_refund(self, purchase: Purchase | None, amount_cents: int) -> list[RefundTender]:
        return propose_refund(purchase, amount_cents, self.policy.refund_as_store_credit)

    # ---- completing ----------------------------------------------------------------------------

    def complete(self, purchase: Purchase, items: list[ReturnItem], tenders: list[RefundTender],
                 customer_id: int | None = None) -> CompletedReturn:
        total = sum(i.refund_cents for i in items)
        check_refund(purchase, tenders, total, self.policy.refund_as_store_credit)
        return self.book.record(self.cashier, purchase, items, tenders, customer_id or purchase.customer_id,
                                fiscal=self._sign(items, tenders), reason_labels=self._reason_labels())

    def complete_exchange(self, purchase: Purchase, items: list[ReturnItem], till: TillSession,
                          difference: tuple[str, int] | None = None,
                          refund_tenders: list[RefundTender] | None = None) -> CompletedReturn:
        """The returned items pay for the cart of `till`. New items dearer: `difference` is
        ("cash", given) or ("card", amount, the terminal approved); cheaper: `refund_tenders`
        pay back the rest (see pos_app.refunds). The sale and the return: one transaction."""
        if till.cart.is_empty():
            raise RefundError(t("Für einen Umtausch zuerst die neuen Artikel in den Bon scannen."))
        if till.payment is not None and till.payment.tenders:
            raise RefundError(t("Der Bon ist schon angezahlt: erst abschließen oder stornieren."))
        new = till.cart.totals()
        credit = sum(i.refund_cents for i in items)
        used = min(credit, new.total_cents)
        payment = Payment(new.total_cents, [Tender(TenderKind.EXCHANGE, used, used)] if used else [])
        due = new.total_cents - used
        if due:
            if difference is None:
                raise RefundError(t("Die neuen Artikel kosten {due} mehr: bitte bar oder mit Karte zahlen.", due=format_euro(due)))
            kind, cents = difference
            if kind == "cash":
                payment.add_cash(cents)
            elif payment.add_card(cents, approved=True) is None or payment.remaining_cents:
                raise RefundError(t("Kartenzahlung muss genau {due} sein.", due=format_euro(due)))
        rest = credit - used
        refund_tenders = refund_tenders if refund_tenders is not None else self.propose_refund(purchase, rest)
        check_refund(purchase, refund_tenders, rest, self.policy.refund_as_store_credit)
        fiscal = self._sign(items, [RefundTender("exchange", used), *refund_tenders])
        sale_fiscal = None if self.signer is None else self.signer.sign_receipt(amounts_for_sale(
            {row.rate.percent: row.gross_cents for row in new.vat},
            [(t.kind.value, t.amount_cents) for t in payment.tenders]))
        done = self.book.record(self.cashier, purchase, items, refund_tenders, purchase.customer_id,
                                exchange=Exchange(new, payment, used), fiscal=fiscal, sale_fiscal=sale_fiscal,
                                reason_labels=self._reason_labels())
        till.cart.clear()
        till.payment = None
        return done

    # ---- without a receipt -----------------------------------------------------------------------

    def blind_item(self, product_id: int, quantity: int, condition: str, reason_code: str,
                   reason_text: str = "") -> ReturnItem:
        policy = self.policy
        if not policy.blind_returns_allowed:
            raise PolicyError(t("Rücknahmen ohne Beleg sind laut Rückgaberichtlinie nicht erlaubt."))
        if quantity < 1:
            raise RefundError(t("Die Menge muss mindestens 1 sein."))
        if condition not in CONDITIONS:
            raise RefundError(t("Unbekannter Zustand „{condition}“.", condition=condition))
        policy.check_reason(reason_code, reason_text)
        with self.store.db.reading() as s:
            row = s.execute(text("SELECT id, sku, name, category, vat_percent FROM products WHERE id = :p"),
                            {"p": product_id}).first()
        if row is None:
            raise RefundError(t("Artikel {product_id} ist unbekannt.", product_id=product_id))
        if policy.is_final_sale(row.id, row.category):
            raise PolicyError(t("„{name}“ ist vom Umtausch ausgeschlossen.", name=row.name))
        price = lowest_price(self.store.db, product_id, self.store.store_id, policy.blind_price_days, self._clock)
        if price is None:
            raise RefundError(t("„{name}“ hat in dieser Filiale keinen Preis.", name=row.name))
        return ReturnItem(None, row.id, row.sku, row.name, quantity, price * quantity, row.vat_percent, condition,
                          reason_code, policy.reason(reason_code).label, reason_text.strip())

    def complete_blind(self, items: list[ReturnItem], customer_id: int | None,
                       approval: Approval | None = None) -> CompletedReturn:
        if not items:
            raise RefundError(t("Bitte mindestens einen Artikel zur Rücknahme wählen."))
        if customer_id is None:
            raise RefundError(t("Rücknahme ohne Beleg: bitte den Kunden angeben (Kundennummer)."))
        with self.store.db.reading() as s:
            known = s.execute(text("SELECT 1 FROM customers WHERE id = :c"), {"c": customer_id}).first()
        if known is None:
            raise RefundError(t("Kunde {customer_id} ist unbekannt.", customer_id=customer_id))
        policy, total = self.policy, sum(i.refund_cents for i in items)
        since = iso(self._clock() - timedelta(days=policy.blind_limit_days))
        before = self.book.blind_total(customer_id, since)
        if before + total > policy.blind_limit_cents:
            raise PolicyError(t("Limit für Rücknahmen ohne Beleg: {blind_limit_cents} in {blind_limit_days} Tagen; dieser Kunde hatte schon {before}.", blind_limit_cents=format_euro(policy.blind_limit_cents), blind_limit_days=policy.blind_limit_days, before=format_euro(before)))
        if approval is None:
            raise ApprovalRequired(ApprovalAction.BLIND_RETURN,
                                   t("Rücknahme ohne Beleg über {total} als Gutschein: Freigabe nötig.", total=format_euro(total)))
        refund = [RefundTender("voucher", total)]
        return self.book.record(self.cashier, None, items, refund, customer_id,
                                approval=(approval.manager_id, approval.manager_name), fiscal=self._sign(items, refund),
                                reason_labels=self._reason_labels())

    def _reason_labels(self) -> dict[str, str]:
        """The policy's words for the reason codes, as the paper receipt prints them."""
        return {r.code: r.label for r in self.policy.reason_codes}

    def _sign(self, items: list[ReturnItem], tenders: list[RefundTender]) -> FiscalOutcome | None:
        """The return's TSE transaction, before its write. A closed till is refused first: a
        signed transaction without its return would be a hole in the records."""
        self.store.cashbook.require_open()
        if self.signer is None:
            return None
        return self.signer.sign_receipt(return_amounts([(i.vat_percent, i.refund_cents) for i in items],
                                                       [(t.kind, t.amount_cents) for t in tenders if t.amount_cents]))


def customer_by_number(store: LocalStore, number: str) -> int | None:
    """A customer id for a customer number (or an id typed in), as the cashier types it."""
    typed = number.strip()
    if not typed:
        return None
    with store.db.reading() as s:
        row = s.execute(text("SELECT id FROM customers WHERE number = :n"), {"n": typed}).first()
        if row is None and typed.isdigit():
            row = s.execute(text("SELECT id FROM customers WHERE id = :n"), {"n": int(typed)}).first()
    return int(row[0]) if row else None
