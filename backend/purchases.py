"""Finding a purchase for a return: a sale of any till in any store, or a web order, by receipt
number, sale id or order number (what the receipt barcode or the order's QR code carries),
with what already came back of it over every channel.

"Already returned" is summed from the returns recorded at the center that point at the
purchase; a return still waiting in some till's outbox is not in it yet: the till that makes a
return adds its own pending ones (pos_app.returns), and when the event arrives here the check
in backend.returns is made again with the figures of that moment.

Thread: a request thread (reads), or inside the push transaction (backend.returns).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from backend.models import Product, Sale, SaleLine, SaleTender
from backend.returns_models import Return, ReturnLine, ReturnTender, WebOrder, WebOrderLine, WebOrderTender
from sync.protocol import PurchaseLineData, PurchaseResponse, PurchaseTenderData

# What an order's QR code carries before the number (the till strips it); a receipt's barcode
# is the bare receipt number.
ORDER_QR_PREFIX = "ORDER:"
_PREFIX = re.compile(r"^(ORDER|BESTELLUNG|BON)[:\s]+", re.IGNORECASE)


def normalise_number(text: str) -> str:
    return _PREFIX.sub("", text.strip()).strip()


@dataclass(frozen=True)
class Found:
    kind: str  # sale | order
    id: str


def find(conn: Connection, number: str, lock: bool = False) -> Found | None:
    """The purchase `number` names (receipt number, sale id, order number or order id).
    `lock`: take the purchase row's lock (PostgreSQL), so that two returns of one purchase
    applied at the same moment check their quantities one after the other."""
    number = normalise_number(number)
    if not number:
        return None
    sale_q = select(Sale.id).where(Sale.receipt_number == number)
    order_q = select(WebOrder.id).where(WebOrder.order_number == number)
    try:
        as_uuid = str(uuid.UUID(number))
    except ValueError:
        as_uuid = None
    if as_uuid is not None:
        sale_q = select(Sale.id).where(Sale.id == as_uuid)
        order_q = select(WebOrder.id).where(WebOrder.id == as_uuid)
    if lock:
        sale_q, order_q = sale_q.with_for_update(), order_q.with_for_update()
    sale_ids = conn.execute(sale_q.order_by(Sale.created_at.desc())).scalars().all()
    if sale_ids:
        return Found("sale", sale_ids[0])
    order_id = conn.execute(order_q).scalar()
    return Found("order", order_id) if order_id is not None else None


def lock_original(conn: Connection, kind: str, original_id: str) -> bool:
    """Lock the purchase's row for the rest of the transaction; False when it is not here."""
    table = Sale if kind == "sale" else WebOrder
    return conn.execute(select(table.id).where(table.id == original_id).with_for_update()).first() is not None


def returned_so_far(conn: Connection, kind: str, original_id: str) -> tuple[dict[int, tuple[int, int]], dict[str, int]]:
    """({original line: (quantity returned, cents refunded)}, {refund kind: cents}) over every
    return recorded for this purchase."""
    lines = conn.execute(
        select(ReturnLine.original_line_no, func.sum(ReturnLine.quantity), func.sum(ReturnLine.refund_cents))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.original_kind == kind, Return.original_id == original_id)
        .group_by(ReturnLine.original_line_no)).all()
    tenders = conn.execute(
        select(ReturnTender.kind, func.sum(ReturnTender.amount_cents))
        .join(Return, Return.id == ReturnTender.return_id)
        .where(Return.original_kind == kind, Return.original_id == original_id)
        .group_by(ReturnTender.kind)).all()
    return ({int(no): (int(q), int(c)) for no, q, c in lines if no is not None},
            {k: int(c) for k, c in tenders})


def load(conn: Connection, found: Found) -> PurchaseResponse:
    """The purchase with its lines and tenders and what already came back of it."""
    returned, refunded = returned_so_far(conn, found.kind, found.id)
    if found.kind == "sale":
        number, store_id, created_at = conn.execute(
            select(Sale.receipt_number, Sale.store_id, func.coalesce(Sale.event_time, Sale.created_at))
            .where(Sale.id == found.id)).one()
        channel, customer_id = "store", None
        line_rows = conn.execute(
            select(SaleLine.line_no, SaleLine.product_id, SaleLine.sku, SaleLine.name, Product.category,
                   SaleLine.quantity, SaleLine.total_cents, SaleLine.vat_percent)
            .join(Product, Product.id == SaleLine.product_id)
            .where(SaleLine.sale_id == found.id).order_by(SaleLine.line_no)).all()
        tender_rows = conn.execute(select(SaleTender.kind, SaleTender.amount_cents)
                                   .where(SaleTender.sale_id == found.id).order_by(SaleTender.seq)).all()
    else:
        number, store_id, channel, created_at, customer_id = conn.execute(
            select(WebOrder.order_number, WebOrder.store_id, WebOrder.channel, WebOrder.created_at,
                   WebOrder.customer_id).where(WebOrder.id == found.id)).one()
        line_rows = conn.execute(
            select(WebOrderLine.line_no, WebOrderLine.product_id, WebOrderLine.sku, WebOrderLine.name,
                   Product.category, WebOrderLine.quantity, WebOrderLine.total_cents, WebOrderLine.vat_percent)
            .join(Product, Product.id == WebOrderLine.product_id)
            .where(WebOrderLine.order_id == found.id).order_by(WebOrderLine.line_no)).all()
        tender_rows = conn.execute(select(WebOrderTender.kind, WebOrderTender.amount_cents)
                                   .where(WebOrderTender.order_id == found.id).order_by(WebOrderTender.seq)).all()
    paid: dict[str, int] = {}
    for kind, amount in tender_rows:
        paid[kind] = paid.get(kind, 0) + int(amount)
    pricing, extra = _promotions(conn, found, store_id)  # issue 15: the sale's promotions, if any
    lines = [PurchaseLineData(line_no=r[0], product_id=r[1], sku=r[2], name=r[3], category=r[4] or "",
                              quantity=r[5], returned_quantity=returned.get(r[0], (0, 0))[0],
                              total_cents=r[6], refunded_cents=returned.get(r[0], (0, 0))[1], vat_percent=r[7],
                              **extra.get(r[0], {}))
             for r in line_rows]
    tenders = [PurchaseTenderData(kind=kind, amount_cents=amount, refunded_cents=refunded.get(kind, 0))
               for kind, amount in paid.items()]
    return PurchaseResponse(kind=found.kind, id=found.id, number=number, store_id=store_id,  # type: ignore[arg-type]
                            channel=channel, created_at=created_at, customer_id=customer_id,
                            lines=lines, tenders=tenders, pricing=pricing)


def _promotions(conn: Connection, found: Found, store_id: str | None) -> tuple[dict | None, dict[int, dict]]:
    """A store sale's promotions as pos_app.prices.refunds needs them: (pricing, per line
    {list_price_cents, promotable}); (None, {}) for a sale without promotions or an order."""
    from backend.promotions_models import SalePromotionRow
    from pos_app.prices.refunds import promotable_lines, sale_pricing

    if found.kind != "sale":
        return None, {}
    offers = conn.execute(select(SalePromotionRow.definition, SalePromotionRow.lines)
                          .where(SalePromotionRow.sale_id == found.id)
                          .order_by(SalePromotionRow.promotion_id)).all()
    if not offers:
        return None, {}
    shares: dict[int, int] = {}
    for offer in offers:
        for share in offer.lines:
            shares[int(share["line_no"])] = shares.get(int(share["line_no"]), 0) + int(share["cents"])
    rows = conn.execute(select(SaleLine.line_no, SaleLine.unit_price_cents, SaleLine.list_price_cents,
                               SaleLine.line_discount_cents).where(SaleLine.sale_id == found.id)).all()
    promotable = promotable_lines(((r[0], r[1], r[2], r[3]) for r in rows), shares)
    extra = {r[0]: {"list_price_cents": r[2], "promotable": promotable[r[0]]} for r in rows}
    return sale_pricing(store_id or "", [o.definition for o in offers]), extra
