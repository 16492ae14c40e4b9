"""What the customer display shows (issue 16), as a pure value computed from the till session:
the lines as they are scanned (with their discounts: the promotions), the total, what is paid,
what is still to pay and the change; after the sale the digital receipt's link (as a QR code on
the screen); between sales the store's idle message.

Why a pure value: the display (ui.customer_display) only draws a `CustomerScreen`; it subscribes
to TillSession.watchers and asks `screen_of` after every change, so it never duplicates a rule
of the cart or the payment, and this is tested without Qt.

Thread: the UI thread (it reads the till session, which lives there).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pos_app.i18n import N_, t_marked
from pos_app.money import format_euro
from pos_app.till import TillSession

Phase = Literal["idle", "sale", "payment", "done"]
NOT_YET_SYNCED = N_("Abrufbar, sobald die Kasse den Bon übertragen hat.")
OFFLINE = N_("Die Kasse ist gerade offline: Der Beleg ist abrufbar, sobald sie wieder verbunden ist.")


@dataclass(frozen=True)
class DisplayLine:
    quantity: int
    name: str
    amount_cents: int  # the line's total after its own discount
    note: str = ""  # "Rabatt 10 % (Treue) -1,50 €": the promotion the customer gets


@dataclass(frozen=True)
class CustomerScreen:
    phase: Phase
    lines: tuple[DisplayLine, ...] = ()
    total_cents: int = 0
    savings_cents: int = 0  # line and cart discounts together
    paid_cents: int = 0
    due_cents: int = 0
    change_cents: int = 0
    receipt_number: str = ""
    receipt_link: str = ""  # shown as a QR code at the end of the sale
    receipt_note: str = ""  # when the link starts to work
    message: str = ""  # the idle message between sales


def screen_of(session: TillSession, idle_message: str = "Herzlich willkommen!",
              online: bool | None = None) -> CustomerScreen:
    """The display's content now. `online`: the till's sync state (None: not known); the
    receipt's link only works once the sale has reached the center, and the customer is told."""
    cart, payment = session.cart, session.payment
    if cart.is_empty():
        done = session.last_sale
        if done is None:
            return CustomerScreen("idle", message=idle_message)
        note = t_marked(OFFLINE if online is False else NOT_YET_SYNCED)
        return CustomerScreen("done", total_cents=done.total_cents, paid_cents=done.total_cents + done.change_cents,
                              change_cents=done.change_cents, receipt_number=done.receipt_number,
                              receipt_link=done.receipt_link, receipt_note=note if done.receipt_link else "",
                              message=idle_message)
    totals = cart.totals()
    lines = []
    for priced in totals.lines:
        line = priced.line
        note = ""
        if line.discount_cents:
            reason = line.discount.reason if line.discount else ""
            note = f"Rabatt {reason} -{format_euro(line.discount_cents)}".replace("  ", " ")
        lines.append(DisplayLine(line.quantity, line.product.name, line.total_cents, note))
    savings = totals.line_discounts_cents + totals.cart_discount_cents
    if payment is None:
        return CustomerScreen("sale", tuple(lines), totals.total_cents, savings, due_cents=totals.total_cents)
    return CustomerScreen("payment", tuple(lines), totals.total_cents, savings,
                          paid_cents=sum(t.given_cents for t in payment.tenders),
                          due_cents=max(payment.remaining_cents, 0), change_cents=payment.change_cents)
