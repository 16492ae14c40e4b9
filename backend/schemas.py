"""The backend's own HTTP models: health and the operator (admin) endpoints. What devices send
and receive is sync.protocol, shared with the store; these are not part of the wire protocol
and may change with the backend."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from pos_app import limits
from sync.protocol import refuse_unstorable


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(_Model):
    """Base of the center's own request bodies: the protocol's one check for text that no
    database can hold (NUL, lone surrogates) and integers beyond BIGINT, anywhere in the body.
    Field bounds come from the protocol's types (sync.protocol Id, Cents, Moment ...)."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return refuse_unstorable(data)


def _storable_text(value: str) -> str:
    fault = limits.text_fault(value)
    if fault:
        raise ValueError(fault)
    return value


# Path and query parameters, bounded like the columns they are looked up in (a product id above
# 2**31 overflowed PostgreSQL's INTEGER, a cursor of 10**20 SQLite's): a 422 naming the parameter.
PathId = Annotated[int, Path(ge=1, le=limits.MAX_ID)]
PathText = Annotated[str, Path(min_length=1, max_length=limits.PATH_TEXT), AfterValidator(_storable_text)]
QueryText = Annotated[str, Query(min_length=1, max_length=limits.PATH_TEXT), AfterValidator(_storable_text)]
SearchText = Annotated[str, Query(min_length=1, max_length=120), AfterValidator(_storable_text)]
FeedCursor = Annotated[int, Query(ge=0, le=limits.MAX_SEQ, description="the last sequence applied (0 at first)")]


class Health(_Model):
    status: Literal["ok"]
    database: Literal["sqlite", "postgresql"]


class Problem(_Model):
    """The body of every refusal the center answers itself (400, 401, 403, 404, 405, 409, 413,
    414, 431; and 422 for values no database can hold); FastAPI's own 422 for a body or parameter
    that does not match the spec is HTTPValidationError."""

    detail: str


class DeviceRegistration(Input):
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
