"""The customers' search keys (migration 0008_customers, folded names since the name folding
migration): computed in Python (pos_app.customers.folding) by pos_app.store.customers.index_rows;
the FTS5 name index over the folded names (customer_name_fts) is raw SQL in the migration and
not a model."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.store.models import Base


class CustomerKeys(Base):
    __tablename__ = "customer_keys"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    phone_key: Mapped[str] = mapped_column(String(40), server_default="")
    email_key: Mapped[str] = mapped_column(String(120), server_default="")
    first_code: Mapped[str] = mapped_column(String(40), server_default="")
    last_code: Mapped[str] = mapped_column(String(40), server_default="")
    first_fold: Mapped[str] = mapped_column(String(200), server_default="")
    last_fold: Mapped[str] = mapped_column(String(200), server_default="")
    key_version: Mapped[int] = mapped_column(Integer, server_default="0")  # folding.FOLDING_VERSION
    __table_args__ = (Index("ix_customer_keys_phone", "phone_key"), Index("ix_customer_keys_email", "email_key"),
                      Index("ix_customer_keys_names", "last_code", "first_code"),
                      Index("ix_customer_keys_first", "first_code"))


class SaleCustomer(Base):
    """The customer attached to a sale at this till, and the points it earned (pos_app.loyalty)."""

    __tablename__ = "sale_customers"
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_sale_customers_customer", "customer_id"),)
