"""E-mailing digital receipts to customers who agreed to e-mail (issue 16).

backend.receipts marks a receipt `due` (with the address) in the transaction that makes it so.
Sending happens here, later and outside every database transaction (a mail server that is slow
or down must never hold a sale's transaction open): claim a due receipt (one UPDATE that only
one process can win), send it through a `ReceiptSender`, then mark it `sent` (or `due` again,
or `failed` after MAX_ATTEMPTS, with the error for the operator).

At least once, never silently lost: a process that dies between the SMTP server's "250 OK" and
marking the row leaves it `sending`; after CLAIM_TIMEOUT another process claims it again and
the customer may get the same e-mail twice. SMTP has no idempotency key, so that is the honest
limit; the Message-ID is the token's, so a mail client can tell the two apart as one message.

Configuration (environment of `pos-backend serve`): POS_SMTP_HOST (unset = no e-mail; receipts
stay `due`), POS_SMTP_PORT (25), POS_SMTP_FROM, POS_SMTP_STARTTLS (1 = STARTTLS),
POS_SMTP_USER / POS_SMTP_PASSWORD, POS_SMTP_POLL_S (how often to look for due receipts, 2).

Thread: `MailLoop` runs one daemon thread per backend process; `send_due` can be called from
anywhere (tests, the CLI).
"""
from __future__ import annotations

import logging
import os
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from sqlalchemy import or_, select, update

from backend.db import BackendDatabase
from backend.receipts_models import DigitalReceipt
from backend.receipts_render import pdf_bytes, rows_text

log = logging.getLogger(__name__)
TABLE = DigitalReceipt.__table__
MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=5)


class ReceiptSender(Protocol):
    """Where e-mails go: SMTP in production and in tests (a local SMTP server), or anything
    else that can deliver an EmailMessage. Raises on failure."""

    sender: str

    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SmtpSender:
    host: str
    port: int = 25
    sender: str = "belege@omnipos.invalid"
    starttls: bool = False
    user: str = ""
    password: str = ""
    timeout_s: float = 10.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()  # the system's CA store: certificate checks stay on
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def sender_from_env() -> SmtpSender | None:
    host = os.environ.get("POS_SMTP_HOST", "").strip()
    if not host:
        return None
    return SmtpSender(host=host, port=int(os.environ.get("POS_SMTP_PORT", "25")),
                      sender=os.environ.get("POS_SMTP_FROM", "belege@omnipos.invalid"),
                      starttls=os.environ.get("POS_SMTP_STARTTLS", "") == "1",
                      user=os.environ.get("POS_SMTP_USER", ""), password=os.environ.get("POS_SMTP_PASSWORD", ""))


def build_message(row: dict, sender: str) -> EmailMessage:
    """The e-mail: the link first (it always shows the current page), the receipt as text,
    and the PDF attached."""
    number = row["number"]
    message = EmailMessage()
    message["Subject"] = f"Ihr Beleg {number}"
    message["From"] = sender
    message["To"] = row["email_to"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=row["token"], domain="omnipos.invalid")
    link = row["link"] or f"/r/{row['token']}"
    body = "\n".join(["Guten Tag,", "", "vielen Dank für Ihren Einkauf. Ihr digitaler Beleg:", link, "",
                      *rows_text(row["document"]), "", "Den Beleg finden Sie auch als PDF im Anhang."])
    message.set_content(body)
    message.add_attachment(pdf_bytes(row["document"]), maintype="application", subtype="pdf",
                           filename=f"Beleg-{number}.pdf")
    return message


def send_due(db: BackendDatabase, sender: ReceiptSender, limit: int = 20,
             now: datetime | None = None) -> int:
    """Send up to `limit` due receipts; returns how many went out."""
    now = now or datetime.now(timezone.utc)
    stale = now - CLAIM_TIMEOUT
    with db.reading() as conn:
        tokens = list(conn.execute(select(TABLE.c.token).where(or_(
            TABLE.c.email_status == "due",
            (TABLE.c.email_status == "sending") & (TABLE.c.email_claimed_at < stale))).limit(limit)).scalars())
    sent = 0
    for token in tokens:
        with db.writing() as conn:  # the claim: only one process's UPDATE matches
            row = conn.execute(update(TABLE).where(TABLE.c.token == token, or_(
                TABLE.c.email_status == "due",
                (TABLE.c.email_status == "sending") & (TABLE.c.email_claimed_at < stale)))
                .values(email_status="sending", email_claimed_at=now, email_attempts=TABLE.c.email_attempts + 1)
                .returning(*TABLE.c)).mappings().first()
        if row is None:
            continue  # another process took it
        try:
            sender.send(build_message(dict(row), sender.sender))
        except Exception as exc:  # noqa: BLE001 - any failure: try again later, say why
            final = row["email_attempts"] >= MAX_ATTEMPTS
            log.warning("receipt %s to %s: %s%s", row["number"], row["email_to"], exc,
                        " (giving up)" if final else "")
            with db.writing() as conn:
                conn.execute(update(TABLE).where(TABLE.c.token == token).values(
                    email_status="failed" if final else "due", email_error=f"{type(exc).__name__}: {exc}"[:500]))
            continue
        with db.writing() as conn:
            conn.execute(update(TABLE).where(TABLE.c.token == token).values(
                email_status="sent", emailed_at=datetime.now(timezone.utc), email_error=""))
        sent += 1
    return sent


class MailLoop:
    """One daemon thread per backend process that sends due receipts every `interval_s`."""

    def __init__(self, db: BackendDatabase, sender: ReceiptSender, interval_s: float = 2.0) -> None:
        self._db, self._sender, self._interval = db, sender, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="receipt-mail", daemon=True)

    def start(self) -> MailLoop:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 15)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                send_due(self._db, self._sender)
            except Exception:  # noqa: BLE001 - the database away for a moment: next round
                log.exception("sending due receipts failed")
            self._stop.wait(self._interval)


def loop_from_env(db: BackendDatabase) -> MailLoop | None:
    sender = sender_from_env()
    if sender is None:
        return None
    return MailLoop(db, sender, float(os.environ.get("POS_SMTP_POLL_S", "2")))
