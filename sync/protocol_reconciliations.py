"""Reconciliations in the wire protocol: the open items the center raises for a store (feed
kind "reconcile"), a manager's closing of one (event reconciliation.closed) and a stock
adjustment made in the store (event stock.adjusted: a count, or a rejected event's goods
movement that a manager acknowledged and that must be booked, never erased).

Importing sync.protocol imports this module too, which registers the payloads in PAYLOADS and
the feed data in CHANGE_DATA; import the classes from here. Pure data, like sync.protocol.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from sync.protocol import CHANGE_DATA, PAYLOADS, ChangeKind, _Strict

RECONCILIATION_CLOSED = "reconciliation.closed"
STOCK_ADJUSTED = "stock.adjusted"
# which way each by-hand reason moves stock (the same table as pos_app.stock.rules.ADJUSTMENT_SIGNS,
# which the protocol may not import; tests/test_stock_rules.py holds them equal)
ADJUSTMENT_SIGNS = {"damaged": -1, "theft": -1, "own_use": -1, "found": 1}


class ReconciliationData(_Strict):
    """One open (or closed) item of a store, as the center holds it (backend.reconciliations)."""

    id: str
    store_id: str
    kind: str
    status: Literal["open", "closed"]
    amount_cents: int  # at stake: what may be owed either way, or the value of the goods
    refs: list[str]  # the events (idempotency keys) or documents that caused it
    details: dict[str, Any]
    opened_at: datetime
    closed_at: datetime | None = None
    resolution: str = ""
    closed_by: str = ""
    note: str = ""


class ReconciliationClosedV1(_Strict):
    """A manager closed an item at the store with a resolution (manager PIN, audited)."""

    reconciliation_id: str = Field(min_length=1, max_length=36)
    store_id: str = Field(min_length=1, max_length=16)
    resolution: str = Field(min_length=1, max_length=20)
    note: str = Field(default="", max_length=200)
    closed_by: str = Field(min_length=1, max_length=80)
    approved_by: int | None = Field(default=None, ge=0, le=2**31 - 1)
    closed_at: datetime


class StockAdjustedV1(_Strict):
    """Stock changed in the store outside a sale or return: counted (`counted` is the figure
    found, `delta` what it changed), or booked for a rejected event whose goods really moved
    (reason "conflict_acknowledged", `refs` = that event's id), or written off / found by hand
    (damaged, theft, own use: delta < 0; found: delta > 0; pos_app.stock.rules). Deltas, not absolute figures,
    so an adjustment made offline does not undo the other tills' sales meanwhile."""

    adjustment_id: UUID
    store_id: str = Field(min_length=1, max_length=16)
    product_id: int = Field(ge=1, le=2**31 - 1)
    delta: int = Field(ge=-99_999, le=99_999)
    counted: int | None = Field(default=None, ge=0, le=999_999)
    reason: Literal["count", "correction", "conflict_acknowledged", "damaged", "theft", "own_use", "found"]
    refs: list[str] = Field(default_factory=list, max_length=20)
    adjusted_by: str = Field(min_length=1, max_length=80)
    approved_by: int | None = Field(default=None, ge=0, le=2**31 - 1)
    adjusted_at: datetime

    @model_validator(mode="after")
    def _changes_something(self) -> "StockAdjustedV1":
        if self.delta == 0 and self.counted is None:
            raise ValueError("an adjustment changes the stock or records a count")
        sign = ADJUSTMENT_SIGNS.get(self.reason)
        if sign is not None and self.delta * sign <= 0:
            raise ValueError(f"a {self.reason} adjustment moves stock {'in' if sign > 0 else 'out'}")
        if any(not 0 < len(r) <= 64 for r in self.refs):
            raise ValueError("each ref has 1 to 64 characters")
        return self


PAYLOADS.update({
    (RECONCILIATION_CLOSED, 1): ReconciliationClosedV1,
    (STOCK_ADJUSTED, 1): StockAdjustedV1,
})
CHANGE_DATA[ChangeKind.RECONCILIATION] = ReconciliationData
