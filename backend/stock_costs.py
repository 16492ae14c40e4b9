"""Cost prices at the center (issue 14): an operator sets a product's net purchase price per
unit, which values a count's variance at cost next to retail (backend.stock_counts.report)
and goes to every store with the product (sync.protocol.ProductData.cost_cents, an optional
field: older feeds without it stay valid, a store then shows the value at cost as unknown).

    PUT /v1/admin/products/{product_id}/cost   {"cost_cents": 1250}

Thread: request threads; one write transaction per request, the feed change appended last.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Connection, insert, select, update

from backend import changelog
from backend.admin import require_admin
from backend.db import BackendDatabase
from backend.changelog import PendingChange
from backend.models import Product
from backend.schemas import Input, PathId, Problem
from backend.stock_models import ProductCost
from sync.protocol import ChangeKind
from sync.protocol_fields import Cents

def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Database = Annotated[BackendDatabase, Depends(_db)]
NOT_FOUND = {404: {"model": Problem, "description": "No such product"}}
admin = APIRouter(prefix="/v1/admin", tags=["stock"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"}})


class CostIn(Input):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cost_cents: Cents  # net purchase price per unit

    @field_validator("cost_cents", mode="before")
    @classmethod
    def _not_a_truth_value(cls, value: object) -> object:
        # JSON's integer takes 2581.0 (pydantic's lax int does too) but not false, which lax
        # mode would book as 0 cents
        if isinstance(value, bool):
            raise ValueError("cost_cents is a number of cents, not true/false")
        return value


class CostOut(BaseModel):
    product_id: int
    cost_cents: int


def costs(conn: Connection, product_ids: Iterable[int]) -> dict[int, int]:
    """Cost prices of the given products (those without one are left out)."""
    ids = sorted(set(product_ids))
    out: dict[int, int] = {}
    for i in range(0, len(ids), 5000):  # bounded IN lists
        out.update({int(p): int(c) for p, c in conn.execute(
            select(ProductCost.product_id, ProductCost.cost_cents)
            .where(ProductCost.product_id.in_(ids[i:i + 5000]))).all()})
    return out


def set_cost(conn: Connection, product_id: int, cost_cents: int, now: datetime) -> None:
    """Insert or replace the cost price (the caller holds the product row)."""
    if conn.execute(select(ProductCost.product_id).where(ProductCost.product_id == product_id)).first():
        conn.execute(update(ProductCost).where(ProductCost.product_id == product_id)
                     .values(cost_cents=cost_cents, updated_at=now))
    else:
        conn.execute(insert(ProductCost).values(product_id=product_id, cost_cents=cost_cents, updated_at=now))


@admin.put("/products/{product_id}/cost", response_model=CostOut, responses=NOT_FOUND)
def put_cost(product_id: PathId, body: CostIn, db: Database) -> CostOut:
    """Set a product's cost price; every store gets it with the product on the feed."""
    from backend.price_history import product_doc  # the one ProductData of a product

    now = datetime.now(timezone.utc)
    with db.writing() as conn:
        if conn.execute(select(Product.id).where(Product.id == product_id).with_for_update()).first() is None:
            raise HTTPException(404, f"Artikel {product_id} unbekannt")
        set_cost(conn, product_id, body.cost_cents, now)
        changelog.append(conn, [PendingChange(ChangeKind.PRODUCT, str(product_id), None,
                                              product_doc(conn, product_id))], now)
    return CostOut(product_id=product_id, cost_cents=body.cost_cents)
