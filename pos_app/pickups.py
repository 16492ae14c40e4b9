"""Click and collect in the store: the pickup queue, picking by scan, the handover at the till,
expiry and return to stock. Qt-free; the screens in ui/pickup_*.py drive it.

Where the orders come from: the center's change feed fills the local `pickups` table
(pos_app.store.pickup_models); everything here works from that copy, so the queue, picking and
the handover keep working offline from the last sync. What the store does travels to the center
as outbox events (pickup.picked, pickup.handed_over, pickup.returned_to_stock), queued like a
sale when offline; until the feed confirms it, the order shows the store's own state.

Reserved stock and walk-in sales (our rule, docs/pickups.md): units held for this store's open
orders (new, picking, ready, expired; less short-picked units) are not for sale. The till
REFUSES to add a unit when the cart would take more than on hand less reserved
(pos_app.pickup_till.WalkInGuard); a pay-in-store handover exempts the order's own units. The
guard asks `reserved()`, which reads the reserved-units index (pickup_models.PickupHold) that
every change below keeps up to date in its own transaction: one indexed sum per scan, however
many orders the store has seen. Closed orders are pruned after a retention period (`prune`).

Stock: a prepaid handover takes the collected units off the local shelf with a stock movement
tied to its event (pos_app.store.movements), exactly like a sale; a pay-in-store handover leaves
that to the till sale that took the payment. Refused units and returns to stock stay on the
shelf and are simply no longer reserved.

Thread: the UI thread (small local reads and one write transaction per action).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, text, update

from pos_app import limits
from pos_app.clock import Clock, iso, local_date, parse_iso, utc_now
from pos_app.i18n import t
from pos_app.store import movements
from pos_app.store.local import LocalStore
from pos_app.store.models import Stock
from pos_app.store.outbox import append_event
from pos_app.store.pickup_models import HOLDING, LocalPickup, note_change, prune_closed, reserved_units

QR_PREFIX = "ORDER:"
OPEN = ("new", "picking", "ready")
DEFAULT_SLA = timedelta(hours=2)  # ready within 2 h of ordering (PickupDesk(sla=...))
DEFAULT_RETENTION = timedelta(days=30)  # closed orders are kept this long here (pickup_retention_days)
STATE_NAMES = {"new": "Neu", "picking": "In Kommissionierung", "ready": "Abholbereit",
               "partially_collected": "Teilweise abgeholt", "collected": "Abgeholt", "cancelled": "Storniert",
               "expired": "Abgelaufen", "returned_to_stock": "Zurück ins Lager"}


class PickupError(ValueError):
    """An action refused; the message (German) says why. Nothing was changed."""


@dataclass(frozen=True)
class PickupLine:
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    vat_percent: int
    short_quantity: int  # the center's (after picking)
    collected_quantity: int
    picked: int  # this device's picking progress
    short_reason: str

    @property
    def held(self) -> int:
        return self.quantity - self.short_quantity


@dataclass(frozen=True)
class PickupOrder:
    number: str
    kind: str
    state: str  # the effective state: ours while the center has not confirmed it
    confirmed: bool
    customer_name: str
    phone: str
    second_person: str
    payment: str
    created_at: datetime
    pickup_by: datetime
    total_cents: int
    lines: tuple[PickupLine, ...]
    is_new: bool  # not opened on this device yet: the queue makes it stand out

    @property
    def qr_payload(self) -> str:
        return QR_PREFIX + self.number

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    def age(self, now: datetime) -> timedelta:
        return now - self.created_at

    def sla_left(self, now: datetime, sla: timedelta = DEFAULT_SLA) -> timedelta | None:
        """Time left to make it ready (negative: late); None once it is ready or closed."""
        return self.created_at + sla - now if self.state in ("new", "picking") else None

    def overdue(self, now: datetime) -> bool:
        return self.state in HOLDING and self.pickup_by <= now


@dataclass(frozen=True)
class QueueView:
    orders: list[PickupOrder]
    counts: dict[str, int]  # per state, over the whole queue (before the filter)


@dataclass(frozen=True)
class ScanResult:
    line: PickupLine
    picked: int
    complete: bool  # every line picked or short


@dataclass(frozen=True)
class HandoverResult:
    number: str
    state: str
    collected: dict[int, int]
    refused_cents: int  # prepaid: to refund; in store: not charged
    event_id: str


def _order(row: LocalPickup) -> PickupOrder:
    picks: dict[str, list[Any]] = json.loads(row.picks or "{}")
    lines = tuple(PickupLine(
        ln["line_no"], ln["product_id"], ln["sku"], ln["name"], ln["quantity"], ln["unit_price_cents"],
        ln["vat_percent"], ln["short_quantity"], ln["collected_quantity"],
        int(picks.get(str(ln["line_no"]), [0, ""])[0]),
        str(picks.get(str(ln["line_no"]), [0, ln.get("short_reason", "")])[1] or ln.get("short_reason", "")))
        for ln in json.loads(row.lines))
    return PickupOrder(row.order_number, row.kind, row.local_state or row.state, row.local_state is None,
                       row.customer_name, row.phone, row.second_person, row.payment, parse_iso(row.created_at),
                       parse_iso(row.pickup_by), row.total_cents, lines, not row.seen)


class PickupDesk:
    """This store's pickup orders, for the queue, the picking screen and the till."""

    def __init__(self, store: LocalStore, clock: Clock = utc_now, sla: timedelta = DEFAULT_SLA,
                 retention: timedelta = DEFAULT_RETENTION) -> None:
        self.store = store
        self.clock = clock
        self.sla = sla
        self.retention = retention

    # ---- reading ---------------------------------------------------------------------------

    def queue(self, state: str | None = None, include_closed: bool = False) -> QueueView:
        """Open orders (and with include_closed the closed ones), oldest first; `state`
        filters (the counts are over all). Closed orders are counted in SQL and parsed only
        when asked for: the store keeps thousands of them until they are pruned."""
        effective = func.coalesce(LocalPickup.local_state, LocalPickup.state)
        with self.store.db.reading() as s:
            query = select(LocalPickup).order_by(LocalPickup.created_at)
            if not include_closed:
                query = query.where(effective.in_(HOLDING))
            orders = [_order(r) for r in s.execute(query).scalars().all()]
            counts: dict[str, int] = {str(st): int(n) for st, n in s.execute(
                select(effective, func.count()).group_by(effective)).all()}
        now = self.clock()
        counts["overdue"] = sum(1 for o in orders if o.overdue(now))
        shown = [o for o in orders if (include_closed or o.state in HOLDING)
                 and (state is None or o.state == state or (state == "overdue" and o.overdue(now)))]
        return QueueView(shown, counts)

    def get(self, number: str) -> PickupOrder:
        with self.store.db.reading() as s:
            row = s.get(LocalPickup, _number(number))
            if row is None:
                raise PickupError(t("Abholauftrag {number} ist hier nicht bekannt (noch nicht synchronisiert?).", number=number))
            return _order(row)

    def find(self, query: str) -> list[PickupOrder]:
        """By the pickup QR ("ORDER:<number>"), the order number, or part of a name."""
        q = query.strip()
        if not q:
            raise PickupError(t("Bitte Abholcode scannen oder Auftragsnummer bzw. Namen eingeben."))
        with self.store.db.reading() as s:
            row = s.get(LocalPickup, _number(q))
            if row is not None:
                return [_order(row)]
            like = f"%{q.lower()}%"
            rows = s.execute(select(LocalPickup).where(
                text("lower(customer_name) LIKE :q OR lower(second_person) LIKE :q OR lower(order_number) LIKE :q")
                .bindparams(q=like)).order_by(LocalPickup.created_at)).scalars().all()
            return [_order(r) for r in rows]

    def mark_seen(self, number: str) -> None:
        with self.store.db.writing() as s:
            s.execute(update(LocalPickup).where(LocalPickup.order_number == _number(number)).values(seen=True))

    def reserved(self, product_id: int) -> int:
        """Units of `product_id` held for this store's open orders (the index: one indexed sum)."""
        with self.store.db.reading() as s:
            return reserved_units(s, product_id)

    def reserved_and_on_hand(self, product_id: int) -> tuple[int, int]:
        """Both figures of the walk-in guard in one read (it runs on every scan)."""
        with self.store.db.reading() as s:
            reserved, on_hand = s.execute(_GUARD_READ, {"p": product_id, "s": self.store.store_id}).one()
        return int(reserved), int(on_hand)

    def on_hand(self, product_id: int) -> int:
        with self.store.db.reading() as s:
            return int(s.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                              Stock.store_id == self.store.store_id)).scalar() or 0)

    def available(self, product_id: int) -> int:
        return self.on_hand(product_id) - self.reserved(product_id)

    # ---- picking ---------------------------------------------------------------------------

    def pick_scan(self, number: str, code: str) -> ScanResult:
        """Confirm one unit by its barcode (or SKU). The wrong item, or one too many, is refused."""
        order = self._open(number, ("new", "picking"))
        product_id = self._product_of(code)
        lines = [ln for ln in order.lines if ln.product_id == product_id]
        if not lines:
            raise PickupError(t("Falscher Artikel: {code} gehört nicht zu Auftrag {number}.", code=code, number=order.number))
        line = next((ln for ln in lines if ln.picked < ln.quantity), None)
        if line is None:
            raise PickupError(t("{name}: schon alle {sum} gescannt.", name=lines[0].name, sum=sum(ln.quantity for ln in lines)))
        self._set_pick(order.number, line.line_no, line.picked + 1, "")
        updated = self.get(order.number)
        done = next(ln for ln in updated.lines if ln.line_no == line.line_no)
        return ScanResult(done, done.picked, all(ln.picked == ln.quantity for ln in updated.lines))

    def short(self, number: str, line_no: int, reason: str) -> None:
        """The rest of a line is not to be found: it will be short by what is not scanned."""
        if not reason.strip():
            raise PickupError(t("Bitte einen Grund für die Fehlmenge angeben."))
        _within(reason.strip(), "Der Grund für die Fehlmenge", limits.REASON_TEXT)
        order = self._open(number, ("new", "picking"))
        line = next((ln for ln in order.lines if ln.line_no == line_no), None)
        if line is None:
            raise PickupError(t("Auftrag {number} hat keine Position {line_no}.", number=number, line_no=line_no))
        self._set_pick(order.number, line_no, line.picked, reason.strip())

    def finish_picking(self, number: str, picked_by: str) -> PickupOrder:
        """Every line scanned or marked short: the order is ready (partially ready when short)
        and the center notifies the customer. Queued when offline."""
        order = self._open(number, ("new", "picking"))
        if missing := [ln for ln in order.lines if ln.picked < ln.quantity and not ln.short_reason]:
            raise PickupError(t("Noch nicht gescannt: {name} ({picked}/{quantity}). Scannen oder als Fehlmenge mit Grund melden.", name=missing[0].name, picked=missing[0].picked, quantity=missing[0].quantity))
        payload = {"order_number": order.number, "store_id": self.store.store_id, "picked_at": iso(self.clock()),
                   "picked_by": picked_by,
                   "lines": [{"line_no": ln.line_no, "picked_quantity": ln.picked,
                              "short_reason": ln.short_reason if ln.picked < ln.quantity else ""}
                             for ln in order.lines]}
        new_state = "ready" if any(ln.picked for ln in order.lines) else "cancelled"
        with self.store.db.writing() as s:
            append_event(s, self.store.device_id, "pickup.picked", payload)
            row = s.get(LocalPickup, order.number)
            assert row is not None
            row.local_state = new_state
            row.seen = True
            row.lines = json.dumps([{**ln, "short_quantity": ln["quantity"] - int(json.loads(row.picks).get(
                str(ln["line_no"]), [0])[0])} for ln in json.loads(row.lines)], ensure_ascii=False)
            note_change(s, row, iso(self.clock()))
        return self.get(order.number)

    # ---- handover --------------------------------------------------------------------------

    @staticmethod
    def verify(order: PickupOrder, name: str, phone_digits: str = "", id_checked: bool = False) -> str:
        """Is this the customer (or the second person named on the order)? The name must match
        and either the last digits of the phone (at least 3) or an ID check. Returns the
        verification kind for the handover; raises PickupError with the reason otherwise."""
        given = " ".join(name.lower().split())
        if not given:
            raise PickupError(t("Bitte den Namen der abholenden Person eingeben."))
        names = [n for n in (order.customer_name, order.second_person) if n.strip()]
        if not any(given == " ".join(n.lower().split()) or given == n.lower().split()[-1] for n in names):
            raise PickupError(t("Der Name passt nicht zum Auftrag {number}.", number=order.number))
        if id_checked:
            return "id_check"
        digits = "".join(ch for ch in phone_digits if ch.isdigit())
        phone = "".join(ch for ch in order.phone if ch.isdigit())
        if len(digits) < 3:
            raise PickupError(t("Bitte die letzten 3 oder mehr Ziffern der Telefonnummer eingeben oder Ausweis prüfen."))
        if not phone or not phone.endswith(digits):
            raise PickupError(t("Die Telefonnummer passt nicht. Ausweis prüfen?"))
        return "name_phone"

    def collectable(self, number: str) -> PickupOrder:
        order = self.get(number)
        if order.state in ("collected", "partially_collected"):
            raise PickupError(t("Auftrag {number} wurde bereits übergeben.", number=order.number))
        if order.state not in ("ready", "expired"):
            raise PickupError(t("Auftrag {number} ist {state_name}, noch nicht abholbereit.", number=order.number, state_name=order.state_name))
        return order

    def hand_over(self, number: str, collector: str, verification: Literal["name_phone", "id_check"],
                  handed_by: str, refused: dict[int, int] | None = None, sale_id: str | None = None) -> HandoverResult:
        """Hand the picked goods over, less `refused` units per line. `sale_id`: the till sale
        that took the payment (pay in store); that sale moved the stock already."""
        _within(collector.strip(), "Der Name des Abholers", limits.COLLECTOR, required=True)
        order = self.collectable(number)
        if order.payment in ("in_store", "none") and sale_id is None:  # reservations are bought at pickup
            raise PickupError(t("Dieser Auftrag wird im Laden bezahlt: erst kassieren, dann übergeben."))
        refused = refused or {}
        collected = {}
        for ln in order.lines:
            no = refused.get(ln.line_no, 0)
            if not 0 <= no <= ln.held:
                raise PickupError(t("{name}: höchstens {held} zurückweisen.", name=ln.name, held=ln.held))
            collected[ln.line_no] = ln.held - no
        if not any(collected.values()):
            raise PickupError(t("Nichts übergeben: den Auftrag stattdessen zurück ins Lager buchen."))
        whole = all(collected[ln.line_no] == ln.quantity for ln in order.lines)
        payload = {"order_number": order.number, "store_id": self.store.store_id, "device_id": self.store.device_id,
                   "handed_at": iso(self.clock()), "handed_by": handed_by, "collector": collector,
                   "verification": verification, "sale_id": sale_id,
                   "lines": [{"line_no": n, "quantity": q} for n, q in collected.items()]}
        state = "collected" if whole else "partially_collected"
        with self.store.db.writing() as s:
            event = append_event(s, self.store.device_id, "pickup.handed_over", payload)
            if sale_id is None:
                deltas: dict[int, int] = {}
                for ln in order.lines:
                    deltas[ln.product_id] = deltas.get(ln.product_id, 0) - collected[ln.line_no]
                for pid, delta in deltas.items():
                    if delta and not s.execute(update(Stock).where(
                            Stock.product_id == pid, Stock.store_id == self.store.store_id)
                            .values(quantity=Stock.quantity + delta)).rowcount:
                        s.add(Stock(product_id=pid, store_id=self.store.store_id, quantity=delta))
                movements.record(s, event.id, self.store.store_id, deltas)
            row = s.get(LocalPickup, order.number)
            assert row is not None
            row.local_state, row.seen = state, True
            note_change(s, row, iso(self.clock()))
            self.store_audit(s, handed_by, "pickup.handed_over", {"order": order.number, "collector": collector,
                                                                  "verification": verification})
        refused_cents = sum((ln.held - collected[ln.line_no]) * ln.unit_price_cents for ln in order.lines)
        return HandoverResult(order.number, state, collected, refused_cents, event.id)

    def store_audit(self, s: Any, actor: str, action: str, details: dict[str, Any]) -> None:
        from pos_app.store import audit
        audit.record(s, self.store.device_id, None, actor, action, details)

    # ---- expiry ----------------------------------------------------------------------------

    def expired(self) -> list[PickupOrder]:
        """Orders past their pickup-by date still holding goods: to go back on the shelf."""
        now = self.clock()
        return [o for o in self.queue().orders if o.overdue(now)]

    def return_to_stock(self, number: str, by: str) -> PickupOrder:
        order = self.get(number)
        if not order.overdue(self.clock()):
            raise PickupError(t("Auftrag {number} kann bis {local_date} abgeholt werden.", number=order.number, local_date=local_date(order.pickup_by)))
        payload = {"order_number": order.number, "store_id": self.store.store_id,
                   "returned_at": iso(self.clock()), "returned_by": by}
        with self.store.db.writing() as s:
            append_event(s, self.store.device_id, "pickup.returned_to_stock", payload)
            row = s.get(LocalPickup, order.number)
            assert row is not None
            row.local_state = "returned_to_stock"
            note_change(s, row, iso(self.clock()))
        return self.get(order.number)

    # ---- retention -------------------------------------------------------------------------

    def prune(self, retention: timedelta | None = None) -> int:
        """Delete the local copies of orders closed longer than the retention period ago (and
        confirmed by the center); they only slowed the queue down. Returns how many. Thread:
        any (one write transaction); the glue runs it in the background."""
        keep = self.retention if retention is None else retention
        with self.store.db.writing() as s:
            return prune_closed(s, iso(self.clock() - keep))

    # ---- internals -------------------------------------------------------------------------

    def _open(self, number: str, states: tuple[str, ...]) -> PickupOrder:
        order = self.get(number)
        if order.state not in states:
            raise PickupError(t("Auftrag {number} ist {state_name}.", number=order.number, state_name=order.state_name))
        return order

    def _product_of(self, code: str) -> int:
        raw = code.strip()
        key = "0" + raw if len(raw) == 12 and raw.isdigit() else raw
        with self.store.db.reading() as s:
            pid = s.execute(text("SELECT product_id FROM barcodes WHERE code = :c"), {"c": key}).scalar()
            if pid is None:
                pid = s.execute(text("SELECT id FROM products WHERE sku = :c"), {"c": raw}).scalar()
        if pid is None:
            raise PickupError(t("Unbekannter Artikelcode {raw}.", raw=raw))
        return int(pid)

    def _set_pick(self, number: str, line_no: int, picked: int, reason: str) -> None:
        with self.store.db.writing() as s:
            row = s.get(LocalPickup, number)
            assert row is not None
            picks = json.loads(row.picks or "{}")
            picks[str(line_no)] = [picked, reason]
            row.picks = json.dumps(picks)
            row.seen = True
            if row.local_state is None and row.state == "new":
                row.local_state = "picking"  # shown at once; the center hears it with pickup.picked
            note_change(s, row, iso(self.clock()))


_GUARD_READ = text("SELECT (SELECT coalesce(sum(units), 0) FROM pickup_holds WHERE product_id = :p), "
                   "(SELECT coalesce(sum(quantity), 0) FROM stock WHERE product_id = :p AND store_id = :s)")


def _number(text_: str) -> str:
    t = text_.strip()
    return t[len(QR_PREFIX):] if t.upper().startswith(QR_PREFIX) else t


def _within(value: str, label: str, max_length: int, *, required: bool = False) -> str:
    """pos_app.limits' text check, failing as the PickupError the pickup screens show."""
    try:
        return limits.check_text(value, label, max_length, required=required)
    except limits.LimitError as exc:
        raise PickupError(str(exc)) from None
