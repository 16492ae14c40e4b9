"""Click and collect in the wire protocol: what a store does with a pickup order (picked, handed
over, returned to stock). Importing sync.protocol imports this module too, which registers the
payloads in PAYLOADS; import the classes from here. Pure data, like sync.protocol.
"""
from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from pos_app import limits
from sync.protocol import PAYLOADS, EventType, Moment, _Strict


class PickedLineV1(_Strict):
    line_no: int = Field(ge=1, le=limits.MAX_COUNT)
    picked_quantity: int = Field(ge=0, le=limits.MAX_QUANTITY)
    short_reason: str = Field(default="", max_length=limits.REASON_TEXT)  # why fewer than ordered were found


class PickupPickedV1(_Strict):
    """An associate picked a pickup order: it is ready (or partially ready when lines are short)."""

    order_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    picked_at: Moment
    picked_by: str = Field(max_length=limits.PERSON_NAME)
    lines: list[PickedLineV1] = Field(min_length=1, max_length=500)


class CollectedLineV1(_Strict):
    line_no: int = Field(ge=1, le=limits.MAX_COUNT)
    quantity: int = Field(ge=0, le=limits.MAX_QUANTITY)  # less than picked: the customer refused the rest


class PickupHandedOverV1(_Strict):
    """The goods left the counter. `sale_id`: the till's sale that took the payment (pay in
    store); that sale moved the stock already, so the center does not move it again."""

    order_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    handed_at: Moment
    handed_by: str = Field(max_length=limits.PERSON_NAME)
    collector: str = Field(min_length=1, max_length=limits.COLLECTOR)
    verification: Literal["name_phone", "id_check"]
    lines: list[CollectedLineV1] = Field(min_length=1, max_length=500)
    sale_id: UUID | None = None


class PickupReturnedV1(_Strict):
    """Not collected by the pickup-by date: the goods go back on the shelf, the order is closed."""

    order_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    returned_at: Moment
    returned_by: str = Field(max_length=limits.PERSON_NAME)


PAYLOADS.update({
    (EventType.PICKUP_PICKED.value, 1): PickupPickedV1,
    (EventType.PICKUP_HANDED_OVER.value, 1): PickupHandedOverV1,
    (EventType.PICKUP_RETURNED.value, 1): PickupReturnedV1,
})
