"""Gift cards at the center: selling (the web shop, a till's sale), the web shop's reserve /
capture / release, and the overdraw check after a till's sale. The balance is the voucher's
(backend.returns_models.Voucher), so GET /v1/vouchers/{code}, the web order's voucher tender
and the till's voucher tender all see and spend the same money.

Exactly once: a card is issued once per sale reference (unique), a reservation once per (code,
reference); every movement has its (code, kind, reference) unique. A till's sale paid with a
gift card is never refused for the balance (the goods are gone): redeemed as it happened, and
an amount below zero opens a `gift_card_overdrawn` reconciliation (backend.reconciliations),
once per sale and card.

Thread: request threads, inside the caller's transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from backend import reconciliations
from backend.changelog import PendingChange
from backend.gift_cards_models import GiftCard, GiftCardReservation
from backend.returns_models import Voucher, VoucherMovement
from pos_app.gift_cards.rules import OVERDRAWN, new_code, overdrawn_by
from sync.protocol import SaleCompletedV1
from sync.protocol_gift_cards import GiftCardSoldV1

HELD, CAPTURED, RELEASED = "held", "captured", "released"


class GiftCardRefused(ValueError):
    """`status`: the HTTP answer (404 unknown, 409 balance or reference conflict)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Card:
    code: str
    amount_cents: int
    balance_cents: int
    store_id: str
    sold_at: datetime


def card(conn: Connection, code: str) -> Card | None:
    row = conn.execute(select(GiftCard.code, GiftCard.amount_cents, Voucher.balance_cents, GiftCard.store_id,
                              GiftCard.sold_at).join(Voucher, Voucher.code == GiftCard.code)
                       .where(GiftCard.code == code.strip().upper())).first()
    return None if row is None else Card(*row)


def issue(conn: Connection, amount_cents: int, store_id: str, sale_reference: str, now: datetime,
          code: str | None = None) -> Card:
    """Sell a card of `amount_cents`; the same `sale_reference` again answers with the same card
    (a different amount for it is a conflict)."""
    found = conn.execute(select(GiftCard.code, GiftCard.amount_cents)
                         .where(GiftCard.sale_reference == sale_reference)).first()
    if found is not None:
        if found.amount_cents != amount_cents:
            raise GiftCardRefused(409, f"Verkauf {sale_reference} hat schon einen Gutschein über "
                                       f"{found.amount_cents} Cent")
        result = card(conn, found.code)
        assert result is not None
        return result
    code = (code or new_code()).strip().upper()
    if conn.execute(select(Voucher.code).where(Voucher.code == code)).first() is not None:
        raise GiftCardRefused(409, f"Gutscheinnummer {code} ist schon vergeben")
    conn.execute(insert(Voucher).values(code=code, initial_cents=amount_cents, balance_cents=amount_cents,
                                        issued_store_id=store_id, issued_at=now, return_id=None, customer_id=None))
    conn.execute(insert(GiftCard).values(code=code, amount_cents=amount_cents, store_id=store_id,
                                         sale_reference=sale_reference, sold_at=now))
    conn.execute(insert(VoucherMovement).values(code=code, delta_cents=amount_cents, kind="sold",
                                                reference=sale_reference, store_id=store_id, created_at=now))
    return Card(code, amount_cents, amount_cents, store_id, now)


def _locked_balance(conn: Connection, code: str) -> int:
    balance = conn.execute(select(Voucher.balance_cents).join(GiftCard, GiftCard.code == Voucher.code)
                           .where(Voucher.code == code).with_for_update()).scalar()
    if balance is None:
        raise GiftCardRefused(404, f"Geschenkgutschein {code} unbekannt")
    return int(balance)


def _move(conn: Connection, code: str, delta: int, kind: str, reference: str, now: datetime) -> None:
    conn.execute(update(Voucher).where(Voucher.code == code).values(balance_cents=Voucher.balance_cents + delta))
    conn.execute(insert(VoucherMovement).values(code=code, delta_cents=delta, kind=kind, reference=reference,
                                                store_id="WEB", created_at=now))


def reserve(conn: Connection, code: str, amount_cents: int, reference: str, now: datetime) -> GiftCardReservation:
    """Hold `amount_cents` for the shop's payment `reference` (taken off the balance at once)."""
    code = code.strip().upper()
    balance = _locked_balance(conn, code)  # the row lock orders two reservations of one card
    found = conn.execute(select(GiftCardReservation).where(GiftCardReservation.code == code,
                                                           GiftCardReservation.reference == reference)).first()
    if found is not None:
        if found.amount_cents != amount_cents:
            raise GiftCardRefused(409, f"Reservierung {reference} gilt schon für {found.amount_cents} Cent")
        return found
    if balance < amount_cents:
        raise GiftCardRefused(409, f"Geschenkgutschein {code}: Restwert {balance} Cent, verlangt {amount_cents}")
    rid = str(uuid.uuid4())
    conn.execute(insert(GiftCardReservation).values(id=rid, code=code, reference=reference, amount_cents=amount_cents,
                                                    status=HELD, created_at=now, closed_at=None))
    _move(conn, code, -amount_cents, "reserved", reference, now)
    row = conn.execute(select(GiftCardReservation).where(GiftCardReservation.id == rid)).first()
    assert row is not None
    return row


def settle(conn: Connection, code: str, reservation_id: str, to: str, now: datetime) -> GiftCardReservation:
    """Capture (the order is paid) or release (cancelled: the amount goes back) a held
    reservation. The same step again changes nothing; the other step after it is a conflict."""
    code = code.strip().upper()
    _locked_balance(conn, code)
    row = conn.execute(select(GiftCardReservation).where(GiftCardReservation.id == reservation_id,
                                                         GiftCardReservation.code == code)).first()
    if row is None:
        raise GiftCardRefused(404, f"Reservierung {reservation_id} für {code} unbekannt")
    if row.status == HELD:
        conn.execute(update(GiftCardReservation).where(GiftCardReservation.id == reservation_id)
                     .values(status=to, closed_at=now))
        if to == RELEASED:
            _move(conn, code, row.amount_cents, "released", row.reference, now)
    elif row.status != to:
        raise GiftCardRefused(409, f"Reservierung {reservation_id} ist schon {row.status}")
    result = conn.execute(select(GiftCardReservation).where(GiftCardReservation.id == reservation_id)).first()
    assert result is not None
    return result


def gift_card_codes(conn: Connection, sale: SaleCompletedV1) -> frozenset[str]:
    """The codes among the sale's voucher tenders that are gift cards (their overdraw is this
    module's reconciliation, not backend.returns')."""
    codes = sorted({t.reference.strip() for t in sale.tenders if t.kind == "voucher"})
    if not codes:
        return frozenset()
    return frozenset(conn.execute(select(GiftCard.code).where(GiftCard.code.in_(codes))).scalars())


def overdrawn_after_sale(conn: Connection, sale: SaleCompletedV1, now: datetime) -> list[PendingChange]:
    """After the sale's voucher tenders were taken off (backend.returns.redeem_for_sale): a gift
    card now below zero opens a reconciliation for what this sale took beyond the balance."""
    spent: dict[str, int] = {}
    for t in sale.tenders:
        if t.kind == "voucher":
            spent[t.reference.strip()] = spent.get(t.reference.strip(), 0) + t.amount_cents
    if not spent:
        return []
    rows = conn.execute(select(Voucher.code, Voucher.balance_cents).join(GiftCard, GiftCard.code == Voucher.code)
                        .where(Voucher.code.in_(sorted(spent)))).all()
    changes: list[PendingChange] = []
    for code, balance in rows:
        over = min(overdrawn_by(int(balance)), spent[code])
        if over:
            _, feed = reconciliations.raise_exception(
                conn, sale.store_id, OVERDRAWN, over, [str(sale.sale_id)],
                {"code": code, "balance_after_cents": int(balance), "receipt_number": sale.receipt_number,
                 "device_id": sale.device_id}, cause=f"{OVERDRAWN}:{sale.sale_id}:{code}", now=now)
            changes += feed
    return changes


def apply_sold(conn: Connection, device_store_id: str, sold: GiftCardSoldV1, now: datetime) -> str | None:
    """A till's gift card sale (event gift_card.sold): issue the card with the till's code, once
    per sale. The cash was taken, so an amount outside the sale rule is issued anyway (the till
    checks the same rule first); only a card that cannot exist is refused: another store's
    event, or a code that another sale holds already (the till then lists it as a conflict)."""
    if sold.store_id != device_store_id:
        return f"gift card sold for store {sold.store_id} by a device of {device_store_id}"
    try:
        issue(conn, sold.amount_cents, sold.store_id, str(sold.sale_id), now, code=sold.code)
    except GiftCardRefused as exc:
        return str(exc)
    return None
