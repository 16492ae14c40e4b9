"""Compare the center with the stores after a test: zero differences means one truth.

    from tests.consistency import differences
    ...sync every till...
    assert differences(center.database_url, k1.store, k2.store) == []

Reads the center's database directly (SQLite or PostgreSQL: the URL the BackendServer runs on)
and each store's SQLite file. Checked per store device, after its last sync:

- nothing left to send: no pending outbox event, no stock movement the center has not folded in;
- stock per product of the store: the till's figure equals the center's (products the till has);
- sales and returns of the device: the same ids with the same totals on both sides (one the
  center refused counts as accounted for only when a reconciliation there names its event);
- customers the till holds: the same contact fields as at the center (names, address, phone,
  e-mail), and none that the center does not have;
- pickup orders of the store: the till's copy has the center's state, and no unconfirmed state;
- reconciliations of the store: the same items with the same status and resolution, and no
  closing made here that the center has not confirmed.

Each difference is one readable line, so a failing test says what disagrees. Thread: the test's.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import create_engine, text

from pos_app.store.local import LocalStore

# closed orders a till may have pruned from its file (its retention); an open one must be there
PRUNED = ("collected", "partially_collected", "cancelled", "returned_to_stock")
CUSTOMER_FIELDS = ("first_name", "last_name", "street", "zip_code", "city", "phone", "email")


def _center_rows(database_url: str, store_id: str, device_ids: Iterable[str]) -> dict[str, object]:
    engine = create_engine(database_url)
    devices = sorted(set(device_ids))
    try:
        with engine.connect() as conn:
            stock = {int(p): int(q) for p, q in conn.execute(
                text("SELECT product_id, quantity FROM stock WHERE store_id = :s"), {"s": store_id})}
            sales: dict[str, dict[str, int]] = {}
            returns: dict[str, dict[str, int]] = {}
            for device in devices:
                sales[device] = {str(i): int(t) for i, t in conn.execute(
                    text("SELECT id, total_cents FROM sales WHERE device_id = :d"), {"d": device})}
                returns[device] = {str(i): int(t) for i, t in conn.execute(
                    text("SELECT id, total_cents FROM returns WHERE device_id = :d"), {"d": device})}
            pickups = {str(n): str(s) for n, s in conn.execute(
                text("SELECT order_number, state FROM pickup_orders WHERE store_id = :s"), {"s": store_id})}
            recs: dict[str, tuple[str, str]] = {}
            accounted: set[str] = set()  # events a reconciliation accounts for
            for i, st, r, refs in conn.execute(text(
                    "SELECT id, status, resolution, refs FROM reconciliations WHERE store_id = :s"), {"s": store_id}):
                recs[str(i)] = (str(st), str(r))
                accounted.update(json.loads(refs) if isinstance(refs, str) else refs)
            customers = {int(row[0]): tuple(str(v or "") for v in row[1:]) for row in conn.execute(text(
                f"SELECT id, {', '.join(CUSTOMER_FIELDS)} FROM customers"))}
    finally:
        engine.dispose()
    return {"stock": stock, "sales": sales, "returns": returns, "pickups": pickups, "recs": recs,
            "accounted": accounted, "customers": customers}


def differences(database_url: str, *stores: LocalStore) -> list[str]:
    """Every way in which the center and these stores' files disagree (empty: none)."""
    found: list[str] = []
    by_store: dict[str, list[LocalStore]] = {}
    for store in stores:
        by_store.setdefault(store.store_id, []).append(store)
    for store_id, tills in sorted(by_store.items()):
        center = _center_rows(database_url, store_id, (t.device_id for t in tills))
        for till in tills:
            found += _compare(till, center)
    return found


def _compare(till: LocalStore, center: dict[str, object]) -> list[str]:
    who = till.device_id
    out: list[str] = []
    with till.db.reading() as s:
        conn = s.connection()
        pending = conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE status = 'pending'").scalar_one()
        if pending:
            out.append(f"{who}: {pending} events not yet at the center")
        for pid, total in conn.exec_driver_sql(
                "SELECT product_id, SUM(delta) FROM stock_movements GROUP BY product_id").all():
            out.append(f"{who}: product {pid}: movement of {total} not folded in by the center")
        local_stock = {int(p): int(q) for p, q in conn.exec_driver_sql(
            "SELECT product_id, quantity FROM stock WHERE store_id = ?", (till.store_id,)).all()}
        # A sale or return the center refused and a manager acknowledged is not at the center;
        # it is accounted for when a reconciliation there names its event (its goods booked).
        refused = {}
        for event_id, payload in conn.exec_driver_sql(
                "SELECT id, payload FROM outbox WHERE status = 'acknowledged' "
                "AND type IN ('sale.completed', 'return.completed')").all():
            doc = json.loads(payload)
            refused[str(doc.get("sale_id") or doc.get("return_id"))] = str(event_id)
        accounted: set[str] = center["accounted"]  # type: ignore[assignment]
        unaccounted = [key for key, event_id in refused.items() if event_id not in accounted]
        out += [f"{who}: refused document {key} acknowledged but not reconciled at the center" for key in unaccounted]
        local_sales = {str(i): int(t) for i, t in conn.exec_driver_sql(
            "SELECT id, total_cents FROM sales WHERE device_id = ?", (who,)).all() if str(i) not in refused}
        local_returns = {str(i): int(t) for i, t in conn.exec_driver_sql(
            "SELECT id, total_cents FROM returns WHERE device_id = ?", (who,)).all() if str(i) not in refused}
        local_pickups = {str(n): (str(st), ls) for n, st, ls in conn.exec_driver_sql(
            "SELECT order_number, state, local_state FROM pickups").all()}
        local_customers = {int(row[0]): tuple(str(v or "") for v in row[1:]) for row in conn.exec_driver_sql(
            f"SELECT id, {', '.join(CUSTOMER_FIELDS)} FROM customers").all()}
        local_recs = {str(i): (str(st), str(r), lr) for i, st, r, lr in conn.exec_driver_sql(
            "SELECT id, status, resolution, local_resolution FROM reconciliations WHERE store_id = ?",
            (till.store_id,)).all()}
    c_stock: dict[int, int] = center["stock"]  # type: ignore[assignment]
    for pid in sorted(set(local_stock) | {p for p in c_stock if p in local_stock or c_stock[p] != 0}):
        here, there = local_stock.get(pid, 0), c_stock.get(pid, 0)
        if here != there:
            out.append(f"{who}: stock of product {pid}: till {here}, center {there}")
    for name, local, remote in (("sale", local_sales, center["sales"][who]),  # type: ignore[index]
                                ("return", local_returns, center["returns"][who])):  # type: ignore[index]
        for key in sorted(set(local) | set(remote)):
            if local.get(key) != remote.get(key):
                out.append(f"{who}: {name} {key}: till {local.get(key)}, center {remote.get(key)}")
    c_pickups: dict[str, str] = center["pickups"]  # type: ignore[assignment]
    for number in sorted(set(local_pickups) | set(c_pickups)):
        if number not in local_pickups and c_pickups[number] in PRUNED:
            continue  # closed at the center and pruned by the till's retention (pos_app.pickups)
        state, unconfirmed = local_pickups.get(number, (None, None))
        if state != c_pickups.get(number) or unconfirmed is not None:
            out.append(f"{who}: pickup {number}: till {state} ({unconfirmed or 'confirmed'}), "
                       f"center {c_pickups.get(number)}")
    c_customers: dict[int, tuple[str, ...]] = center["customers"]  # type: ignore[assignment]
    for customer_id in sorted(local_customers):
        if local_customers[customer_id] != c_customers.get(customer_id):
            out.append(f"{who}: customer {customer_id}: till {local_customers[customer_id]}, "
                       f"center {c_customers.get(customer_id)}")
    c_recs: dict[str, tuple[str, str]] = center["recs"]  # type: ignore[assignment]
    for rec_id in sorted(set(local_recs) | set(c_recs)):
        status, resolution, closing = local_recs.get(rec_id, (None, None, None))
        if (status, resolution) != c_recs.get(rec_id, (None, None)) or closing is not None:
            out.append(f"{who}: reconciliation {rec_id}: till {status}/{resolution} (closing: {closing}), "
                       f"center {c_recs.get(rec_id)}")
    return out


def transit_and_reserved_differences(database_url: str, *stores: LocalStore) -> list[str]:
    """Stock between stores (issue 14): per store and product, the units in transit to it (shipped
    transfers) and the units it holds for fulfilment orders it ships, at the center and in each
    till's copy; and no transfer or fulfilment step of a till that the center has not confirmed."""
    from pos_app.store.transfer_models import fulfilment_reserved, in_transit

    engine = create_engine(database_url)
    found: list[str] = []
    try:
        with engine.connect() as conn:
            road: dict[str, dict[int, int]] = {}
            for pid, sid, n in conn.execute(text(
                    "SELECT l.product_id, t.to_store_id, SUM(l.shipped) FROM transfer_lines l "
                    "JOIN transfers t ON t.id = l.transfer_id WHERE t.state = 'shipped' "
                    "GROUP BY l.product_id, t.to_store_id")):
                if n:
                    road.setdefault(str(sid), {})[int(pid)] = int(n)
            held: dict[str, dict[int, int]] = {}
            for pid, sid, n in conn.execute(text(
                    "SELECT l.product_id, o.fulfil_from, SUM(l.quantity) FROM fulfilment_lines l "
                    "JOIN fulfilment_orders o ON o.id = l.order_id WHERE o.state IN ('new', 'picked') "
                    "GROUP BY l.product_id, o.fulfil_from")):
                held.setdefault(str(sid), {})[int(pid)] = int(n)
            states = {str(n): str(s) for n, s in conn.execute(text("SELECT number, state FROM transfers"))}
            orders = {str(n): str(s) for n, s in conn.execute(text("SELECT number, state FROM fulfilment_orders"))}
    finally:
        engine.dispose()
    for till in stores:
        who, sid = till.device_id, till.store_id
        with till.db.reading() as s:
            here_road, here_held = in_transit(s, sid), fulfilment_reserved(s, sid)
            local = s.connection().exec_driver_sql(
                "SELECT number, state, local_state FROM transfers WHERE from_store_id = ? OR to_store_id = ?",
                (sid, sid)).all()
            local_orders = s.connection().exec_driver_sql(
                "SELECT number, state, local_state FROM fulfilment_orders WHERE store_id = ? OR fulfil_from = ?",
                (sid, sid)).all()
        there_road, there_held = road.get(sid, {}), held.get(sid, {})
        for pid in sorted(set(here_road) | set(there_road)):
            if here_road.get(pid, 0) != there_road.get(pid, 0):
                found.append(f"{who}: in transit of product {pid}: till {here_road.get(pid, 0)}, "
                             f"center {there_road.get(pid, 0)}")
        for pid in sorted(set(here_held) | set(there_held)):
            if here_held.get(pid, 0) != there_held.get(pid, 0):
                found.append(f"{who}: reserved for fulfilment, product {pid}: till {here_held.get(pid, 0)}, "
                             f"center {there_held.get(pid, 0)}")
        for kind, rows, center_states in (("transfer", local, states), ("fulfilment order", local_orders, orders)):
            for number, state, ours in rows:
                if ours is not None or center_states.get(str(number)) != state:
                    found.append(f"{who}: {kind} {number}: till {state} ({ours or 'confirmed'}), "
                                 f"center {center_states.get(str(number))}")
    return found
def stock_operation_differences(database_url: str, *stores: LocalStore) -> list[str]:
    """Goods receipt (issue 14): every store device's copy of its expected deliveries has the
    center's status and no booking the center has not confirmed; every receipt booked here is
    one the center holds (by its receipt id) and nothing the center holds was booked twice."""
    engine = create_engine(database_url)
    out: list[str] = []
    try:
        with engine.connect() as conn:
            for till in stores:
                center = {str(n): str(s) for n, s in conn.execute(
                    text("SELECT number, status FROM deliveries WHERE store_id = :s"), {"s": till.store_id})}
                held = {str(r): str(e) for r, e in conn.execute(
                    text("SELECT receipt_id, event_id FROM stock_receipts WHERE store_id = :s"), {"s": till.store_id})}
                with till.db.reading() as s:
                    local = s.connection().exec_driver_sql(
                        "SELECT number, status, booked_event FROM deliveries WHERE store_id = ?",
                        (till.store_id,)).all()
                    booked = s.connection().exec_driver_sql(
                        "SELECT id, event_id FROM receiving_drafts WHERE status = 'booked' AND store_id = ?",
                        (till.store_id,)).all()
                who = till.device_id
                for number, status, booked_event in local:
                    if center.get(number) != status:
                        out.append(f"{who}: delivery {number} is {status} here, {center.get(number)} at the center")
                    if booked_event:
                        out.append(f"{who}: delivery {number} booked here ({booked_event}), not confirmed")
                for number in sorted(set(center) - {n for n, _, _ in local}):
                    out.append(f"{who}: delivery {number} ({center[number]}) missing here")
                for receipt_id, event_id in booked:
                    if held.get(receipt_id) != event_id:
                        out.append(f"{who}: receipt {receipt_id} (event {event_id}) not held at the center "
                                   f"({held.get(receipt_id)})")
    finally:
        engine.dispose()
    return out
