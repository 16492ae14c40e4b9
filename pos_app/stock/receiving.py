"""Goods receipt at the store: an associate opens an expected delivery (by its number or the
barcode on the delivery note), scans what came, marks damaged units and gives a reason for
every difference, and books it. A delivery without a notice can be received too, with a
manager's approval.

States of a receiving draft (pos_app.store.stock_models):

    open ──book──> booked            (one stock.received event, stock up at once)
      └──discard─> discarded         (nothing booked; the delivery stays expected)

Every scan is its own write transaction on the draft, so nothing is lost when the app is
killed half-way: opening the delivery again resumes the same draft. Booking writes the stock
movements, the outbox event (stock.received), the audit entry, and marks the draft booked and
the delivery booked-here, all in one transaction: a second booking (this device or, after the
feed, another) is refused with a clear message. The center adds the same units (idempotent by
the event id) and turns short/over/damaged lines into a reconciliation the managers see.

Qt-free; ui/stock_receiving.py drives it. Thread: the UI thread (each call is one short local
transaction; a scan reads one barcode row and writes one line).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text

from pos_app.clock import iso, utc_now
from pos_app.gtin import BarcodeError, classify
from pos_app.i18n import t
from pos_app.reconciliations import book
from pos_app.stock.rules import (LineDifference, StockRuleError, check_line, check_units, line_difference)
from pos_app.store import audit
from pos_app.store.local import LocalStore
from pos_app.store.outbox import append_event
from pos_app.store.staff import StaffMember
from pos_app.store.stock_models import LocalDelivery, ReceivingDraft, ReceivingLine, refused_here

STOCK_RECEIVED = "stock.received"  # sync.protocol_stock.STOCK_RECEIVED (pos_app imports no sync)

_PRODUCT_BY_CODE = text("SELECT p.id, p.name FROM barcodes b JOIN products p ON p.id = b.product_id "
                        "WHERE b.code = :code")


@dataclass(frozen=True)
class ReceivingLineView:
    product_id: int
    name: str
    expected: int
    received: int
    damaged: int
    reason: str

    @property
    def difference(self) -> LineDifference:
        return line_difference(self.expected, self.received, self.damaged)


@dataclass(frozen=True)
class ReceivingView:
    draft_id: str
    delivery_number: str | None
    supplier: str
    status: str
    lines: tuple[ReceivingLineView, ...]

    @property
    def open_differences(self) -> tuple[ReceivingLineView, ...]:
        """Lines that differ from the notice and have no reason yet (booking refuses those)."""
        return tuple(line for line in self.lines if line.difference.any and not line.reason.strip())


@dataclass(frozen=True)
class DeliveryView:
    number: str
    supplier: str
    status: str  # expected | booked (here, unconfirmed) | received | cancelled
    units: int


@dataclass(frozen=True)
class BookedReceipt:
    """What booking changed: the event, the stock moves per product, the lines that differ."""

    event_id: str
    moved: dict[int, int]
    differences: tuple[ReceivingLineView, ...]


class GoodsReceiving:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    # ---- what is expected ----------------------------------------------------------------

    def deliveries(self) -> list[DeliveryView]:
        """This store's expected deliveries (the feed's), oldest first; booked here ones too."""
        with self.store.db.reading() as s:
            rows = s.execute(select(LocalDelivery).where(LocalDelivery.store_id == self.store.store_id,
                                                         LocalDelivery.status == "expected")
                             .order_by(LocalDelivery.created_at, LocalDelivery.number)).scalars().all()
            return [DeliveryView(r.number, r.supplier, "booked" if r.booked_event else r.status,
                                 sum(int(line["quantity"]) for line in json.loads(r.lines))) for r in rows]

    # ---- a draft ---------------------------------------------------------------------------

    def open(self, code: str, associate: str) -> ReceivingView:
        """Open the delivery whose number (or delivery note barcode) is `code`; an open draft of
        it (after a crash, or on another screen) is resumed, not started again."""
        number = code.strip()
        with self.store.db.writing() as s:
            delivery = s.get(LocalDelivery, number)
            if delivery is None or delivery.store_id != self.store.store_id:
                raise StockRuleError(t("Lieferung {number} ist nicht angekündigt.", number=number[:40]))
            if delivery.status != "expected" or delivery.booked_event:
                raise StockRuleError(t("Lieferung {number} ist schon gebucht.", number=number))
            if refused_here(s, number):
                raise StockRuleError(t("Lieferung {number} ist hier schon eingegangen; die Zentrale hat die Buchung "
                                       "abgelehnt, die Ware ist als Korrektur gebucht.", number=number))
            draft = s.execute(select(ReceivingDraft).where(ReceivingDraft.delivery_number == number,
                                                           ReceivingDraft.status == "open")).scalars().first()
            if draft is None:
                draft = ReceivingDraft(id=str(uuid.uuid4()), store_id=self.store.store_id, delivery_number=number,
                                       supplier=delivery.supplier, started_by=associate, approved_by=None,
                                       started_at=iso(utc_now()), status="open", event_id=None)
                s.add(draft)
                for position, line in enumerate(json.loads(delivery.lines)):
                    s.add(ReceivingLine(draft_id=draft.id, product_id=int(line["product_id"]),
                                        expected=int(line["quantity"]), received=0, damaged=0, reason="",
                                        position=position))
            draft_id = draft.id
        return self.view(draft_id)

    def open_unexpected(self, supplier: str, associate: str, manager: StaffMember) -> ReceivingView:
        """A delivery that came without a notice; only with a manager (whose PIN the caller checked)."""
        if not manager.is_manager:
            raise StockRuleError(t("Eine Lieferung ohne Avis braucht die Freigabe der Marktleitung."))
        supplier = supplier.strip()
        if not supplier or len(supplier) > 80:
            raise StockRuleError(t("Bitte den Lieferanten angeben (höchstens 80 Zeichen)."))
        with self.store.db.writing() as s:
            draft = ReceivingDraft(id=str(uuid.uuid4()), store_id=self.store.store_id, delivery_number=None,
                                   supplier=supplier, started_by=associate, approved_by=manager.id,
                                   started_at=iso(utc_now()), status="open", event_id=None)
            s.add(draft)
            draft_id = draft.id
        return self.view(draft_id)

    def open_drafts(self) -> list[ReceivingView]:
        """Drafts not booked yet (what a killed app left), oldest first."""
        with self.store.db.reading() as s:
            ids = s.execute(select(ReceivingDraft.id).where(ReceivingDraft.store_id == self.store.store_id,
                                                            ReceivingDraft.status == "open")
                            .order_by(ReceivingDraft.started_at)).scalars().all()
        return [self.view(i) for i in ids]

    def scan(self, draft_id: str, code: str, quantity: int = 1, damaged: bool = False) -> ReceivingLineView:
        """One scan (or `quantity` units of one product): counted as received, or as damaged."""
        check_units(quantity, allow_zero=False)
        try:
            key = classify(code).lookup_key
        except BarcodeError as exc:
            raise StockRuleError(str(exc)) from exc
        with self.store.db.writing() as s:
            draft = self._open_draft(s, draft_id)
            hit = s.execute(_PRODUCT_BY_CODE, {"code": key}).first()
            if hit is None:
                raise StockRuleError(t("Unbekannter Artikel: {code}. Nichts gezählt.", code=key))
            line = s.get(ReceivingLine, (draft.id, int(hit.id)))
            if line is None:
                position = s.execute(select(func.count()).select_from(ReceivingLine)
                                     .where(ReceivingLine.draft_id == draft.id)).scalar_one()
                line = ReceivingLine(draft_id=draft.id, product_id=int(hit.id), expected=0, received=0, damaged=0,
                                     reason="", position=int(position))
                s.add(line)
            received = line.received + (0 if damaged else quantity)
            broken = line.damaged + (quantity if damaged else 0)
            check_units(received)
            check_units(broken)
            line.received, line.damaged = received, broken
            return ReceivingLineView(line.product_id, str(hit.name), line.expected, received, broken, line.reason)

    def set_line(self, draft_id: str, product_id: int, received: int, damaged: int, reason: str) -> ReceivingLineView:
        """Correct a line by hand (recount, damaged units, the reason of a difference)."""
        reason = reason.strip()
        with self.store.db.writing() as s:
            draft = self._open_draft(s, draft_id)
            line = s.get(ReceivingLine, (draft.id, product_id))
            if line is None:
                raise StockRuleError(t("Artikel {product} gehört nicht zu dieser Lieferung.", product=product_id))
            if len(reason) > 200:
                raise StockRuleError(t("Grund höchstens 200 Zeichen."))
            check_line(line.expected, received, damaged, reason or "-")  # bounds; the reason at booking
            line.received, line.damaged, line.reason = received, damaged, reason
        return next(v for v in self.view(draft_id).lines if v.product_id == product_id)

    def view(self, draft_id: str) -> ReceivingView:
        with self.store.db.reading() as s:
            draft = s.get(ReceivingDraft, draft_id)
            if draft is None:
                raise StockRuleError(t("Diesen Wareneingang gibt es hier nicht."))
            rows = s.execute(text(
                "SELECT l.product_id, COALESCE(p.name, '') AS name, l.expected, l.received, l.damaged, l.reason "
                "FROM receiving_lines l LEFT JOIN products p ON p.id = l.product_id "
                "WHERE l.draft_id = :d ORDER BY l.position, l.product_id"), {"d": draft_id}).all()
            return ReceivingView(draft.id, draft.delivery_number, draft.supplier, draft.status,
                                 tuple(ReceivingLineView(int(r.product_id), r.name or t("Artikel {id}", id=r.product_id),
                                                         int(r.expected), int(r.received), int(r.damaged), r.reason)
                                       for r in rows))

    def discard(self, draft_id: str) -> None:
        with self.store.db.writing() as s:
            self._open_draft(s, draft_id).status = "discarded"

    # ---- booking ---------------------------------------------------------------------------

    def book(self, draft_id: str, person: StaffMember) -> BookedReceipt:
        """Book the draft: stock rises by the good units, one stock.received event, audited.
        Raises StockRuleError (nothing booked) for a difference without a reason, an empty
        delivery, or one that is booked already."""
        with self.store.db.writing() as s:
            draft = self._open_draft(s, draft_id)
            lines = s.execute(select(ReceivingLine).where(ReceivingLine.draft_id == draft.id)
                              .order_by(ReceivingLine.position, ReceivingLine.product_id)).scalars().all()
            lines = [line for line in lines if line.expected or line.received or line.damaged]
            if not lines:
                raise StockRuleError(t("Noch nichts erfasst."))
            for line in lines:
                check_line(line.expected, line.received, line.damaged, line.reason)
            delivery = s.get(LocalDelivery, draft.delivery_number) if draft.delivery_number else None
            if draft.delivery_number and (delivery is None or delivery.status != "expected" or delivery.booked_event):
                raise StockRuleError(t("Lieferung {number} ist schon gebucht.", number=draft.delivery_number))
            if draft.delivery_number and refused_here(s, draft.delivery_number):
                raise StockRuleError(t("Lieferung {number} ist hier schon eingegangen; die Zentrale hat die Buchung "
                                       "abgelehnt, die Ware ist als Korrektur gebucht.", number=draft.delivery_number))
            payload = {"receipt_id": draft.id, "store_id": self.store.store_id,
                       "delivery_number": draft.delivery_number, "supplier": draft.supplier,
                       "lines": [{"product_id": line.product_id, "expected": line.expected, "received": line.received,
                                  "damaged": line.damaged, "reason": line.reason} for line in lines],
                       "received_by": person.name, "approved_by": draft.approved_by, "received_at": iso(utc_now())}
            event = append_event(s, self.store.device_id, STOCK_RECEIVED, payload)
            moved = {line.product_id: line.received for line in lines if line.received}
            book(s, self.store.store_id, event.id, moved)
            differing = [line for line in lines if line_difference(line.expected, line.received, line.damaged).any]
            audit.record(s, self.store.device_id, person.id, person.name, STOCK_RECEIVED, {
                "delivery_number": draft.delivery_number, "supplier": draft.supplier, "event_id": event.id,
                "units": sum(moved.values()), "lines": len(lines), "differences": len(differing),
                "approved_by": draft.approved_by})
            draft.status, draft.event_id = "booked", event.id
            if delivery is not None:
                delivery.booked_event = event.id
            event_id = event.id
        view = self.view(draft_id)
        return BookedReceipt(event_id, moved, tuple(v for v in view.lines if v.difference.any))

    def _open_draft(self, s, draft_id: str) -> ReceivingDraft:  # type: ignore[no-untyped-def]
        draft = s.get(ReceivingDraft, draft_id)
        if draft is None or draft.store_id != self.store.store_id:
            raise StockRuleError(t("Diesen Wareneingang gibt es hier nicht."))
        if draft.status != "open":
            raise StockRuleError(t("Dieser Wareneingang ist schon abgeschlossen."))
        return draft
