"""Click and collect at the till: the walk-in guard (reserved units are not for walk-in
customers: the till refuses) and paying a pickup order through the normal sale path.

Thread: the UI thread (TillSession's).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pos_app.cart import CartError
from pos_app.i18n import t
from pos_app.pickups import PickupDesk, PickupError, PickupLine, PickupOrder


@dataclass
class WalkInGuard:
    """The till's check that reserved units are not sold to a walk-in customer (set on
    TillSession.reservation_guard). `exempt`: units of a pickup order being paid right now."""

    desk: PickupDesk
    exempt: dict[int, int] = field(default_factory=dict)

    def __call__(self, product_id: int, in_cart: int) -> None:
        reserved, on_hand = self.desk.reserved_and_on_hand(product_id)  # one indexed read per scan
        if not reserved:
            return
        free = on_hand - reserved + self.exempt.get(product_id, 0)
        if in_cart > free:
            raise CartError(t("Reserviert: {reserved} Stück sind für Abholaufträge zurückgelegt, frei sind nur {free}. Nicht an Laufkundschaft verkaufen.", reserved=reserved, free=max(free, 0)))


def charge_at_till(till: Any, order: PickupOrder, refused: dict[int, int] | None = None) -> int:
    """Put the units to be collected of a pay-in-store order into the till's (empty) cart at
    the order's prices, exempt from the walk-in guard, so the payment takes the normal sale
    path (shift, TSE, receipt). Returns the amount due. After till.complete(), hand over with
    the sale's id and call release_exemption(till)."""
    if order.payment not in ("in_store", "none"):
        raise PickupError(t("Auftrag {number} ist schon bezahlt.", number=order.number))
    if not till.cart.is_empty():
        raise PickupError(t("Bitte den aktuellen Bon erst abschließen oder parken."))
    refused = refused or {}
    exempt: dict[int, int] = {}
    todo: list[tuple[PickupLine, int]] = []
    for ln in order.lines:
        n = ln.held - refused.get(ln.line_no, 0)
        if n > 0:
            exempt[ln.product_id] = exempt.get(ln.product_id, 0) + n
            todo.append((ln, n))
    if not todo:
        raise PickupError(t("Nichts zu kassieren."))
    if isinstance(till.reservation_guard, WalkInGuard):
        till.reservation_guard.exempt = exempt
    for ln, n in todo:
        product = till.store.catalog.product(ln.product_id)
        if product is None:
            raise PickupError(t("{name} ist an dieser Kasse nicht bekannt (Katalog synchronisieren).", name=ln.name))
        till.add(replace(product, unit_price_cents=ln.unit_price_cents), n)
    return int(till.cart.totals().total_cents)


def release_exemption(till: Any) -> None:
    if isinstance(till.reservation_guard, WalkInGuard):
        till.reservation_guard.exempt = {}
