"""The wire shape of a store's quick keys (pos_app.quick_keys): one feed change of kind
QUICK_KEYS per store (key "quick_keys", for that store only), carrying the whole layout, so a
till that applies the newest change has exactly the center's layout. The admin API's body
(backend.quick_keys_api) is the same key model.

Bounds come from pos_app.limits; the rules (a place taken once ...) are pos_app.quick_keys,
which the center and the store both apply. The defaults here are the rules' defaults.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from pos_app import limits
from sync.protocol import CHANGE_DATA, ChangeKind, _Strict
from sync.protocol_fields import Count, Id, refuse_unstorable

QUICK_KEYS_KEY = "quick_keys"  # the one feed key per store


class QuickKeyData(_Strict):
    product_id: Id
    page: Annotated[str, Field(min_length=1, max_length=limits.QUICK_KEY_PAGE_NAME)] = "Favoriten"
    position: Annotated[int, Field(ge=0, le=limits.QUICK_KEY_MAX_POSITION)] = 0
    label: Annotated[str, Field(max_length=limits.QUICK_KEY_LABEL)] = ""
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#2d6cdf"
    image: Annotated[str, Field(max_length=limits.QUICK_KEY_IMAGE)] = ""


class QuickKeysData(_Strict):
    """A store's whole layout as the feed carries it; `version` counts up with each change."""

    store_id: Annotated[str, Field(min_length=1, max_length=16)]
    version: Count
    keys: Annotated[list[QuickKeyData], Field(max_length=limits.QUICK_KEYS_MAX)]
    updated_at: str = ""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return refuse_unstorable(data)


CHANGE_DATA[ChangeKind.QUICK_KEYS] = QuickKeysData
