"""The wire shape of a store's quick keys (pos_app.quick_keys): one feed change of kind
QUICK_KEYS per store (key "quick_keys", for that store only), carrying the whole layout, so a
till that applies the newest change has exactly the center's layout. The admin API's body
(backend.quick_keys_api) is the same key model.

Bounds come from pos_app.quick_keys, the rules the center and the store both apply.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from pos_app import quick_keys as rules
from sync.protocol import CHANGE_DATA, ChangeKind, _Strict
from sync.protocol_fields import Count, Id, refuse_unstorable

QUICK_KEYS_KEY = "quick_keys"  # the one feed key per store


class QuickKeyData(_Strict):
    product_id: Id
    page: Annotated[str, Field(min_length=1, max_length=rules.MAX_PAGE_NAME)] = rules.DEFAULT_PAGE
    position: Annotated[int, Field(ge=0, le=rules.MAX_POSITION)] = 0
    label: Annotated[str, Field(max_length=rules.MAX_LABEL)] = ""
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = rules.DEFAULT_COLOUR
    image: Annotated[str, Field(max_length=rules.MAX_IMAGE)] = ""


class QuickKeysData(_Strict):
    """A store's whole layout as the feed carries it; `version` counts up with each change."""

    store_id: Annotated[str, Field(min_length=1, max_length=16)]
    version: Count
    keys: Annotated[list[QuickKeyData], Field(max_length=rules.MAX_KEYS)]
    updated_at: str = ""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return refuse_unstorable(data)


CHANGE_DATA[ChangeKind.QUICK_KEYS] = QuickKeysData
