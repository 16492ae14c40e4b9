"""Stock counts at the center: the stores' count.started / count.counted / count.approved
events, merged here by the center's own order (never by a device's clock).

    open ──count.approved──> booked

The snapshot rule (docs/stock.md, "Counts and the snapshot rule"): a product's expected figure
is the center's stock of it at the moment the first counted figure for it is applied here (a
recount takes a new snapshot). The count books `counted - snapshot` as a delta on top of the
stock as it is at approval, so every sale, return or receipt the center applied after the
snapshot stays in: the final stock is `counted + movements since the snapshot`. The devices'
figures are absolute per device and product (a replay changes nothing); the product's counted
figure is the sum over the devices (two associates counting one product on two shelves); a
recount replaces every device's figure for it. At approval, products in the count's scope that
nobody counted are counted as 0 (whole store / category: those with stock here; list: the
listed ones). Every booked line goes through backend.reconciliations.adjust_stock with reason
"count", which closes the product's negative-stock alert when it ends at zero or more.

A refusal (another store's count, an unknown or closed count, a product outside the scope) is
a business rejection for the manager's conflict list; counts move no goods, so nothing
physical is lost by it.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend import reconciliations, stock_costs
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Price, Product, Stock
from backend.stock_models import StockCount, StockCountLine
from sync.protocol import ChangeKind
from sync.protocol_stock import CountApprovedV1, CountCancelledV1, CountCountedV1, CountData, CountStartedV1

HANDLED = (CountStartedV1, CountCountedV1, CountApprovedV1, CountCancelledV1)


def doc(row: Any) -> dict[str, Any]:
    summary = row.summary or {}
    return CountData(count_id=row.count_id, store_id=row.store_id, scope=row.scope, categories=row.categories,
                     product_ids=row.product_ids, status=row.status, started_by=row.started_by,
                     started_at=row.started_at, booked_at=row.booked_at, lines=int(summary.get("lines", 0)),
                     variance_units=int(summary.get("variance_units", 0)),
                     variance_cents=int(summary.get("variance_cents", 0))).model_dump(mode="json")


def feed_change(conn: Connection, count_id: str) -> PendingChange:
    row = conn.execute(select(StockCount).where(StockCount.count_id == count_id)).one()
    return PendingChange(ChangeKind.COUNT, row.count_id, row.store_id, doc(row))


def apply(conn: Connection, device: DeviceIdentity, event_id: str,
          payload: CountStartedV1 | CountCountedV1 | CountApprovedV1 | CountCancelledV1, now: datetime,
          changes: list[PendingChange]) -> str | None:
    if payload.store_id != device.store_id:
        return f"event for store {payload.store_id!r} from a device of {device.store_id!r}"
    count_id = str(payload.count_id)
    if isinstance(payload, CountStartedV1):
        if conn.execute(select(StockCount.count_id).where(StockCount.count_id == count_id)).first():
            return f"count {count_id} is already recorded under another idempotency key"
        conn.execute(insert(StockCount).values(
            count_id=count_id, store_id=device.store_id, scope=payload.scope, categories=payload.categories,
            product_ids=payload.product_ids, status="open", started_by=payload.started_by, started_at=now,
            booked_at=None, approved_by="", summary={"lines": 0}))
        changes.append(feed_change(conn, count_id))
        return None
    count = conn.execute(select(StockCount).where(StockCount.count_id == count_id).with_for_update()).first()
    if count is None or count.store_id != device.store_id:
        return f"unknown count {count_id}"
    if count.status != "open":
        return f"count {count_id} is {count.status} already"
    if isinstance(payload, CountCancelledV1):  # before approval: nothing booked, nothing to undo
        conn.execute(update(StockCount).where(StockCount.count_id == count_id).values(
            status="cancelled", booked_at=now, approved_by=f"{payload.cancelled_by_name}: {payload.reason}"[:80]))
        changes.append(feed_change(conn, count_id))
        return None
    if isinstance(payload, CountCountedV1):
        return _counted(conn, device, count, payload, changes)
    return _book(conn, count, payload, event_id, now, changes)


def _in_scope(conn: Connection, count: Any, product_ids: list[int]) -> str | None:
    rows = dict(conn.execute(select(Product.id, Product.category).where(Product.id.in_(product_ids))).all())
    for pid in product_ids:
        if pid not in rows:
            return f"unknown product id {pid}"
        if count.scope == "category" and rows[pid] not in count.categories:
            return f"product {pid} ({rows[pid]}) is not in the count's categories"
        if count.scope == "products" and pid not in count.product_ids:
            return f"product {pid} is not on the count's list"
    return None


def _stock(conn: Connection, store_id: str, product_id: int) -> int:
    return int(conn.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                         Stock.store_id == store_id)).scalar() or 0)


def _counted(conn: Connection, device: DeviceIdentity, count: Any, payload: CountCountedV1,
             changes: list[PendingChange]) -> str | None:
    refused = _in_scope(conn, count, [line.product_id for line in payload.lines])
    if refused:
        return refused
    new_lines = 0
    for line in payload.lines:
        row = conn.execute(select(StockCountLine).where(StockCountLine.count_id == count.count_id,
                                                        StockCountLine.product_id == line.product_id)
                           .with_for_update()).first()
        if row is None:  # the snapshot: the center's figure now, in the center's order
            conn.execute(insert(StockCountLine).values(
                count_id=count.count_id, product_id=line.product_id,
                snapshot=_stock(conn, count.store_id, line.product_id),
                figures={device.device_id: line.quantity}, counted=line.quantity, booked_delta=None))
            new_lines += 1
            continue
        figures = {device.device_id: line.quantity} if line.recount else {**row.figures, device.device_id: line.quantity}
        values: dict[str, Any] = {"figures": figures, "counted": sum(int(v) for v in figures.values())}
        if line.recount:
            values["snapshot"] = _stock(conn, count.store_id, line.product_id)
        conn.execute(update(StockCountLine).where(StockCountLine.count_id == count.count_id,
                                                  StockCountLine.product_id == line.product_id).values(**values))
    if new_lines:
        summary = {**count.summary, "lines": int(count.summary.get("lines", 0)) + new_lines}
        conn.execute(update(StockCount).where(StockCount.count_id == count.count_id).values(summary=summary))
        changes.append(feed_change(conn, count.count_id))
    return None


def _uncounted(conn: Connection, count: Any, counted: set[int]) -> list[int]:
    """Products in the scope that nobody counted and that the center holds stock of (or listed)."""
    if count.scope == "products":
        return [pid for pid in count.product_ids if pid not in counted]
    q = select(Stock.product_id).where(Stock.store_id == count.store_id, Stock.quantity != 0)
    if count.scope == "category":
        q = q.join(Product, Product.id == Stock.product_id).where(Product.category.in_(count.categories))
    return [int(pid) for pid in conn.execute(q).scalars() if int(pid) not in counted]


def _book(conn: Connection, count: Any, payload: CountApprovedV1, event_id: str, now: datetime,
          changes: list[PendingChange]) -> str | None:
    lines = {int(r.product_id): (int(r.snapshot), int(r.counted)) for r in conn.execute(
        select(StockCountLine).where(StockCountLine.count_id == count.count_id)).all()}
    for pid in _uncounted(conn, count, set(lines)):
        snapshot = _stock(conn, count.store_id, pid)
        conn.execute(insert(StockCountLine).values(count_id=count.count_id, product_id=pid, snapshot=snapshot,
                                                   figures={}, counted=0, booked_delta=None))
        lines[pid] = (snapshot, 0)
    units = cents = 0
    who = f"{payload.approved_by_name} (Inventur)"
    for pid, (snapshot, counted) in sorted(lines.items()):
        delta = counted - snapshot
        _, moved = reconciliations.adjust_stock(conn, count.store_id, pid, delta, reason="count", refs=[],
                                                adjusted_by=who, ref=event_id, counted=counted, now=now)
        changes += moved
        conn.execute(update(StockCountLine).where(StockCountLine.count_id == count.count_id,
                                                  StockCountLine.product_id == pid).values(booked_delta=delta))
        units += delta
        cents += delta * reconciliations.unit_value(conn, count.store_id, pid)
    conn.execute(update(StockCount).where(StockCount.count_id == count.count_id).values(
        status="booked", booked_at=now, approved_by=payload.approved_by_name,
        summary={"lines": len(lines), "variance_units": units, "variance_cents": cents}))
    changes.append(feed_change(conn, count.count_id))
    return None


def report(conn: Connection, count_id: str) -> dict[str, Any] | None:
    """The count with its lines (snapshot, counted, variance, booked) for the admin report, each
    variance valued at cost (backend.stock_costs; None without a cost price) and at retail (the
    store's price), with the totals over the lines."""
    row = conn.execute(select(StockCount).where(StockCount.count_id == count_id)).first()
    if row is None:
        return None
    found = conn.execute(select(StockCountLine).where(StockCountLine.count_id == count_id)
                         .order_by(StockCountLine.product_id).limit(10_000)).all()
    ids = [int(r.product_id) for r in found]
    cost = stock_costs.costs(conn, ids)
    retail: dict[int, int] = {}
    for i in range(0, len(ids), 5000):
        retail.update({int(p): int(g) for p, g in conn.execute(
            select(Price.product_id, Price.gross_cents)
            .where(Price.store_id == row.store_id, Price.product_id.in_(ids[i:i + 5000]))).all()})
    lines = []
    for r in found:
        pid, variance = int(r.product_id), int(r.counted) - int(r.snapshot)
        unit_cost = cost.get(pid)
        lines.append({"product_id": pid, "snapshot": int(r.snapshot), "counted": int(r.counted),
                      "variance": variance, "booked_delta": r.booked_delta, "devices": len(r.figures or {}),
                      "price_cents": retail.get(pid, 0), "cost_cents": unit_cost,
                      "value_cost_cents": None if unit_cost is None else variance * unit_cost,
                      "value_retail_cents": variance * retail.get(pid, 0)})
    totals = {"variance_units": sum(ln["variance"] for ln in lines),
              "value_cost_cents": sum(ln["value_cost_cents"] or 0 for ln in lines),
              "value_retail_cents": sum(ln["value_retail_cents"] for ln in lines),
              "lines_without_cost": sum(1 for ln in lines if ln["value_cost_cents"] is None)}
    return {**doc(row), "line_items": lines, "totals": totals}
