"""Card payments through a terminal, with the one rule that keeps a customer from paying twice:

  Every command that moves money (payment, refund, reversal) is recorded here, committed, in
  state "pending" BEFORE it goes to the terminal. Only the terminal's final answer settles it.
  Without a final answer (timeout, busy line, dropped connection, crash) nothing is assumed and
  nothing is sent again: the terminal is asked for its last transaction (Repeat Receipt). That
  transaction is ours when it is approved, of our amount, and its receipt number is not one this
  till already knows. Then:
  - during the sale (timeout, lost completion): the payment counts, the sale goes on;
  - at start-up after a crash (the cart is gone): the payment is reversed at the terminal, so the
    sale can be rung up again and charged once; the audit log says so.
  A terminal that cannot even be connected to never got the command: nothing was booked, the
  row is settled "not_charged" at once and the cashier may take another tender.
  If the terminal cannot be asked (after a command that was sent), the row stays pending and card payments stay blocked
  until it can: the cashier sees why, and may take cash only for a sale whose card state is clear.

Thread: the terminal's worker thread (hardware.zvt.worker) runs these functions; the database
calls are short write transactions on their own sessions, safe beside the UI thread's (WAL).
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from pos_app.card_terminal import (CardOutcome, CardTerminal, TerminalDay, TerminalNotReached, TerminalReply,
                                   TerminalUnavailable)
from pos_app.clock import Clock, iso, utc_now
from pos_app.i18n import t
from pos_app.store.card_models import CardAuthorisation
from pos_app.store.db import Database
from pos_app.store.models import SaleTender

StatusCallback = Callable[[str], None]
_SETTLED = {CardOutcome.APPROVED: "approved", CardOutcome.DECLINED: "declined",
            CardOutcome.ABORTED: "aborted", CardOutcome.BUSY: "busy"}


class CardStateUnclear(RuntimeError):
    """A terminal command's outcome is still unknown (the terminal cannot be asked)."""


@dataclass(frozen=True)
class Recovery:
    """What start-up did with a command the till never saw answered."""

    authorisation_id: str
    kind: str
    amount_cents: int
    charged: bool  # the terminal had booked it
    reversed: bool  # and we reversed it (a payment whose sale was lost)
    message: str


class CardLedger:
    """The card_authorisations table (pos_app.store.card_models)."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    def begin(self, kind: str, amount_cents: int) -> str:
        auth_id = str(uuid.uuid4())
        with self._db.writing() as s:
            s.add(CardAuthorisation(id=auth_id, kind=kind, amount_cents=amount_cents, state="pending",
                                    created_at=iso(self._clock()), resolved_at="", receipt_no=None,
                                    reference="", message="", slip="[]"))
        return auth_id

    def settle(self, auth_id: str, reply: TerminalReply, state: str | None = None) -> None:
        with self._db.writing() as s:
            row = s.get(CardAuthorisation, auth_id)
            assert row is not None
            row.state = state or _SETTLED[reply.outcome]
            row.resolved_at = iso(self._clock())
            row.receipt_no = reply.receipt_no
            row.reference = reply.reference
            row.message = reply.message[:200]
            row.slip = json.dumps(list(reply.slip), ensure_ascii=False)

    def mark(self, auth_id: str, state: str, message: str = "") -> None:
        with self._db.writing() as s:
            row = s.get(CardAuthorisation, auth_id)
            assert row is not None
            row.state, row.resolved_at = state, iso(self._clock())
            if message:
                row.message = message[:200]

    def mark_reversed(self, receipt_no: int) -> None:
        with self._db.writing() as s:
            for row in s.scalars(select(CardAuthorisation).where(CardAuthorisation.kind == "payment",
                                                                CardAuthorisation.receipt_no == receipt_no)):
                row.state, row.resolved_at = "reversed", iso(self._clock())

    def pending(self) -> list[CardAuthorisation]:
        with self._db.reading() as s:
            return list(s.scalars(select(CardAuthorisation).where(CardAuthorisation.state == "pending")
                                  .order_by(CardAuthorisation.created_at)))

    def known_receipts(self) -> set[int]:
        """Terminal receipt numbers of every answered command (payments, refunds, reversals)."""
        with self._db.reading() as s:
            return {n for n in s.scalars(select(CardAuthorisation.receipt_no)
                                         .where(CardAuthorisation.receipt_no.is_not(None))) if n is not None}

    def unused_payments(self) -> list[CardAuthorisation]:
        """Approved payments no sale carries as its card tender (the till died before the sale
        was committed)."""
        with self._db.reading() as s:
            used = set(s.scalars(select(SaleTender.reference).where(SaleTender.kind == "card")))
            rows = s.scalars(select(CardAuthorisation).where(CardAuthorisation.kind == "payment",
                                                            CardAuthorisation.state == "approved"))
            return [r for r in rows if r.reference not in used]

    def slip_for(self, reference: str) -> tuple[str, ...]:
        with self._db.reading() as s:
            row = s.scalars(select(CardAuthorisation).where(CardAuthorisation.reference == reference,
                                                           CardAuthorisation.kind == "payment")).first()
            return tuple(json.loads(row.slip)) if row is not None else ()

    def slips_for_sale(self, sale_id: str) -> list[tuple[str, ...]]:
        """The terminal's customer receipts of a sale's card tenders, in tender order."""
        with self._db.reading() as s:
            refs = list(s.scalars(select(SaleTender.reference).where(SaleTender.sale_id == sale_id,
                                                                   SaleTender.kind == "card")
                                  .order_by(SaleTender.seq)))
        return [slip for slip in (self.slip_for(ref) for ref in refs if ref) if slip]

    def record_end_of_day(self, reply: TerminalReply) -> None:
        with self._db.writing() as s:
            s.add(CardAuthorisation(
                id=str(uuid.uuid4()), kind="end_of_day", amount_cents=reply.total_cents,
                state=_SETTLED[reply.outcome], created_at=iso(self._clock()), resolved_at=iso(self._clock()),
                receipt_no=None, reference="", message=reply.message[:200],
                slip=json.dumps({"schemes": [[t.scheme, t.count, t.cents] for t in reply.totals],
                                 "lines": list(reply.slip or reply.merchant_slip)}, ensure_ascii=False)))

    def end_of_day_between(self, start: str, end: str) -> TerminalDay | None:
        """The last terminal end-of-day taken in [start, end] (ISO times: a shift's span)."""
        with self._db.reading() as s:
            row = s.scalars(select(CardAuthorisation).where(
                CardAuthorisation.kind == "end_of_day", CardAuthorisation.created_at >= start,
                CardAuthorisation.created_at <= end).order_by(CardAuthorisation.created_at.desc())).first()
        if row is None:
            return None
        data = json.loads(row.slip)
        return TerminalDay(row.created_at, row.amount_cents, tuple(tuple(x) for x in data["schemes"]),  # type: ignore[misc]
                           row.state == "approved", row.message)

    def is_clear(self) -> bool:
        return not self.pending()


def _ask_last(ledger: CardLedger, terminal: CardTerminal, kind: str, amount_cents: int,
              on_status: StatusCallback | None) -> TerminalReply | None:
    """The terminal's last transaction if it is the one we are unsure about, else None (it never
    booked ours). Raises TerminalUnavailable when it cannot be asked."""
    if on_status is not None:
        on_status("Keine Antwort vom Terminal: der letzte Vorgang wird abgefragt …")
    last = terminal.last_transaction(on_status)
    ours = (last.approved and last.amount_cents == amount_cents and last.receipt_no is not None
            and last.receipt_no not in ledger.known_receipts())
    return last if ours else None


def run_command(ledger: CardLedger, terminal: CardTerminal, kind: str, amount_cents: int,
                send: Callable[[StatusCallback | None], TerminalReply],
                on_status: StatusCallback | None = None) -> TerminalReply:
    """Record, send, settle; on no final answer ask the terminal instead of sending again.
    Raises CardStateUnclear when the terminal cannot be asked either (the row stays pending)."""
    if not ledger.is_clear():
        raise CardStateUnclear(t("Ein früherer Kartenvorgang ist noch ungeklärt: erst das Terminal fragen."))
    auth_id = ledger.begin(kind, amount_cents)
    try:
        reply = send(on_status)
    except TerminalNotReached as exc:  # never sent: certain that nothing was booked
        reply = TerminalReply(CardOutcome.BUSY, amount_cents, 0xA3, t("Terminal nicht erreichbar ({exc})", exc=exc))
        ledger.settle(auth_id, reply, "not_charged")
        return reply
    except TerminalUnavailable:
        try:
            found = _ask_last(ledger, terminal, kind, amount_cents, on_status)
        except TerminalUnavailable as exc:
            raise CardStateUnclear(t("Terminal nicht erreichbar, Ergebnis unbekannt: {exc}", exc=exc)) from exc
        if found is None:
            reply = TerminalReply(CardOutcome.ABORTED, amount_cents, 0x6C,
                                  t("Terminal hat nicht gebucht (keine Antwort). Nichts belastet."))
            ledger.settle(auth_id, reply, "not_charged")
            return reply
        reply = found
    ledger.settle(auth_id, reply)
    return reply


def pay(ledger: CardLedger, terminal: CardTerminal, amount_cents: int,
        on_status: StatusCallback | None = None) -> TerminalReply:
    return run_command(ledger, terminal, "payment", amount_cents,
                       lambda cb: terminal.pay(amount_cents, cb), on_status)


def refund(ledger: CardLedger, terminal: CardTerminal, amount_cents: int,
           on_status: StatusCallback | None = None) -> TerminalReply:
    return run_command(ledger, terminal, "refund", amount_cents,
                       lambda cb: terminal.refund(amount_cents, cb), on_status)


def reverse(ledger: CardLedger, terminal: CardTerminal, receipt_no: int, amount_cents: int,
            on_status: StatusCallback | None = None) -> TerminalReply:
    """Reversal 06 30 of the payment with this terminal receipt number; the payment's row is
    marked reversed, so start-up never gives it back a second time."""
    reply = run_command(ledger, terminal, "reversal", amount_cents,
                        lambda cb: terminal.reverse(receipt_no, cb), on_status)
    if reply.approved:
        ledger.mark_reversed(receipt_no)
    return reply


def end_of_day(ledger: CardLedger, terminal: CardTerminal,
               on_status: StatusCallback | None = None) -> TerminalReply:
    """The terminal's Kassenschnitt (06 50), recorded for the Z report. Moves no money, so no
    pending row: a lost answer is simply run again."""
    reply = terminal.end_of_day(on_status)
    ledger.record_end_of_day(reply)
    return reply


def settle_pending(ledger: CardLedger, terminal: CardTerminal,
                   on_status: StatusCallback | None = None) -> list[tuple[CardAuthorisation, TerminalReply | None]]:
    """Ask the terminal about every pending command and settle it: (row, the terminal's reply if
    it had booked it, else None). Raises CardStateUnclear if the terminal cannot be asked."""
    settled: list[tuple[CardAuthorisation, TerminalReply | None]] = []
    for row in ledger.pending():
        try:
            found = _ask_last(ledger, terminal, row.kind, row.amount_cents, on_status)
        except TerminalUnavailable as exc:
            raise CardStateUnclear(t("Terminal nicht erreichbar: {exc}", exc=exc)) from exc
        if found is None:
            ledger.mark(row.id, "not_charged", "vom Terminal nicht gebucht")
        else:
            ledger.settle(row.id, found)
        settled.append((row, found))
    return settled


def recover(ledger: CardLedger, terminal: CardTerminal,
            on_status: StatusCallback | None = None) -> list[Recovery]:
    """At start-up (terminal worker): settle every pending command and give back every approved
    payment no sale carries (its cart died with the till). Raises CardStateUnclear if the
    terminal cannot be asked."""
    done: list[Recovery] = []
    for row, found in settle_pending(ledger, terminal, on_status):
        if found is None:
            done.append(Recovery(row.id, row.kind, row.amount_cents, False, False,
                                 t("Nicht belastet: das Terminal hatte den Vorgang nicht gebucht.")))
        elif row.kind != "payment":
            done.append(Recovery(row.id, row.kind, row.amount_cents, True, False,
                                 t("{message}: vom Terminal gebucht (Beleg {receipt_no}).", message=found.message, receipt_no=found.receipt_no)))
    for row in ledger.unused_payments():
        if row.receipt_no is None:
            continue
        undo = reverse(ledger, terminal, row.receipt_no, row.amount_cents, on_status)
        if undo.approved:
            ledger.mark(row.id, "reversed", f"nach Neustart storniert (Storno-Beleg {undo.receipt_no})")
        done.append(Recovery(row.id, "payment", row.amount_cents, True, undo.approved,
                             t("Zahlung ohne Bon storniert.") if undo.approved else t("Storno fehlgeschlagen: {message}", message=undo.message)))
    return done
