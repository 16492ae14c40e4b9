"""The center's table of quick keys: one layout per store (pos_app.quick_keys), as JSON, with a
version that counts up on each change (the feed carries the whole layout, backend.quick_keys)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, JSONData, UtcDateTime


class QuickKeyLayout(Base):
    __tablename__ = "quick_key_layouts"
    store_id: Mapped[str] = mapped_column(String(16), ForeignKey("stores.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    keys: Mapped[list[dict[str, Any]]] = mapped_column(JSONData)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
