"""The center's digital receipts (issue 16, migration 0008_digital_receipts): one row per
sale or return that came with a `receipt` in its event, keyed by the token of its short link.

Why a table of its own and not columns of `sales`/`returns`: one lookup by token serves the
page and the PDF of either kind, and the e-mail's small state machine (due -> sending -> sent,
or failed with the error) lives next to the document it sends.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, JSONData, UtcDateTime


class DigitalReceipt(Base):
    __tablename__ = "digital_receipts"
    token: Mapped[str] = mapped_column(String(32), primary_key=True)  # made at the till (pos_app.digital_receipt)
    kind: Mapped[str] = mapped_column(String(8))  # sale | return
    source_id: Mapped[str] = mapped_column(String(36), unique=True)  # the sale's or return's UUID
    number: Mapped[str] = mapped_column(String(40))  # receipt or return number
    store_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total_cents: Mapped[int] = mapped_column(Integer)
    link: Mapped[str] = mapped_column(String(300), default="")  # as printed on the paper receipt
    document: Mapped[dict[str, Any]] = mapped_column(JSONData)  # the receipt model (pos_app.digital_receipt)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())  # at the till
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # e-mail: "" (none wanted) | due | sending | sent | failed (receipts_mail)
    email_status: Mapped[str] = mapped_column(String(8), default="")
    email_to: Mapped[str] = mapped_column(String(120), default="")
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    email_error: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_digital_receipts_customer", "customer_id"),
                      Index("ix_digital_receipts_email", "email_status"))
