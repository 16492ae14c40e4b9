"""HTTP endpoints for quick keys (admin token):

    GET /v1/admin/stores/{store_id}/quick-keys   the store's layout (version 0: never set)
    PUT /v1/admin/stores/{store_id}/quick-keys   replace the whole layout; the store's tills
                                                 get it through the change feed

A broken rule (a place taken twice, a bad colour, an unknown product) is a 422 naming it;
nothing is stored then. Thread: request threads; one write transaction per request.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import Field

from backend import quick_keys
from backend.admin import require_admin
from backend.db import BackendDatabase
from backend.schemas import Input, PathText, Problem
from pos_app import quick_keys as rules
from pos_app.quick_keys import LayoutError
from sync.protocol_quick_keys import QuickKeyData, QuickKeysData


class QuickKeysIn(Input):
    keys: Annotated[list[QuickKeyData], Field(max_length=rules.MAX_KEYS)]


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Db = Annotated[BackendDatabase, Depends(_db)]
admin = APIRouter(prefix="/v1/admin", tags=["quick keys"], dependencies=[Depends(require_admin)],
                  responses={401: {"model": Problem, "description": "No or wrong admin token"},
                             404: {"model": Problem, "description": "Unknown store"}})


@admin.get("/stores/{store_id}/quick-keys", response_model=QuickKeysData)
def get_quick_keys(store_id: PathText, db: Db) -> QuickKeysData:
    """The store's quick keys (the till's product grid)."""
    try:
        with db.reading() as conn:
            return QuickKeysData.model_validate(quick_keys.layout(conn, store_id))
    except quick_keys.UnknownStore as exc:
        raise HTTPException(404, str(exc)) from exc


@admin.put("/stores/{store_id}/quick-keys", response_model=QuickKeysData, responses={
    422: {"model": Problem, "description": "A rule of the layout is broken, or a product is unknown"}})
def put_quick_keys(store_id: PathText, body: QuickKeysIn, db: Db) -> QuickKeysData:
    """Replace the store's whole layout; its tills get it with their next pull."""
    try:
        with db.writing() as conn:
            doc = quick_keys.set_layout(conn, store_id, [k.model_dump() for k in body.keys])
    except quick_keys.UnknownStore as exc:
        raise HTTPException(404, str(exc)) from exc
    except LayoutError as exc:
        raise HTTPException(422, str(exc)) from exc
    return QuickKeysData.model_validate(doc)
