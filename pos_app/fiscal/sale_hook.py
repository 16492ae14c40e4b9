"""The TSE side of the till's open sale (KassenSichV): the TSE transaction starts with the first
item, is finished at payment with the sale's amounts, and is finished as aborted
(AVBelegabbruch) when the sale is given up (voided, parked, every line removed).

TillSession holds one and calls it at those moments; everything fiscal stays here, so the till
session only has to say what happened. With no signer (no TSE set up) every call does nothing.
Thread: the till's (UI) thread; the TSE itself runs on the signer's TSE thread.
"""
from __future__ import annotations

from pos_app.cart import Cart, Totals
from pos_app.fiscal import records
from pos_app.fiscal.signing import FiscalOutcome, FiscalSigner, PendingTransaction
from pos_app.gift_cards.rules import redeems_gift_card
from pos_app.payment import Payment
from pos_app.store.local import LocalStore


class SaleFiscal:
    def __init__(self, store: LocalStore, signer: FiscalSigner | None) -> None:
        self.store = store
        self.signer = signer
        self.pending: PendingTransaction | None = None  # the open sale's TSE transaction

    def items_changed(self, cart: Cart) -> None:
        """After items came into the cart (scan, search, recall): start the transaction once;
        when the cart was emptied line by line, the process ended without a sale."""
        if cart.is_empty():
            self.given_up("geleert")
        elif self.signer is not None and self.pending is None:
            self.pending = self.signer.begin()  # returns at once; the TSE thread starts it

    def given_up(self, why: str) -> None:
        """Finish a started transaction as AVBelegabbruch and record it (on the TSE thread, so
        the till does not wait)."""
        pending, self.pending = self.pending, None
        if self.signer is None or pending is None:
            return
        store, device_id = self.store, self.store.device_id

        def record(outcome: FiscalOutcome) -> None:
            with store.db.writing() as s:
                records.record(s, device_id, outcome, reference=f"{records.ABORTED}:{why}")
        self.signer.abort(pending, record)

    def sign(self, totals: Totals, payment: Payment) -> FiscalOutcome | None:
        """Finish the sale's transaction with its amounts. Never raises; waits at most the
        signer's budget. None: no TSE set up."""
        if self.signer is None:
            return None
        pending, self.pending = self.pending, None
        return self.signer.sign_receipt(records.amounts_for_sale(
            {row.rate.percent: row.gross_cents for row in totals.vat},
            [(tender.kind.value, tender.amount_cents) for tender in payment.tenders],
            sum(tender.amount_cents for tender in payment.tenders
                if redeems_gift_card(tender.kind.value, tender.reference))), pending)
