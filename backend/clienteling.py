"""Clienteling at the center: applying the tills' customer events, and the writes the web shop
and the contact center make through the channel API (backend.clienteling_api). The profile
read is in backend.customer_profile.

Merge rules (docs/clienteling.md):
- contact fields: last writer wins per field, by the time the change was made on the CENTER's
  clock: a till's `changed_at` moved by that till's known clock offset and bounded by the
  center's rule (backend.trusted_time.event_time: never later than its arrival, never earlier
  than the till's last clock measurement; its arrival when the till knew no offset), the
  request time for the channel API. A till whose clock is behind therefore neither loses a
  newer edit nor beats a newer one. An older change of a field that was changed later
  elsewhere is dropped for that field only, and the customer's current row goes into the feed
  either way, so the till that sent it gets the center's result;
- consents: appended, never overwritten; the newest `recorded_at` (same correction) per channel
  is the current one;
- notes and case steps: appended once, keyed by their UUID (a replay changes nothing);
- a pulled web cart: items not changed after `pulled_at` are removed.

Every customer change is appended to the change feed (kind customer), so every till gets it.

Thread: request threads; the caller owns the transaction.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from backend import receipts
from backend.changelog import PendingChange
from backend.clienteling_models import (CartItem, CaseStep, CustomerConsent, CustomerNote, CustomerProfile,
                                        SaleCustomer, ServiceCase)
from backend.customer_search import index_customer
from backend.models import Customer, Sale
from pos_app.trusted_time import EventTime
from sync.protocol import ChangeKind
from sync.protocol_clienteling import (CartPulledV1, CaseStepAddedV1, ConsentV1, CustomerCreatedV1,
                                       CustomerEraseRequestedV1, CustomerFieldsV1, CustomerNoteAddedV1,
                                       CustomerSaleV1, CustomerUpdatedV1)

CONTACT_FIELDS = ("first_name", "last_name", "street", "zip_code", "city", "phone", "email")
HANDLED = (CustomerCreatedV1, CustomerUpdatedV1, CustomerNoteAddedV1, CaseStepAddedV1, CartPulledV1, CustomerSaleV1,
           CustomerEraseRequestedV1)


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def customer_data(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(Customer).where(Customer.id == customer_id)).mappings().first()
    if row is None:
        return None
    return {k: row[k] for k in ("id", "number", "first_name", "last_name", "street", "zip_code", "city",
                                "phone", "email", "home_store_id")}


def _feed(conn: Connection, customer_id: int, changes: list[PendingChange]) -> None:
    """The customer as it now is into the change feed, and its search keys renewed."""
    data = customer_data(conn, customer_id)
    index_customer(conn, data, customer_id)
    changes.append(PendingChange(ChangeKind.CUSTOMER, str(customer_id), None, data))


def _profile_row(conn: Connection, customer_id: int) -> dict[str, Any]:
    row = conn.execute(select(CustomerProfile).where(CustomerProfile.customer_id == customer_id)).mappings().first()
    if row is None:
        conn.execute(insert(CustomerProfile).values(customer_id=customer_id, preferences={}, important_dates=[],
                                                    field_times={}, created_in=""))
        return {"field_times": {}}
    return dict(row)


def merge_fields(conn: Connection, customer_id: int, fields: CustomerFieldsV1, changed_at: datetime) -> list[str]:
    """Last writer wins per field. Returns the fields that changed."""
    wanted = {k: v for k, v in fields.model_dump().items() if v is not None}
    if not wanted:
        return []
    times = dict(_profile_row(conn, customer_id).get("field_times") or {})
    at = utc(changed_at).isoformat()
    winners = {k: v for k, v in wanted.items() if times.get(k, "") <= at}
    if winners:
        conn.execute(update(Customer).where(Customer.id == customer_id).values(**winners))
        times.update({k: at for k in winners})
        conn.execute(update(CustomerProfile).where(CustomerProfile.customer_id == customer_id)
                     .values(field_times=times))
    return sorted(winners)


def add_consents(conn: Connection, customer_id: int, consents: list[ConsentV1], at: EventTime | None = None) -> None:
    for c in consents:
        conn.execute(insert(CustomerConsent).values(
            customer_id=customer_id, channel=c.channel, granted=c.granted,
            recorded_at=utc(at.correct(c.recorded_at) if at is not None else c.recorded_at),
            source=c.source, method=c.method, recorded_by=c.recorded_by))


def exists(conn: Connection, customer_id: int) -> bool:
    return conn.execute(select(Customer.id).where(Customer.id == customer_id)).first() is not None


def apply_event(conn: Connection, store_id: str, payload: Any, changes: list[PendingChange],
                at: EventTime | None = None) -> str | None:
    """One till event in the caller's transaction; a rejection reason or None. `at`: the
    event's time by the center's rule (backend.trusted_time), which moves the till's own
    times (changed_at, recorded_at) onto the center's clock; None: taken as they are."""

    def trusted(moment: datetime) -> datetime:
        return at.correct(moment) if at is not None else moment

    if isinstance(payload, CustomerCreatedV1):
        return _created(conn, store_id, payload, changes, trusted(payload.created_at), at)
    if isinstance(payload, CustomerSaleV1):
        if not exists(conn, payload.customer_id):
            return f"unknown customer {payload.customer_id}"
        if conn.execute(select(Sale.id).where(Sale.id == str(payload.sale_id))).first() is None:
            return f"unknown sale {payload.sale_id}"
        if conn.execute(select(SaleCustomer.sale_id).where(SaleCustomer.sale_id == str(payload.sale_id))).first():
            return None  # the same sale linked again: nothing to do
        conn.execute(insert(SaleCustomer).values(sale_id=str(payload.sale_id), customer_id=payload.customer_id,
                                                 points=payload.points))
        receipts.customer_attached(conn, str(payload.sale_id), payload.customer_id)  # profile, e-mail (issue 16)
        return None
    customer_id = getattr(payload, "customer_id", None)
    if customer_id is not None and not exists(conn, customer_id):
        return f"unknown customer {customer_id}"
    if isinstance(payload, CustomerUpdatedV1):
        merge_fields(conn, payload.customer_id, payload.fields, trusted(payload.changed_at))
        add_consents(conn, payload.customer_id, payload.consents, at)
        _feed(conn, payload.customer_id, changes)
    elif isinstance(payload, CustomerNoteAddedV1):
        if conn.execute(select(CustomerNote.id).where(CustomerNote.id == str(payload.note_id))).first() is None:
            add_note(conn, payload.customer_id, payload.text, "store", payload.author, trusted(payload.created_at),
                     source=payload.store_id, note_id=str(payload.note_id))
    elif isinstance(payload, CaseStepAddedV1):  # dated by the corrected time, ordered by arrival
        return add_step(conn, payload.case_id, "store", payload.text, payload.author, trusted(payload.created_at),
                        close=payload.close, source=payload.store_id, step_id=str(payload.step_id))
    elif isinstance(payload, CustomerEraseRequestedV1):
        erase(conn, payload.customer_id, payload.requested_at, changes)
    elif isinstance(payload, CartPulledV1):
        conn.execute(delete(CartItem).where(CartItem.customer_id == payload.customer_id,
                                            CartItem.updated_at <= utc(payload.pulled_at)))
    return None


def _created(conn: Connection, store_id: str, p: CustomerCreatedV1, changes: list[PendingChange],
             created_at: datetime, at: EventTime | None) -> str | None:
    existing = customer_data(conn, p.customer_id)
    if existing is not None:
        if existing["number"] != p.number:
            return f"customer id {p.customer_id} is taken by {existing['number']}"
        merge_fields(conn, p.customer_id, p.fields, created_at)
    else:
        if conn.execute(select(Customer.id).where(Customer.number == p.number)).first():
            return f"customer number {p.number} is taken"
        f = p.fields
        conn.execute(insert(Customer).values(
            id=p.customer_id, number=p.number, first_name=f.first_name or "", last_name=f.last_name or "",
            street=f.street or "", zip_code=f.zip_code or "", city=f.city or "", phone=f.phone or "",
            email=f.email or "", home_store_id=store_id))
        when = utc(created_at).isoformat()
        conn.execute(insert(CustomerProfile).values(
            customer_id=p.customer_id, preferences={}, important_dates=[], created_at=utc(created_at),
            created_in=store_id, field_times={k: when for k, v in f.model_dump().items() if v is not None}))
    add_consents(conn, p.customer_id, p.consents, at)
    _feed(conn, p.customer_id, changes)
    return None


def add_note(conn: Connection, customer_id: int, text: str, channel: str, author: str, at: datetime,
             source: str = "", note_id: str | None = None) -> str:
    note_id = note_id or str(uuid.uuid4())
    conn.execute(insert(CustomerNote).values(id=note_id, customer_id=customer_id, created_at=utc(at),
                                             channel=channel, source=source, author=author, text=text,
                                             received_at=datetime.now(timezone.utc)))
    return note_id


def open_case(conn: Connection, customer_id: int, subject: str, channel: str, text: str, author: str,
              at: datetime) -> dict[str, str]:
    case_id = str(uuid.uuid4())
    count = conn.execute(select(func.count()).select_from(ServiceCase)).scalar() or 0
    number = f"SC-{count + 1:06d}"
    while conn.execute(select(ServiceCase.id).where(ServiceCase.case_number == number)).first():
        count += 1
        number = f"SC-{count + 1:06d}"
    conn.execute(insert(ServiceCase).values(id=case_id, case_number=number, customer_id=customer_id,
                                            subject=subject, status="open", opened_at=utc(at), opened_channel=channel))
    add_step(conn, case_id, channel, text, author, at)
    return {"id": case_id, "case_number": number}


def add_step(conn: Connection, case_id: str, channel: str, text: str, author: str, at: datetime,
             close: bool = False, source: str = "", step_id: str | None = None) -> str | None:
    """A step (and maybe the close) of a case; a rejection reason or None. A replayed step id
    changes nothing. A step on a closed case is still recorded (a late e-mail), and reopens it
    unless it closes it again."""
    case = conn.execute(select(ServiceCase.status).where(ServiceCase.id == case_id)).first()
    if case is None:
        return f"unknown service case {case_id}"
    if step_id and conn.execute(select(CaseStep.id).where(CaseStep.id == step_id)).first():
        return None
    conn.execute(insert(CaseStep).values(id=step_id or str(uuid.uuid4()), case_id=case_id, created_at=utc(at),
                                         channel=channel, source=source, author=author, text=text,
                                         received_at=datetime.now(timezone.utc)))
    if close:
        conn.execute(update(ServiceCase).where(ServiceCase.id == case_id)
                     .values(status="closed", closed_at=utc(at), closed_channel=channel))
    elif case.status == "closed":
        conn.execute(update(ServiceCase).where(ServiceCase.id == case_id)
                     .values(status="open", closed_at=None, closed_channel=None))
    return None


def set_preferences(conn: Connection, customer_id: int, preferences: dict[str, str],
                    important_dates: list[dict[str, str]]) -> None:
    _profile_row(conn, customer_id)
    conn.execute(update(CustomerProfile).where(CustomerProfile.customer_id == customer_id)
                 .values(preferences=preferences, important_dates=important_dates))


def put_cart(conn: Connection, customer_id: int, items: list[tuple[int, int]], at: datetime) -> None:
    conn.execute(delete(CartItem).where(CartItem.customer_id == customer_id))
    for product_id, quantity in items:
        conn.execute(insert(CartItem).values(customer_id=customer_id, product_id=product_id, quantity=quantity,
                                             updated_at=utc(at)))


def erase(conn: Connection, customer_id: int, at: datetime, changes: list[PendingChange]) -> None:
    """The erase request: contact data anonymised, notes, consents, carts, wishlists and cases
    removed; sales, orders and returns stay (tax law) but point at an anonymous customer."""
    from backend.clienteling_models import CaseStep as _Step, WishlistItem

    conn.execute(update(Customer).where(Customer.id == customer_id).values(
        first_name="Gelöscht", last_name=f"Kunde {customer_id}", street="", zip_code="", city="", phone="", email=""))
    for model in (CustomerNote, CustomerConsent, CartItem, WishlistItem):
        conn.execute(delete(model).where(model.customer_id == customer_id))
    case_ids = [r[0] for r in conn.execute(select(ServiceCase.id).where(ServiceCase.customer_id == customer_id))]
    if case_ids:
        conn.execute(delete(_Step).where(_Step.case_id.in_(case_ids)))
        conn.execute(delete(ServiceCase).where(ServiceCase.id.in_(case_ids)))
    _profile_row(conn, customer_id)
    conn.execute(update(CustomerProfile).where(CustomerProfile.customer_id == customer_id).values(
        preferences={}, important_dates=[], erased_at=utc(at)))
    receipts.forget_customer(conn, customer_id)  # digital receipts stay, without the name (issue 16)
    _feed(conn, customer_id, changes)
