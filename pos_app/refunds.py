"""Purchases as a return sees them, and the money rules of a refund. Pure (no I/O).

A purchase is a sale of any till or store, or a web order; it is found in the store file or at
the center (pos_app.returns). Each line says how many units were bought and how many already
came back anywhere (every store and the web shop), and each tender how much was paid with it
and how much of that was already refunded.

Money rules:
- a line's refund is its paid total (after every discount) shared out per unit so that the
  returns of one line add up to exactly what was paid for it: `refund_for` gives the k-th..n-th
  units `floor(total * n / qty) - floor(total * (k-1) / qty)`, and the last unit takes the rest;
- refunds go back to the tenders of the purchase, never more per tender kind than was paid with
  it minus what was refunded to it already; cash comes from the drawer, a card refund goes
  through the terminal (the cashier confirms, as for payments), and anything that cannot go
  back the way it came (PayPal, a voucher) becomes store credit (a new voucher);
- with the policy's `refund_as_store_credit`, everything becomes store credit.

Thread: any (frozen values).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_app.clock import local_date
from pos_app.i18n import N_, t, t_marked
from pos_app.money import format_euro

CONDITIONS = ("resellable", "damaged")
CONDITION_LABELS = {"resellable": N_("verkaufsfähig"), "damaged": N_("beschädigt")}
REFUND_KINDS = ("cash", "card", "voucher")  # how a till pays money back
REFUND_LABELS = {"cash": N_("Bar"), "card": N_("Karte"), "voucher": N_("Gutschein"), "exchange": N_("Umtausch")}
# which tender of the purchase a refund kind draws on; None: no limit (store credit)
_DRAWS_ON = {"cash": "cash", "card": "card", "voucher": None}


class RefundError(ValueError):
    """A refund or return that is not allowed; the message is for the cashier (German)."""


class PurchaseNotFound(LookupError):
    """No sale or order has this number (locally, or at the center when asked)."""


class CenterUnavailable(Exception):
    """The center could not be asked (offline, or it failed); the message says why."""


@dataclass(frozen=True)
class PurchaseLine:
    line_no: int
    product_id: int
    sku: str
    name: str
    category: str
    quantity: int
    returned_quantity: int
    total_cents: int  # what was paid for the whole line
    refunded_cents: int
    vat_percent: int
    list_price_cents: int | None = None  # the unit price before promotions (issue 15)
    promotable: bool = True  # False: a manual price or discount took the line out of promotions

    @property
    def returnable_quantity(self) -> int:
        return max(0, self.quantity - self.returned_quantity)

    def refund_for(self, quantity: int) -> int:
        """What `quantity` more units of this line give back (see the module docstring)."""
        if quantity < 1 or quantity > self.returnable_quantity:
            raise RefundError(t("„{name}“: höchstens {returnable_quantity} Stück zurückzunehmen (gekauft {quantity}, schon zurück {returned_quantity}).", name=self.name, returnable_quantity=self.returnable_quantity, quantity=self.quantity, returned_quantity=self.returned_quantity))
        left = self.total_cents - self.refunded_cents
        if self.returned_quantity + quantity == self.quantity:
            return max(0, left)
        share = (self.total_cents * (self.returned_quantity + quantity) // self.quantity
                 - self.total_cents * self.returned_quantity // self.quantity)
        return max(0, min(share, left))


@dataclass(frozen=True)
class PurchaseTender:
    kind: str  # cash | card | paypal | voucher | exchange
    amount_cents: int
    refunded_cents: int = 0

    @property
    def refundable_cents(self) -> int:
        return max(0, self.amount_cents - self.refunded_cents)


@dataclass(frozen=True)
class Purchase:
    kind: str  # sale | order
    id: str  # the sale's UUID or the order's id
    number: str  # receipt number or order number
    store_id: str | None
    channel: str  # store | web
    created_at: datetime
    customer_id: int | None
    lines: tuple[PurchaseLine, ...]
    tenders: tuple[PurchaseTender, ...]
    source: str = "local"  # local | center: where the figures come from
    # the promotions the sale got (pos_app.prices.refunds): {"store_id", "tier", "coupons",
    # "definitions": [Promotion.to_dict()]}; None: no promotion, the per-line rule alone
    pricing: dict | None = None

    def line(self, line_no: int) -> PurchaseLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise RefundError(t("Position {line_no} gibt es auf {number} nicht.", line_no=line_no, number=self.number))

    def cap(self, refund_kind: str) -> int | None:
        """The most that may still go back as `refund_kind`; None: no limit (store credit)."""
        draws_on = _DRAWS_ON.get(refund_kind, "")
        if draws_on is None:
            return None
        return sum(t.refundable_cents for t in self.tenders if t.kind == draws_on)

    @property
    def label(self) -> str:
        what = "Online-Bestellung" if self.kind == "order" else f"Bon ({self.store_id})"
        return f"{what} {self.number} vom {local_date(self.created_at)}"


@dataclass(frozen=True)
class RefundTender:
    kind: str  # cash | card | voucher (| exchange, inside an exchange)
    amount_cents: int
    reference: str = ""  # voucher code, card terminal reference, exchange sale


def propose_refund(purchase: Purchase | None, amount_cents: int, store_credit: bool) -> list[RefundTender]:
    """The default split of a refund: card first, then cash, each up to what it may take; the
    rest (and everything for a blind return or under a store-credit policy) as a voucher."""
    if amount_cents <= 0:
        return []
    if purchase is None or store_credit:
        return [RefundTender("voucher", amount_cents)]
    split, left = [], amount_cents
    for kind in ("card", "cash"):
        cap = purchase.cap(kind) or 0
        take = min(cap, left)
        if take > 0:
            split.append(RefundTender(kind, take))
            left -= take
    if left > 0:
        split.append(RefundTender("voucher", left))
    return split


def check_refund(purchase: Purchase | None, tenders: list[RefundTender], amount_cents: int,
                 store_credit: bool) -> None:
    """Raise RefundError unless `tenders` pay back exactly `amount_cents` within the rules."""
    if any(t.amount_cents <= 0 for t in tenders):
        raise RefundError(t("Jeder Erstattungsbetrag muss größer als 0 sein."))
    paid = sum(t.amount_cents for t in tenders)
    if paid != amount_cents:
        raise RefundError(t("Die Erstattung ({paid}) muss genau {amount_cents} sein.", paid=format_euro(paid), amount_cents=format_euro(amount_cents)))
    by_kind: dict[str, int] = {}
    for tender in tenders:
        if tender.kind not in REFUND_KINDS:
            raise RefundError(t("Erstattung als „{kind}“ ist an der Kasse nicht möglich.", kind=tender.kind))
        by_kind[tender.kind] = by_kind.get(tender.kind, 0) + tender.amount_cents
    if (purchase is None or store_credit) and set(by_kind) - {"voucher"}:
        raise RefundError(t("Erstattung ohne Beleg nur als Gutschein.") if purchase is None
                          else t("Erstattung laut Rückgaberichtlinie nur als Gutschein."))
    if purchase is None:
        return
    for kind, cents in by_kind.items():
        cap = purchase.cap(kind)
        if cap is not None and cents > cap:
            raise RefundError(t("{REFUND_LABELS}: höchstens {cap} zurück (so viel wurde damit bezahlt und noch nicht erstattet).", REFUND_LABELS=t_marked(REFUND_LABELS[kind]), cap=format_euro(cap)))
