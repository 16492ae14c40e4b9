"""The store file's table of quick keys (migration 0017_quick_keys): the layout the feed last
brought, one row per tile. Written and read with plain SQL (pos_app.quick_keys.store); the
model is here so the store's metadata matches its migrations."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.store.models import Base


class QuickKeyRow(Base):
    __tablename__ = "quick_keys"
    page: Mapped[str] = mapped_column(String(30), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_order: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40))
    colour: Mapped[str] = mapped_column(String(7))
    image: Mapped[str] = mapped_column(String(500))
