"""Stock adjustments by hand: units written off (damaged, theft, own use) or found, with their
reason. Each one is one local transaction: the stock moves at once, one stock.adjusted event
(the center books the same delta, exactly once by the event id), one audit entry.

Above a value limit (the units at this store's price; `pin_limit_cents`, configurable, by
default pos_app.stock.rules.DEFAULT_PIN_LIMIT_CENTS) a manager must approve with their PIN:
the caller checks the PIN (pos_app.store.staff.StaffDirectory.log_in(..., "approval")) and
passes the manager; without one the adjustment is refused with ApprovalNeeded and nothing
changes. The event sends a delta, never a figure, so an adjustment made offline does not undo
the other tills' sales meanwhile.

Qt-free; ui/stock_adjustment.py drives it. Thread: the UI thread (one short transaction).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, text

from pos_app.clock import iso, utc_now
from pos_app.i18n import t
from pos_app.reconciliations import book
from pos_app.stock.rules import (DEFAULT_PIN_LIMIT_CENTS, StockRuleError, adjustment_delta, adjustment_label,
                                 needs_approval)
from pos_app.store import audit
from pos_app.store.local import LocalStore
from pos_app.store.models import Stock
from pos_app.store.outbox import EventType, append_event
from pos_app.store.staff import StaffMember

REASONS = ("damaged", "theft", "own_use", "found")


class ApprovalNeeded(StockRuleError):
    """The adjustment is worth more than the limit: ask a manager's PIN and try again."""

    def __init__(self, value_cents: int, limit_cents: int) -> None:
        super().__init__(t("Wert {value} € über der Grenze von {limit} €: Freigabe der Marktleitung nötig.",
                           value=f"{value_cents / 100:.2f}".replace(".", ","),
                           limit=f"{limit_cents / 100:.2f}".replace(".", ",")))
        self.value_cents = value_cents
        self.limit_cents = limit_cents


@dataclass(frozen=True)
class Adjustment:
    event_id: str
    product_id: int
    reason: str
    delta: int
    value_cents: int  # at this store's price
    on_hand: int  # this device's figure afterwards
    approved_by: int | None

    @property
    def label(self) -> str:
        return adjustment_label(self.reason)


class StockAdjustments:
    def __init__(self, store: LocalStore, pin_limit_cents: int = DEFAULT_PIN_LIMIT_CENTS) -> None:
        self.store = store
        self.pin_limit_cents = pin_limit_cents

    def value_of(self, product_id: int, units: int) -> int:
        with self.store.db.reading() as s:
            price = s.execute(text("SELECT gross_cents FROM prices WHERE product_id = :p AND store_id = :s"),
                              {"p": product_id, "s": self.store.store_id}).scalar()
        return int(price or 0) * units

    def needs_approval(self, product_id: int, units: int) -> bool:
        return needs_approval(self.value_of(product_id, units), self.pin_limit_cents)

    def adjust(self, product_id: int, reason: str, units: int, person: StaffMember,
               approver: StaffMember | None = None, note: str = "") -> Adjustment:
        """Move `units` of `product_id` for `reason`. Raises StockRuleError (nothing changed) for
        a bad reason or quantity or an unknown product, ApprovalNeeded above the limit without a
        manager."""
        delta = adjustment_delta(reason, units)
        if approver is not None and not approver.is_manager:
            raise StockRuleError(t("{name} ist keine Marktleitung und kann nicht freigeben.", name=approver.name))
        if len(note.strip()) > 200:
            raise StockRuleError(t("Notiz höchstens 200 Zeichen."))
        value = self.value_of(product_id, units)
        if needs_approval(value, self.pin_limit_cents) and approver is None:
            raise ApprovalNeeded(value, self.pin_limit_cents)
        with self.store.db.writing() as s:
            if s.connection().exec_driver_sql("SELECT 1 FROM products WHERE id = ?", (product_id,)).first() is None:
                raise StockRuleError(t("Artikel {product} ist unbekannt.", product=product_id))
            payload = {"adjustment_id": str(uuid.uuid4()), "store_id": self.store.store_id, "product_id": product_id,
                       "delta": delta, "counted": None, "reason": reason, "refs": [],
                       "adjusted_by": person.name, "approved_by": approver.id if approver else None,
                       "adjusted_at": iso(utc_now())}
            event = append_event(s, self.store.device_id, EventType.STOCK_ADJUSTED, payload)
            book(s, self.store.store_id, event.id, {product_id: delta})
            audit.record(s, self.store.device_id, person.id, person.name, "stock.adjusted", {
                "product_id": product_id, "reason": reason, "delta": delta, "value_cents": value,
                "approved_by": approver.id if approver else None, "note": note.strip(), "event_id": event.id})
            on_hand = int(s.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                                 Stock.store_id == self.store.store_id)).scalar() or 0)
            event_id = event.id
        return Adjustment(event_id, product_id, reason, delta, value, on_hand, approver.id if approver else None)
