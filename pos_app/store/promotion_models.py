"""The store's copy of the center's promotions (migration 0020_promotions), filled from the
change feed (ChangeKind.PROMOTION), and the coupons this till accepted while offline.

`promotions.data` is the promotion as pos_app.prices.promotions.Promotion.to_dict() writes it;
a page whose promotion fails the checks is not applied (the next pull brings it again).

`offline_coupons`: the offline rule (docs/prices.md): a till that cannot reach the center
accepts each coupon code once; the code is the key, so a second use here is refused at once.
The center books every use it learns of and raises coupon_overused beyond the limit.

Thread: any; functions run in the caller's session (the feed's page transaction, a sale's).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pos_app.clock import iso, utc_now
from pos_app.prices.engine import PromotionBook
from pos_app.prices.promotions import Promotion, PromotionError, normal_code
from pos_app.store import clock_offset
from pos_app.store.models import Base
from pos_app.trusted_time import corrected


class LocalPromotion(Base):
    __tablename__ = "promotions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[str] = mapped_column(Text)  # JSON: Promotion.to_dict()
    received_at: Mapped[str] = mapped_column(String(40))


class OfflineCoupon(Base):
    __tablename__ = "offline_coupons"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # normalised (normal_code)
    redemption_id: Mapped[str] = mapped_column(String(36))
    receipt_number: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[str] = mapped_column(String(40))


class SalePromotion(Base):
    """A promotion a sale got: its definition then, its saving, its shares per line (JSON)."""

    __tablename__ = "sale_promotions"
    sale_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    promotion_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    saving_cents: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)  # JSON: Promotion.to_dict()
    lines: Mapped[str] = mapped_column(Text)  # JSON: [{"line_no": 1, "cents": 217}, ...]


def record_sale(session: Session, sale_id: str, pricing: dict[str, Any]) -> None:
    """Keep a sale's promotions (its `pricing` block) in the sale's transaction."""
    for applied in pricing["applied"]:
        session.add(SalePromotion(
            sale_id=sale_id, promotion_id=applied["promotion_id"], name=applied["definition"]["name"],
            saving_cents=applied["saving_cents"], definition=json.dumps(applied["definition"], ensure_ascii=False),
            lines=json.dumps(applied["lines"])))


def sale_promotions(session: Session, sale_id: str) -> list[SalePromotion]:
    return list(session.execute(text("SELECT * FROM sale_promotions WHERE sale_id = :s ORDER BY promotion_id"),
                                {"s": sale_id}).all())


def line_notes(rows: list[Any]) -> dict[int, list[tuple[str, int]]]:
    """line_no -> [(promotion name, cents)] for the receipt."""
    notes: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        for share in json.loads(row.lines):
            notes.setdefault(int(share["line_no"]), []).append((row.name, int(share["cents"])))
    return notes


_MARK = text("SELECT (SELECT count(*) FROM promotions), (SELECT max(received_at) FROM promotions)")


class PromotionShelf:
    """The till's promotions, parsed once and kept until the feed changes them (one cheap
    query per look: their count and newest arrival), with the center's clock offset read in
    the same session (pricing judges windows by trusted time). Thread: the till's (UI) thread."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self._mark: tuple[Any, ...] | None = None
        self._book = PromotionBook(())

    def look(self) -> tuple[PromotionBook, datetime]:
        """The promotions and the trusted time now."""
        with self._db.reading() as s:
            mark = tuple(s.execute(_MARK).one())
            if mark != self._mark:
                self._book, self._mark = book_in(s), mark
            offset = clock_offset.load(s)
        return self._book, corrected(utc_now(), offset)


def apply_feed(session: Session, docs: dict[str, dict[str, Any] | None]) -> int:
    """Store one page's promotions (key: id; None: withdrawn). Checked first: a promotion the
    engine would refuse stops the page (ValueError), nothing written."""
    rows, gone = [], []
    for key, data in docs.items():
        if data is None:
            gone.append((int(key),))
            continue
        try:
            promo = Promotion.from_dict(data)
        except PromotionError as exc:
            raise ValueError(f"Aktion {key}: {exc}") from exc
        rows.append((promo.id, json.dumps(promo.to_dict(), ensure_ascii=False, sort_keys=True), iso(utc_now())))
    conn = session.connection()
    if rows:
        conn.exec_driver_sql(
            "INSERT INTO promotions (id, data, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data, received_at = excluded.received_at", rows)
    if gone:
        conn.exec_driver_sql("DELETE FROM promotions WHERE id = ?", gone)
    return len(docs)


def book_in(session: Session) -> PromotionBook:
    """Every promotion this till knows (the engine judges windows and scope at pricing time)."""
    return PromotionBook(Promotion.from_dict(json.loads(d))
                         for d in session.execute(text("SELECT data FROM promotions ORDER BY id")).scalars())


def claim_offline_coupon(session: Session, code: str, redemption_id: str, receipt_number: str) -> bool:
    """Take this till's one offline use of `code`; False when it was used here before."""
    found = session.execute(text("SELECT 1 FROM offline_coupons WHERE code = :c"), {"c": normal_code(code)}).first()
    if found is not None:
        return False
    session.execute(text("INSERT INTO offline_coupons (code, redemption_id, receipt_number, used_at) "
                         "VALUES (:c, :r, :n, :t)"),
                    {"c": normal_code(code), "r": redemption_id, "n": receipt_number, "t": iso(utc_now())})
    return True
