"""The backend's own HTTP models: health and the operator (admin) endpoints. What devices send
and receive is sync.protocol, shared with the store; these are not part of the wire protocol
and may change with the backend."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Health(_Model):
    status: Literal["ok"]
    database: Literal["sqlite", "postgresql"]


class Problem(_Model):
    """The body of 401, 403, 404 and 413 answers."""

    detail: str


class DeviceRegistration(_Model):
    device_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    store_id: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=80)


class RegisteredDevice(_Model):
    device_id: str
    token: str  # shown once; the center keeps only its hash


class SaleSummary(_Model):
    sale_id: str
    receipt_number: str
    store_id: str
    device_id: str
    total_cents: int
    created_at: datetime


class StockRow(_Model):
    product_id: int
    store_id: str
    quantity: int


class ProcessedEventRow(_Model):
    id: str
    device_id: str
    seq: int
    type: str
    outcome: Literal["applied", "rejected"]
    reason: str | None
    change_seq: int | None
