"""The till's cash book: opening a shift with a counted float, paid in / paid out / drops to the
safe, the X report (interim) and the Z report (day close with a blind count), and the closings
as a read-only view for the DSFinV-K export.

Rules (pos_app.shift has the arithmetic):
- one open shift per till (a partial unique index says so too); selling needs one
  (SaleBook.complete checks inside the sale's transaction, TillSession at the first scan);
- the Z number is the till's previous highest plus one, taken inside the closing's write
  transaction (BEGIN IMMEDIATE): no gaps, no reuse, never reset, and a crash before the commit
  takes everything back (a closed shift and its Z number are one commit). A trigger makes a
  closed shift final and no shift can be deleted;
- the closing writes the frozen Z report (JSON) on the shift, an audit entry (with the count of
  events still waiting to sync, if any) and a `day.closed` outbox event in the same commit.

For the DSFinV-K export (built on top of this, not here):

    list_closings(store, date_from, date_to) -> list[DayClosing]

gives the Z closings of this till whose closing time (UTC ISO text, compared as text) lies in
[date_from, date_to) (either bound may be None), in Z number order. `DayClosing` is a frozen
dataclass: z_number, device_id, store_id, opened_at, closed_at, closed_by, float_cents,
first_receipt/last_receipt, sales and returns (count, gross cents), totals by tender
(`TenderTotal`: kind, count, amount_cents), by VAT rate (`VatTotal`: percent, gross/net/vat
cents), cash_expected/cash_counted/cash_difference_cents, paid_in/paid_out/drops cents and the
single movements (`MovementLine`, with their DSFinV-K business case). Nothing in it is live.

Thread: any; every call is one short transaction. The UI runs them on the UI thread (a shift's
report reads one till's receipts of one day: milliseconds).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_app.clock import Clock, iso, utc_now
from pos_app.fiscal.signing import SigningFailure
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.shift import (
    BusinessCase, CountAmount, MovementKind, MovementLine, SaleInProgress, ShiftClosed, ShiftError,
    ShiftHeader, ShiftReport, TenderTotal, VatTotal, build_report, check_movement,
)
from pos_app.store import audit
from pos_app.store.db import Database
from pos_app.store.models import AuditEntry, CashMovement, Device, OutboxEvent, Sale, SaleTender, Shift, Store
from pos_app.store.outbox import EventType, append_event
from pos_app.store.returns_models import Return, ReturnTender
from pos_app.store.shift_documents import return_no, shift_documents

if TYPE_CHECKING:
    from pos_app.fiscal.signing import FiscalSigner
    from pos_app.store.staff import StaffMember

NOT_OPEN = "Die Kasse ist nicht geöffnet. Die Marktleitung öffnet sie mit Anfangsbestand (Strg+Umschalt+O)."


@dataclass(frozen=True)
class OpenShift:
    shift_id: int
    opened_at: str
    opened_by: str
    float_cents: int


@dataclass(frozen=True)
class CashMoved:
    """What a paid in / paid out / drop changed."""

    movement_id: int
    kind: MovementKind
    business_case: BusinessCase
    amount_cents: int
    expected_cash_cents: int  # in the drawer afterwards
    tse_failure: str = ""  # the TSE did not sign the movement (recorded unsigned): why


@dataclass(frozen=True)
class DayClosed:
    """What a Z close changed."""

    shift_id: int
    z_number: int
    report: ShiftReport
    pending_events: int  # events still waiting to sync when the day was closed (recorded)


@dataclass(frozen=True)
class DayClosing:
    """One Z closing, as the DSFinV-K export needs it (see the module docstring)."""

    z_number: int
    device_id: str
    store_id: str
    opened_at: str
    closed_at: str
    closed_by: str
    float_cents: int
    first_receipt: str
    last_receipt: str
    sales: CountAmount
    returns: CountAmount
    tenders: tuple[TenderTotal, ...]
    vat: tuple[VatTotal, ...]
    cash_expected_cents: int
    cash_counted_cents: int
    cash_difference_cents: int
    paid_in_cents: int
    paid_out_cents: int
    drops_cents: int
    movements: tuple[MovementLine, ...]

    @classmethod
    def from_report(cls, r: ShiftReport) -> "DayClosing":
        assert r.z_number is not None and r.cash.counted_cents is not None
        return cls(r.z_number, r.device_id, r.store_id, r.opened_at, r.as_of, r.closed_by, r.cash.float_cents,
                   r.first_receipt, r.last_receipt, r.sales, r.returns, r.tenders, r.vat, r.cash.expected_cents,
                   r.cash.counted_cents, r.cash.counted_cents - r.cash.expected_cents, r.cash.paid_in_cents,
                   r.cash.paid_out_cents, r.cash.drops_cents, r.movements)


def open_shift_row(session: Session, device_id: str) -> Shift | None:
    return session.execute(select(Shift).where(Shift.device_id == device_id, Shift.closed_at.is_(None))).scalar()


class CashBook:
    def __init__(self, db: Database, device_id: str, store_id: str, clock: Clock = utc_now) -> None:
        self._db = db
        self.device_id = device_id
        self.store_id = store_id
        self._clock = clock

    # ---- reading -------------------------------------------------------------------------

    def current(self) -> OpenShift | None:
        with self._db.reading() as s:
            row = open_shift_row(s, self.device_id)
            return None if row is None else OpenShift(row.id, row.opened_at, row.opened_by_name, row.float_cents)

    def require_open(self) -> OpenShift:
        shift = self.current()
        if shift is None:
            raise ShiftClosed(NOT_OPEN)
        return shift

    def last_z_number(self) -> int:
        with self._db.reading() as s:
            return self._last_z(s)

    def x_report(self) -> ShiftReport:
        """The interim report of the open shift (nothing is written)."""
        with self._db.reading() as s:
            row = open_shift_row(s, self.device_id)
            if row is None:
                raise ShiftClosed(NOT_OPEN)
            return self._report(s, row, as_of=iso(self._clock()),
                                pending_events=self._pending(s))

    def closings(self, date_from: str | None = None, date_to: str | None = None) -> list[DayClosing]:
        with self._db.reading() as s:
            q = select(Shift.report).where(Shift.device_id == self.device_id, Shift.z_number.is_not(None))
            if date_from:
                q = q.where(Shift.closed_at >= date_from)
            if date_to:
                q = q.where(Shift.closed_at < date_to)
            reports = s.execute(q.order_by(Shift.z_number)).scalars().all()
        return [DayClosing.from_report(ShiftReport.from_dict(json.loads(r))) for r in reports]

    def z_report(self, z_number: int) -> ShiftReport:
        with self._db.reading() as s:
            text = s.execute(select(Shift.report).where(Shift.device_id == self.device_id,
                                                        Shift.z_number == z_number)).scalar()
        if text is None:
            raise LookupError(f"Z-Bon {z_number} gibt es an dieser Kasse nicht.")
        return ShiftReport.from_dict(json.loads(text))

    # ---- changing ------------------------------------------------------------------------

    def open(self, float_cents: int, by: StaffMember) -> OpenShift:
        """Open the till with the float counted into the drawer."""
        if not isinstance(float_cents, int) or float_cents < 0:
            raise ShiftError(t("Der Anfangsbestand darf nicht negativ sein."))
        now = iso(self._clock())
        with self._db.writing() as s:
            if open_shift_row(s, self.device_id) is not None:
                raise ShiftError(t("Die Kasse ist schon geöffnet."))
            device = s.get(Device, self.device_id)
            assert device is not None
            last_audit = s.execute(select(func.max(AuditEntry.id))).scalar() or 0
            row = Shift(device_id=self.device_id, store_id=self.store_id, opened_at=now, opened_by_id=by.id,
                        opened_by_name=by.name, float_cents=float_cents, receipt_no_from=device.last_receipt_no,
                        audit_id_from=last_audit)
            s.add(row)
            s.flush()
            audit.record(s, self.device_id, by.id, by.name, "shift.opened",
                         {"shift_id": row.id, "float_cents": float_cents, "next_z_number": self._last_z(s) + 1})
            return OpenShift(row.id, now, by.name, float_cents)

    def move(self, kind: MovementKind, case: BusinessCase, amount_cents: int, note: str,
             by: StaffMember, signer: FiscalSigner | None = None,
             also: Callable[[Session, int], None] | None = None) -> CashMoved:
        """Paid in, paid out or a drop to the safe. Taking out more than the drawer should hold
        is refused. `signer`: the till's TSE (LocalStore.fiscal); the movement is a Kassenbeleg
        of its own (pos_app.fiscal.cash_movements), signed before the write and recorded in it,
        unsigned with the error when the TSE is down (never refused for that). `also(session,
        movement_id)`: more writes of the same business case in the same transaction (a gift
        card sold: its outbox event), so both happen or neither."""
        note = check_movement(kind, case, amount_cents, note)
        outcome = None
        if signer is not None:
            from pos_app.fiscal.cash_movements import sign_movement

            with self._db.reading() as s:  # refuse before signing what would be refused anyway
                self._check_move(s, kind, amount_cents)
            outcome = sign_movement(signer, kind, amount_cents)
        now = iso(self._clock())
        with self._db.writing() as s:
            row, expected = self._check_move(s, kind, amount_cents)
            movement = CashMovement(shift_id=row.id, device_id=self.device_id, created_at=now, kind=kind.value,
                                    business_case=case.value, amount_cents=amount_cents, note=note,
                                    actor_id=by.id, actor_name=by.name)
            s.add(movement)
            s.flush()
            after = expected + kind.sign * amount_cents
            if outcome is not None:
                from pos_app.fiscal import records as fiscal_records

                fiscal_records.record(s, self.device_id, outcome, reference=f"cash:{movement.id}")
            if also is not None:
                also(s, movement.id)
            audit.record(s, self.device_id, by.id, by.name, f"cash.{kind.value}", {
                "shift_id": row.id, "movement_id": movement.id, "business_case": case.value,
                "amount_cents": amount_cents, "note": note, "before": {"expected_cash_cents": expected},
                "after": {"expected_cash_cents": after}})
            failure = outcome.error if isinstance(outcome, SigningFailure) else ""
            return CashMoved(movement.id, kind, case, amount_cents, after, failure)

    def close(self, counted_cents: int, by: StaffMember, *, sale_in_progress: bool = False) -> DayClosed:
        """The Z close with the blind count (`counted_cents` was entered before the expected
        amount was shown). Refused while a sale is open at this till."""
        if sale_in_progress:
            raise SaleInProgress("Ein Bon ist noch offen. Bitte erst abschließen, parken oder stornieren, "
                                 "dann den Tag abschließen.")
        if not isinstance(counted_cents, int) or counted_cents < 0:
            raise ShiftError(t("Der gezählte Betrag darf nicht negativ sein."))
        now = iso(self._clock())
        with self._db.writing() as s:
            row = open_shift_row(s, self.device_id)
            if row is None:
                raise ShiftClosed("Die Kasse ist nicht geöffnet: es gibt keinen Tag abzuschließen.")
            pending = self._pending(s)  # before this closing's own events
            z_number = self._last_z(s) + 1
            device = s.get(Device, self.device_id)
            assert device is not None
            row.receipt_no_to = device.last_receipt_no
            row.audit_id_to = s.execute(select(func.max(AuditEntry.id))).scalar() or 0
            report = self._report(s, row, as_of=now, z_number=z_number, closed_by=by.name,
                                  counted_cents=counted_cents, pending_events=pending)
            payload = report.to_dict()
            row.closed_at, row.closed_by_id, row.closed_by_name = now, by.id, by.name
            row.z_number, row.counted_cents = z_number, counted_cents
            row.expected_cents, row.pending_events = report.cash.expected_cents, pending
            row.report = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            details = {"shift_id": row.id, "z_number": z_number, "expected_cents": report.cash.expected_cents,
                       "counted_cents": counted_cents, "difference_cents": report.cash.difference_cents,
                       "sales": report.sales.count, "total_cents": report.total_cents,
                       "pending_events": pending}
            if pending:
                details["warning"] = f"{pending} Vorgänge beim Abschluss noch nicht an die Zentrale übertragen"
            audit.record(s, self.device_id, by.id, by.name, "shift.closed", details)
            append_event(s, self.device_id, EventType.DAY_CLOSED, payload, now)
            return DayClosed(row.id, z_number, report, pending)

    # ---- internals -------------------------------------------------------------------------

    def _check_move(self, s: Session, kind: MovementKind, amount_cents: int) -> tuple[Shift, int]:
        row = open_shift_row(s, self.device_id)
        if row is None:
            raise ShiftClosed(NOT_OPEN)
        expected = self._expected_cash(s, row)
        if kind is not MovementKind.PAID_IN and amount_cents > expected:
            raise ShiftError(t("In der Kasse sollten nur {expected} sein; {amount_cents} können nicht entnommen werden.", expected=format_euro(expected), amount_cents=format_euro(amount_cents)))
        return row, expected

    def _last_z(self, s: Session) -> int:
        return int(s.execute(select(func.max(Shift.z_number)).where(Shift.device_id == self.device_id)).scalar() or 0)

    def _expected_cash(self, s: Session, row: Shift) -> int:
        """What the drawer should hold now: the report's rule, added up in SQL (a paid out
        must not read a long day's every receipt)."""
        cash = s.execute(select(func.coalesce(func.sum(SaleTender.amount_cents), 0))
                         .join(Sale, Sale.id == SaleTender.sale_id)
                         .where(Sale.device_id == self.device_id, Sale.receipt_no > row.receipt_no_from,
                                SaleTender.kind == "cash")).scalar_one()
        refunded = s.execute(select(func.coalesce(func.sum(ReturnTender.amount_cents), 0))
                             .join(Return, Return.id == ReturnTender.return_id)
                             .where(Return.device_id == self.device_id, return_no(self.device_id) > row.receipt_no_from,
                                    ReturnTender.kind == "cash")).scalar_one()
        moved = 0
        for kind, amount in s.execute(select(CashMovement.kind, func.sum(CashMovement.amount_cents))
                                      .where(CashMovement.shift_id == row.id).group_by(CashMovement.kind)):
            moved += MovementKind(kind).sign * int(amount)
        return row.float_cents + int(cash) - int(refunded) + moved

    @staticmethod
    def _pending(s: Session) -> int:
        return int(s.execute(select(func.count()).where(OutboxEvent.status == "pending")).scalar_one())

    def _report(self, s: Session, row: Shift, *, as_of: str, z_number: int | None = None, closed_by: str = "",
                counted_cents: int | None = None, pending_events: int = 0) -> ShiftReport:
        store = s.get(Store, row.store_id)
        header = ShiftHeader(row.device_id, row.store_id, store.name if store else row.store_id, row.opened_at,
                             row.opened_by_name, row.float_cents)
        movements = [MovementLine(m.created_at, m.kind, m.business_case, m.amount_cents, m.note, m.actor_name)
                     for m in s.execute(select(CashMovement).where(CashMovement.shift_id == row.id)
                                        .order_by(CashMovement.id)).scalars()]
        return build_report(header, shift_documents(s, self.device_id, row), movements, self._voids(s, row), as_of=as_of,
                            z_number=z_number, closed_by=closed_by, counted_cents=counted_cents,
                            pending_events=pending_events)

    def _voids(self, s: Session, row: Shift) -> CountAmount:
        """Whole receipts thrown away during the shift (audit entries "sale_voided")."""
        cond = [AuditEntry.device_id == self.device_id, AuditEntry.action == "sale_voided",
                AuditEntry.id > row.audit_id_from]
        if row.audit_id_to is not None:
            cond.append(AuditEntry.id <= row.audit_id_to)
        details = s.execute(select(AuditEntry.details).where(*cond)).scalars().all()
        return CountAmount(len(details), sum(int(json.loads(d).get("total_cents", 0)) for d in details))


def list_closings(store: object, date_from: str | None = None, date_to: str | None = None) -> list[DayClosing]:
    """The Z closings of a LocalStore's till in [date_from, date_to) (see the module docstring)."""
    return store.cashbook.closings(date_from, date_to)  # type: ignore[attr-defined]
