"""The clienteling payloads of the wire protocol (issue 4): customer data edited at a till,
through the outbox. Importing sync.protocol imports this module too, which registers these
types in PAYLOADS; import the classes from here. Pure data, like sync.protocol.

Merge rules at the center (docs/clienteling.md): contact fields last-writer-wins per field by
`changed_at`; consents keep their whole history (the newest per channel counts); notes and case
steps are appended once (their ids are the keys).
"""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, StrictBool

from pos_app import limits
from sync.protocol import PAYLOADS, Count, Id, Moment, StaffId, _Strict

CONSENT_CHANNELS = ("email", "sms", "phone", "post")


class CustomerFieldsV1(_Strict):
    first_name: str | None = Field(default=None, min_length=1, max_length=limits.CUSTOMER_FIELDS["first_name"])
    last_name: str | None = Field(default=None, min_length=1, max_length=limits.CUSTOMER_FIELDS["last_name"])
    street: str | None = Field(default=None, max_length=limits.CUSTOMER_FIELDS["street"])
    zip_code: str | None = Field(default=None, max_length=limits.CUSTOMER_FIELDS["zip_code"])
    city: str | None = Field(default=None, max_length=limits.CUSTOMER_FIELDS["city"])
    phone: str | None = Field(default=None, max_length=limits.CUSTOMER_FIELDS["phone"])
    email: str | None = Field(default=None, max_length=limits.CUSTOMER_FIELDS["email"])


class ConsentV1(_Strict):
    channel: Literal["email", "sms", "phone", "post"]
    granted: StrictBool
    recorded_at: Moment
    source: str = Field(min_length=1, max_length=40)  # where: "store BER", "web", "contact center"
    method: str = Field(min_length=1, max_length=80)  # how: "mündlich an der Kasse", "Double-Opt-In"
    recorded_by: str = Field(default="", max_length=limits.PERSON_NAME)


class CustomerCreatedV1(_Strict):
    """A customer created at a till (maybe offline). The till proposes id and number from its
    own range (negative ids never reach the center: see docs/clienteling.md)."""

    customer_id: Id
    number: str = Field(min_length=1, max_length=20)
    store_id: str = Field(min_length=1, max_length=16)
    created_at: Moment
    fields: CustomerFieldsV1
    consents: list[ConsentV1] = Field(default_factory=list, max_length=20)


class CustomerUpdatedV1(_Strict):
    customer_id: Id
    changed_at: Moment
    fields: CustomerFieldsV1
    consents: list[ConsentV1] = Field(default_factory=list, max_length=20)


class CustomerNoteAddedV1(_Strict):
    note_id: UUID
    customer_id: Id
    created_at: Moment
    store_id: str = Field(min_length=1, max_length=16)
    author: str = Field(max_length=limits.PERSON_NAME)
    text: str = Field(min_length=1, max_length=limits.NOTE)


class CaseStepAddedV1(_Strict):
    step_id: UUID
    case_id: str = Field(min_length=1, max_length=36)
    created_at: Moment
    store_id: str = Field(min_length=1, max_length=16)
    author: str = Field(max_length=limits.PERSON_NAME)
    text: str = Field(min_length=1, max_length=limits.NOTE)
    close: StrictBool = False


class CartPulledV1(_Strict):
    """The customer's web cart was taken into a till's cart: the center empties what was in the
    web cart at `pulled_at` (items the customer changed later stay)."""

    customer_id: Id
    pulled_at: Moment
    store_id: str = Field(min_length=1, max_length=16)


class CustomerSaleV1(_Strict):
    """A till sale with a customer attached (sent right after the sale's own event)."""

    sale_id: UUID
    customer_id: Id
    points: Count


class CustomerEraseRequestedV1(_Strict):
    """A manager at a till carried out the customer's erase request: the center anonymises the
    customer and keeps sales, orders and returns (tax law)."""

    customer_id: Id
    requested_at: Moment
    approved_by: StaffId
    store_id: str = Field(min_length=1, max_length=16)


PAYLOADS.update({
    ("customer.erase_requested", 1): CustomerEraseRequestedV1,
    ("customer.created", 1): CustomerCreatedV1,
    ("customer.updated", 1): CustomerUpdatedV1,
    ("customer.note_added", 1): CustomerNoteAddedV1,
    ("case.step_added", 1): CaseStepAddedV1,
    ("cart.pulled", 1): CartPulledV1,
    ("customer.sale", 1): CustomerSaleV1,
})
