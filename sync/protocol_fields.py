"""The protocol's field bounds and its one text check, shared by every protocol module and by
the center's request models. The numbers come from pos_app.limits, which the store's input
checks use too: the store never makes an event the center refuses for its shape.

Pure data, no I/O; imported by sync.protocol (which re-exports these names).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from pos_app import limits


def _sane_moment(value: datetime) -> datetime:
    fault = limits.moment_fault(value)
    if fault:
        raise ValueError(fault)
    return value


# The field bounds, from pos_app.limits (the store checks its inputs against the same numbers).
Id = Annotated[int, Field(ge=1, le=limits.MAX_ID)]
StaffId = Annotated[int, Field(ge=0, le=limits.MAX_ID)]  # 0: not a person (the web shop)
Count = Annotated[int, Field(ge=0, le=limits.MAX_COUNT)]
Cents = Annotated[int, Field(ge=0, le=limits.MAX_CENTS)]
PositiveCents = Annotated[int, Field(gt=0, le=limits.MAX_CENTS)]
SignedCents = Annotated[int, Field(ge=-limits.MAX_CENTS, le=limits.MAX_CENTS)]
Quantity = Annotated[int, Field(ge=1, le=limits.MAX_QUANTITY)]
Seq = Annotated[int, Field(ge=1, le=limits.MAX_SEQ)]
Moment = Annotated[datetime, AfterValidator(_sane_moment)]


def refuse_unstorable(data: Any) -> Any:
    """The one text check of every request model (protocol and center): no NUL, no lone
    surrogate, no integer beyond what JSON and BIGINT hold, anywhere in the input, free-form
    dicts included. The message names the field."""
    faults = list(limits.json_faults(data))
    if faults:
        raise ValueError("; ".join(f"{where}: {why}" for where, why in faults[:5]))
    return data
