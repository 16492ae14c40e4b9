"""Shared by the sync tests: selling at the test store, reading the outbox back."""
from __future__ import annotations

from pos_app.store import outbox
from pos_app.store.local import LocalStore
from pos_app.store.models import OutboxEvent
from pos_app.store.sales import CompletedSale
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession

LENA = StaffMember(1, "Lena Schmidt", "cashier")


def sell(store: LocalStore, *codes: str) -> CompletedSale:
    session = TillSession(store, LENA)
    for code in codes:
        session.scan(code)
    session.pay_cash(session.cart.totals().total_cents)
    return session.complete()


def event_id_of(store: LocalStore, sale_id: str) -> str:
    with store.db.reading() as s:
        for e in s.query(OutboxEvent).filter_by(type=outbox.EventType.SALE_COMPLETED):
            if sale_id in e.payload:
                return e.id
    raise LookupError(sale_id)


def statuses(store: LocalStore) -> dict[str, str]:
    """event id -> status, in seq order."""
    with store.db.reading() as s:
        return {e.id: e.status for e in s.query(OutboxEvent).order_by(OutboxEvent.seq)}


def outbox_rows(store: LocalStore) -> list[OutboxEvent]:
    with store.db.reading() as s:
        return list(s.query(OutboxEvent).order_by(OutboxEvent.seq))
