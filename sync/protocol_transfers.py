"""Stock between stores in the wire protocol: transfers (one store asks another for units, the
sender picks, ships, the receiver scans them in) and fulfilment orders (the endless aisle: a
till sells what another store or the web warehouse has; that location picks, packs and ships
it to the customer or hands it to the selling store's pickup flow).

Events (store -> center), each applied once by backend.transfer_events / backend.fulfilment_events:
transfer.requested|accepted|declined|picked|shipped|received|cancelled and
fulfilment.ordered|picked|shipped|cancelled. Feed kinds (center -> store): "transfer" (to both
stores of a transfer) and "fulfilment" (to the selling and the fulfilling store).

Importing sync.protocol imports this module too, which registers the payloads in PAYLOADS and
the feed data in CHANGE_DATA; import the classes from here. Pure data, like sync.protocol.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from pos_app import limits
from sync.protocol import CHANGE_DATA, PAYLOADS, ChangeKind, Id, Moment, Quantity, _Strict

# The store app names the same types in pos_app.stock.transfer_rules (pos_app imports no sync).
TRANSFER_REQUESTED = "transfer.requested"
TRANSFER_ACCEPTED = "transfer.accepted"
TRANSFER_DECLINED = "transfer.declined"
TRANSFER_PICKED = "transfer.picked"
TRANSFER_SHIPPED = "transfer.shipped"
TRANSFER_RECEIVED = "transfer.received"
TRANSFER_CANCELLED = "transfer.cancelled"
FULFILMENT_ORDERED = "fulfilment.ordered"
FULFILMENT_PICKED = "fulfilment.picked"
FULFILMENT_SHIPPED = "fulfilment.shipped"
FULFILMENT_CANCELLED = "fulfilment.cancelled"

_STORE = {"min_length": 1, "max_length": 16, "pattern": r"^[A-Z0-9]+$"}


# ---- transfers -----------------------------------------------------------------------------


class TransferLineV1(_Strict):
    product_id: Id
    quantity: Quantity


class TransferRequestedV1(_Strict):
    """The receiving store (the device's own) asks `from_store_id` for units. The transfer's id
    and number are made at the store, so a request made offline has them at once."""

    transfer_id: UUID
    number: str = Field(min_length=1, max_length=limits.NUMBER, pattern=r"^[A-Za-z0-9-]+$")
    from_store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    to_store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    requested_at: Moment
    requested_by: str = Field(max_length=limits.PERSON_NAME)
    note: str = Field(default="", max_length=limits.REASON_TEXT)
    lines: list[TransferLineV1] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _two_stores(self) -> "TransferRequestedV1":
        if self.from_store_id == self.to_store_id:
            raise ValueError("a transfer needs two different stores")
        if len({ln.product_id for ln in self.lines}) != len(self.lines):
            raise ValueError("each product once per transfer")
        return self


class TransferStepV1(_Strict):
    """accepted / declined / cancelled: a decision on a transfer by one of its two stores."""

    transfer_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    reason: str = Field(default="", max_length=limits.REASON_TEXT)


class CountedLineV1(_Strict):
    line_no: int = Field(ge=1, le=200)
    quantity: int = Field(ge=0, le=limits.MAX_QUANTITY)


class TransferPickedV1(_Strict):
    """The sending store picked by scan: `lines` are the units found (fewer than requested: short)."""

    transfer_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    lines: list[CountedLineV1] = Field(min_length=1, max_length=200)


class TransferShippedV1(_Strict):
    """The picked units left the sending store (its stock falls; in transit at the center)."""

    transfer_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    carrier: str = Field(default="", max_length=40)
    tracking: str = Field(default="", max_length=limits.REFERENCE)


class TransferReceivedV1(_Strict):
    """The receiving store scanned the parcel in: `lines` are the units that arrived (its stock
    rises by them); fewer than shipped opens a discrepancy at the center, never a correction."""

    transfer_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    lines: list[CountedLineV1] = Field(min_length=1, max_length=200)


# ---- fulfilment orders (the endless aisle) -------------------------------------------------


class FulfilmentLineV1(_Strict):
    product_id: Id
    sku: str = Field(min_length=1, max_length=limits.SKU)
    name: str = Field(min_length=1, max_length=limits.PRODUCT_NAME)
    quantity: Quantity
    unit_price_cents: int = Field(ge=0, le=limits.MAX_CENTS)


class DeliveryAddressV1(_Strict):
    name: str = Field(min_length=1, max_length=120)
    street: str = Field(min_length=1, max_length=120)
    zip_code: str = Field(min_length=1, max_length=10)
    city: str = Field(min_length=1, max_length=80)


class FulfilmentOrderedV1(_Strict):
    """The till sold goods it does not have: the customer paid `paid_cents` (in full or a
    deposit) with sale `sale_id`; the center reserves the goods in `fulfil_from` and the order
    is shipped to the address (`delivery` "ship") or to the selling store (`delivery` "pickup")."""

    order_id: UUID
    number: str = Field(min_length=1, max_length=limits.NUMBER, pattern=r"^[A-Za-z0-9-]+$")
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]  # the selling store
    fulfil_from: str = Field(**_STORE)  # type: ignore[arg-type]  # a store or WEB (the warehouse)
    sale_id: UUID | None = None
    customer_id: Id | None = None
    delivery: Literal["ship", "pickup"]
    address: DeliveryAddressV1 | None = None
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=120)
    ordered_at: Moment
    ordered_by: str = Field(max_length=limits.PERSON_NAME)
    total_cents: int = Field(ge=0, le=limits.MAX_CENTS)
    paid_cents: int = Field(ge=0, le=limits.MAX_CENTS)
    lines: list[FulfilmentLineV1] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _sound(self) -> "FulfilmentOrderedV1":
        if self.fulfil_from == self.store_id:
            raise ValueError("the fulfilling location must be another store or the web warehouse")
        if self.delivery == "ship" and self.address is None:
            raise ValueError("shipping to the customer needs an address")
        if sum(ln.unit_price_cents * ln.quantity for ln in self.lines) != self.total_cents:
            raise ValueError("the lines do not add up to total_cents")
        if self.paid_cents > self.total_cents:
            raise ValueError("paid_cents exceeds total_cents")
        if len({ln.product_id for ln in self.lines}) != len(self.lines):
            raise ValueError("each product once per order")
        return self


class FulfilmentPickedV1(_Strict):
    order_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]  # the fulfilling store
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    lines: list[CountedLineV1] = Field(min_length=1, max_length=100)


class FulfilmentShippedV1(_Strict):
    """Packed and handed to the carrier (stock leaves the fulfilling store). For an order to be
    collected at the selling store, carrier "pickup" means it goes to that store's pickup flow."""

    order_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    carrier: str = Field(min_length=1, max_length=40)
    tracking: str = Field(default="", max_length=limits.REFERENCE)


class FulfilmentCancelledV1(_Strict):
    order_id: UUID
    store_id: str = Field(**_STORE)  # type: ignore[arg-type]
    at: Moment
    by: str = Field(max_length=limits.PERSON_NAME)
    reason: str = Field(min_length=1, max_length=limits.REASON_TEXT)


# ---- feed data -----------------------------------------------------------------------------


class TransferLineData(_Strict):
    line_no: int
    product_id: int
    sku: str
    name: str
    requested: int
    picked: int | None
    shipped: int
    received: int | None


class TransferData(_Strict):
    """A transfer as the center holds it (backend.transfers.transfer_doc)."""

    id: str
    number: str
    from_store_id: str
    to_store_id: str
    state: str
    requested_at: datetime
    requested_by: str
    note: str
    carrier: str
    tracking: str
    shipped_at: datetime | None
    received_at: datetime | None
    reason: str
    lines: list[TransferLineData]


class FulfilmentLineData(_Strict):
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    picked: int | None


class FulfilmentData(_Strict):
    """A fulfilment order as the center holds it (backend.fulfilment.order_doc)."""

    id: str
    number: str
    store_id: str
    fulfil_from: str
    delivery: str
    state: str
    customer_id: int | None
    address: dict[str, str] | None
    ordered_at: datetime
    total_cents: int
    paid_cents: int
    carrier: str
    tracking: str
    pickup_number: str
    reason: str
    lines: list[FulfilmentLineData]


PAYLOADS.update({
    (TRANSFER_REQUESTED, 1): TransferRequestedV1,
    (TRANSFER_ACCEPTED, 1): TransferStepV1,
    (TRANSFER_DECLINED, 1): TransferStepV1,
    (TRANSFER_CANCELLED, 1): TransferStepV1,
    (TRANSFER_PICKED, 1): TransferPickedV1,
    (TRANSFER_SHIPPED, 1): TransferShippedV1,
    (TRANSFER_RECEIVED, 1): TransferReceivedV1,
    (FULFILMENT_ORDERED, 1): FulfilmentOrderedV1,
    (FULFILMENT_PICKED, 1): FulfilmentPickedV1,
    (FULFILMENT_SHIPPED, 1): FulfilmentShippedV1,
    (FULFILMENT_CANCELLED, 1): FulfilmentCancelledV1,
})
CHANGE_DATA.update({ChangeKind.TRANSFER: TransferData, ChangeKind.FULFILMENT: FulfilmentData})

TRANSFER_EVENTS = (TransferRequestedV1, TransferStepV1, TransferPickedV1, TransferShippedV1, TransferReceivedV1)
FULFILMENT_EVENTS = (FulfilmentOrderedV1, FulfilmentPickedV1, FulfilmentShippedV1, FulfilmentCancelledV1)
