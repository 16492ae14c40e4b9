"""Card terminal transactions as this till knows them (migration 0010, card_terminal).

A row is written, and committed, BEFORE a command that moves money goes to the terminal
(payment, refund, reversal), in state "pending"; the terminal's final answer settles it. A row
still pending at start-up is a command whose answer the till never saw (a crash, a power cut):
pos_app.card_payments asks the terminal about it before anything else is sold by card.

Thread: any; functions run in the caller's session.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.store.models import Base


class CardAuthorisation(Base):
    __tablename__ = "card_authorisations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    kind: Mapped[str] = mapped_column(String(12))  # payment | refund | reversal
    amount_cents: Mapped[int] = mapped_column(Integer)
    # pending | approved | declined | aborted | busy | not_charged | reversed
    state: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[str] = mapped_column(String(32))
    resolved_at: Mapped[str] = mapped_column(String(32), default="")
    receipt_no: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the terminal's (BMP 87)
    reference: Mapped[str] = mapped_column(String(60), default="")  # as stored on the card tender
    message: Mapped[str] = mapped_column(String(200), default="")
    slip: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the customer receipt lines
