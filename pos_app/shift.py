"""Shifts and cash at the till, the pure part: the cash business cases, the X/Z report model and
how it is added up from a shift's documents. No I/O; pos_app.store.cashbook reads the rows and
writes the shifts, this module decides what the figures are.

The report is built from `ShiftDocument`s, one per receipt: sales, and returns as documents of
kind "return" with negative amounts (their cash tender negative: the refund), which land in
`returns` and reduce the expected cash. An exchange is a return and a sale: its "exchange"
tender is +credit on the sale and -credit on the return, so it nets out. Vouchers are not cash:
a voucher refunded by a return (issued) and one taken by a sale (redeemed) are counted apart
(`vouchers_issued`, `vouchers_redeemed`); the "voucher" tender row shows what is left of both.

Expected cash in the drawer = float + cash tenders of the documents (sales positive, refunds
negative; a cash tender's amount is what stays in the drawer, the change already taken off)
+ paid in - paid out - drops to the safe. Over/short = counted - expected (positive: over).

Thread: any (pure functions and frozen dataclasses).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from pos_app import limits
from pos_app.i18n import N_, t
from pos_app.vat import VatRate, breakdown

TENDER_LABELS = {"cash": N_("Bar"), "card": N_("Karte"), "voucher": N_("Gutschein"), "exchange": N_("Umtausch-Gutschrift")}


class ShiftError(ValueError):
    """A shift or cash operation was refused; the message is for the person at the till."""


class ShiftClosed(ShiftError):
    """Selling (or a cash movement) needs an open shift."""


class SaleInProgress(ShiftError):
    """The day cannot be closed while a sale is open at this till."""


class MovementKind(str, Enum):
    PAID_IN = "paid_in"
    PAID_OUT = "paid_out"
    DROP = "drop"  # to the safe

    @property
    def label(self) -> str:
        return {"paid_in": N_("Einlage"), "paid_out": N_("Entnahme"), "drop": N_("Abschöpfung (Tresor)")}[self.value]

    @property
    def sign(self) -> int:
        return 1 if self is MovementKind.PAID_IN else -1


class BusinessCase(str, Enum):
    """DSFinV-K business cases (GV_TYP) for cash moved outside a sale, with the directions each
    may take."""

    PRIVATEINLAGE = "Privateinlage"  # the owner puts money in
    EINZAHLUNG = "Einzahlung"  # other money in (e.g. change from the bank)
    GELDTRANSIT = "Geldtransit"  # between till, safe and bank (drops, change fund)
    PRIVATENTNAHME = "Privatentnahme"  # the owner takes money out
    AUSZAHLUNG = "Auszahlung"  # paid out, e.g. a supplier or postage
    LOHNZAHLUNG = "Lohnzahlung"  # wages paid from the till
    MEHRZWECKGUTSCHEIN_KAUF = "MehrzweckgutscheinKauf"  # a gift card sold for cash (issue 15): booked by its sale

    @property
    def label(self) -> str:
        return {
            "Privateinlage": N_("Privateinlage"), "Einzahlung": N_("Einzahlung (z. B. Wechselgeld von der Bank)"),
            "Geldtransit": N_("Geldtransit (Tresor/Bank)"), "Privatentnahme": N_("Privatentnahme"),
            "Auszahlung": N_("Auszahlung (z. B. Lieferant, Porto)"), "Lohnzahlung": N_("Lohnzahlung"),
            "MehrzweckgutscheinKauf": N_("Geschenkgutschein verkauft"),
        }[self.value]


ALLOWED_CASES: dict[MovementKind, tuple[BusinessCase, ...]] = {
    MovementKind.PAID_IN: (BusinessCase.PRIVATEINLAGE, BusinessCase.EINZAHLUNG, BusinessCase.GELDTRANSIT),
    MovementKind.PAID_OUT: (BusinessCase.AUSZAHLUNG, BusinessCase.PRIVATENTNAHME, BusinessCase.LOHNZAHLUNG,
                            BusinessCase.GELDTRANSIT),
    MovementKind.DROP: (BusinessCase.GELDTRANSIT,),
}
# Cases booked by the till's own flows, never chosen in the cash movement dialog: a gift card
# sold (pos_app.gift_cards.sale) is a paid in whose DSFinV-K business case is MehrzweckgutscheinKauf.
BOOKED_CASES: dict[MovementKind, tuple[BusinessCase, ...]] = {
    MovementKind.PAID_IN: (BusinessCase.MEHRZWECKGUTSCHEIN_KAUF,),
}


def check_movement(kind: MovementKind, case: BusinessCase, amount_cents: int, note: str) -> str:
    """Validate a cash movement; returns the cleaned note. Raises ShiftError."""
    if case not in ALLOWED_CASES[kind] + BOOKED_CASES.get(kind, ()):
        raise ShiftError(t("„{label}“ passt nicht zu {label2}.", label=case.label, label2=kind.label))
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise ShiftError(t("Der Betrag muss größer als 0 sein."))
    if amount_cents > limits.MAX_CENTS:
        raise ShiftError(t("Der Betrag ist höher als {MAX_CENTS} € (pos_app.limits).", MAX_CENTS=limits.MAX_CENTS // 100))
    note = " ".join(note.split())
    if kind is MovementKind.PAID_OUT and not note:
        raise ShiftError(t("Bitte angeben, wofür das Geld entnommen wird (z. B. Lieferant, Beleg-Nr.)."))
    try:
        return limits.check_text(note, N_("Die Bemerkung"), limits.REASON_TEXT)
    except limits.LimitError as exc:
        raise ShiftError(str(exc)) from None


# Euro notes and coins in cents, for counting the drawer by denomination.
DENOMINATIONS = (20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)


def count_cash(pieces: dict[int, int]) -> int:
    """The amount of a drawer counted piece by piece ({denomination in cents: how many})."""
    total = 0
    for value, number in pieces.items():
        if value not in DENOMINATIONS:
            raise ShiftError(t("{value} Cent ist keine Euro-Münze und kein Schein.", value=value))
        if number < 0:
            raise ShiftError(t("Die Anzahl darf nicht negativ sein."))
        total += value * number
    return total


# ---- what a shift is made of ----------------------------------------------------------------


@dataclass(frozen=True)
class ShiftDocument:
    """One receipt of the shift, as the report needs it. Returns carry negative amounts."""

    kind: str  # "sale" | "return"
    receipt_number: str
    total_cents: int
    tenders: tuple[tuple[str, int], ...]  # (kind, amount that stays in the drawer / on the card)
    gross_by_vat: tuple[tuple[int, int], ...]  # (percent, gross cents after discounts)
    line_discount_cents: int = 0
    line_discounts: int = 0  # lines with a discount
    cart_discount_cents: int = 0
    price_overrides: int = 0


@dataclass(frozen=True)
class MovementLine:
    created_at: str
    kind: str  # MovementKind value
    business_case: str  # BusinessCase value
    amount_cents: int  # > 0
    note: str
    actor_name: str


# ---- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CountAmount:
    count: int = 0
    amount_cents: int = 0


@dataclass(frozen=True)
class TenderTotal:
    kind: str
    count: int
    amount_cents: int

    @property
    def label(self) -> str:
        return TENDER_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class VatTotal:
    percent: int
    gross_cents: int
    net_cents: int
    vat_cents: int


@dataclass(frozen=True)
class CashCount:
    float_cents: int
    cash_tenders_cents: int  # sales minus cash refunds
    paid_in_cents: int
    paid_out_cents: int
    drops_cents: int
    expected_cents: int
    counted_cents: int | None = None  # the blind count (Z only)

    @property
    def difference_cents(self) -> int | None:
        """Counted - expected: positive is over, negative is short."""
        return None if self.counted_cents is None else self.counted_cents - self.expected_cents


@dataclass(frozen=True)
class ShiftReport:
    """An X report (interim: z_number None, nothing counted) or a Z report (the day close)."""

    z_number: int | None
    device_id: str
    store_id: str
    store_name: str
    opened_at: str
    opened_by: str
    as_of: str  # when it was taken (the closing time for a Z)
    closed_by: str
    first_receipt: str
    last_receipt: str
    sales: CountAmount
    returns: CountAmount
    tenders: tuple[TenderTotal, ...]
    vat: tuple[VatTotal, ...]
    line_discounts: CountAmount
    cart_discounts: CountAmount
    price_overrides: int
    voids: CountAmount
    cash: CashCount
    movements: tuple[MovementLine, ...] = field(default_factory=tuple)
    pending_events: int = 0  # events not yet at the center when the report was taken
    vouchers_issued: CountAmount = CountAmount()  # store credit given by returns (not cash)
    vouchers_redeemed: CountAmount = CountAmount()  # vouchers taken as a tender by sales

    @property
    def is_z(self) -> bool:
        return self.z_number is not None

    @property
    def total_cents(self) -> int:
        return self.sales.amount_cents + self.returns.amount_cents

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ShiftReport":
        return cls(
            **{k: d[k] for k in ("z_number", "device_id", "store_id", "store_name", "opened_at", "opened_by",
                                 "as_of", "closed_by", "first_receipt", "last_receipt", "price_overrides",
                                 "pending_events")},
            sales=CountAmount(**d["sales"]), returns=CountAmount(**d["returns"]),
            tenders=tuple(TenderTotal(**t) for t in d["tenders"]),
            vat=tuple(VatTotal(**v) for v in d["vat"]),
            line_discounts=CountAmount(**d["line_discounts"]), cart_discounts=CountAmount(**d["cart_discounts"]),
            voids=CountAmount(**d["voids"]), cash=CashCount(**d["cash"]),
            movements=tuple(MovementLine(**m) for m in d["movements"]),
            vouchers_issued=CountAmount(**d.get("vouchers_issued", {})),  # reports closed before returns joined
            vouchers_redeemed=CountAmount(**d.get("vouchers_redeemed", {})),
        )


@dataclass(frozen=True)
class ShiftHeader:
    """Who opened the shift, when, with what float; which device and store."""

    device_id: str
    store_id: str
    store_name: str
    opened_at: str
    opened_by: str
    float_cents: int


def build_report(header: ShiftHeader, documents: Sequence[ShiftDocument], movements: Iterable[MovementLine],
                 voids: CountAmount, *, as_of: str, z_number: int | None = None, closed_by: str = "",
                 counted_cents: int | None = None, pending_events: int = 0) -> ShiftReport:
    """Add up a shift. Pure: the same inputs give the same report."""
    moves = tuple(movements)
    sales = [d for d in documents if d.kind == "sale"]
    returns = [d for d in documents if d.kind == "return"]
    tender_count: dict[str, int] = {}
    tender_sum: dict[str, int] = {}
    gross: dict[int, int] = {}
    vat: dict[int, int] = {}
    for doc in documents:
        for kind, amount in doc.tenders:
            tender_count[kind] = tender_count.get(kind, 0) + 1
            tender_sum[kind] = tender_sum.get(kind, 0) + amount
        # VAT per document, as printed on its receipt, then summed per rate
        for row in breakdown({VatRate.from_percent(p): g for p, g in doc.gross_by_vat}):
            gross[row.rate.percent] = gross.get(row.rate.percent, 0) + row.gross_cents
            vat[row.rate.percent] = vat.get(row.rate.percent, 0) + row.vat_cents
    order = ["cash", "card"] + sorted(k for k in tender_sum if k not in ("cash", "card"))
    tenders = tuple(TenderTotal(k, tender_count[k], tender_sum[k]) for k in order if k in tender_sum)
    vat_rows = tuple(VatTotal(p, gross[p], gross[p] - vat[p], vat[p]) for p in sorted(gross, reverse=True))

    def moved(kind: MovementKind) -> int:
        return sum(m.amount_cents for m in moves if m.kind == kind.value)

    paid_in, paid_out, drops = moved(MovementKind.PAID_IN), moved(MovementKind.PAID_OUT), moved(MovementKind.DROP)
    cash_tenders = tender_sum.get("cash", 0)
    expected = header.float_cents + cash_tenders + paid_in - paid_out - drops
    receipts = [d.receipt_number for d in documents]
    issued = [-a for d in returns for k, a in d.tenders if k == "voucher"]
    redeemed = [a for d in sales for k, a in d.tenders if k == "voucher"]
    return ShiftReport(
        z_number=z_number, device_id=header.device_id, store_id=header.store_id, store_name=header.store_name,
        opened_at=header.opened_at, opened_by=header.opened_by, as_of=as_of, closed_by=closed_by,
        first_receipt=receipts[0] if receipts else "", last_receipt=receipts[-1] if receipts else "",
        sales=CountAmount(len(sales), sum(d.total_cents for d in sales)),
        returns=CountAmount(len(returns), sum(d.total_cents for d in returns)),
        tenders=tenders, vat=vat_rows,
        line_discounts=CountAmount(sum(d.line_discounts for d in documents),
                                   sum(d.line_discount_cents for d in documents)),
        cart_discounts=CountAmount(sum(1 for d in documents if d.cart_discount_cents),
                                   sum(d.cart_discount_cents for d in documents)),
        price_overrides=sum(d.price_overrides for d in documents),
        voids=voids,
        cash=CashCount(header.float_cents, cash_tenders, paid_in, paid_out, drops, expected, counted_cents),
        movements=moves, pending_events=pending_events,
        vouchers_issued=CountAmount(len(issued), sum(issued)),
        vouchers_redeemed=CountAmount(len(redeemed), sum(redeemed)),
    )
