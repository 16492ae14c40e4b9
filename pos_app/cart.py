"""The cart at the till: lines, discounts, price overrides, totals. Pure domain, no I/O.

Every operation validates first and changes nothing when it refuses (CartError with a message
for the cashier). Operations that need a manager raise ApprovalRequired unless an Approval is
passed; the caller collects the manager's PIN and calls again. Each successful operation returns
a CartChange, so a screen knows what to redraw (Anki's OpChanges).

Totals: line gross = unit price * quantity; line discount on that; the cart discount is spread
over the lines in proportion to their totals (largest remainder, so the cents add up exactly),
then VAT per rate as in pos_app.vat.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from pos_app import limits
from pos_app.i18n import N_, t
from pos_app.money import format_euro, percent_of
from pos_app.prices.engine import AppliedPromotion, LineDiscount, PricedCart, PricingLine
from pos_app.vat import VatRate, VatRow, breakdown

MAX_QUANTITY = limits.MAX_QUANTITY  # the protocol's bound (pos_app.limits)


class CartError(ValueError):
    """The cashier asked for something the cart refuses; the message says why."""


class ApprovalAction(str, Enum):
    DISCOUNT_OVER_LIMIT = "discount_over_limit"
    PRICE_OVERRIDE = "price_override"
    VOID_AFTER_PAYMENT = "void_after_payment"
    BLIND_RETURN = "blind_return"  # a return without a receipt (pos_app.returns)
    NO_SALE = "no_sale"  # opening the cash drawer without a sale (pos_app.drawer)


@dataclass(frozen=True)
class Approval:
    """A manager's consent, given by PIN. Recorded in the audit trail by the till session."""

    manager_id: int
    manager_name: str


class ApprovalRequired(Exception):
    def __init__(self, action: ApprovalAction, description: str) -> None:
        super().__init__(description)
        self.action = action
        self.description = description


class DiscountKind(str, Enum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Discount:
    kind: DiscountKind
    value: Decimal  # percent (e.g. 10, 12.5) or cents (whole number) for AMOUNT
    reason: str

    @classmethod
    def parse(cls, kind: DiscountKind, value: str | int | Decimal, reason: str) -> "Discount":
        try:
            number = Decimal(str(value).replace(",", ".").strip())
        except InvalidOperation:
            raise CartError(t("„{value}“ ist kein gültiger Rabatt.", value=value)) from None
        if not number.is_finite() or number <= 0:
            raise CartError(t("Der Rabatt muss größer als 0 sein."))
        if kind is DiscountKind.PERCENT:
            if number > 100:
                raise CartError(t("Ein Rabatt über 100 % ist nicht möglich."))
            if number != number.quantize(Decimal("0.01")):
                raise CartError(t("Prozent-Rabatte haben höchstens zwei Nachkommastellen."))
        elif number != number.to_integral_value():
            raise CartError(t("Betrags-Rabatte werden in Cent angegeben."))
        elif number > limits.MAX_CENTS:
            raise CartError(t("Ein Rabatt über {MAX_CENTS} ist nicht möglich.", MAX_CENTS=format_euro(limits.MAX_CENTS)))
        if not reason.strip():
            raise CartError(t("Bitte einen Grund für den Rabatt angeben."))
        return cls(kind, number, _within(limits.check_text, reason.strip(), N_("Der Grund"), limits.REASON_TEXT))

    def cents_off(self, base_cents: int) -> int:
        if self.kind is DiscountKind.PERCENT:
            return percent_of(base_cents, self.value)
        return int(self.value)

    def describe(self) -> str:
        if self.kind is DiscountKind.PERCENT:
            return f"{self.value.normalize():f} % ({self.reason})"
        return f"{format_euro(int(self.value))} ({self.reason})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "value": str(self.value), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Discount":
        return cls(DiscountKind(data["kind"]), Decimal(data["value"]), data["reason"])


def _within(check: Callable[..., Any], value: Any, *args: Any, **kwargs: Any) -> Any:
    """A pos_app.limits check, failing as the CartError every till screen shows."""
    try:
        return check(value, *args, **kwargs)
    except limits.LimitError as exc:
        raise CartError(str(exc)) from None


@dataclass(frozen=True)
class ProductSnapshot:
    """What the cart needs to know of a product, copied at the time it was added."""

    product_id: int
    sku: str
    name: str
    unit_price_cents: int
    vat: VatRate
    category: str = ""  # the promotions' product groups (pos_app.prices)
    # § 11 PAngV: the price here is reduced and this was the lowest price of the 30 days before
    # (the feed's price_indications, when the product was looked up); None: not reduced
    lowest_30_days_cents: int | None = None


@dataclass(frozen=True)
class CartLine:
    line_id: int
    product: ProductSnapshot
    quantity: int = 1
    discount: Discount | None = None
    override_price_cents: int | None = None
    override_reason: str = ""

    @property
    def unit_price_cents(self) -> int:
        if self.override_price_cents is not None:
            return self.override_price_cents
        return self.product.unit_price_cents

    @property
    def gross_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def discount_cents(self) -> int:
        return self.discount.cents_off(self.gross_cents) if self.discount else 0

    @property
    def total_cents(self) -> int:
        return self.gross_cents - self.discount_cents

    @property
    def promotable(self) -> bool:
        """A manual price or discount (the cashier's decision) takes the line out of promotions."""
        return self.discount is None and self.override_price_cents is None

    def to_dict(self) -> dict[str, Any]:
        p = self.product
        return {
            "line_id": self.line_id,
            "product_id": p.product_id,
            "sku": p.sku,
            "name": p.name,
            "unit_price_cents": p.unit_price_cents,
            "vat_percent": p.vat.percent,
            "quantity": self.quantity,
            "discount": self.discount.to_dict() if self.discount else None,
            "override_price_cents": self.override_price_cents,
            "override_reason": self.override_reason,
            "category": p.category,
            "lowest_30_days_cents": p.lowest_30_days_cents,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CartLine":
        product = ProductSnapshot(
            d["product_id"], d["sku"], d["name"], d["unit_price_cents"],
            VatRate.from_percent(d["vat_percent"]), d.get("category") or "", d.get("lowest_30_days_cents"),
        )
        discount = Discount.from_dict(d["discount"]) if d.get("discount") else None
        return cls(d["line_id"], product, d["quantity"], discount,
                   d.get("override_price_cents"), d.get("override_reason", ""))


@dataclass(frozen=True)
class PricedLine:
    """A line with its share of the cart discount: what the receipt and the sale record."""

    line: CartLine
    cart_discount_cents: int
    promotions: tuple[LineDiscount, ...] = ()  # each promotion's share of this line (pos_app.prices)

    @property
    def promotion_cents(self) -> int:
        return sum(d.cents for d in self.promotions)

    @property
    def total_cents(self) -> int:
        return self.line.total_cents - self.promotion_cents - self.cart_discount_cents


@dataclass(frozen=True)
class Totals:
    lines: tuple[PricedLine, ...]
    gross_before_discounts_cents: int
    line_discounts_cents: int
    cart_discount_cents: int
    total_cents: int
    vat: tuple[VatRow, ...]
    promotions: tuple[AppliedPromotion, ...] = ()  # what each applied promotion saved (pos_app.prices)

    @property
    def promotion_cents(self) -> int:
        return sum(a.saving_cents for a in self.promotions)


# The till's promotions: prices the cart's promotable lines (pos_app.prices.engine); set by the
# till session, None for a cart without promotions.
Pricer = Callable[[list[PricingLine]], PricedCart]


@dataclass(frozen=True)
class CartChange:
    """What an operation changed, for the screens to redraw."""

    kind: str  # "added", "quantity", "removed", "discount", "override", "cleared", "loaded"
    line_id: int | None = None
    approval: tuple[ApprovalAction, Approval, str] | None = None


@dataclass(frozen=True)
class ApprovalPolicy:
    """Limits above which a manager must approve (from the settings file)."""

    max_discount_percent: Decimal = Decimal(10)


def spread(total: int, weights: list[int]) -> list[int]:
    """Split `total` cents over `weights` proportionally; the parts add up to `total` exactly."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _atomic(method: Callable[..., CartChange]) -> Callable[..., CartChange]:
    """All or nothing: the cart is restored when the operation (or the checks after it) refuse."""
    @functools.wraps(method)
    def wrapper(self: "Cart", *args: Any, **kwargs: Any) -> CartChange:
        return self._transaction(lambda: method(self, *args, **kwargs))
    return wrapper


@dataclass
class Cart:
    policy: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    lines: list[CartLine] = field(default_factory=list)
    cart_discount: Discount | None = None
    payment_started: bool = False
    _next_line_id: int = 1
    pricer: Pricer | None = field(default=None, repr=False, compare=False)

    # ---- queries -------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not self.lines

    def line(self, line_id: int) -> CartLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise CartError(t("Diese Position gibt es nicht (mehr)."))

    def totals(self) -> Totals:
        """Promotions first (the engine, on the lines without a manual price or discount), then
        the manual cart discount on what is left, spread over the lines."""
        offers = self._promotions()
        by_line = {p.line_id: p.discounts for p in offers.lines} if offers else {}
        line_totals = [line.total_cents - sum(d.cents for d in by_line.get(line.line_id, ())) for line in self.lines]
        subtotal = sum(line_totals)
        cart_off = self.cart_discount.cents_off(subtotal) if self.cart_discount else 0
        shares = spread(cart_off, line_totals)
        priced = tuple(PricedLine(line, share, by_line.get(line.line_id, ()))
                       for line, share in zip(self.lines, shares))
        by_rate: dict[VatRate, int] = {}
        for p in priced:
            by_rate[p.line.product.vat] = by_rate.get(p.line.product.vat, 0) + p.total_cents
        return Totals(
            lines=priced,
            gross_before_discounts_cents=sum(line.gross_cents for line in self.lines),
            line_discounts_cents=sum(line.discount_cents for line in self.lines),
            cart_discount_cents=cart_off,
            total_cents=subtotal - cart_off,
            vat=tuple(breakdown(by_rate)),
            promotions=offers.applied if offers else (),
        )

    def _promotions(self) -> PricedCart | None:
        if self.pricer is None or not self.lines:
            return None
        return self.pricer([PricingLine(line.line_id, line.product.product_id, line.product.category, line.quantity,
                                        line.product.unit_price_cents, line.promotable) for line in self.lines])

    # ---- operations ----------------------------------------------------------------------

    @_atomic
    def add(self, product: ProductSnapshot, quantity: int = 1) -> CartChange:
        """Add a product; a repeat of a plain line (no discount, no override) adds to it. A product
        whose data the center would refuse in the sale (pos_app.limits) is refused here, before a
        sale exists that could never arrive."""
        self._check_quantity(quantity)
        _within(limits.check_text, product.name, N_("Der Artikelname"), limits.PRODUCT_NAME, required=True)
        _within(limits.check_text, product.sku, N_("Die Artikelnummer"), limits.SKU, required=True)
        _within(limits.check_cents, product.unit_price_cents, f"Der Preis von {product.name[:40]}")
        _within(limits.check_whole, product.product_id, "Die Artikel-Id", 1, limits.MAX_ID)
        for i, line in enumerate(self.lines):
            if (line.product.product_id == product.product_id and line.discount is None
                    and line.override_price_cents is None):
                new_qty = line.quantity + quantity
                self._check_quantity(new_qty)
                self.lines[i] = replace(line, quantity=new_qty)
                return CartChange("quantity", line.line_id)
        line = CartLine(self._next_line_id, product, quantity)
        self._next_line_id += 1
        self.lines.append(line)
        return CartChange("added", line.line_id)

    @_atomic
    def set_quantity(self, line_id: int, quantity: int, approval: Approval | None = None) -> CartChange:
        self._check_quantity(quantity)
        line = self.line(line_id)
        if quantity < line.quantity:
            self._guard_void(f"Menge von {line.product.name} senken", approval)
        self._replace(replace(line, quantity=quantity))
        return CartChange("quantity", line_id, self._approved(ApprovalAction.VOID_AFTER_PAYMENT, approval,
                                                               f"Menge {line.product.name}: {line.quantity} → {quantity}")
                          if quantity < line.quantity and self.payment_started else None)

    @_atomic
    def remove(self, line_id: int, approval: Approval | None = None) -> CartChange:
        line = self.line(line_id)
        self._guard_void(f"Position {line.product.name} stornieren", approval)
        self.lines.remove(line)
        return CartChange("removed", line_id, self._approved(ApprovalAction.VOID_AFTER_PAYMENT, approval,
                                                              f"Storno {line.product.name} x{line.quantity}")
                          if self.payment_started else None)

    @_atomic
    def set_line_discount(self, line_id: int, discount: Discount | None,
                          approval: Approval | None = None) -> CartChange:
        line = self.line(line_id)
        needs = False
        if discount is not None:
            off = discount.cents_off(line.gross_cents)
            if off > line.gross_cents:
                raise CartError(t("Der Rabatt ({off}) ist höher als die Position ({gross_cents}).", off=format_euro(off), gross_cents=format_euro(line.gross_cents)))
            needs = self._over_limit(discount, line.gross_cents)
            if needs and approval is None:
                raise ApprovalRequired(ApprovalAction.DISCOUNT_OVER_LIMIT,
                                       t("Rabatt {describe} auf {name} liegt über {max_discount_percent} %.", describe=discount.describe(), name=line.product.name, max_discount_percent=self.policy.max_discount_percent))
        self._replace(replace(line, discount=discount))
        return CartChange("discount", line_id,
                          self._approved(ApprovalAction.DISCOUNT_OVER_LIMIT, approval,
                                         f"Rabatt {discount.describe()} auf {line.product.name}")
                          if needs and discount else None)

    @_atomic
    def set_cart_discount(self, discount: Discount | None, approval: Approval | None = None) -> CartChange:
        if self.payment_started:
            raise CartError(t("Nach Zahlungsbeginn kann der Bon-Rabatt nicht mehr geändert werden."))
        needs = False
        if discount is not None:
            if self.is_empty():
                raise CartError(t("Der Warenkorb ist leer."))
            subtotal = sum(line.total_cents for line in self.lines)
            off = discount.cents_off(subtotal)
            if off > subtotal:
                raise CartError(t("Der Rabatt ({off}) ist höher als die Summe ({subtotal}).", off=format_euro(off), subtotal=format_euro(subtotal)))
            needs = self._over_limit(discount, subtotal)
            if needs and approval is None:
                raise ApprovalRequired(ApprovalAction.DISCOUNT_OVER_LIMIT,
                                       t("Bon-Rabatt {describe} liegt über {max_discount_percent} %.", describe=discount.describe(), max_discount_percent=self.policy.max_discount_percent))
        self.cart_discount = discount
        return CartChange("discount", None,
                          self._approved(ApprovalAction.DISCOUNT_OVER_LIMIT, approval,
                                         f"Bon-Rabatt {discount.describe()}") if needs and discount else None)

    @_atomic
    def override_price(self, line_id: int, unit_price_cents: int, reason: str,
                       approval: Approval | None = None) -> CartChange:
        line = self.line(line_id)
        if unit_price_cents <= 0:
            raise CartError(t("Der neue Preis muss größer als 0 sein."))
        _within(limits.check_cents, unit_price_cents, "Der neue Preis")
        if not reason.strip():
            raise CartError(t("Bitte einen Grund für die Preisänderung angeben."))
        _within(limits.check_text, reason.strip(), N_("Der Grund"), limits.REASON_TEXT)
        # the audit trail keeps the store's language; the manager reads it in theirs
        description = (f"Preis {line.product.name}: {format_euro(line.unit_price_cents)} → "
                       f"{format_euro(unit_price_cents)} ({reason.strip()})")
        if approval is None:
            raise ApprovalRequired(ApprovalAction.PRICE_OVERRIDE, t(
                "Preis {name}: {before} → {after} ({reason})", name=line.product.name,
                before=format_euro(line.unit_price_cents), after=format_euro(unit_price_cents), reason=reason.strip()))
        self._replace(replace(line, override_price_cents=unit_price_cents, override_reason=reason.strip()))
        return CartChange("override", line_id, (ApprovalAction.PRICE_OVERRIDE, approval, description))

    def clear(self) -> CartChange:
        self.lines.clear()
        self.cart_discount = None
        self.payment_started = False
        self._next_line_id = 1
        return CartChange("cleared")

    # ---- persistence (parking) ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [line.to_dict() for line in self.lines],
            "cart_discount": self.cart_discount.to_dict() if self.cart_discount else None,
        }

    def load(self, data: dict[str, Any]) -> CartChange:
        lines = [CartLine.from_dict(d) for d in data["lines"]]
        self.lines = lines
        self.cart_discount = Discount.from_dict(data["cart_discount"]) if data.get("cart_discount") else None
        self.payment_started = False
        self._next_line_id = max((line.line_id for line in lines), default=0) + 1
        return CartChange("loaded")

    # ---- internals -------------------------------------------------------------------------

    def _replace(self, new_line: CartLine) -> None:
        for i, line in enumerate(self.lines):
            if line.line_id == new_line.line_id:
                self.lines[i] = new_line
                return

    def _over_limit(self, discount: Discount, base_cents: int) -> bool:
        """A percent discount is judged by its percent (not by rounded cents); an amount by the
        share of the base it takes."""
        if discount.kind is DiscountKind.PERCENT:
            return discount.value > self.policy.max_discount_percent
        if base_cents <= 0:
            return True
        return Decimal(discount.cents_off(base_cents)) * 100 > self.policy.max_discount_percent * base_cents

    def _transaction(self, operation: Callable[[], CartChange]) -> CartChange:
        """Run an operation; afterwards no discount may exceed what it applies to, and no
        amount discount may have grown past the approval limit by the change (a smaller
        quantity makes the same euros a bigger share). On any refusal the cart is restored."""
        saved = (list(self.lines), self.cart_discount, self._next_line_id)
        before = self._discount_shares()
        try:
            change = operation()
            self._check_discounts(before)
            return change
        except BaseException:
            self.lines, self.cart_discount, self._next_line_id = saved[0], saved[1], saved[2]
            raise

    def _discount_shares(self) -> dict[int | None, tuple[int, int]]:
        shares: dict[int | None, tuple[int, int]] = {
            line.line_id: (line.discount_cents, line.gross_cents) for line in self.lines if line.discount}
        if self.cart_discount:
            subtotal = sum(line.total_cents for line in self.lines)
            shares[None] = (self.cart_discount.cents_off(subtotal), subtotal)
        return shares

    def _check_discounts(self, before: dict[int | None, tuple[int, int]]) -> None:
        items: list[tuple[int | None, Discount, int, str]] = [
            (line.line_id, line.discount, line.gross_cents, line.product.name)
            for line in self.lines if line.discount]
        if self.cart_discount:
            items.append((None, self.cart_discount, sum(line.total_cents for line in self.lines), t("den Bon")))
        for key, discount, base, name in items:
            off = discount.cents_off(base)
            if off > base:
                raise CartError(t("Der Rabatt von {off} auf {name} wäre höher als der Betrag ({base}). Bitte zuerst den Rabatt ändern.", off=format_euro(off), name=name, base=format_euro(base)))
            old_off, old_base = before.get(key, (0, 1))
            grew = off * old_base > old_off * base
            if discount.kind is DiscountKind.AMOUNT and key in before and grew and self._over_limit(discount, base):
                raise CartError(t("Der Rabatt von {off} auf {name} läge danach über {max_discount_percent} %. Bitte zuerst den Rabatt ändern.", off=format_euro(off), name=name, max_discount_percent=self.policy.max_discount_percent))

    def _guard_void(self, what: str, approval: Approval | None) -> None:
        if self.payment_started and approval is None:
            raise ApprovalRequired(ApprovalAction.VOID_AFTER_PAYMENT,
                                   t("{what}: Die Zahlung hat schon begonnen.", what=what))

    @staticmethod
    def _approved(action: ApprovalAction, approval: Approval | None,
                  description: str) -> tuple[ApprovalAction, Approval, str] | None:
        return (action, approval, description) if approval else None

    @staticmethod
    def _check_quantity(quantity: int) -> None:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise CartError(t("Die Menge muss eine ganze Zahl sein."))
        if quantity < 1:
            raise CartError(t("Die Menge muss mindestens 1 sein."))
        if quantity > MAX_QUANTITY:
            raise CartError(t("Höchstens {MAX_QUANTITY} Stück pro Position.", MAX_QUANTITY=MAX_QUANTITY))
