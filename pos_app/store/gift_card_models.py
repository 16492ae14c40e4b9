"""The till's memory of gift card balances (migration 0021_gift_cards), for the offline rule
(pos_app.gift_cards.rules.offline_allowance); and what the feed brings for the price
indications: the lowest 30-day price of reduced products, the products' net contents.

One row per card this till asked the center about (or sold): the center's balance then, this
till's redemptions still pending in the outbox then (not in the center's figure yet), and the
total this store's sales had taken from the card then. What the till took since is its own
sales' voucher tenders minus that total, so the offline allowance never counts a redemption
twice or misses one, whether it was sent meanwhile or not.

Thread: any (short reads and writes in the caller's session).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.store.models import Base


class GiftCardBalance(Base):
    __tablename__ = "gift_card_balances"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    balance_cents: Mapped[int] = mapped_column(Integer)  # the center's, when checked
    pending_cents: Mapped[int] = mapped_column(Integer)  # this till's redemptions not at the center then
    taken_here_cents: Mapped[int] = mapped_column(Integer)  # all this store's redemptions of it then
    checked_at: Mapped[str] = mapped_column(String(32))  # UTC, ISO (pos_app.clock.iso)


class PriceIndication(Base):
    """§ 11 PAngV from the feed: the lowest 30-day price of a product whose price is reduced
    (no row: not reduced). The till shows it wherever it shows the reduction."""

    __tablename__ = "price_indications"
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    lowest_30_days_cents: Mapped[int] = mapped_column(Integer)


def apply_price_indications(session: Session, rows: dict[tuple[int, str], int | None]) -> None:
    """The feed's price changes (sync.feed): a reduced price brings its lowest 30-day price, any
    other price (or a deleted one) removes the row."""
    conn = session.connection()
    upserts = [(pid, sid, cents) for (pid, sid), cents in rows.items() if cents is not None]
    deletes = [(pid, sid) for (pid, sid), cents in rows.items() if cents is None]
    if upserts:
        conn.exec_driver_sql("INSERT INTO price_indications (product_id, store_id, lowest_30_days_cents) "
                             "VALUES (?, ?, ?) ON CONFLICT (product_id, store_id) DO UPDATE SET "
                             "lowest_30_days_cents = excluded.lowest_30_days_cents", upserts)
    if deletes:
        conn.exec_driver_sql("DELETE FROM price_indications WHERE product_id = ? AND store_id = ?", deletes)


def lowest_30_days(session: Session, product_id: int, store_id: str) -> int | None:
    """The lowest 30-day price to state with this product's reduced price here (None: not reduced)."""
    row = session.get(PriceIndication, (product_id, store_id))
    return None if row is None else row.lowest_30_days_cents


class SalePriceIndication(Base):
    """The lowest 30-day price a sale's line stated (migration 0025_points): written with the
    sale, read by its receipt, so a reprint says what the first print said even after the feed
    changed the indication."""

    __tablename__ = "sale_price_indications"
    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    lowest_30_days_cents: Mapped[int] = mapped_column(Integer)


def record_sale_indications(session: Session, sale_id: str, by_line: dict[int, int]) -> None:
    """In the sale's own transaction (pos_app.store.sales.SalesService.complete)."""
    for line_no, cents in by_line.items():
        session.add(SalePriceIndication(sale_id=sale_id, line_no=line_no, lowest_30_days_cents=cents))


def sale_indications(session: Session, sale_id: str) -> dict[int, int]:
    rows = session.query(SalePriceIndication).filter(SalePriceIndication.sale_id == sale_id).all()
    return {r.line_no: r.lowest_30_days_cents for r in rows}


class ProductContent(Base):
    """A product's net content from the feed (ProductData.content_*), for the Grundpreis."""

    __tablename__ = "product_contents"
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(4))
    per_100: Mapped[bool] = mapped_column(Boolean, default=False)


def apply_contents(session: Session, products: dict[int, dict[str, Any] | None]) -> None:
    """The feed's product changes (sync.feed): a product with a content keeps it, one without
    (or retired) has none."""
    conn = session.connection()
    upserts, deletes = [], []
    for pid, data in products.items():
        if data and data.get("content_amount") and data.get("content_unit"):
            upserts.append((pid, int(data["content_amount"]), str(data["content_unit"]),
                            bool(data.get("content_per_100"))))
        else:
            deletes.append((pid,))
    if upserts:
        conn.exec_driver_sql("INSERT INTO product_contents (product_id, amount, unit, per_100) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (product_id) DO UPDATE SET amount = excluded.amount, unit = excluded.unit, "
                             "per_100 = excluded.per_100", upserts)
    if deletes:
        conn.exec_driver_sql("DELETE FROM product_contents WHERE product_id = ?", deletes)


def contents(session: Session, product_ids: list[int]) -> dict[int, tuple[int, str, bool]]:
    rows = session.query(ProductContent).filter(ProductContent.product_id.in_(product_ids)).all()
    return {r.product_id: (r.amount, r.unit, bool(r.per_100)) for r in rows}
