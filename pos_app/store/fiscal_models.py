"""The fiscal tables of the local store (migration 0007_tse): one row per TSE transaction the
till asked for, signed or not, and the development TSE's own state.

Why a row also for a failed signature: KassenSichV wants a transaction the TSE could not sign
recorded as such, with the error (DSFinV-K TSE_Transaktionen.TSE_TA_FEHLER), never dropped.
"""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.store.models import Base


class TseTransaction(Base):
    __tablename__ = "tse_transactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), nullable=True, unique=True)
    reference: Mapped[str] = mapped_column(String(60), default="")  # another part's record (return, cash movement)
    created_at: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10))  # signed | failed
    error: Mapped[str] = mapped_column(Text, default="")
    process_type: Mapped[str] = mapped_column(String(30))
    process_data: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(String(70))
    tx_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    start: Mapped[str | None] = mapped_column(String(32), nullable=True)  # ISO UTC
    end: Mapped[str | None] = mapped_column(String(32), nullable=True)
    signature_counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signature: Mapped[str] = mapped_column(Text, default="")
    tse_serial: Mapped[str] = mapped_column(String(68), default="")
    time_format: Mapped[str] = mapped_column(String(40), default="")
    signature_algorithm: Mapped[str] = mapped_column(String(40), default="")
    public_key: Mapped[str] = mapped_column(Text, default="")
    certified: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_tse_transactions_device_created", "device_id", "created_at"),)


class TseDevState(Base):
    """The development TSE (NOT certified): its key and counters, one row per TSE serial.
    The counters only ever go up, in their own write transaction, like a real TSE's."""

    __tablename__ = "tse_dev_state"
    serial: Mapped[str] = mapped_column(String(68), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(Text)  # base64, uncompressed X9.62 point
    created_at: Mapped[str] = mapped_column(String(32))
    last_tx_number: Mapped[int] = mapped_column(Integer, default=0)
    last_signature_counter: Mapped[int] = mapped_column(Integer, default=0)
