"""A card refund in a return through the terminal (Refund 06 31), for the returns dialog.

The refund is checked first (pos_app.refunds.check_refund: what the purchase allows per tender),
then the terminal pays the card part back on its worker; only its approval books the return,
with the terminal's reference on the card tender. Declined or aborted: nothing is booked and the
cashier sees why. If the return cannot be booked after the terminal paid back (rare: the till
was closed meanwhile), the cashier is told the terminal's reference so the manager can settle
it; the ledger (pos_app.card_payments) keeps the refund either way.

Thread: the UI thread; the terminal's work runs on its worker.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from pos_app.card_payments import CardStateUnclear
from pos_app.card_terminal import TerminalReply
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.refunds import RefundTender, check_refund


def refund_by_terminal(dialog: Any, tenders: list[RefundTender]) -> None:
    service, purchase, items = dialog.service, dialog.purchase, list(dialog.items)
    total = sum(i.refund_cents for i in items)
    check_refund(purchase, tenders, total, service.policy.refund_as_store_credit)  # raises: nothing sent
    card_cents = sum(t.amount_cents for t in tenders if t.kind == "card")
    dialog.say(t("Kartengutschrift {card_cents}: Karte am Terminal vorhalten …", card_cents=format_euro(card_cents)), error=False)
    dialog.setEnabled(False)

    def refunded(reply: TerminalReply | None, error: BaseException | None) -> None:
        dialog.setEnabled(True)
        if error is not None or reply is None:
            unclear = isinstance(error, CardStateUnclear)
            dialog.say(t("Kartengutschrift {value}: {error}. Nichts gebucht.", value=t('ungeklärt') if unclear else t('nicht möglich'), error=error))
            return
        if not reply.approved:
            dialog.say(t("Kartengutschrift abgelehnt: {message}. Nichts gebucht.", message=reply.message))
            return
        booked = [replace(t, reference=reply.reference) if t.kind == "card" else t for t in tenders]
        try:
            done = service.complete(purchase, items, booked)
        except Exception as exc:  # the money went back: say where to find it
            dialog.say(t("Karte erstattet ({reference}), Rücknahme aber nicht gebucht: {exc}", reference=reply.reference, exc=exc))
            return
        dialog.on_done(done, purchase)
        dialog.accept()

    dialog.terminal.refund(card_cents, refunded)
