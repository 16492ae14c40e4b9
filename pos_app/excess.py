"""What went out beyond what there was: over-returns and overdrawn vouchers, the rule both
sides apply.

A till decides a return on the figures it has (offline: only its own); two tills of one store,
or a till and the web shop, can each take back the last unit of one receipt, and two offline
tills can each spend the full balance of one voucher. Both facts happened: the goods came back,
the cash or the voucher's value left the shop. So the center does not refuse them (issue 12,
"reconcile, never erase"): it books them and opens a reconciliation with the amount at stake
computed here. The till uses the same arithmetic (`PurchaseLine.returnable_quantity`, the
tender caps of `pos_app.refunds`) to refuse an over-return when it knows the figures; the
center uses this module to measure one that got through.

Pure, no I/O, any thread.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pos_app.i18n import t
from pos_app.money import format_euro

TENDER_LABELS = {"cash": "Bar", "card": "Karte", "paypal": "PayPal"}


@dataclass(frozen=True)
class LineLeft:
    """One line of the original purchase and what all returns anywhere already took of it."""

    line_no: int
    name: str
    bought: int
    returned: int
    paid_cents: int
    refunded_cents: int


@dataclass(frozen=True)
class ReturnExcess:
    """What a return took beyond what was left: the reasons (for the manager) and the refund at
    stake (what may have to be recovered or written off). Empty: nothing beyond."""

    reasons: tuple[str, ...] = ()
    at_stake_cents: int = 0
    excess_quantity: int = 0

    def __bool__(self) -> bool:
        return bool(self.reasons)


def over_return(number: str, left: Mapping[int, LineLeft], asked: Mapping[int, tuple[int, int]],
                tender_left: Mapping[str, int], refunds: Mapping[str, int]) -> ReturnExcess:
    """Measure a return against the original `number`.

    `asked`: per original line, (quantity, refund cents) of this return; `tender_left`: per
    tender kind (cash, card, paypal), what may still be refunded with it; `refunds`: per kind,
    what this return refunds. Per line the stake is the larger of the refund for the units
    beyond what was left and the refund beyond what was paid; the return's stake is the larger
    of the lines' sum and what the tenders refunded beyond their caps (the two overlap)."""
    reasons: list[str] = []
    lines_stake = quantity_over = 0
    for line_no, (quantity, cents) in sorted(asked.items()):
        orig = left[line_no]
        still = orig.bought - orig.returned
        excess_q = max(0, quantity - max(still, 0))
        by_units = cents * excess_q // quantity if quantity else 0
        by_money = max(0, cents - max(orig.paid_cents - orig.refunded_cents, 0))
        if excess_q:
            reasons.append(t("zu viel zurück: {name} ({number} Pos. {line}) gekauft {bought}, schon zurück "
                             "{returned}, jetzt {quantity}", name=orig.name, number=number, line=line_no,
                             bought=orig.bought, returned=orig.returned, quantity=quantity))
        elif by_money:
            reasons.append(t("zu viel erstattet: {name} ({number} Pos. {line}) bezahlt {paid}, schon erstattet "
                             "{refunded}, jetzt {cents}", name=orig.name, number=number, line=line_no,
                             paid=format_euro(orig.paid_cents), refunded=format_euro(orig.refunded_cents),
                             cents=format_euro(cents)))
        quantity_over += excess_q
        lines_stake += max(by_units, by_money)
    tenders_stake = 0
    for kind in ("cash", "card", "paypal"):
        if kind not in refunds:
            continue
        cap = max(tender_left.get(kind, 0), 0)
        if refunds[kind] > cap:
            tenders_stake += refunds[kind] - cap
            reasons.append(t("Erstattung {label} {amount} höher als damit bezahlt und noch offen ({cap}) auf "
                             "{number}", label=TENDER_LABELS[kind], amount=format_euro(refunds[kind]),
                             cap=format_euro(cap), number=number))
    return ReturnExcess(tuple(reasons), max(lines_stake, tenders_stake), quantity_over)


def overdrawn_cents(balance_before: int, spent: int) -> int:
    """How much of `spent` a voucher with `balance_before` did not cover (0: covered). A balance
    already below zero covers nothing."""
    return max(0, spent - max(balance_before, 0))
