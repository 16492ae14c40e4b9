"""Ship-from-store at the fulfilling store: the queue of fulfilment orders this store ships for
another store's endless-aisle sale (its local copy from the feed, works offline); pick by scan,
ship with a carrier and a tracking number typed or scanned (stock leaves this store at once, at
the center with the sync), or send an order for pickup to the selling store (carrier "pickup",
the center carries it there as a transfer). Every step one local transaction with its event.

Thread: the UI thread (short local transactions), or any thread with the store.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from pos_app import limits
from pos_app.clock import iso, utc_now
from pos_app.i18n import t, t_marked
from pos_app.stock.fulfilment import FulfilmentError, _cut, _move
from pos_app.stock.transfer_rules import (FULFILMENT_CANCELLED, FULFILMENT_PICKED, FULFILMENT_SHIPPED,
                                          FULFILMENT_STATE_NAMES, PICKUP_CARRIER, may_move_fulfilment)
from pos_app.store import movements
from pos_app.store.local import LocalStore
from pos_app.store.outbox import append_event
from pos_app.store.transfer_models import LocalFulfilment, effective

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class FulfilmentLine:
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    scanned: int


@dataclass(frozen=True)
class FulfilmentOrder:
    number: str
    id: str
    store_id: str
    fulfil_from: str
    delivery: str
    state: str
    confirmed: bool
    address: dict[str, str] | None
    carrier: str
    tracking: str
    lines: tuple[FulfilmentLine, ...]

    @property
    def state_name(self) -> str:
        return t_marked(FULFILMENT_STATE_NAMES.get(self.state, self.state))


def _order(row: LocalFulfilment) -> FulfilmentOrder:
    doc, picks = json.loads(row.doc), json.loads(row.picks or "{}")
    return FulfilmentOrder(row.number, row.id, row.store_id, row.fulfil_from, str(doc.get("delivery", "")),
                           effective(row), row.local_state is None, doc.get("address"), str(doc.get("carrier", "")),
                           str(doc.get("tracking", "")),
                           tuple(FulfilmentLine(int(ln["line_no"]), int(ln["product_id"]), str(ln["sku"]),
                                                str(ln["name"]), int(ln["quantity"]), int(picks.get(str(ln["line_no"]), 0)))
                                 for ln in doc.get("lines", [])))


class FulfilmentDesk:
    """The ship-from-store queue of this store (works offline, from the last sync)."""

    def __init__(self, store: LocalStore, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    def queue(self) -> list[FulfilmentOrder]:
        with self.store.db.reading() as s:
            rows = s.execute(select(LocalFulfilment).where(LocalFulfilment.fulfil_from == self.store.store_id)
                             .order_by(LocalFulfilment.updated_at, LocalFulfilment.number)).scalars().all()
            return [_order(r) for r in rows if effective(r) in ("new", "picked")]

    def sold_here(self) -> list[FulfilmentOrder]:
        with self.store.db.reading() as s:
            rows = s.execute(select(LocalFulfilment).where(LocalFulfilment.store_id == self.store.store_id)
                             .order_by(LocalFulfilment.updated_at.desc())).scalars().all()
            return [_order(r) for r in rows]

    def get(self, number: str) -> FulfilmentOrder:
        with self.store.db.reading() as s:
            row = s.get(LocalFulfilment, number.strip())
            if row is None:
                raise FulfilmentError(t("Bestellung {number} ist hier nicht bekannt.", number=number.strip()))
            return _order(row)

    def _mine(self, number: str, step: str) -> FulfilmentOrder:
        order = self.get(number)
        if order.fulfil_from != self.store.store_id:
            raise FulfilmentError(t("Bestellung {number} wird von {store} versandt.", number=order.number,
                                    store=order.fulfil_from))
        if not may_move_fulfilment(order.state, step):
            raise FulfilmentError(t("Bestellung {number} ist {state}.", number=order.number, state=order.state_name))
        return order

    def pick_scan(self, number: str, code: str) -> FulfilmentLine:
        order = self._mine(number, "picked")
        from pos_app.stock.transfers import TransferDesk

        pid = TransferDesk(self.store)._product_of(code)  # noqa: SLF001 - one code lookup for both desks
        line = next((ln for ln in order.lines if ln.product_id == pid and ln.scanned < ln.quantity), None)
        if line is None:
            if any(ln.product_id == pid for ln in order.lines):
                raise FulfilmentError(t("Schon alle gescannt."))
            raise FulfilmentError(t("Falscher Artikel: {code} gehört nicht zu Bestellung {number}.",
                                    code=code.strip(), number=order.number))
        with self.store.db.writing() as s:
            row = s.get(LocalFulfilment, order.number)
            assert row is not None
            picks = json.loads(row.picks or "{}")
            picks[str(line.line_no)] = line.scanned + 1
            row.picks = json.dumps(picks)
        return next(ln for ln in self.get(order.number).lines if ln.line_no == line.line_no)

    def finish_picking(self, number: str, by: str) -> FulfilmentOrder:
        order = self._mine(number, "picked")
        if any(ln.scanned < ln.quantity for ln in order.lines):
            raise FulfilmentError(t("Noch nicht alles gescannt."))
        return self._step(order, "picked", FULFILMENT_PICKED, by, {
            "lines": [{"line_no": ln.line_no, "quantity": ln.scanned} for ln in order.lines]})

    def ship(self, number: str, by: str, carrier: str, tracking: str = "") -> FulfilmentOrder:
        """Packed and handed over: stock leaves this store now. An order for pickup goes with
        carrier "pickup" (or a parcel service) to the selling store."""
        if self.get(number).state == "new":
            raise FulfilmentError(t("Bitte zuerst kommissionieren."))
        order = self._mine(number, "shipped")
        carrier = _cut(carrier, t("Der Versanddienst"), 40, True)
        tracking = _cut(tracking, t("Die Sendungsnummer"), limits.REFERENCE)
        if order.delivery == "ship" and carrier == PICKUP_CARRIER:
            raise FulfilmentError(t("Diese Bestellung wird an den Kunden geliefert: bitte den Versanddienst angeben."))
        out: dict[int, int] = {}
        for ln in order.lines:
            out[ln.product_id] = out.get(ln.product_id, 0) - ln.quantity
        return self._step(order, "shipped", FULFILMENT_SHIPPED, by, {"carrier": carrier, "tracking": tracking},
                          stock=out, doc_extra={"carrier": carrier, "tracking": tracking})

    def cancel(self, number: str, by: str, reason: str) -> FulfilmentOrder:
        order = self.get(number)
        if not may_move_fulfilment(order.state, "cancelled"):
            raise FulfilmentError(t("Bestellung {number} ist {state}.", number=order.number, state=order.state_name))
        reason = _cut(reason, t("Der Grund"), limits.REASON_TEXT, True)
        return self._step(order, "cancelled", FULFILMENT_CANCELLED, by, {"reason": reason})

    def _step(self, order: FulfilmentOrder, state: str, event_type: str, by: str, extra: dict[str, Any],
              stock: dict[int, int] | None = None, doc_extra: dict[str, Any] | None = None) -> FulfilmentOrder:
        now = iso(self.clock())
        payload = {"order_id": order.id, "store_id": self.store.store_id, "at": now, "by": by[:limits.PERSON_NAME],
                   **extra}
        with self.store.db.writing() as s:
            row = s.get(LocalFulfilment, order.number)
            assert row is not None
            doc = json.loads(row.doc)
            doc.update(doc_extra or {}, state=state)
            row.doc, row.local_state, row.updated_at = json.dumps(doc, ensure_ascii=False), state, now
            event = append_event(s, self.store.device_id, event_type, payload, now)
            if stock:
                _move(s, self.store.store_id, stock)
                s.flush()
                movements.record(s, event.id, self.store.store_id, stock)
        return self.get(order.number)
