"""Promotions at the center: defined once (admin API, `pos-backend promotions ...`), sent to
every store through the feed (kind "promotion"), priced by the one engine
(pos_app.prices.engine) and coupon uses counted here, the authority.

Rules (docs/prices.md):
- A promotion is checked by pos_app.prices.promotions.check (the same checks a till applies
  to what the feed brings); a product it names must exist (422 naming it).
- Overlapping windows are allowed: several promotions may be live for the same product at the
  same time; the engine's resolution decides which one a unit gets. One exception: a coupon code
  belongs to one promotion at a time (another promotion with the same code and an overlapping
  window is refused, 422 on coupon_code), or a code could not say which discount it means.
- Ending a promotion moves its end to now (the center's clock) and sends the new row; a
  promotion is never deleted (sales and refunds name it). Ending twice changes nothing.
- Coupons: each use is a redemption with the caller's id (idempotent). Online, a use beyond
  the limit is refused (409). Offline (the till's coupon.redeemed event) it is booked anyway and
  opens a `coupon_overused` reconciliation with the discount at stake. A use the till gives back
  (coupon.released: the cart left without a sale) no longer counts, unless a sale booked it.

Thread: request threads, inside the caller's transaction.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from backend import reconciliations
from backend.changelog import PendingChange
from backend.models import Product
from backend.promotions_models import CouponRedemption, PromotionRow
from pos_app.prices.engine import PromotionBook
from pos_app.prices.promotions import Promotion, PromotionError, normal_code
from sync.protocol import ChangeKind


class Refused(ValueError):
    """The request cannot be taken (HTTP status, the field at fault, a message)."""

    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def _now() -> datetime:
    return datetime.now(timezone.utc)


def feed_change(promo: Promotion) -> PendingChange:
    return PendingChange(ChangeKind.PROMOTION, str(promo.id), None, promo.to_dict())


def doc(row: Any) -> dict[str, Any]:
    return {**row.data, "created_at": row.created_at, "ended_at": row.ended_at}


def add(conn: Connection, data: dict[str, Any], now: datetime | None = None) -> tuple[dict[str, Any], list[PendingChange]]:
    """Define a promotion (see the module docstring). Returns its document and the feed change."""
    now = now or _now()
    if not data.get("id"):
        data = {**data, "id": int(conn.execute(select(func.coalesce(func.max(PromotionRow.id), 0))).scalar_one()) + 1}
    try:
        promo = Promotion.from_dict(data)
    except PromotionError as exc:
        raise Refused(422, str(exc), exc.field) from None
    if conn.execute(select(PromotionRow.id).where(PromotionRow.id == promo.id)).first() is not None:
        raise Refused(409, f"promotion {promo.id} exists already", "id")
    if promo.product_ids:
        known = set(conn.execute(select(Product.id).where(Product.id.in_(promo.product_ids))).scalars())
        missing = [p for p in promo.product_ids if p not in known]
        if missing:
            raise Refused(422, "unknown product id " + ", ".join(map(str, missing[:20])), "product_ids")
    code = normal_code(promo.coupon_code) if promo.coupon_code else None
    if code is not None:
        for other in conn.execute(select(PromotionRow.id, PromotionRow.starts_at, PromotionRow.ends_at,
                                         PromotionRow.ended_at).where(PromotionRow.coupon_code == code)):
            other_end = min(e for e in (other.ends_at, other.ended_at, datetime.max.replace(tzinfo=timezone.utc)) if e)
            if _overlap(promo.starts_at, promo.ends_at, other.starts_at, other_end):
                raise Refused(422, f"coupon code {code} belongs to promotion {other.id} in an overlapping window",
                              "coupon_code")
    conn.execute(insert(PromotionRow).values(
        id=promo.id, name=promo.name, kind=promo.kind.value, data=promo.to_dict(), coupon_code=code,
        starts_at=promo.starts_at, ends_at=promo.ends_at, created_at=now, ended_at=None))
    row = conn.execute(select(PromotionRow).where(PromotionRow.id == promo.id)).one()
    return doc(row), [feed_change(promo)]


def _overlap(a0: datetime | None, a1: datetime | None, b0: datetime | None, b1: datetime | None) -> bool:
    far_past, far_future = datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc)
    return (a0 or far_past) < (b1 or far_future) and (b0 or far_past) < (a1 or far_future)


def end(conn: Connection, promotion_id: int, now: datetime | None = None) -> tuple[dict[str, Any], list[PendingChange]]:
    """End a promotion now (center clock); ending an ended one changes nothing."""
    now = now or _now()
    row = conn.execute(select(PromotionRow).where(PromotionRow.id == promotion_id).with_for_update()).first()
    if row is None:
        raise Refused(404, f"no promotion {promotion_id}", "id")
    if row.ended_at is not None or (row.ends_at is not None and row.ends_at <= now):
        return doc(row), []
    promo = Promotion.from_dict(row.data)
    if promo.starts_at is not None and promo.starts_at > now:  # never began: withdrawn from the tills
        conn.execute(update(PromotionRow).where(PromotionRow.id == promotion_id).values(ended_at=now))
        change = PendingChange(ChangeKind.PROMOTION, str(promo.id), None, None)
    else:
        ended = Promotion.from_dict({**promo.to_dict(), "ends_at": now.isoformat()})
        conn.execute(update(PromotionRow).where(PromotionRow.id == promotion_id).values(
            data=ended.to_dict(), ends_at=now, ended_at=now))
        change = feed_change(ended)
    row = conn.execute(select(PromotionRow).where(PromotionRow.id == promotion_id)).one()
    return doc(row), [change]


def _live(at: datetime) -> Any:
    return (or_(PromotionRow.starts_at.is_(None), PromotionRow.starts_at <= at),
            or_(PromotionRow.ends_at.is_(None), PromotionRow.ends_at > at),
            or_(PromotionRow.ended_at.is_(None), PromotionRow.ended_at > at))


def listing(conn: Connection, active_at: datetime | None = None) -> list[dict[str, Any]]:
    q = select(PromotionRow).order_by(PromotionRow.id)
    if active_at is not None:
        q = q.where(*_live(active_at))
    return [doc(r) for r in conn.execute(q)]


def active_book(conn: Connection, at: datetime) -> PromotionBook:
    """The promotions live at `at` (the center's clock), ready to price with."""
    q = select(PromotionRow.data).where(*_live(at))
    return PromotionBook(Promotion.from_dict(d) for d in conn.execute(q).scalars())


_SALE_BOOKS: dict[str, tuple[tuple[Any, ...], PromotionBook]] = {}  # database url -> (fingerprint, book)
_SALE_BOOKS_LOCK = threading.Lock()


def sale_book(conn: Connection) -> PromotionBook:
    """Every promotion without a coupon that was ever live, for the center's look at store sales
    without a `pricing` block (backend.promotions_events.missed). One aggregate query; the book
    is built again only when a promotion was added or ended (rows are never deleted, `end` is
    the only update), so its memos (eligibility per store and time, judgements) carry over from
    batch to batch. The engine judges each window at the sale's time; a promotion withdrawn
    before it began never was live and is left out."""
    fingerprint = tuple(conn.execute(select(func.count(), func.max(PromotionRow.created_at), func.count(
        PromotionRow.ended_at), func.max(PromotionRow.ended_at)).select_from(PromotionRow)).one())
    url = conn.engine.url.render_as_string(hide_password=True)
    with _SALE_BOOKS_LOCK:
        cached = _SALE_BOOKS.get(url)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = conn.execute(select(PromotionRow.data, PromotionRow.starts_at, PromotionRow.ended_at)
                        .where(PromotionRow.coupon_code.is_(None))).all()
    book = PromotionBook(Promotion.from_dict(r.data) for r in rows
                         if r.ended_at is None or r.starts_at is None or r.starts_at < r.ended_at)
    with _SALE_BOOKS_LOCK:
        _SALE_BOOKS[url] = (fingerprint, book)
    return book


def coupon_promotion(conn: Connection, code: str, at: datetime) -> Any:
    """The promotion a coupon code means at `at` (one at a time, see `add`)."""
    return conn.execute(select(PromotionRow).where(PromotionRow.coupon_code == normal_code(code), *_live(at))
                        .order_by(PromotionRow.id).limit(1)).first()


def uses(conn: Connection, code: str) -> int:
    return int(conn.execute(select(func.count()).select_from(CouponRedemption)
                            .where(CouponRedemption.code == normal_code(code),
                                   CouponRedemption.released_at.is_(None))).scalar_one())


def redeem(conn: Connection, *, redemption_id: str, code: str, store_id: str, reference: str, saving_cents: int,
           offline: bool, redeemed_at: datetime, promotion_id: int | None = None,
           now: datetime | None = None) -> tuple[dict[str, Any], list[PendingChange]]:
    """Count one use of a coupon. Online (`offline` False): refused with 404 for an unknown or
    ended code and 409 when its limit is reached. Offline: booked in any case (the discount was
    given), beyond the limit with a coupon_overused reconciliation. The same redemption id
    again: the first answer, nothing counted twice."""
    now = now or _now()
    code = normal_code(code)
    seen = conn.execute(select(CouponRedemption).where(CouponRedemption.id == redemption_id)).first()
    if seen is not None:
        row = conn.execute(select(PromotionRow).where(PromotionRow.id == seen.promotion_id)).one()
        return _answer(seen, row, conn, "replayed"), []
    if offline and promotion_id is not None:
        row = conn.execute(select(PromotionRow).where(PromotionRow.id == promotion_id)).first()
        if row is None or row.coupon_code != code:
            raise Refused(422, f"coupon {code} is not the code of promotion {promotion_id}", "code")
    else:
        row = coupon_promotion(conn, code, now)
        if row is None:
            raise Refused(404, f"no coupon {code} valid now", "code")
    # serialise the uses of one code: lock its promotion row (PostgreSQL; SQLite's writer lock)
    conn.execute(select(PromotionRow.id).where(PromotionRow.id == row.id).with_for_update())
    limit = row.data.get("coupon_limit")
    used = uses(conn, code)
    over = limit is not None and used >= limit
    if over and not offline:
        raise Refused(409, f"coupon {code} is used up ({used} of {limit})", "code")
    conn.execute(insert(CouponRedemption).values(
        id=redemption_id, code=code, promotion_id=row.id, store_id=store_id, reference=reference,
        saving_cents=saving_cents, offline=offline, over_limit=over, redeemed_at=redeemed_at, received_at=now))
    changes: list[PendingChange] = []
    if over:
        _, changes = reconciliations.raise_exception(
            conn, store_id, "coupon_overused", saving_cents, [redemption_id],
            {"code": code, "promotion_id": row.id, "reference": reference, "uses": used + 1, "limit": limit},
            now=now)
    red = conn.execute(select(CouponRedemption).where(CouponRedemption.id == redemption_id)).one()
    return _answer(red, row, conn, "redeemed"), changes


def _answer(red: Any, row: Any, conn: Connection, outcome: str) -> dict[str, Any]:
    return {"redemption_id": red.id, "code": red.code, "promotion_id": row.id, "outcome": outcome,
            "uses": uses(conn, red.code), "limit": row.data.get("coupon_limit"), "redeemed_at": red.redeemed_at}


def mark_sold(conn: Connection, redemption_id: str, now: datetime) -> None:
    """A sale booked this use (its coupon.redeemed event): it counts for good, and a release of
    it is ignored. A use released before (which a till never does for a sold coupon) counts again."""
    conn.execute(update(CouponRedemption).where(CouponRedemption.id == redemption_id, CouponRedemption.sold_at.is_(None))
                 .values(sold_at=now, released_at=None))


def release(conn: Connection, *, redemption_id: str, code: str, store_id: str, now: datetime,
            offline: bool = False) -> str:
    """Give back one use taken online for a cart that left without a sale (coupon.released).
    Returns what happened: "released", "already released" (changes nothing), "sold" (a sale
    booked the use: ignored, never freed) or "not taken" (an offline coupon the center never
    counted). An unknown redemption of an online coupon, another store's or another code's is
    Refused (422), nothing changes."""
    code = normal_code(code)
    seen = conn.execute(select(CouponRedemption).where(CouponRedemption.id == redemption_id)).first()
    if seen is None and offline:
        return "not taken"
    if seen is None:
        raise Refused(422, f"no coupon redemption {redemption_id}", "redemption_id")
    if seen.store_id != store_id:
        raise Refused(422, f"coupon redemption {redemption_id} belongs to store {seen.store_id!r}", "store_id")
    if seen.code != code:
        raise Refused(422, f"coupon redemption {redemption_id} is of code {seen.code}, not {code}", "code")
    # serialise with the code's uses (the same lock as redeem)
    conn.execute(select(PromotionRow.id).where(PromotionRow.id == seen.promotion_id).with_for_update())
    done = conn.execute(update(CouponRedemption).where(
        CouponRedemption.id == redemption_id, CouponRedemption.sold_at.is_(None),
        CouponRedemption.released_at.is_(None)).values(released_at=now))
    if done.rowcount == 1:
        return "released"
    again = conn.execute(select(CouponRedemption.sold_at).where(CouponRedemption.id == redemption_id)).one()
    return "sold" if again.sold_at is not None else "already released"
