"""Tenders taken for a sale that has not completed yet (migration after 0009, with the name
folding): the record that an interrupted payment leaves behind (pos_app.store.tender_log)."""
from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.store.models import Base


class TakenTender(Base):
    """One tender as it was taken (cash given, card approved, voucher applied), written in its
    own transaction before the sale completes; settled in the sale's transaction, or resolved
    by a manager after a crash. `state`: open | sold | voided | paying_in | paid_in |
    handed_back (see TenderLog)."""

    __tablename__ = "taken_tenders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(String(36))  # one per payment in progress
    device_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))
    amount_cents: Mapped[int] = mapped_column(Integer)
    given_cents: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(64), server_default="")
    taken_at: Mapped[str] = mapped_column(String(32))
    cashier_id: Mapped[int] = mapped_column(Integer)
    cashier_name: Mapped[str] = mapped_column(String(120))
    total_cents: Mapped[int] = mapped_column(Integer)  # the sale's total when the tender was taken
    cart: Mapped[str] = mapped_column(Text)  # the cart then (JSON), to resume the sale
    state: Mapped[str] = mapped_column(String(12), server_default="open")
    sale_id: Mapped[str] = mapped_column(String(36), server_default="")
    resolved_by: Mapped[str] = mapped_column(String(120), server_default="")
    resolved_at: Mapped[str] = mapped_column(String(32), server_default="")
    __table_args__ = (Index("ix_taken_tenders_payment", "payment_id"), Index("ix_taken_tenders_state", "state"))
