"""Clienteling endpoints.

Devices (the till's own token; online look-ups the till makes through the sync process):
    GET  /v1/customers/search?q=...          when the till does not find someone locally
    GET  /v1/customers/{id}/profile          the unified profile (backend.customer_profile)

Channels (admin token: the web shop's and the contact center's back ends, server to server):
    GET/PUT/DELETE /v1/channel/customers/{id}/cart        the web cart (PUT replaces it)
    GET/PUT        /v1/channel/customers/{id}/wishlist
    PUT            /v1/channel/customers/{id}/preferences  sizes, brands, styles; important dates
    POST           /v1/channel/customers/{id}/notes
    POST           /v1/channel/customers/{id}/consents
    PATCH          /v1/channel/customers/{id}              contact data (last writer wins per field)
    POST           /v1/channel/customers/{id}/cases        open a service case (first step included)
    POST           /v1/channel/cases/{case_id}/steps       add a step (close=true closes)
    GET            /v1/channel/customers/{id}/profile
    GET            /v1/channel/customers/{id}/export       everything held on the customer (JSON)
    POST           /v1/channel/customers/{id}/erase        the erase request (sales stay, anonymised)

Thread: request threads; each request one transaction.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field, StrictBool, model_validator
from sqlalchemy import Connection, select

from backend import changelog, clienteling
from backend.admin import require_admin
from backend.api import UNAUTHORIZED, Device
from backend.clienteling_models import WishlistItem
from backend.customer_profile import build_profile
from backend.customer_search import index_customer, search
from backend.db import BackendDatabase
from backend.models import Product
from backend.schemas import Input, PathId, PathText, Problem, SearchText
from sync.protocol import Id, refuse_unstorable
from sync.protocol_clienteling import ConsentV1, CustomerFieldsV1

Channel = Literal["web", "email", "phone", "chat", "store"]


class _In(Input):
    """The channel's request bodies (backend.schemas.Input: the one text check)."""


class CartLineIn(_In):
    product_id: Id
    quantity: int = Field(ge=1, le=999)


class CartIn(_In):
    items: list[CartLineIn] = Field(max_length=200)

    @model_validator(mode="after")
    def _each_product_once(self) -> "CartIn":
        ids = [i.product_id for i in self.items]
        if twice := sorted({p for p in ids if ids.count(p) > 1}):  # a cart line per product (it was a 500)
            raise ValueError("each product once per cart; twice: " + ", ".join(map(str, twice)))
        return self


class WishlistIn(_In):
    product_ids: list[Id] = Field(max_length=500)


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=2000)
    channel: Channel = "phone"
    author: str = Field(default="", max_length=80)


class CaseIn(_In):
    subject: str = Field(min_length=1, max_length=200)
    channel: Channel
    text: str = Field(min_length=1, max_length=2000)
    author: str = Field(default="", max_length=80)


class StepIn(_In):
    channel: Channel
    text: str = Field(min_length=1, max_length=2000)
    author: str = Field(default="", max_length=80)
    close: StrictBool = False


class ImportantDateIn(_In):
    label: str = Field(min_length=1, max_length=60)  # Geburtstag, Hochzeitstag, ...
    date: str = Field(pattern=r"^(\d{4}-)?\d{2}-\d{2}$", description="YYYY-MM-DD or MM-DD")


class PreferencesIn(_In):
    preferences: dict[Annotated[str, Field(max_length=60)], Annotated[str, Field(max_length=200)]] = Field(default_factory=dict, max_length=30,
                                        description="e.g. Größe: M, Marken: ..., Stil: skandinavisch")
    important_dates: list[ImportantDateIn] = Field(default_factory=list, max_length=20)


class ContactIn(CustomerFieldsV1):
    """The protocol's contact fields as a channel's PATCH body, with the one text check of every
    request body (the protocol checks it per event; here the model is the whole body)."""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return refuse_unstorable(data)


class ConsentsIn(_In):
    consents: list[ConsentV1] = Field(min_length=1, max_length=20)


def _db(request: Request) -> BackendDatabase:
    return request.app.state.db


Database = Annotated[BackendDatabase, Depends(_db)]
NOT_FOUND = {404: {"model": Problem, "description": "No such customer"}}
devices = APIRouter(prefix="/v1/customers", tags=["customers"])
channel = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                    responses={401: {"model": Problem, "description": "No or wrong admin token"}})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _known(conn: Connection, customer_id: int) -> None:
    if not clienteling.exists(conn, customer_id):
        raise HTTPException(404, f"unknown customer {customer_id}")


def _products_known(conn: Connection, ids: list[int]) -> None:
    known = {r[0] for r in conn.execute(select(Product.id).where(Product.id.in_(ids)))} if ids else set()
    if missing := sorted(set(ids) - known):
        raise HTTPException(422, "unknown product id " + ", ".join(map(str, missing)))


def _profile(db: BackendDatabase, customer_id: int) -> dict[str, Any]:
    with db.reading() as conn:
        profile = build_profile(conn, customer_id)
    if profile is None:
        raise HTTPException(404, f"unknown customer {customer_id}")
    return profile


@devices.get("/search", responses=UNAUTHORIZED)
def customer_search(device: Device, db: Database, q: SearchText,
                    limit: Annotated[int, Query(ge=1, le=100)] = 30) -> list[dict[str, Any]]:
    """Customers of every store and the web shop matching what the cashier typed."""
    with db.reading() as conn:
        return search(conn, q, limit)


@devices.get("/{customer_id}/profile", responses={**UNAUTHORIZED, **NOT_FOUND})
def device_profile(customer_id: PathId, device: Device, db: Database) -> dict[str, Any]:
    """The unified profile over every channel (see backend.customer_profile)."""
    return _profile(db, customer_id)


@channel.get("/customers/{customer_id}/profile", responses=NOT_FOUND)
def channel_profile(customer_id: PathId, db: Database) -> dict[str, Any]:
    return _profile(db, customer_id)


@channel.get("/customers/{customer_id}/export", responses=NOT_FOUND)
def export(customer_id: PathId, db: Database) -> dict[str, Any]:
    """Everything the center holds on the customer (the data subject's copy)."""
    return {"exported_at": _now().isoformat(), "profile": _profile(db, customer_id)}


@channel.post("/customers/{customer_id}/erase", responses=NOT_FOUND)
def erase(customer_id: PathId, db: Database) -> dict[str, Any]:
    """Anonymise the customer; sales, orders and returns stay for the tax books."""
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        changes: list[changelog.PendingChange] = []
        clienteling.erase(conn, customer_id, _now(), changes)
        changelog.append(conn, changes, _now())
    return {"customer_id": customer_id, "erased": True}


@channel.get("/customers/{customer_id}/cart", responses=NOT_FOUND)
def get_cart(customer_id: PathId, db: Database) -> list[dict[str, Any]]:
    return _profile(db, customer_id)["cart"]


@channel.put("/customers/{customer_id}/cart", responses=NOT_FOUND)
def put_cart(customer_id: PathId, body: CartIn, db: Database) -> list[dict[str, Any]]:
    """Replace the web cart (the shop sends the whole cart after every change)."""
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        _products_known(conn, [i.product_id for i in body.items])
        clienteling.put_cart(conn, customer_id, [(i.product_id, i.quantity) for i in body.items], _now())
    return _profile(db, customer_id)["cart"]


@channel.delete("/customers/{customer_id}/cart", responses=NOT_FOUND)
def delete_cart(customer_id: PathId, db: Database) -> list[dict[str, Any]]:
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        clienteling.put_cart(conn, customer_id, [], _now())
    return []


@channel.get("/customers/{customer_id}/wishlist", responses=NOT_FOUND)
def get_wishlist(customer_id: PathId, db: Database) -> list[dict[str, Any]]:
    return _profile(db, customer_id)["wishlist"]


@channel.put("/customers/{customer_id}/wishlist", responses=NOT_FOUND)
def put_wishlist(customer_id: PathId, body: WishlistIn, db: Database) -> list[dict[str, Any]]:
    from sqlalchemy import delete, insert

    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        _products_known(conn, body.product_ids)
        conn.execute(delete(WishlistItem).where(WishlistItem.customer_id == customer_id))
        for pid in dict.fromkeys(body.product_ids):
            conn.execute(insert(WishlistItem).values(customer_id=customer_id, product_id=pid, added_at=_now()))
    return _profile(db, customer_id)["wishlist"]


@channel.post("/customers/{customer_id}/notes", responses=NOT_FOUND)
def add_note(customer_id: PathId, body: NoteIn, db: Database) -> dict[str, str]:
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        return {"id": clienteling.add_note(conn, customer_id, body.text, body.channel, body.author, _now(),
                                           source=body.channel)}


@channel.post("/customers/{customer_id}/consents", responses=NOT_FOUND)
def add_consents(customer_id: PathId, body: ConsentsIn, db: Database) -> dict[str, Any]:
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        clienteling.add_consents(conn, customer_id, list(body.consents))
    return _profile(db, customer_id)["consents"]


@channel.put("/customers/{customer_id}/preferences", responses=NOT_FOUND)
def put_preferences(customer_id: PathId, body: PreferencesIn, db: Database) -> dict[str, Any]:
    """Preferences (sizes, brands, styles) and important dates, replaced whole."""
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        clienteling.set_preferences(conn, customer_id, dict(body.preferences),
                                    [d.model_dump() for d in body.important_dates])
    profile = _profile(db, customer_id)
    return {"preferences": profile["preferences"], "important_dates": profile["important_dates"]}


@channel.patch("/customers/{customer_id}", responses=NOT_FOUND)
def update_customer(customer_id: PathId, body: ContactIn, db: Database) -> dict[str, Any]:
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        changed = clienteling.merge_fields(conn, customer_id, body, _now())
        changes: list[changelog.PendingChange] = []
        if changed:
            data = clienteling.customer_data(conn, customer_id)
            index_customer(conn, data)
            changes.append(changelog.PendingChange(clienteling.ChangeKind.CUSTOMER, str(customer_id), None, data))
            changelog.append(conn, changes, _now())
    return {"changed": changed}


@channel.post("/customers/{customer_id}/cases", responses=NOT_FOUND)
def open_case(customer_id: PathId, body: CaseIn, db: Database) -> dict[str, str]:
    with db.connect(write=True) as conn, conn.begin():
        _known(conn, customer_id)
        return clienteling.open_case(conn, customer_id, body.subject, body.channel, body.text, body.author, _now())


@channel.post("/cases/{case_id}/steps", responses={404: {"model": Problem, "description": "No such case"}})
def add_step(case_id: PathText, body: StepIn, db: Database) -> dict[str, str]:
    with db.connect(write=True) as conn, conn.begin():
        reason = clienteling.add_step(conn, case_id, body.channel, body.text, body.author, _now(), close=body.close,
                                      source=body.channel)
        if reason:
            raise HTTPException(404, reason)
    return {"case_id": case_id, "status": "closed" if body.close else "open"}
