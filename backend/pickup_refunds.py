"""A cancelled prepaid pickup order gets its money back through the payment provider
(backend.payment_provider), exactly once.

Why in two steps: the provider is outside our database, so its call cannot be part of our
transaction. Step one (in the cancel's transaction) records one pending refund per paid tender
under an idempotency key made from the order and the tender; step two, after COMMIT, asks the
provider with that key and records the refund id. A crash or a provider that is down between
the two leaves the refund pending; the next cancel call (cancel is idempotent) asks again with
the same key, and the provider answers with the first refund instead of paying twice.

An order cancelled by picking (nothing found) or returned to stock records its pending
refunds in the store event's transaction; the sweep (POST /v1/admin/pickups/sweep) asks the
provider for them (settle_all).

Vouchers paid into the order are not refunded through the provider (they are our own store
credit); they are listed with the refunds as "voucher" and left pending for the back office.

Thread: request threads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, insert, select, update

from backend.db import BackendDatabase
from backend.payment_provider import PaymentProvider, RefundFailed, provider_from_env
from backend.reconciliation_models import PaymentRefund
from backend.returns_models import WebOrderTender

PROVIDER_TENDERS = ("card", "paypal")


class RefundOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    idempotency_key: str
    tender_kind: str
    amount_cents: int
    status: str  # pending | refunded
    refund_id: str
    created_at: datetime
    refunded_at: datetime | None


def record_pending(conn: Connection, order: Any, now: datetime) -> None:
    """In the cancel's transaction: one pending refund per tender of the prepaid web order."""
    if order.payment != "prepaid" or not order.web_order_id:
        return
    tenders = conn.execute(select(WebOrderTender).where(WebOrderTender.order_id == order.web_order_id)
                           .order_by(WebOrderTender.seq)).all()
    rows = [{"idempotency_key": f"cancel:{order.id}:{t.seq}", "order_number": order.order_number,
             "tender_kind": t.kind, "payment_reference": t.reference or f"{order.order_number}/{t.seq}",
             "amount_cents": t.amount_cents, "status": "pending", "provider_refund_id": "", "created_at": now,
             "refunded_at": None} for t in tenders if t.amount_cents > 0]
    known = set(conn.execute(select(PaymentRefund.idempotency_key)
                             .where(PaymentRefund.order_number == order.order_number)).scalars())
    if fresh := [r for r in rows if r["idempotency_key"] not in known]:
        conn.execute(insert(PaymentRefund), fresh)


def refunds_of(conn: Connection, order_number: str) -> list[RefundOut]:
    rows = conn.execute(select(PaymentRefund).where(PaymentRefund.order_number == order_number)
                        .order_by(PaymentRefund.idempotency_key)).all()
    return [RefundOut(idempotency_key=r.idempotency_key, tender_kind=r.tender_kind, amount_cents=r.amount_cents,
                      status=r.status, refund_id=r.provider_refund_id, created_at=r.created_at,
                      refunded_at=r.refunded_at) for r in rows]


def settle(db: BackendDatabase, order_number: str, provider: PaymentProvider | None = None) -> list[str]:
    """After COMMIT: ask the provider for every pending refund of the order (card, PayPal).
    Returns the errors of the ones that stay pending (empty: all refunded)."""
    provider = provider or provider_from_env()
    with db.reading() as conn:
        pending = conn.execute(select(PaymentRefund).where(PaymentRefund.order_number == order_number,
                                                           PaymentRefund.status == "pending",
                                                           PaymentRefund.tender_kind.in_(PROVIDER_TENDERS))).all()
    errors = []
    for r in pending:
        try:
            refund_id = provider.refund(idempotency_key=r.idempotency_key, payment_reference=r.payment_reference,
                                        tender_kind=r.tender_kind, amount_cents=r.amount_cents,
                                        order_number=order_number)
        except RefundFailed as exc:
            errors.append(str(exc))
            continue
        with db.writing() as conn:
            conn.execute(update(PaymentRefund).where(PaymentRefund.idempotency_key == r.idempotency_key,
                                                     PaymentRefund.status == "pending")
                         .values(status="refunded", provider_refund_id=refund_id,
                                 refunded_at=datetime.now(timezone.utc)))
    return errors


def settle_all(db: BackendDatabase, provider: PaymentProvider | None = None) -> int:
    """Ask the provider for every pending refund (orders cancelled when nothing was found at
    picking, or returned to stock: those happen inside a store event's transaction, where the
    provider cannot be called). Returns how many stay pending. For the sweep."""
    with db.reading() as conn:
        numbers = sorted(set(conn.execute(select(PaymentRefund.order_number).where(
            PaymentRefund.status == "pending", PaymentRefund.tender_kind.in_(PROVIDER_TENDERS))).scalars()))
    return sum(len(settle(db, number, provider)) for number in numbers)
