"""Reconciliations in the store: the open items the center raised for this store (a pickup
handed over after the web shop cancelled it, stock below zero, a return against the policy),
and what a manager does with them: close one with a resolution, or count a product's stock.

Both are outbox events written in one local transaction with their audit entry, so they work
offline and reach the center exactly once: `reconciliation.closed` and `stock.adjusted`. The
item shows as "closing" until the feed brings the center's closed state. The rules of which
resolution fits which kind are pos_app.reconciliation_rules, the same the center applies.

A count sends the difference (counted minus what this till shows), not the figure, so a count
made offline does not undo the other tills' sales meanwhile; the center closes the product's
negative-stock alert when its stock is back at zero or more.

Qt-free; ui/conflicts_dialog.py drives it. Thread: the UI thread (small local reads, one
write transaction per action).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from pos_app.clock import iso, utc_now
from pos_app.i18n import t
from pos_app.reconciliation_rules import (MAX_NOTE, ResolutionRefused, allowed, check_resolution, kind_label)
from pos_app.store import audit, movements
from pos_app.store.local import LocalStore
from pos_app.store.models import Stock
from pos_app.store.outbox import EventType, append_event
from pos_app.store.reconciliation_models import LocalReconciliation

MAX_COUNT = 999_999


@dataclass(frozen=True)
class ReconciliationItem:
    id: str
    kind: str
    amount_cents: int
    refs: tuple[str, ...]
    details: dict[str, Any]
    opened_at: str
    status: str  # open | closing (closed here, not yet confirmed) | closed
    resolution: str  # the center's, or ours while closing
    closed_by: str
    allowed: tuple[str, ...]

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    @property
    def subject(self) -> str:
        """What it is about, in a few words: the order, or the product."""
        d = self.details
        if d.get("order_number"):
            return t("Auftrag {number}", number=d["order_number"])
        if d.get("voucher_code"):
            return t("Gutschein {code}", code=d["voucher_code"])
        if d.get("return_number"):
            return t("Rücknahme {number}", number=d["return_number"])
        if d.get("unknown_product_id"):
            return t("{name} (Art.-Nr. {product}) auf Bon {receipt}", name=d.get("name", ""),
                     product=d["unknown_product_id"], receipt=d.get("receipt_number", ""))
        if d.get("product_id"):
            name = d.get("product_name") or t("Artikel {product_id}", product_id=d['product_id'])
            return t("{name}: Bestand {quantity}", name=name, quantity=d['quantity']) if "quantity" in d else str(name)
        return ", ".join(self.refs[:2])


def _item(row: LocalReconciliation) -> ReconciliationItem:
    status = "closing" if row.status == "open" and row.local_resolution else row.status
    return ReconciliationItem(row.id, row.kind, row.amount_cents, tuple(json.loads(row.refs or "[]")),
                              json.loads(row.details or "{}"), row.opened_at, status,
                              row.local_resolution or row.resolution, row.closed_by, allowed(row.kind))


class ReconciliationDesk:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    def items(self, include_closed: bool = False) -> list[ReconciliationItem]:
        """This store's items, oldest first: open and closing (and closed, when asked)."""
        with self.store.db.reading() as s:
            q = select(LocalReconciliation).where(LocalReconciliation.store_id == self.store.store_id)
            if not include_closed:
                q = q.where(LocalReconciliation.status == "open")
            rows = s.execute(q.order_by(LocalReconciliation.opened_at, LocalReconciliation.id)).scalars().all()
            return [_item(r) for r in rows]

    def close(self, rec_id: str, resolution: str, note: str, manager_id: int, manager_name: str) -> ReconciliationItem:
        """Close an open item with a resolution (the manager's PIN was checked by the caller).
        Raises ResolutionRefused (nothing changed) for an unknown, closed or unfitting item."""
        note = note.strip()
        with self.store.db.writing() as s:
            row = s.get(LocalReconciliation, rec_id)
            if row is None or row.store_id != self.store.store_id:
                raise ResolutionRefused(t("Diesen Abgleich gibt es hier nicht."))
            if row.status != "open" or row.local_resolution:
                raise ResolutionRefused(t("Dieser Abgleich ist schon abgeschlossen."))
            check_resolution(row.kind, resolution, note)
            payload = {"reconciliation_id": rec_id, "store_id": self.store.store_id, "resolution": resolution,
                       "note": note, "closed_by": manager_name, "approved_by": manager_id,
                       "closed_at": iso(utc_now())}
            event = append_event(s, self.store.device_id, EventType.RECONCILIATION_CLOSED, payload)
            row.local_resolution = resolution
            audit.record(s, self.store.device_id, manager_id, manager_name, "reconciliation.closed",
                         {"reconciliation_id": rec_id, "kind": row.kind, "amount_cents": row.amount_cents,
                          "resolution": resolution, "note": note, "event_id": event.id})
            s.flush()
            return _item(row)

    def on_hand(self, product_id: int) -> int:
        with self.store.db.reading() as s:
            return int(s.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                              Stock.store_id == self.store.store_id)).scalar() or 0)

    def count_stock(self, product_id: int, counted: int, manager_id: int, manager_name: str,
                    reason: str = "count") -> int:
        """The shelf holds `counted` units of `product_id`: book the difference to what this
        till shows (stock.adjusted) and return it. Raises ResolutionRefused for a bad count."""
        if not 0 <= counted <= MAX_COUNT:
            raise ResolutionRefused(t("Gezählte Menge zwischen 0 und {MAX_COUNT}.", MAX_COUNT=MAX_COUNT))
        with self.store.db.writing() as s:
            if s.connection().exec_driver_sql("SELECT 1 FROM products WHERE id = ?", (product_id,)).first() is None:
                raise ResolutionRefused(t("Artikel {product_id} ist unbekannt.", product_id=product_id))
            current = int(s.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                                 Stock.store_id == self.store.store_id)).scalar() or 0)
            delta = counted - current
            payload = {"adjustment_id": str(uuid.uuid4()), "store_id": self.store.store_id, "product_id": product_id,
                       "delta": delta, "counted": counted, "reason": reason, "refs": [],
                       "adjusted_by": manager_name, "approved_by": manager_id, "adjusted_at": iso(utc_now())}
            event = append_event(s, self.store.device_id, EventType.STOCK_ADJUSTED, payload)
            book(s, self.store.store_id, event.id, {product_id: delta})
            audit.record(s, self.store.device_id, manager_id, manager_name, "stock.adjusted",
                         {"product_id": product_id, "counted": counted, "delta": delta, "event_id": event.id})
        return delta


def book(session: Any, store_id: str, event_id: str, deltas: dict[int, int]) -> None:
    """Move the local stock by `deltas` and note the movements with their event (the center
    has not seen them yet: pos_app.store.movements)."""
    for pid, delta in deltas.items():
        if delta and not session.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == store_id)
                                         .values(quantity=Stock.quantity + delta)).rowcount:
            session.add(Stock(product_id=pid, store_id=store_id, quantity=delta))
    session.flush()
    movements.record(session, event_id, store_id, deltas)


__all__ = ["MAX_NOTE", "ReconciliationDesk", "ReconciliationItem", "ResolutionRefused"]
