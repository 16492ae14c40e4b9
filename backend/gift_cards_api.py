"""Gift card routes (issue 15). The web shop and the contact center (channel, admin token):

    POST /v1/channel/gift-cards                           sell one {amount_cents, reference}: once per reference
    GET  /v1/channel/gift-cards/{code}                    its balance
    POST /v1/channel/gift-cards/{code}/reservations       hold {amount_cents, reference}: once per reference
    POST /v1/channel/gift-cards/{code}/reservations/{id}/capture   the order is paid
    POST /v1/channel/gift-cards/{code}/reservations/{id}/release   cancelled: the amount goes back

The till (device token): GET /v1/gift-cards/{code} (its balance and the offline limit). A till
spends a card as a voucher tender (GET /v1/vouchers/{code}, sale.completed), the web shop also
as a voucher tender of its order (backend.orders): one balance everywhere.

Thread: request threads.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, HTTPException
from pydantic import Field

from backend import gift_cards
from backend.admin import require_admin
from backend.gift_cards import CAPTURED, RELEASED, Card, GiftCardRefused
from backend.returns_api import NOT_FOUND, Database, Device
from backend.schemas import Input, PathText, Problem
from pos_app.gift_cards.rules import MAX_SALE_CENTS, MIN_SALE_CENTS, OFFLINE_DAILY_LIMIT_CENTS
from sync.protocol import PositiveCents
from sync.protocol_gift_cards import GiftCardOut, ReservationOut

channel = APIRouter(prefix="/v1/channel", tags=["channel"], dependencies=[Depends(require_admin)],
                    responses={401: {"model": Problem, "description": "No or wrong admin token"}})
devices = APIRouter(prefix="/v1", tags=["device"],
                    responses={401: {"model": Problem, "description": "No token, or not a known device's"}})
CONFLICT = {409: {"model": Problem, "description": "Balance too low, or the reference was used otherwise"}}
WEB = "WEB"


class GiftCardSaleIn(Input):
    # the bounds of pos_app.gift_cards.rules.check_sale_amount, in the spec (5 to 500 EUR)
    amount_cents: int = Field(ge=MIN_SALE_CENTS, le=MAX_SALE_CENTS, description="the card's value")
    reference: str = Field(min_length=1, max_length=60, description="the shop's order or payment id; sending "
                                                                     "it again sells nothing more")


class ReservationIn(Input):
    amount_cents: PositiveCents
    reference: str = Field(min_length=1, max_length=60, description="the shop's payment id; the same one again "
                                                                     "is the same reservation")


def _out(found: Card | None, code: str) -> GiftCardOut:
    if found is None:
        raise HTTPException(404, f"Geschenkgutschein {code.strip().upper()} unbekannt")
    return GiftCardOut(code=found.code, amount_cents=found.amount_cents, balance_cents=found.balance_cents,
                       store_id=found.store_id, sold_at=found.sold_at,
                       offline_daily_limit_cents=OFFLINE_DAILY_LIMIT_CENTS)


def _refused(exc: GiftCardRefused) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@channel.post("/gift-cards", response_model=GiftCardOut, status_code=201, responses=CONFLICT)
def sell(body: GiftCardSaleIn, db: Database) -> GiftCardOut:
    """Sell a gift card in the web shop (a multi-purpose voucher: no VAT now, the goods it pays
    for carry it). The same reference again answers with the same card."""
    now = datetime.now(timezone.utc)
    try:
        with db.writing() as conn:
            found = gift_cards.issue(conn, body.amount_cents, WEB, body.reference, now)
    except GiftCardRefused as exc:
        raise _refused(exc) from exc
    return _out(found, found.code)


@channel.get("/gift-cards/{code}", response_model=GiftCardOut, responses=NOT_FOUND)
def balance_for_shop(code: PathText, db: Database) -> GiftCardOut:
    with db.reading() as conn:
        return _out(gift_cards.card(conn, code), code)


@devices.get("/gift-cards/{code}", response_model=GiftCardOut, responses=NOT_FOUND)
def balance_for_device(code: PathText, device: Device, db: Database) -> GiftCardOut:
    """The balance the center knows (a till's redemptions still in its outbox not yet)."""
    with db.reading() as conn:
        return _out(gift_cards.card(conn, code), code)


def _reservation(db: Database, row: object) -> ReservationOut:
    with db.reading() as conn:
        found = gift_cards.card(conn, row.code)  # type: ignore[attr-defined]
    assert found is not None
    return ReservationOut(id=row.id, code=row.code, reference=row.reference,  # type: ignore[attr-defined]
                          amount_cents=row.amount_cents, status=row.status,  # type: ignore[attr-defined]
                          balance_cents=found.balance_cents)


@channel.post("/gift-cards/{code}/reservations", response_model=ReservationOut, status_code=201,
              responses={**NOT_FOUND, **CONFLICT})
def reserve(code: PathText, body: ReservationIn, db: Database) -> ReservationOut:
    """Hold an amount for a web payment: off the balance at once, for every channel."""
    try:
        with db.writing() as conn:
            row = gift_cards.reserve(conn, code, body.amount_cents, body.reference, datetime.now(timezone.utc))
    except GiftCardRefused as exc:
        raise _refused(exc) from exc
    return _reservation(db, row)


def _settle(code: str, reservation_id: str, to: str, db: Database) -> ReservationOut:
    try:
        with db.writing() as conn:
            row = gift_cards.settle(conn, code, reservation_id, to, datetime.now(timezone.utc))
    except GiftCardRefused as exc:
        raise _refused(exc) from exc
    return _reservation(db, row)


@channel.post("/gift-cards/{code}/reservations/{reservation_id}/capture", response_model=ReservationOut,
              responses={**NOT_FOUND, **CONFLICT})
def capture(code: PathText, reservation_id: PathText, db: Database) -> ReservationOut:
    """The order is paid: the held amount is spent (again: nothing more happens)."""
    return _settle(code, reservation_id, CAPTURED, db)


@channel.post("/gift-cards/{code}/reservations/{reservation_id}/release", response_model=ReservationOut,
              responses={**NOT_FOUND, **CONFLICT})
def release(code: PathText, reservation_id: PathText, db: Database) -> ReservationOut:
    """The order was cancelled: the held amount goes back on the card (again: nothing more)."""
    return _settle(code, reservation_id, RELEASED, db)
