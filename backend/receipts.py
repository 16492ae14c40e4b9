"""The center's digital receipts (issue 16): kept when a sale or return arrives with its
`receipt` (sync.protocol.DigitalReceiptV1), found by the token of the short link the till
printed, listed on the customer's profile, and marked for e-mail when the customer consented.

Why the token is taken as the till made it: the till printed the link before the sale synced
(pos_app.digital_receipt). Until the event arrives the link answers "not yet" (receipts_api).

Exactly once: the rows are written in the sale's (or return's) own transaction, so a replayed
event (answered `duplicate` before it gets here) adds nothing. A document that does not describe
a receipt, or a token some other receipt already has, costs the sale nothing: it is applied,
without a digital receipt, and the center logs why (a sale is never refused for its receipt).

E-mail: decided in the same transaction as the fact that makes it due (the customer attached to
the sale, `customer.sale`, or the return's customer) from the customer's newest e-mail consent;
sent later, outside any transaction, by backend.receipts_mail.

Thread: request threads, inside the caller's transaction on `conn`.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend.clienteling_models import CustomerConsent
from backend.models import Customer
from backend.receipts_models import DigitalReceipt
from pos_app.digital_receipt import BadDocument, from_document
from sync.protocol import ReturnCompletedV1, SaleCompletedV1

log = logging.getLogger(__name__)
TABLE = DigitalReceipt.__table__


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def row_for(event: SaleCompletedV1 | ReturnCompletedV1, now: datetime) -> dict[str, Any] | None:
    """The digital receipt's row for an event, or None (no receipt sent, or not a receipt)."""
    receipt = event.receipt
    if receipt is None:
        return None
    try:
        from_document(receipt.document)
    except BadDocument as exc:
        log.warning("receipt %s of %s: %s; the sale is kept without a digital receipt", receipt.token,
                    getattr(event, "receipt_number", getattr(event, "return_number", "?")), exc)
        return None
    is_sale = isinstance(event, SaleCompletedV1)
    return {
        "token": receipt.token, "kind": "sale" if is_sale else "return",
        "source_id": str(event.sale_id if isinstance(event, SaleCompletedV1) else event.return_id),
        "number": event.receipt_number if isinstance(event, SaleCompletedV1) else event.return_number,
        "store_id": event.store_id, "customer_id": None if is_sale else getattr(event, "customer_id", None),
        "total_cents": event.total_cents, "link": receipt.link, "document": receipt.document,
        "created_at": _utc(event.created_at), "received_at": now, "email_status": "", "email_to": "",
        "email_attempts": 0, "email_claimed_at": None, "emailed_at": None, "email_error": ""}


def record_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the receipts of sales and returns just applied (their own transaction). A token
    that is taken already (80 random bits: a broken or hostile till) is left out and logged."""
    if not rows:
        return
    taken = set(conn.execute(select(DigitalReceipt.token)
                             .where(DigitalReceipt.token.in_([r["token"] for r in rows]))).scalars())
    fresh: list[dict[str, Any]] = []
    for row in rows:
        if row["token"] in taken:
            log.warning("receipt token %s of %s is taken already; no digital receipt", row["token"], row["number"])
            continue
        taken.add(row["token"])
        fresh.append(row)
    if fresh:
        conn.execute(insert(TABLE), fresh)
    for row in fresh:
        if row["customer_id"] is not None:  # a return with its customer: e-mail now if they agreed
            _mark_email(conn, row["token"], row["customer_id"])


def record(conn: Connection, event: SaleCompletedV1 | ReturnCompletedV1, now: datetime) -> None:
    row = row_for(event, now)
    if row is not None:
        record_many(conn, [row])


def customer_attached(conn: Connection, sale_id: str, customer_id: int) -> None:
    """`customer.sale` applied: the sale's receipt joins the customer's profile, and is due for
    e-mail when they agreed to e-mail."""
    token = conn.execute(update(TABLE).where(TABLE.c.source_id == sale_id).values(customer_id=customer_id)
                         .returning(TABLE.c.token)).scalar()
    if token is not None:
        _mark_email(conn, token, customer_id)


def email_consent(conn: Connection, customer_id: int) -> str:
    """The customer's e-mail address if their newest e-mail consent is a yes, else ""."""
    granted = conn.execute(select(CustomerConsent.granted).where(
        CustomerConsent.customer_id == customer_id, CustomerConsent.channel == "email")
        .order_by(CustomerConsent.recorded_at.desc(), CustomerConsent.id.desc()).limit(1)).scalar()
    if not granted:
        return ""
    return conn.execute(select(Customer.email).where(Customer.id == customer_id)).scalar() or ""


def _mark_email(conn: Connection, token: str, customer_id: int) -> None:
    address = email_consent(conn, customer_id)
    if address:
        conn.execute(update(TABLE).where(TABLE.c.token == token, TABLE.c.email_status == "")
                     .values(email_status="due", email_to=address))


def forget_customer(conn: Connection, customer_id: int) -> None:
    """The erase request (backend.clienteling.erase): the receipts stay (tax law) but no longer
    name the customer: the address and any e-mail not sent yet go, and the receipt's customer
    line ("Kunde 1000042 Erika Muster", not a fiscal field) becomes "Kunde (gelöscht)"."""
    rows = conn.execute(select(TABLE.c.token, TABLE.c.document, TABLE.c.email_status)
                        .where(TABLE.c.customer_id == customer_id)).mappings().all()
    for row in rows:
        document = dict(row["document"])
        receipt = dict(document.get("receipt") or {})
        footer = receipt.get("footer")
        if isinstance(footer, list):
            receipt["footer"] = ["Kunde (gelöscht)" if str(line).startswith("Kunde ") else line for line in footer]
            document["receipt"] = receipt
        conn.execute(update(TABLE).where(TABLE.c.token == row["token"]).values(
            document=document, email_to="",
            email_status="" if row["email_status"] in ("due", "sending") else row["email_status"]))


# ---- reading ----------------------------------------------------------------------------------


def find(conn: Connection, token: str) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.token == token)).mappings().first()
    return dict(row) if row else None


def for_customer(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """The customer's digital receipts, newest first (the profile in every channel)."""
    rows = conn.execute(select(TABLE.c.token, TABLE.c.kind, TABLE.c.number, TABLE.c.store_id, TABLE.c.created_at,
                               TABLE.c.total_cents, TABLE.c.link, TABLE.c.email_status)
                        .where(TABLE.c.customer_id == customer_id)
                        .order_by(TABLE.c.created_at.desc())).mappings().all()
    return [{**dict(r), "created_at": r["created_at"].isoformat(), "path": f"/r/{r['token']}"} for r in rows]
