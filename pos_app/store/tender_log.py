"""The tenders of a payment in progress, recorded as they are taken (issue 12): cash handed
over, a card approved at the terminal, store credit applied. Each is written in a transaction
of its own the moment it is taken, before the sale completes; the sale's own transaction marks
them sold. A till that dies in between (power, SIGKILL) leaves them "open": after the restart
they are shown for a manager to resolve, so the drawer is not over (or short) by that amount at
the Z close:

- resume the sale with those tenders (TillSession.resume_interrupted): cart and tenders come
  back as they were; completing it settles them;
- or close it out: cash left in the drawer is booked as a paid-in cash movement (Einlage), or
  the cash was handed back to the customer; an approved card was reversed at the terminal.
  Either way an audit entry records who decided what.

Booking cash in is a cash movement of the cashbook (its own transaction, with the TSE): the
rows are claimed ("paying_in") first, then moved, then marked "paid_in"; a crash between is
repaired on the next look (`interrupted`): a movement whose note carries the payment's id
exists, or it does not. Nothing is booked twice and nothing is lost.

Thread: the UI thread (short writes, like completing a sale).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pos_app.clock import Clock, iso, utc_now
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.payment import Tender, TenderKind
from pos_app.store import audit
from pos_app.store.db import Database
from pos_app.store.staff import StaffMember
from pos_app.store.tender_models import TakenTender

OPEN, SOLD, VOIDED, PAYING_IN, PAID_IN, HANDED_BACK = "open", "sold", "voided", "paying_in", "paid_in", "handed_back"


class TenderLogError(ValueError):
    """A resolution that is not possible (already resolved, not a manager); nothing changed."""


@dataclass(frozen=True)
class InterruptedPayment:
    """A payment whose sale never completed: its tenders, and the cart to resume it with."""

    payment_id: str
    cashier_name: str
    started_at: str
    total_cents: int
    tenders: tuple[Tender, ...]
    cart: dict[str, Any]

    @property
    def cash_cents(self) -> int:
        """Cash that went into the drawer (what was given minus the change handed out)."""
        return sum(t.amount_cents for t in self.tenders if t.kind is TenderKind.CASH)

    @property
    def card_cents(self) -> int:
        return sum(t.amount_cents for t in self.tenders if t.kind is TenderKind.CARD)

    @property
    def paid_cents(self) -> int:
        return sum(t.amount_cents for t in self.tenders)

    def describe(self) -> str:
        parts = [f"{t.kind.value} {format_euro(t.amount_cents)}" for t in self.tenders]
        return (f"Zahlung von {self.cashier_name}, begonnen {self.started_at[:16].replace('T', ' ')}: "
                f"{format_euro(self.paid_cents)} von {format_euro(self.total_cents)} ({', '.join(parts)})")


def movement_note(payment_id: str) -> str:
    """The paid-in movement's note; it carries the payment's id, so a crash can be repaired."""
    return f"Abgebrochene Zahlung {payment_id}: Bargeld in der Kasse belassen"


class TenderLog:
    def __init__(self, db: Database, device_id: str, clock: Clock = utc_now) -> None:
        self._db = db
        self.device_id = device_id
        self._clock = clock

    def taken(self, payment_id: str, tender: Tender, total_cents: int, cart: dict[str, Any],
              cashier: StaffMember) -> None:
        """One tender as it is taken, in its own committed transaction."""
        with self._db.writing() as s:
            s.add(TakenTender(payment_id=payment_id, device_id=self.device_id, kind=tender.kind.value,
                              amount_cents=tender.amount_cents, given_cents=tender.given_cents,
                              reference=tender.reference, taken_at=iso(self._clock()), cashier_id=cashier.id,
                              cashier_name=cashier.name, total_cents=total_cents,
                              cart=json.dumps(cart, ensure_ascii=False, separators=(",", ":"))))

    def settle(self, s: Session, payment_id: str, sale_id: str) -> None:
        """The sale completed: inside the sale's own transaction."""
        s.execute(update(TakenTender).where(TakenTender.payment_id == payment_id, TakenTender.state == OPEN)
                  .values(state=SOLD, sale_id=sale_id))

    def voided(self, payment_id: str, manager_name: str) -> None:
        """The sale was voided after payment (a manager approved; the money went back)."""
        self._mark(payment_id, (OPEN,), VOIDED, manager_name)

    def interrupted(self) -> list[InterruptedPayment]:
        """Payments of this till left open by a crash, oldest first (a half-done pay-in repaired)."""
        self._repair_pay_ins()
        with self._db.reading() as s:
            rows = s.execute(select(TakenTender).where(TakenTender.device_id == self.device_id,
                                                       TakenTender.state == OPEN)
                             .order_by(TakenTender.id)).scalars().all()
            grouped: dict[str, list[TakenTender]] = {}
            for row in rows:
                grouped.setdefault(row.payment_id, []).append(row)
            return [InterruptedPayment(
                pid, group[0].cashier_name, group[0].taken_at, group[-1].total_cents,
                tuple(Tender(TenderKind(r.kind), r.amount_cents, r.given_cents, r.reference) for r in group),
                json.loads(group[-1].cart)) for pid, group in grouped.items()]

    def find(self, payment_id: str) -> InterruptedPayment:
        for payment in self.interrupted():
            if payment.payment_id == payment_id:
                return payment
        raise TenderLogError(t("Diese abgebrochene Zahlung ist schon erledigt."))

    def close_out(self, payment_id: str, manager: StaffMember, cash_kept: bool, cashbook: Any,
                  signer: Any = None) -> InterruptedPayment:
        """The sale will not be resumed. `cash_kept`: the cash stays in the drawer and is booked
        in as a cash movement (Einlage); else it was handed back to the customer. An approved
        card was reversed at the terminal (the manager confirms). One audit entry either way."""
        if not manager.is_manager:
            raise TenderLogError(t("Eine abgebrochene Zahlung schließt nur eine Marktleitung ab."))
        payment = self.find(payment_id)
        details = {"payment_id": payment_id, "cash_cents": payment.cash_cents, "card_cents": payment.card_cents,
                   "total_cents": payment.total_cents, "cashier": payment.cashier_name}
        if cash_kept and payment.cash_cents > 0:
            from pos_app.shift import BusinessCase, MovementKind

            self._mark(payment_id, (OPEN,), PAYING_IN, manager.name)
            try:
                cashbook.move(MovementKind.PAID_IN, BusinessCase.EINZAHLUNG, payment.cash_cents,
                              movement_note(payment_id), manager, signer)
            except Exception:
                self._mark(payment_id, (PAYING_IN,), OPEN, "")
                raise
            self._mark(payment_id, (PAYING_IN,), PAID_IN, manager, {**details, "outcome": PAID_IN})
        else:
            self._mark(payment_id, (OPEN,), HANDED_BACK, manager, {**details, "outcome": HANDED_BACK})
        return payment

    # ---- internals ---------------------------------------------------------------------------

    def _mark(self, payment_id: str, from_states: tuple[str, ...], state: str, by: StaffMember | str,
              audited: dict[str, Any] | None = None) -> None:
        """Move the payment's rows to `state` (with the audit entry, when given, in the same
        transaction); refused when none is in `from_states` any more."""
        name = by.name if isinstance(by, StaffMember) else by
        with self._db.writing() as s:
            changed = s.execute(update(TakenTender).where(
                TakenTender.payment_id == payment_id, TakenTender.device_id == self.device_id,
                TakenTender.state.in_(from_states)).values(
                state=state, resolved_by=name, resolved_at=iso(self._clock()) if name else "")).rowcount
            if not changed:
                raise TenderLogError(t("Diese abgebrochene Zahlung ist schon erledigt."))
            if audited is not None and isinstance(by, StaffMember):
                audit.record(s, self.device_id, by.id, by.name, "interrupted_payment_closed", audited)

    def _repair_pay_ins(self) -> None:
        """A crash between claiming a pay-in and finishing it: look for the movement."""
        from pos_app.store.models import CashMovement

        with self._db.writing() as s:
            claimed = {r for (r,) in s.execute(select(TakenTender.payment_id).where(
                TakenTender.device_id == self.device_id, TakenTender.state == PAYING_IN)).all()}
            for payment_id in claimed:
                booked = s.execute(select(CashMovement.id).where(
                    CashMovement.device_id == self.device_id,
                    CashMovement.note == movement_note(payment_id))).first() is not None
                s.execute(update(TakenTender).where(TakenTender.payment_id == payment_id,
                                                    TakenTender.state == PAYING_IN)
                          .values(state=PAID_IN if booked else OPEN))
