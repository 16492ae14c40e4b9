"""What stores do with transfers, applied at the center (events transfer.*; registered in
backend.events._apply). Each event in backend.events' per-event transaction, exactly once.

A refusal is a business rejection with a reason (the store's outbox marks the event a conflict,
the manager sees it), never an exception, and every check runs before the first write. Two
events are never refused for what the center did meanwhile, because they report goods that
physically moved:

- transfer.shipped of a transfer cancelled or declined meanwhile: the goods left the sender,
  so stock leaves there and the transfer is shipped after all; a reconciliation opens for both
  stores ("transfer_shipped_after_cancel").
- transfer.received of a transfer the center does not know as shipped yet (the sender's device
  is offline): the units arrived, so the receiver's stock rises; the lines remember what came,
  and the sender's shipment, when it arrives, settles the transfer. Should it never come, the
  reconciliation "transfer_received_unshipped" says so.

A receipt that differs from the shipment (one unit missing) books what arrived and opens a
"transfer_difference" for both stores, with the value at the sender's price. Nothing is erased.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backend import reconciliations, transfers
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from backend.models import Price, Product, Stock, Store
from backend.transfers_models import Transfer, TransferLine
from pos_app.stock.transfer_rules import StepRefused, check_step, received_state
from sync import protocol_transfers as pt


class _Refused(Exception):
    pass


def _utc(moment: datetime) -> datetime:
    from backend.events import as_utc
    return as_utc(moment)


def apply(conn: Connection, device: DeviceIdentity, event_type: str, payload: Any, now: datetime,
          changes: list[PendingChange], event_id: str = "") -> str | None:
    """Apply one transfer event; returns a rejection reason or None."""
    try:
        if isinstance(payload, pt.TransferRequestedV1):
            tid = _requested(conn, device, payload)
        else:
            row = transfers.find(conn, str(payload.transfer_id), lock=True)
            if row is None:
                return f"unknown transfer {payload.transfer_id}"
            side = _side(row, device.store_id, payload.store_id)
            step = event_type.removeprefix("transfer.")
            if isinstance(payload, pt.TransferShippedV1):
                changes += _shipped(conn, row, payload, event_id)
            elif isinstance(payload, pt.TransferReceivedV1):
                changes += _received(conn, row, payload, event_id)
            else:
                check_step(row.state, step, side)
                if isinstance(payload, pt.TransferPickedV1):
                    _picked(conn, row, payload)
                else:
                    conn.execute(update(Transfer).where(Transfer.id == row.id)
                                 .values(state=step, reason=payload.reason[:200]))
            tid = row.id
    except (_Refused, StepRefused) as exc:
        return str(exc)
    changes += transfers.feed_changes(conn, tid)
    own_last(changes, device.store_id)
    return None


def own_last(changes: list[PendingChange], store_id: str) -> None:
    """Put the other store's feed rows first: an event's change_seq is its LAST sequence, and the
    device folds its stock movements in once its feed cursor reaches it (pos_app.store.movements);
    a last row that only the other store sees would leave this device's cursor short of it."""
    changes.sort(key=lambda c: c.store_id in (store_id, None))


def _side(row: Any, device_store: str, payload_store: str) -> str:
    if payload_store != device_store:
        raise _Refused(f"transfer event for store {payload_store!r} from a device of {device_store!r}")
    if device_store == row.to_store_id:
        return "to"
    if device_store == row.from_store_id:
        return "from"
    raise _Refused(f"transfer {row.number} is between {row.from_store_id} and {row.to_store_id}, "
                   f"not {device_store}")


def _requested(conn: Connection, device: DeviceIdentity, p: pt.TransferRequestedV1) -> str:
    if p.to_store_id != device.store_id:
        raise _Refused(f"a transfer is requested by its receiving store; this device is of {device.store_id!r}")
    if conn.execute(select(Transfer.id).where((Transfer.id == str(p.transfer_id))
                                              | (Transfer.number == p.number))).first() is not None:
        raise _Refused(f"transfer {p.number} exists already")
    sender = conn.execute(select(Store.kind).where(Store.id == p.from_store_id)).first()
    if sender is None:
        raise _Refused(f"unknown store {p.from_store_id!r}")
    ids = [ln.product_id for ln in p.lines]
    catalog = {r.id: r for r in conn.execute(select(Product.id, Product.sku, Product.name)
                                             .where(Product.id.in_(ids)))}
    if missing := [pid for pid in ids if pid not in catalog]:
        raise _Refused("unknown product id " + ", ".join(map(str, missing)))
    here = transfers.on_hand(conn, p.from_store_id, ids, lock=True)
    taken = transfers.held(conn, p.from_store_id, ids)
    for ln in p.lines:
        free = here.get(ln.product_id, 0) - taken.get(ln.product_id, 0)
        if ln.quantity > free:
            raise _Refused(f"product {ln.product_id}: only {max(free, 0)} available in {p.from_store_id}, "
                           f"{ln.quantity} requested")
    prices = dict(conn.execute(select(Price.product_id, Price.gross_cents)
                               .where(Price.store_id == p.from_store_id, Price.product_id.in_(ids))).all())
    tid = str(p.transfer_id)
    conn.execute(insert(Transfer).values(
        id=tid, number=p.number, from_store_id=p.from_store_id, to_store_id=p.to_store_id, state="requested",
        requested_at=_utc(p.requested_at), requested_by=p.requested_by, note=p.note, carrier="", tracking="",
        shipped_at=None, received_at=None, reason=""))
    conn.execute(insert(TransferLine), [
        {"transfer_id": tid, "line_no": n, "product_id": ln.product_id, "sku": catalog[ln.product_id].sku,
         "name": catalog[ln.product_id].name, "requested": ln.quantity, "picked": None, "shipped": 0,
         "received": None, "unit_cost_cents": int(prices.get(ln.product_id, 0))} for n, ln in enumerate(p.lines, 1)])
    return tid


def _counted(conn: Connection, row: Any, lines: list[pt.CountedLineV1], limit_of: str) -> tuple[list[Any], dict[int, int]]:
    have = transfers.lines_of(conn, row.id)
    numbers = {ln.line_no for ln in have}
    counted = {ln.line_no: ln.quantity for ln in lines}
    if unknown := sorted(set(counted) - numbers):
        raise _Refused(f"transfer {row.number} has no line {unknown[0]}")
    if limit_of == "requested":
        for ln in have:
            if counted.get(ln.line_no, 0) > ln.requested:
                raise _Refused(f"line {ln.line_no}: {counted[ln.line_no]} picked, {ln.requested} requested")
    return have, counted


def _picked(conn: Connection, row: Any, p: pt.TransferPickedV1) -> None:
    have, counted = _counted(conn, row, p.lines, "requested")
    if not any(counted.values()):
        raise _Refused(f"transfer {row.number}: nothing picked (decline or cancel it instead)")
    for ln in have:
        conn.execute(update(TransferLine).where(TransferLine.transfer_id == row.id, TransferLine.line_no == ln.line_no)
                     .values(picked=counted.get(ln.line_no, 0)))
    conn.execute(update(Transfer).where(Transfer.id == row.id).values(state="picked"))


def _move_stock(conn: Connection, store_id: str, deltas: dict[int, int], changes: list[PendingChange]) -> None:
    for pid in sorted(deltas):
        if not deltas[pid]:
            continue
        done = conn.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == store_id)
                            .values(quantity=Stock.quantity + deltas[pid])).rowcount
        if not done:
            conn.execute(insert(Stock).values(product_id=pid, store_id=store_id, quantity=deltas[pid]))
        changes.append(transfers.stock_change(conn, pid, store_id))


def _shipped(conn: Connection, row: Any, p: pt.TransferShippedV1, event_id: str) -> list[PendingChange]:
    side = _side(row, p.store_id, p.store_id)
    changes: list[PendingChange] = []
    late = row.state in ("cancelled", "declined")
    if side != "from":
        raise _Refused(f"transfer {row.number} is shipped by {row.from_store_id}")
    if not late:
        check_step(row.state, "shipped", side)
    have = transfers.lines_of(conn, row.id)
    out = {ln.line_no: (ln.picked if ln.picked is not None else ln.requested) for ln in have}
    deltas: dict[int, int] = {}
    for ln in have:
        deltas[ln.product_id] = deltas.get(ln.product_id, 0) - out[ln.line_no]
        conn.execute(update(TransferLine).where(TransferLine.transfer_id == row.id, TransferLine.line_no == ln.line_no)
                     .values(shipped=out[ln.line_no], picked=out[ln.line_no]))
    _move_stock(conn, row.from_store_id, deltas, changes)
    conn.execute(update(Transfer).where(Transfer.id == row.id).values(
        state="shipped", shipped_at=_utc(p.at), carrier=p.carrier, tracking=p.tracking))
    if late:
        value = sum(out[ln.line_no] * ln.unit_cost_cents for ln in have)
        for store in (row.from_store_id, row.to_store_id):
            _, more = reconciliations.raise_exception(
                conn, store, "transfer_shipped_after_cancel", value, [event_id],
                {"transfer": row.number, "state_at_center": row.state, "from": row.from_store_id,
                 "to": row.to_store_id}, cause=f"transfer_shipped_after_cancel:{row.number}:{store}")
            changes += more
    if any(ln.received is not None for ln in have):  # the receiver scanned it in first
        changes += _settle(conn, row.id, event_id)
    return changes


def _received(conn: Connection, row: Any, p: pt.TransferReceivedV1, event_id: str) -> list[PendingChange]:
    side = _side(row, p.store_id, p.store_id)
    if side != "to":
        raise _Refused(f"transfer {row.number} is received by {row.to_store_id}")
    have, counted = _counted(conn, row, p.lines, "none")
    if any(ln.received is not None for ln in have):
        raise _Refused(f"transfer {row.number} was received already")
    if row.state in ("declined", "closed", "received", "received_with_difference"):
        raise _Refused(f"transfer {row.number} is {row.state}; nothing to receive")
    changes: list[PendingChange] = []
    deltas: dict[int, int] = {}
    for ln in have:
        got = counted.get(ln.line_no, 0)
        deltas[ln.product_id] = deltas.get(ln.product_id, 0) + got
        conn.execute(update(TransferLine).where(TransferLine.transfer_id == row.id, TransferLine.line_no == ln.line_no)
                     .values(received=got))
    _move_stock(conn, row.to_store_id, deltas, changes)  # the goods are here: booked as they came
    conn.execute(update(Transfer).where(Transfer.id == row.id).values(received_at=_utc(p.at)))
    from backend.fulfilment_events import transfer_arrived  # an endless-aisle order for pickup here

    changes += transfer_arrived(conn, row, {ln.line_no: counted.get(ln.line_no, 0) for ln in have})
    if row.state == "shipped":
        return changes + _settle(conn, row.id, event_id)
    _, more = reconciliations.raise_exception(
        conn, row.to_store_id, "transfer_received_unshipped", 0, [event_id],
        {"transfer": row.number, "state_at_center": row.state, "from": row.from_store_id},
        cause=f"transfer_received_unshipped:{row.number}")
    return changes + more


def _settle(conn: Connection, transfer_id: str, event_id: str) -> list[PendingChange]:
    """Shipped and received are both known: received, or received with a difference (a
    reconciliation for both stores with the missing or surplus units and their value)."""
    row = transfers.find(conn, transfer_id)
    have = transfers.lines_of(conn, transfer_id)
    shipped = {ln.line_no: ln.shipped for ln in have}
    received = {ln.line_no: ln.received or 0 for ln in have}
    state = received_state(shipped, received)
    conn.execute(update(Transfer).where(Transfer.id == transfer_id).values(state=state))
    if state == "received":
        return []
    diff = {str(ln.line_no): {"product_id": ln.product_id, "sku": ln.sku, "shipped": shipped[ln.line_no],
                              "received": received[ln.line_no]}
            for ln in have if shipped[ln.line_no] != received[ln.line_no]}
    value = sum(abs(shipped[ln.line_no] - received[ln.line_no]) * ln.unit_cost_cents for ln in have)
    changes: list[PendingChange] = []
    for store in (row.from_store_id, row.to_store_id):
        _, more = reconciliations.raise_exception(
            conn, store, "transfer_difference", value, [event_id],
            {"transfer": row.number, "from": row.from_store_id, "to": row.to_store_id, "lines": diff},
            cause=f"transfer_difference:{row.number}:{store}")
        changes += more
    return changes


def close(conn: Connection, key: str) -> tuple[Any, list[PendingChange]]:
    """An operator closes a received transfer (after its discrepancy is settled)."""
    row = transfers.find(conn, key, lock=True)
    if row is None:
        raise LookupError(key)
    if row.state not in ("received", "received_with_difference"):
        raise StepRefused(f"transfer {row.number} is {row.state}; only a received transfer is closed")
    conn.execute(update(Transfer).where(Transfer.id == row.id).values(state="closed"))
    return row, transfers.feed_changes(conn, row.id)
