"""Counts with the scanner: a manager starts a count (the whole store, categories, or a list of
products: a shelf or an area); associates count on any device of the store by scanning, offline
too; the manager reviews the variance list and approves it with the PIN; the center books it.

Every action is one local transaction with its outbox event:

    start    count.started   (manager's PIN; the other devices join through the feed)
    scan     count.counted   this device's figure for the product, absolute (a replay or a
                             resend changes nothing); quantity entry for multiples
    recount  count.counted   with recount = true: this figure replaces every device's for it
    approve  count.approved  (manager's PIN) the center books counted - snapshot per product
    cancel   count.cancelled (manager's PIN, a reason) before approval: nothing is booked

The snapshot rule lives at the center (backend.stock_counts, docs/stock.md): a product's expected
figure is the center's stock when the first figure for it arrives there, in the center's order;
sales and returns applied after that stay booked on top of the count. So this device does not
move its own stock at approval: the booked figures come back through the feed like any other
stock change, and nothing is counted twice.

The variance list here (variance()) is this device's preview: its own figures against the stock
it shows now, units, value at cost (the feed's cost price) and at this store's prices, the
biggest differences first, computed in
SQL so that a 1,000,000-product store is listed in well under 2 s (tests/perf/bench_counts.py).
Figures of other devices reach the center, not this device: the center's report
(GET /v1/admin/stock/counts/{id}) is the merged one.

Qt-free. Thread: the UI thread (a scan is one barcode read and one short write).
"""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import text

from pos_app.clock import iso, utc_now
from pos_app.gtin import BarcodeError, classify
from pos_app.i18n import t
from pos_app.stock.rules import StockRuleError
from pos_app.store import audit
from pos_app.store.local import LocalStore
from pos_app.store.outbox import append_event
from pos_app.store.staff import StaffMember
from pos_app.store.stock_models import LocalCount

COUNT_STARTED, COUNT_COUNTED, COUNT_APPROVED = "count.started", "count.counted", "count.approved"
COUNT_CANCELLED = "count.cancelled"  # sync.protocol_stock.COUNT_CANCELLED
MAX_COUNTED = 999_999  # sync.protocol_stock.MAX_COUNTED
MAX_LIST = 5000

_PRODUCT = text("SELECT p.id, p.name, p.category FROM barcodes b JOIN products p ON p.id = b.product_id "
                "WHERE b.code = :code")
_UPSERT_LINE = ("INSERT INTO count_lines (count_id, product_id, quantity, position) VALUES (?, ?, ?, "
                "(SELECT COUNT(*) FROM count_lines WHERE count_id = ?)) "
                "ON CONFLICT (count_id, product_id) DO UPDATE SET quantity = {value} RETURNING quantity")


@dataclass(frozen=True)
class CountView:
    count_id: str
    scope: str
    categories: tuple[str, ...]
    product_ids: tuple[int, ...]
    status: str  # open | approving (approved here, unconfirmed) | booked
    started_by: str
    lines: int  # this device's counted products


@dataclass(frozen=True)
class CountedLine:
    product_id: int
    name: str
    quantity: int  # this device's figure now


@dataclass(frozen=True)
class VarianceLine:
    product_id: int
    name: str
    expected: int
    counted: int
    price_cents: int
    cost_cents: int | None = None  # the cost price from the feed (None: the center has none)

    @property
    def variance(self) -> int:
        return self.counted - self.expected

    @property
    def value_cents(self) -> int:
        return self.variance * self.price_cents

    @property
    def value_cost_cents(self) -> int | None:
        return None if self.cost_cents is None else self.variance * self.cost_cents


@dataclass(frozen=True)
class VarianceList:
    products: int  # lines in the variance list (counted, or in scope with stock)
    differing: int
    units: int  # sum of the variances
    value_cents: int  # at this store's prices (retail)
    lines: tuple[VarianceLine, ...]  # the biggest differences by value first, at most `limit`
    value_cost_cents: int = 0  # at cost, over the products with a cost price


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise StockRuleError(t("Die Menge darf nicht negativ sein."))
    if quantity > MAX_COUNTED:
        raise StockRuleError(t("Höchstens {limit} Stück.", limit=MAX_COUNTED))


class StockCounts:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    def start(self, scope: str, person: StaffMember, manager: StaffMember, categories: tuple[str, ...] = (),
              product_ids: tuple[int, ...] = ()) -> CountView:
        """Start a count (the manager's PIN was checked by the caller)."""
        if not manager.is_manager:
            raise StockRuleError(t("Eine Inventur startet nur die Marktleitung."))
        if scope not in ("store", "category", "products"):
            raise StockRuleError(t("Unbekannter Umfang „{scope}“.", scope=scope))
        categories = tuple(sorted({c.strip() for c in categories if c.strip()}))
        product_ids = tuple(sorted(set(product_ids)))
        if scope == "category" and not categories:
            raise StockRuleError(t("Bitte mindestens eine Warengruppe wählen."))
        if scope == "products" and not 0 < len(product_ids) <= MAX_LIST:
            raise StockRuleError(t("Bitte 1 bis {limit} Artikel wählen.", limit=MAX_LIST))
        count_id = str(uuid.uuid4())
        now = iso(utc_now())
        with self.store.db.writing() as s:
            payload = {"count_id": count_id, "store_id": self.store.store_id, "scope": scope,
                       "categories": list(categories) if scope == "category" else [],
                       "product_ids": list(product_ids) if scope == "products" else [],
                       "started_by": person.name, "approved_by": manager.id, "started_at": now}
            event = append_event(s, self.store.device_id, COUNT_STARTED, payload)
            s.add(LocalCount(count_id=count_id, store_id=self.store.store_id, scope=scope,
                             categories=json.dumps(payload["categories"], ensure_ascii=False),
                             product_ids=json.dumps(payload["product_ids"]), status="open", started_by=person.name,
                             started_at=now, approved_event=None, summary="{}"))
            audit.record(s, self.store.device_id, manager.id, manager.name, COUNT_STARTED,
                         {"count_id": count_id, "scope": scope, "event_id": event.id})
        return self.get(count_id)

    def counts(self) -> list[CountView]:
        """This store's open counts (started here or learnt from the feed), oldest first."""
        with self.store.db.reading() as s:
            ids = s.connection().exec_driver_sql(
                "SELECT count_id FROM stock_counts WHERE store_id = ? AND status = 'open' ORDER BY started_at",
                (self.store.store_id,)).scalars().all()
        return [self.get(i) for i in ids]

    def get(self, count_id: str) -> CountView:
        with self.store.db.reading() as s:
            row = s.get(LocalCount, count_id)
            if row is None or row.store_id != self.store.store_id:
                raise StockRuleError(t("Diese Inventur gibt es hier nicht."))
            lines = s.connection().exec_driver_sql("SELECT COUNT(*) FROM count_lines WHERE count_id = ?",
                                                   (count_id,)).scalar_one()
            status = "approving" if row.status == "open" and row.approved_event else row.status
            return CountView(row.count_id, row.scope, tuple(json.loads(row.categories)),
                             tuple(json.loads(row.product_ids)), status, row.started_by, int(lines))

    def scan(self, count_id: str, code: str, person: StaffMember, quantity: int = 1) -> CountedLine:
        """`quantity` more units of the scanned product counted on this device."""
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise StockRuleError(t("Die Menge muss mindestens 1 sein."))
        _check_quantity(quantity)
        try:
            key = classify(code).lookup_key
        except BarcodeError as exc:
            raise StockRuleError(str(exc)) from exc
        return self._write(count_id, key, None, quantity, person, recount=False)

    def recount(self, count_id: str, product_id: int, quantity: int, person: StaffMember) -> CountedLine:
        """The product was counted again from scratch: `quantity` replaces every figure for it."""
        _check_quantity(quantity)
        return self._write(count_id, None, product_id, quantity, person, recount=True)

    def _write(self, count_id: str, key: str | None, product_id: int | None, quantity: int, person: StaffMember,
               recount: bool) -> CountedLine:
        with self.store.db.writing() as s:
            conn = s.connection()
            count = s.get(LocalCount, count_id)
            if count is None or count.store_id != self.store.store_id:
                raise StockRuleError(t("Diese Inventur gibt es hier nicht."))
            if count.status != "open" or count.approved_event:
                raise StockRuleError(t("Diese Inventur ist schon abgeschlossen."))
            if key is not None:
                hit = s.execute(_PRODUCT, {"code": key}).first()
                if hit is None:
                    raise StockRuleError(t("Unbekannter Artikel: {code}. Nichts gezählt.", code=key))
            else:
                hit = conn.exec_driver_sql("SELECT id, name, category FROM products WHERE id = ?", (product_id,)).first()
                if hit is None:
                    raise StockRuleError(t("Artikel {product} ist unbekannt.", product=product_id))
            pid, name, category = int(hit[0]), str(hit[1]), str(hit[2])
            if count.scope == "category" and category not in json.loads(count.categories):
                raise StockRuleError(t("{name} gehört nicht zu dieser Inventur ({category}).", name=name,
                                       category=category))
            if count.scope == "products" and pid not in json.loads(count.product_ids):
                raise StockRuleError(t("{name} steht nicht auf der Zählliste.", name=name))
            value = "excluded.quantity" if recount else "count_lines.quantity + excluded.quantity"
            figure = int(conn.exec_driver_sql(_UPSERT_LINE.format(value=value),
                                              (count_id, pid, quantity, count_id)).scalar_one())
            if figure > MAX_COUNTED:
                raise StockRuleError(t("Höchstens {limit} Stück.", limit=MAX_COUNTED))  # rolls back
            append_event(s, self.store.device_id, COUNT_COUNTED, {
                "count_id": count_id, "store_id": self.store.store_id,
                "lines": [{"product_id": pid, "quantity": figure, "recount": recount}],
                "counted_by": person.name, "counted_at": iso(utc_now())})
        return CountedLine(pid, name, figure)

    def variance(self, count_id: str, limit: int = 200) -> VarianceList:
        """This device's variance list: its figures against the stock it shows; in a store or
        category count, products in scope with stock that were not counted count as 0.

        Speed: the counted lines are few (thousands); the uncounted part of a whole-store count
        is every product with stock. That part is read twice, once for its sums and once for
        its biggest values (SQLite's bounded sort for ORDER BY ... LIMIT), each a scan of the
        store's stock index with a price look-up per row; the two run at once on two read
        connections (SQLite releases the GIL while it works), then merge with the counted
        lines here."""
        count = self.get(count_id)
        counted = self._counted_lines(count_id)
        if count.scope == "products":
            listed = [pid for pid in count.product_ids if pid not in counted]
            uncounted = self._products(listed)  # every listed product is in the list, with stock or not
            n, units, value = len(uncounted), sum(u[2] for u in uncounted), sum(u[2] * u[3] for u in uncounted)
            value_cost = sum(u[2] * (u[4] or 0) for u in uncounted)
            top = sorted((u for u in uncounted if u[2]), key=lambda u: (-abs(u[2] * u[3]), u[0]))
            differ = sum(1 for u in uncounted if u[2])
        else:
            where, params = self._scope_sql(count)
            with ThreadPoolExecutor(max_workers=1) as pool:
                sums = pool.submit(self._uncounted_sums, where, params)
                top = self._uncounted_top(where, {**params, "n": limit + len(counted)})
                n, units, value, value_cost = sums.result()
            # the uncounted sums include the counted products that have stock: take them out again
            for _, (_, quantity, expected, price, cost) in counted.items():
                if expected:
                    n, units, value = n - 1, units - expected, value - expected * price
                    value_cost -= expected * (cost or 0)
            differ = n
        lines = [VarianceLine(pid, name, expected, quantity, price, cost)
                 for pid, (name, quantity, expected, price, cost) in counted.items() if quantity != expected]
        lines += [VarianceLine(pid, name, qty, 0, price, cost) for pid, name, qty, price, cost in top
                  if pid not in counted]
        lines.sort(key=lambda v: (-abs(v.value_cents), v.product_id))
        products = n + len(counted)
        differing = differ + sum(1 for _, quantity, expected, _, _ in counted.values() if quantity != expected)
        total_units = sum(q - e for _, q, e, _, _ in counted.values()) - units
        total_value = sum((q - e) * p for _, q, e, p, _ in counted.values()) - value
        total_cost = sum((q - e) * (c or 0) for _, q, e, _, c in counted.values()) - value_cost
        return VarianceList(products, differing, total_units, total_value, tuple(lines[:limit]), total_cost)

    def _counted_lines(self, count_id: str) -> dict[int, tuple[str, int, int, int, int | None]]:
        """product -> (name, this device's figure, the stock shown here, price, cost price)."""
        with self.store.db.reading() as s:
            rows = s.connection().exec_driver_sql(
                "SELECT cl.product_id, COALESCE(p.name, ''), cl.quantity, COALESCE(st.quantity, 0), "
                "COALESCE(pr.gross_cents, 0), pc.cost_cents FROM count_lines cl "
                "LEFT JOIN products p ON p.id = cl.product_id "
                "LEFT JOIN stock st ON st.product_id = cl.product_id AND st.store_id = ? "
                "LEFT JOIN prices pr ON pr.product_id = cl.product_id AND pr.store_id = ? "
                "LEFT JOIN product_costs pc ON pc.product_id = cl.product_id WHERE cl.count_id = ?",
                (self.store.store_id, self.store.store_id, count_id)).all()
        return {int(r[0]): (str(r[1]), int(r[2]), int(r[3]), int(r[4]), None if r[5] is None else int(r[5]))
                for r in rows}

    def _products(self, ids: list[int]) -> list[tuple[int, str, int, int, int | None]]:
        with self.store.db.reading() as s:
            rows = s.connection().exec_driver_sql(
                "SELECT p.id, p.name, COALESCE(st.quantity, 0), COALESCE(pr.gross_cents, 0), pc.cost_cents "
                "FROM products p JOIN json_each(?) j ON p.id = j.value "
                "LEFT JOIN stock st ON st.product_id = p.id AND st.store_id = ? "
                "LEFT JOIN prices pr ON pr.product_id = p.id AND pr.store_id = ? "
                "LEFT JOIN product_costs pc ON pc.product_id = p.id",
                (json.dumps(ids), self.store.store_id, self.store.store_id)).all()
        return [(int(r[0]), str(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4])) for r in rows]

    def _scope_sql(self, count: CountView) -> tuple[str, dict[str, object]]:
        params: dict[str, object] = {"s": self.store.store_id}
        where = "st.store_id = :s AND st.quantity != 0"
        if count.scope == "category":
            names = ", ".join(f":cat{i}" for i in range(len(count.categories)))
            where += f" AND st.product_id IN (SELECT id FROM products WHERE category IN ({names}))"
            params.update({f"cat{i}": c for i, c in enumerate(count.categories)})
        return where, params

    def _uncounted_sums(self, where: str, params: dict[str, object]) -> tuple[int, int, int, int]:
        with self.store.db.reading() as s:
            row = s.execute(text(
                "SELECT COUNT(*), COALESCE(SUM(st.quantity), 0), COALESCE(SUM(st.quantity * pr.gross_cents), 0), "
                "COALESCE(SUM(st.quantity * pc.cost_cents), 0) FROM stock st "
                "LEFT JOIN prices pr ON pr.product_id = st.product_id AND pr.store_id = st.store_id "
                f"LEFT JOIN product_costs pc ON pc.product_id = st.product_id WHERE {where}"), params).one()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def _uncounted_top(self, where: str, params: dict[str, object]) -> list[tuple[int, str, int, int, int | None]]:
        with self.store.db.reading() as s:
            rows = s.execute(text(
                "SELECT t.product_id, COALESCE(p.name, ''), t.quantity, t.price, pc.cost_cents FROM ("
                "SELECT st.product_id, st.quantity, COALESCE(pr.gross_cents, 0) AS price FROM stock st "
                "LEFT JOIN prices pr ON pr.product_id = st.product_id AND pr.store_id = st.store_id "
                f"WHERE {where} ORDER BY ABS(st.quantity * COALESCE(pr.gross_cents, 0)) DESC, st.product_id "
                "LIMIT :n) t LEFT JOIN products p ON p.id = t.product_id "
                "LEFT JOIN product_costs pc ON pc.product_id = t.product_id"), params).all()
        return [(int(r[0]), str(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4])) for r in rows]

    def cancel(self, count_id: str, manager: StaffMember, reason: str) -> str:
        """The manager cancels an open count before approval (PIN checked by the caller): no
        stock moves anywhere; the other devices see it closed through the feed. Returns the
        event id."""
        if not manager.is_manager:
            raise StockRuleError(t("Eine Inventur bricht nur die Marktleitung ab."))
        reason = reason.strip()
        if not reason:
            raise StockRuleError(t("Bitte einen Grund für den Abbruch angeben."))
        if len(reason) > 200:  # sync.protocol_stock.CountCancelledV1.reason (limits.REASON_TEXT)
            raise StockRuleError(t("Der Grund ist zu lang (höchstens {limit} Zeichen).", limit=200))
        with self.store.db.writing() as s:
            count = s.get(LocalCount, count_id)
            if count is None or count.store_id != self.store.store_id:
                raise StockRuleError(t("Diese Inventur gibt es hier nicht."))
            if count.status != "open" or count.approved_event:
                raise StockRuleError(t("Diese Inventur ist schon abgeschlossen."))
            event = append_event(s, self.store.device_id, COUNT_CANCELLED, {
                "count_id": count_id, "store_id": self.store.store_id, "cancelled_by": manager.id,
                "cancelled_by_name": manager.name, "reason": reason, "cancelled_at": iso(utc_now())})
            count.status = "cancelled"  # at once here; the feed confirms it (stock_models.apply_count_feed)
            audit.record(s, self.store.device_id, manager.id, manager.name, COUNT_CANCELLED,
                         {"count_id": count_id, "reason": reason, "event_id": event.id})
            return event.id

    def approve(self, count_id: str, manager: StaffMember) -> str:
        """The manager approves the count (PIN checked by the caller): the center books it.
        Returns the event id."""
        if not manager.is_manager:
            raise StockRuleError(t("Die Inventur gibt nur die Marktleitung frei."))
        with self.store.db.writing() as s:
            count = s.get(LocalCount, count_id)
            if count is None or count.store_id != self.store.store_id:
                raise StockRuleError(t("Diese Inventur gibt es hier nicht."))
            if count.status != "open" or count.approved_event:
                raise StockRuleError(t("Diese Inventur ist schon abgeschlossen."))
            event = append_event(s, self.store.device_id, COUNT_APPROVED, {
                "count_id": count_id, "store_id": self.store.store_id, "approved_by": manager.id,
                "approved_by_name": manager.name, "approved_at": iso(utc_now())})
            count.approved_event = event.id
            audit.record(s, self.store.device_id, manager.id, manager.name, COUNT_APPROVED,
                         {"count_id": count_id, "event_id": event.id})
            return event.id
