"""The unified customer profile: one read over every channel (GET /v1/customers/{id}/profile
for tills, GET /v1/channel/customers/{id}/profile for the web shop and the contact center). The
center's customer search is backend.customer_search.

Loyalty is computed, not booked: 1 point per full euro of every purchase (a till sale with the
customer attached, a web order of the customer), minus 1 point per full euro refunded to the
customer. Tiers by points: Bronze from 0, Silber from 500, Gold from 2,000. The history lists
each purchase and return with its points, newest first.

Thread: request threads; one read transaction.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from backend.clienteling_models import (CartItem, CaseStep, CustomerConsent, CustomerNote, CustomerProfile,
                                        SaleCustomer, ServiceCase, WishlistItem)
from backend.models import Customer, Price, Product, Sale, SaleLine, Store
from backend.fulfilment import of_customer
from backend.pickup_models import PickupLine, PickupOrder
from backend.receipts import for_customer
from backend.returns_models import Return, ReturnLine, WebOrder, WebOrderLine
from pos_app.loyalty import points_for, tier_for

WEB_STORE = "WEB"


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(conn: Connection, stmt: Any) -> list[dict[str, Any]]:
    return [{k: _iso(v) for k, v in dict(r).items()} for r in conn.execute(stmt).mappings()]


def build_profile(conn: Connection, customer_id: int) -> dict[str, Any] | None:
    customer = conn.execute(select(Customer).where(Customer.id == customer_id)).mappings().first()
    if customer is None:
        return None
    extra = conn.execute(select(CustomerProfile).where(CustomerProfile.customer_id == customer_id)).mappings().first()
    consent_rows = _rows(conn, select(CustomerConsent.channel, CustomerConsent.granted, CustomerConsent.recorded_at,
                                      CustomerConsent.source, CustomerConsent.method, CustomerConsent.recorded_by)
                         .where(CustomerConsent.customer_id == customer_id)
                         .order_by(CustomerConsent.recorded_at, CustomerConsent.id))
    current: dict[str, dict[str, Any]] = {}
    for c in consent_rows:
        current[c["channel"]] = c
    purchases = _purchases(conn, customer_id)
    returns = _returns(conn, customer_id)
    history = [{"kind": p["kind"], "number": p["number"], "at": p["created_at"], "points": p["points"]}
               for p in purchases]
    history += [{"kind": "return", "number": r["return_number"], "at": r["created_at"], "points": -r["points"]}
                for r in returns]
    history.sort(key=lambda h: h["at"], reverse=True)
    points = sum(h["points"] for h in history)
    return {
        "customer": {k: customer[k] for k in ("id", "number", "first_name", "last_name", "street", "zip_code",
                                              "city", "phone", "email", "home_store_id")},
        "addresses": [{"kind": "Hauptadresse", "street": customer["street"], "zip_code": customer["zip_code"],
                       "city": customer["city"]}] if customer["street"] or customer["city"] else [],
        "consents": {ch: current.get(ch) for ch in ("email", "sms", "phone", "post")},
        "consent_history": consent_rows,
        "preferences": (extra or {}).get("preferences") or {},
        "important_dates": (extra or {}).get("important_dates") or [],
        "erased": bool(extra and extra.get("erased_at")),
        "notes": _rows(conn, select(CustomerNote.id, CustomerNote.created_at, CustomerNote.channel,
                                    CustomerNote.source, CustomerNote.author, CustomerNote.text)
                       .where(CustomerNote.customer_id == customer_id).order_by(CustomerNote.created_at.desc())),
        "loyalty": {"points": points, "tier": tier_for(points), "history": history,
                    "rule": "1 Punkt je vollem Euro Einkauf; Rückgaben ziehen Punkte ab"},
        "purchases": purchases,
        "open_orders": _open_pickups(conn, customer_id),
        "fulfilment_orders": of_customer(conn, customer_id),  # the endless aisle (issue 14), every channel
        "returns": returns,
        "service_cases": _cases(conn, customer_id),
        "cart": _products(conn, select(CartItem.product_id, CartItem.quantity, CartItem.updated_at)
                          .where(CartItem.customer_id == customer_id).order_by(CartItem.product_id)),
        "receipts": for_customer(conn, customer_id),  # digital receipts (backend.receipts)
        "wishlist": _products(conn, select(WishlistItem.product_id, WishlistItem.added_at)
                              .where(WishlistItem.customer_id == customer_id).order_by(WishlistItem.added_at)),
    }


FINAL_PICKUP_STATES = ("collected", "cancelled", "returned_to_stock")


def _open_pickups(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    """Pickup orders and reservations still to be collected (an expired one too: its goods are
    still on the shelf until the store returns them to stock)."""
    orders = _rows(conn, select(PickupOrder.id, PickupOrder.order_number.label("number"), PickupOrder.kind,
                                PickupOrder.store_id, PickupOrder.state, PickupOrder.created_at,
                                PickupOrder.pickup_by, PickupOrder.total_cents, PickupOrder.payment)
                   .where(PickupOrder.customer_id == customer_id, PickupOrder.state.not_in(FINAL_PICKUP_STATES))
                   .order_by(PickupOrder.created_at.desc()))
    for o in orders:
        o["items"] = _rows(conn, select(PickupLine.product_id, PickupLine.sku, PickupLine.name, PickupLine.quantity)
                           .where(PickupLine.order_id == o.pop("id")).order_by(PickupLine.line_no))
    return orders


def _purchases(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    sales = _rows(conn, select(Sale.id, Sale.receipt_number.label("number"), Sale.store_id, Sale.created_at,
                               Sale.total_cents).join(SaleCustomer, SaleCustomer.sale_id == Sale.id)
                  .where(SaleCustomer.customer_id == customer_id))
    for s in sales:
        s.update(kind="sale", channel="store", status="abgeschlossen", points=points_for(s["total_cents"]))
        s["items"] = _rows(conn, select(SaleLine.line_no, SaleLine.product_id, SaleLine.sku, SaleLine.name,
                                        SaleLine.quantity, SaleLine.total_cents)
                           .where(SaleLine.sale_id == s["id"]).order_by(SaleLine.line_no))
    orders = _rows(conn, select(WebOrder.id, WebOrder.order_number.label("number"), WebOrder.store_id,
                                WebOrder.created_at, WebOrder.total_cents, WebOrder.status, WebOrder.channel)
                   .where(WebOrder.customer_id == customer_id))
    for o in orders:
        o.update(kind="order", points=points_for(o["total_cents"]))
        o["items"] = _rows(conn, select(WebOrderLine.line_no, WebOrderLine.product_id, WebOrderLine.sku,
                                        WebOrderLine.name, WebOrderLine.quantity, WebOrderLine.total_cents)
                           .where(WebOrderLine.order_id == o["id"]).order_by(WebOrderLine.line_no))
    return sorted(sales + orders, key=lambda p: p["created_at"], reverse=True)


def _returns(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    rows = _rows(conn, select(Return.id, Return.return_number, Return.store_id, Return.created_at,
                              Return.original_number, Return.total_cents)
                 .where(Return.customer_id == customer_id).order_by(Return.created_at.desc()))
    for r in rows:
        r["points"] = points_for(r["total_cents"])
        r["items"] = _rows(conn, select(ReturnLine.name, ReturnLine.quantity, ReturnLine.refund_cents)
                           .where(ReturnLine.return_id == r["id"]))
    return rows


def _cases(conn: Connection, customer_id: int) -> list[dict[str, Any]]:
    cases = _rows(conn, select(ServiceCase).where(ServiceCase.customer_id == customer_id)
                  .order_by(ServiceCase.opened_at.desc()))
    for case in cases:
        case["steps"] = _rows(conn, select(CaseStep.id, CaseStep.created_at, CaseStep.channel, CaseStep.source,
                                           CaseStep.author, CaseStep.text)
                              .where(CaseStep.case_id == case["id"])  # in the order the center learnt of them
                              .order_by(func.coalesce(CaseStep.received_at, CaseStep.created_at), CaseStep.id))
    return cases


def _products(conn: Connection, stmt: Any) -> list[dict[str, Any]]:
    rows = _rows(conn, stmt)
    for row in rows:
        p = conn.execute(select(Product.sku, Product.name, Price.gross_cents)
                         .outerjoin(Price, (Price.product_id == Product.id) & (Price.store_id == WEB_STORE))
                         .where(Product.id == row["product_id"])).first()
        row.update(sku=p.sku if p else "", name=p.name if p else f"Artikel {row['product_id']}",
                   web_price_cents=p.gross_cents if p else None)
    return rows


def store_names(conn: Connection) -> dict[str, str]:
    return {r.id: r.name for r in conn.execute(select(Store.id, Store.name))}
