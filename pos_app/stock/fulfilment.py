"""The endless aisle ("save the sale") and ship-from-store at the store.

At the till (EndlessAisle, set on TillSession.endless_aisle): an item not on hand here is looked
up everywhere (the center's availability when online, else the last answer this till kept,
saying since when), put in the cart marked for fulfilment from another store or the web
warehouse, and paid through the normal sale path. When the sale completes, in the SAME local
transaction, a fulfilment order is written with its outbox event (fulfilment.ordered) BEFORE the
sale's event, so the center reserves the goods there; the sale's stock movement for those units
is given back here (they never were on this shelf). The receipt says what follows. Offline the
sale and the order wait in the outbox together: nothing is lost, nothing doubled.

At the fulfilling store (FulfilmentDesk): the ship-from-store queue; pick by scan, ship with a
carrier and tracking number (stock leaves now), or hand an order for pickup to the carrier
"pickup" (the goods travel to the selling store as a transfer, and its pickup flow takes over).

Thread: the UI thread (short local transactions), or any thread with the store.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from pos_app import limits
from pos_app.cart import CartError
from pos_app.pickup_till import WalkInGuard
from pos_app.clock import iso, utc_now
from pos_app.i18n import t
from pos_app.stock.transfer_rules import FULFILMENT_ORDERED
from pos_app.store import movements
from pos_app.store.local import LocalStore
from pos_app.store.models import OutboxEvent, Stock
from pos_app.store.outbox import append_event
from pos_app.store.transfer_models import LocalFulfilment, SeenAvailability, fulfilment_reserved

Clock = Callable[[], datetime]
Lookup = Callable[[int], list[dict[str, Any]]]  # GET /v1/availability/{id}'s places; raises when offline


class FulfilmentError(ValueError):
    """Refused at the store; the message is for the person. Nothing was changed."""


@dataclass(frozen=True)
class Place:
    store_id: str
    store_name: str
    kind: str
    available: int
    in_transit: int


@dataclass(frozen=True)
class Availability:
    product_id: int
    places: tuple[Place, ...]  # other locations with units available first
    online: bool
    as_of: str | None  # when the center said so (offline: the last answer kept here)

    def available_at(self, store_id: str) -> int:
        return next((p.available for p in self.places if p.store_id == store_id), 0)


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    zip_code: str
    city: str


@dataclass
class _Intent:
    product_id: int
    quantity: int
    fulfil_from: str
    delivery: str  # ship | pickup
    address: Address | None


@dataclass(frozen=True)
class OrderPlaced:
    number: str
    event_id: str
    product_ids: tuple[int, ...]


def _cut(value: str, label: str, max_length: int, required: bool = False) -> str:
    try:
        return limits.check_text(value.strip(), label, max_length, required=required)
    except limits.LimitError as exc:
        raise FulfilmentError(str(exc)) from None


@dataclass
class EndlessAisle:
    """The till's side of the endless aisle. `lookup`: the center's availability (None: offline)."""

    store: LocalStore
    lookup: Lookup | None = None
    clock: Clock = utc_now
    intents: list[_Intent] = field(default_factory=list)
    last_orders: list[str] = field(default_factory=list)  # numbers placed by the last sale

    def where(self, product_id: int) -> Availability:
        """Where the product can be had, this store left out. Online: the center's figures, kept
        for offline use; offline (or the center unreachable): the last figures kept, `online` False."""
        if self.store.catalog.product(product_id) is None:
            raise FulfilmentError(t("Unbekannter Artikel {product}.", product=product_id))
        if self.lookup is not None:
            try:
                rows = self.lookup(product_id)
            except Exception:  # noqa: BLE001 - offline or the center unreachable: use what we kept
                rows = None
            if rows is not None:
                now = iso(self.clock())
                with self.store.db.writing() as s:
                    s.execute(text("DELETE FROM availability_seen WHERE product_id = :p"), {"p": product_id})
                    for r in rows:
                        s.add(SeenAvailability(product_id=product_id, store_id=str(r["store_id"]),
                                               store_name=str(r["store_name"]), kind=str(r.get("kind", "store")),
                                               available=int(r["available"]), in_transit=int(r.get("in_transit", 0)),
                                               seen_at=now))
                return self._view(product_id, True)
        return self._view(product_id, False)

    def _view(self, product_id: int, online: bool) -> Availability:
        with self.store.db.reading() as s:
            rows = s.execute(select(SeenAvailability).where(SeenAvailability.product_id == product_id)).scalars().all()
            places = sorted((Place(r.store_id, r.store_name, r.kind, r.available, r.in_transit) for r in rows
                             if r.store_id != self.store.store_id), key=lambda p: (p.available <= 0, p.store_id))
            as_of = max((r.seen_at for r in rows), default=None)
        return Availability(product_id, tuple(places), online, as_of)

    def sell_from(self, till: Any, product_id: int, quantity: int, fulfil_from: str, delivery: str,
                  address: Address | None = None, availability: Availability | None = None) -> None:
        """Put `quantity` units in the till's cart, to be fulfilled from `fulfil_from` and
        shipped to `address` (delivery "ship") or to this store for pickup."""
        try:
            limits.check_quantity(quantity)
        except limits.LimitError as exc:
            raise FulfilmentError(str(exc)) from None
        product = self.store.catalog.product(product_id)
        if product is None:
            raise FulfilmentError(t("Unbekannter Artikel {product}.", product=product_id))
        if fulfil_from == self.store.store_id:
            raise FulfilmentError(t("Dieser Artikel kommt aus dem eigenen Bestand: bitte normal verkaufen."))
        if delivery not in ("ship", "pickup"):
            raise FulfilmentError(t("Bitte Lieferung oder Abholung wählen."))
        if delivery == "ship":
            if address is None:
                raise FulfilmentError(t("Für die Lieferung bitte die Anschrift angeben."))
            address = Address(_cut(address.name, t("Der Name"), 120, True), _cut(address.street, t("Die Straße"), 120, True),
                              _cut(address.zip_code, t("Die PLZ"), 10, True), _cut(address.city, t("Der Ort"), 80, True))
        view = availability or self.where(product_id)
        already = sum(i.quantity for i in self.intents if i.product_id == product_id and i.fulfil_from == fulfil_from)
        free = view.available_at(fulfil_from)
        if quantity + already > free:
            raise FulfilmentError(t("{name}: in {store} sind nur {free} verfügbar.", name=product.name,
                                    store=fulfil_from, free=max(free - already, 0)))
        try:
            till.add(product, quantity)
        except CartError as exc:
            raise FulfilmentError(str(exc)) from None
        self.intents.append(_Intent(product_id, quantity, fulfil_from, delivery, address if delivery == "ship" else None))

    def forget(self) -> None:
        """The sale was voided or parked: nothing to order."""
        self.intents.clear()

    # ---- inside TillSession.complete's transaction ----------------------------------------

    def before_sale(self, s: Session, till: Any) -> list[OrderPlaced]:
        """Write the orders of the cart's marked units (their events before the sale's)."""
        in_cart: dict[int, tuple[int, int]] = {}  # product -> (units, unit price)
        for ln in till.cart.lines:
            units, _ = in_cart.get(ln.product.product_id, (0, 0))
            in_cart[ln.product.product_id] = (units + ln.quantity, ln.unit_price_cents)
        groups: dict[tuple[str, str, Address | None], dict[int, int]] = {}
        for i in self.intents:
            left = in_cart.get(i.product_id, (0, 0))[0] - sum(
                q for g in groups.values() for p, q in g.items() if p == i.product_id)
            n = min(i.quantity, left)
            if n > 0:
                group = groups.setdefault((i.fulfil_from, i.delivery, i.address), {})
                group[i.product_id] = group.get(i.product_id, 0) + n
        placed = []
        now = iso(self.clock())
        for (src, delivery, address), units in groups.items():
            oid = str(uuid.uuid4())
            number = f"F-{self.store.store_id}-{oid[:8].upper()}"
            lines = []
            for pid, qty in sorted(units.items()):
                product = self.store.catalog.product(pid)
                assert product is not None
                lines.append({"product_id": pid, "sku": product.sku, "name": product.name, "quantity": qty,
                              "unit_price_cents": in_cart[pid][1]})
            total = sum(ln["quantity"] * ln["unit_price_cents"] for ln in lines)
            payload: dict[str, Any] = {
                "order_id": oid, "number": number, "store_id": self.store.store_id, "fulfil_from": src,
                "sale_id": None, "customer_id": till.customer_id, "delivery": delivery,
                "address": address.__dict__ if address else None, "ordered_at": now,
                "ordered_by": till.cashier.name[:limits.PERSON_NAME], "total_cents": total, "paid_cents": total,
                "lines": lines}
            event = append_event(s, self.store.device_id, FULFILMENT_ORDERED, payload, now)
            doc = dict(payload, id=oid, state="new", carrier="", tracking="", pickup_number="", reason="",
                       lines=[dict(ln, line_no=n, picked=None) for n, ln in enumerate(lines, 1)])
            s.add(LocalFulfilment(number=number, id=oid, store_id=self.store.store_id, fulfil_from=src, state="",
                                  local_state="new", doc=json.dumps(doc, ensure_ascii=False), picks="{}",
                                  updated_at=now, sale_id=""))
            _move(s, self.store.store_id, units)  # the sale below takes them off this shelf: not from here
            s.flush()
            movements.record(s, event.id, self.store.store_id, units)
            placed.append(OrderPlaced(number, event.id, tuple(sorted(units))))
        return placed

    def after_sale(self, s: Session, placed: list[OrderPlaced], done: Any) -> None:
        """Name the sale in the orders (still uncommitted) and lay the receipt out again with
        what follows for each marked line."""
        for order in placed:
            event = s.get(OutboxEvent, order.event_id)
            row = s.get(LocalFulfilment, order.number)
            assert event is not None and row is not None
            payload = json.loads(event.payload)
            payload["sale_id"] = done.sale_id
            event.payload = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            doc = json.loads(row.doc)
            doc["sale_id"] = done.sale_id
            row.doc, row.sale_id = json.dumps(doc, ensure_ascii=False), done.sale_id
        self.intents.clear()
        self.last_orders = [o.number for o in placed]
        if placed:
            self.store.sales.reissue_document(s, done)


@dataclass
class ShelfGuard(WalkInGuard):
    """The till's walk-in guard (TillSession.reservation_guard) that also keeps the units this
    store holds for fulfilment orders it ships off the counter. A WalkInGuard still (the pickup
    flow sets its `exempt` units when a pickup order is paid); units marked for fulfilment
    elsewhere in this cart do not come off this shelf and are not counted."""

    aisle: EndlessAisle | None = None

    def __call__(self, product_id: int, in_cart: int) -> None:
        marked = sum(i.quantity for i in self.aisle.intents if i.product_id == product_id) if self.aisle else 0
        here = in_cart - marked
        store = self.desk.store
        with store.db.reading() as s:
            held = fulfilment_reserved(s, store.store_id).get(product_id, 0)
        if held:
            reserved, on_hand = self.desk.reserved_and_on_hand(product_id)
            free = on_hand - reserved - held + self.exempt.get(product_id, 0)
            if here > free:
                raise CartError(t("Reserviert: {held} Stück sind für Versandbestellungen zurückgelegt, frei sind "
                                  "nur {free}. Nicht an Laufkundschaft verkaufen.", held=held, free=max(free, 0)))
        if here > 0:
            super().__call__(product_id, here)


def _move(s: Session, store_id: str, deltas: dict[int, int]) -> None:
    for pid, delta in sorted(deltas.items()):
        if delta and not s.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == store_id)
                                   .values(quantity=Stock.quantity + delta)).rowcount:
            s.add(Stock(product_id=pid, store_id=store_id, quantity=delta))


# The ship-from-store queue lives in its own module; importing it from here too keeps one door.
from pos_app.stock.ship_from_store import FulfilmentDesk, FulfilmentLine, FulfilmentOrder  # noqa: E402,F401
