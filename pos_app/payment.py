"""Tenders: cash (amount given, change due) and card.

A sale can be split over several tenders; it completes only when fully paid. A card is paid
either through a connected terminal (pos_app.card_payments: the terminal gets the amount and its
final answer adds the tender with the terminal's reference) or, with no terminal set up, on an
external one whose result the cashier confirms here. A declined card changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pos_app import limits
from pos_app.i18n import t
from pos_app.money import format_euro


class TenderKind(str, Enum):
    CASH = "cash"
    CARD = "card"
    VOUCHER = "voucher"  # store credit (reference: the voucher code)
    EXCHANGE = "exchange"  # the credit of goods returned in the same transaction (pos_app.returns)


class TenderError(ValueError):
    """A tender the cashier tried is refused; nothing was recorded."""


@dataclass(frozen=True)
class Tender:
    kind: TenderKind
    amount_cents: int  # what this tender pays towards the total
    given_cents: int  # cash handed over (>= amount); equals amount for card
    reference: str = ""

    @property
    def change_cents(self) -> int:
        return self.given_cents - self.amount_cents


@dataclass
class Payment:
    total_cents: int
    tenders: list[Tender] = field(default_factory=list)

    @property
    def paid_cents(self) -> int:
        return sum(t.amount_cents for t in self.tenders)

    @property
    def remaining_cents(self) -> int:
        return self.total_cents - self.paid_cents

    @property
    def change_cents(self) -> int:
        return sum(t.change_cents for t in self.tenders)

    @property
    def is_complete(self) -> bool:
        return self.remaining_cents <= 0

    @property
    def has_cash(self) -> bool:
        return any(t.kind is TenderKind.CASH for t in self.tenders)

    def add_cash(self, given_cents: int, partial: bool = False) -> Tender:
        """Cash handed over. Less than what is due is refused unless marked as a partial payment."""
        self._check_open()
        if given_cents <= 0:
            raise TenderError(t("Der Betrag muss größer als 0 sein."))
        if given_cents > limits.MAX_CENTS:  # what the center records as given (pos_app.limits)
            raise TenderError(t("Gegeben {given_cents}: höchstens {MAX_CENTS}.", given_cents=format_euro(given_cents), MAX_CENTS=format_euro(limits.MAX_CENTS)))
        due = self.remaining_cents
        if given_cents < due and not partial:
            raise TenderError(t("Gegeben {given_cents}, offen {due}: Der Betrag reicht nicht. Für eine Teilzahlung „Teilzahlung“ wählen.", given_cents=format_euro(given_cents), due=format_euro(due)))
        tender = Tender(TenderKind.CASH, min(given_cents, due), given_cents)
        self.tenders.append(tender)
        return tender

    def add_card(self, amount_cents: int, approved: bool, reference: str = "") -> Tender | None:
        if len(reference) > limits.REFERENCE or limits.text_fault(reference):
            raise TenderError(t("Die Kartenreferenz ist zu lang oder unlesbar (höchstens {REFERENCE} Zeichen).", REFERENCE=limits.REFERENCE))
        """A card payment as confirmed by the cashier; returns None when declined."""
        self._check_open()
        if amount_cents <= 0:
            raise TenderError(t("Der Betrag muss größer als 0 sein."))
        if amount_cents > self.remaining_cents:
            raise TenderError(t("Kartenzahlung {amount_cents} ist höher als der offene Betrag {remaining_cents}.", amount_cents=format_euro(amount_cents), remaining_cents=format_euro(self.remaining_cents)))
        if not approved:
            return None
        tender = Tender(TenderKind.CARD, amount_cents, amount_cents, reference)
        self.tenders.append(tender)
        return tender

    def add_voucher(self, code: str, amount_cents: int, available_cents: int) -> Tender:
        """Store credit (pos_app.vouchers says how much of the voucher may be used)."""
        self._check_open()
        if amount_cents <= 0:
            raise TenderError(t("Der Betrag muss größer als 0 sein."))
        if amount_cents > self.remaining_cents:
            raise TenderError(t("Gutschein {amount_cents} ist höher als der offene Betrag {remaining_cents}.", amount_cents=format_euro(amount_cents), remaining_cents=format_euro(self.remaining_cents)))
        used = sum(t.amount_cents for t in self.tenders if t.kind is TenderKind.VOUCHER and t.reference == code)
        if used + amount_cents > available_cents:
            raise TenderError(t("Gutschein {code}: Restwert {available_cents}.", code=code, available_cents=format_euro(available_cents - used)))
        tender = Tender(TenderKind.VOUCHER, amount_cents, amount_cents, code)
        self.tenders.append(tender)
        return tender

    def remove_card(self, reference: str) -> Tender:
        """Take a card tender off again after the terminal reversed it (pos_app.card_payments)."""
        for i in range(len(self.tenders) - 1, -1, -1):
            tender = self.tenders[i]
            if tender.kind is TenderKind.CARD and tender.reference == reference and reference:
                return self.tenders.pop(i)
        raise TenderError(t("Diese Kartenzahlung gehört nicht zu diesem Bon."))

    def _check_open(self) -> None:
        if self.is_complete:
            raise TenderError(t("Der Bon ist bereits vollständig bezahlt."))


def quick_cash_amounts(due_cents: int) -> list[int]:
    """Suggested banknote amounts for a due total: exact, then the next round notes."""
    suggestions = [due_cents]
    for note in (500, 1000, 2000, 5000, 10000, 20000):
        rounded = -(-due_cents // note) * note
        if rounded > due_cents and rounded not in suggestions:
            suggestions.append(rounded)
        if len(suggestions) == 4:
            break
    return suggestions
