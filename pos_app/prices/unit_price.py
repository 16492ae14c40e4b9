"""Grundpreis (§ 4 and § 5 PAngV): the price per 1 kg, 1 l or 1 m, held per product as its net
content (an integer amount and a unit), computed by this one pure function for the product
search, the labels and the web shop alike.

Rules, as written here:
- The reference quantity is 1 kg, 1 l or 1 m. Goods of at most 250 g or 250 ml net may use
  100 g / 100 ml instead, where that is customary (`per_100=True` asks for it; for more than
  250 g it is refused and the 1 kg / 1 l price is given, § 5 (1) PAngV).
- Length has no 100 g rule: always per 1 m.
- When the Grundpreis equals the price (exactly 1 kg / 1 l / 1 m) it need not be stated
  (§ 4 (1) PAngV): `UnitPrice.same_as_price` says so; labels leave it out.
- Rounding: half up to the cent (pos_app.money.round_half_up), no floats.

Thread: any; no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pos_app.i18n import t
from pos_app.money import format_euro, round_half_up

ContentUnit = Literal["g", "kg", "ml", "l", "mm", "cm", "m"]
CONTENT_UNITS: tuple[str, ...] = ("g", "kg", "ml", "l", "mm", "cm", "m")
MAX_CONTENT = 10_000_000  # 10 t / 10,000 l / 10 km in the smallest unit; the protocol's bound too

# unit -> (base unit, factor to the base: g, ml, mm)
_BASE: dict[str, tuple[str, int]] = {"g": ("g", 1), "kg": ("g", 1000), "ml": ("ml", 1), "l": ("ml", 1000),
                                     "mm": ("mm", 1), "cm": ("mm", 10), "m": ("mm", 1000)}
_REFERENCE: dict[str, tuple[int, str]] = {"g": (1000, "1 kg"), "ml": (1000, "1 l"), "mm": (1000, "1 m")}
_SMALL: dict[str, tuple[int, str]] = {"g": (100, "100 g"), "ml": (100, "100 ml")}
SMALL_PACK_LIMIT = 250  # g or ml


class ContentError(ValueError):
    """The net content cannot give a Grundpreis (the message is for a person)."""


@dataclass(frozen=True)
class UnitPrice:
    cents: int  # per `reference`
    reference: str  # "1 kg", "100 g", "1 l", "100 ml", "1 m"
    same_as_price: bool

    @property
    def text(self) -> str:
        """The label's and the receipt's text: "7,96 € / 1 kg" (plain German)."""
        return f"{format_euro(self.cents)} / {self.reference}"


def base_amount(amount: int, unit: str) -> tuple[int, str]:
    """The net content in g, ml or mm."""
    if unit not in _BASE:
        raise ContentError(t("Unbekannte Mengeneinheit {unit} (erlaubt: {units})", unit=repr(unit),
                             units=", ".join(CONTENT_UNITS)))
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_CONTENT:
        raise ContentError(t("Die Füllmenge muss eine ganze Zahl von 1 bis {max} sein", max=MAX_CONTENT))
    base, factor = _BASE[unit]
    return amount * factor, base


def unit_price(price_cents: int, amount: int, unit: str, per_100: bool = False) -> UnitPrice:
    """The Grundpreis of a pack of `amount` `unit` at `price_cents`."""
    if isinstance(price_cents, bool) or not isinstance(price_cents, int) or price_cents < 0:
        raise ContentError(t("Der Preis muss eine ganze Zahl von Cent ab 0 sein"))
    content, base = base_amount(amount, unit)
    reference, label = _REFERENCE[base]
    if per_100 and base in _SMALL and content <= SMALL_PACK_LIMIT:
        reference, label = _SMALL[base]
    cents = round_half_up(price_cents * reference, content)
    return UnitPrice(cents=cents, reference=label, same_as_price=content == reference)
