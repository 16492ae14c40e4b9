"""Stock as this device sees it: the center's figure plus what the center has not seen yet.

A sale changes `stock.quantity` at once (the store sees its own sale) and, in the same
transaction, records one `stock_movements` row per product with the sale's outbox event. The
invariant, kept by every function here:

    stock.quantity = the center's quantity (as of the feed cursor N)
                     + the sum of delta over the stock_movements rows still present

i.e. a movement row exists exactly as long as the center's figure we hold does not include it.
A movement leaves ("is folded in") when the center has applied its event at change sequence C
and our feed cursor has reached C (C <= N): then the center's figure contains it.

Why the cursor N and not the stock row's own sequence S: an event's `change_seq` is the *last*
change-log sequence it produced, so a sale of products A and B may log A at 10 and B at 11 with
change_seq 11. The row for A (S = 10) already contains the sale although 11 > 10; once the page
that carries 11 is applied (N >= 11) the movement is folded in, also when no newer row for A
ever comes. Within one multi-page pull an event whose rows straddle two pages is briefly counted
twice, until the next page of the same pull (the center commits an event's rows atomically, so
no event straddles the end of a pull).

Thread: any; every function runs inside the caller's write transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import text
from sqlalchemy.orm import Session


def record(session: Session, event_id: str, store_id: str, deltas: Mapping[int, int]) -> None:
    """Note the stock changes of one outbox event (its quantities are already applied)."""
    rows = [(pid, store_id, delta, event_id) for pid, delta in deltas.items() if delta]
    if rows:
        session.connection().exec_driver_sql(
            "INSERT INTO stock_movements (product_id, store_id, delta, event_id) VALUES (?, ?, ?, ?)", rows)


def mark_applied(session: Session, applied: Iterable[tuple[str, int | None]], cursor: int) -> None:
    """The center applied these events (event id, change_seq); fold in what the feed already
    covers. A change_seq of None means the event produced no change-log row: nothing the feed
    will ever bring reflects it separately, so the center's figure stands and it folds at once."""
    conn = session.connection()
    for event_id, change_seq in applied:
        # 0 = "covered already" (every cursor is >= 0)
        conn.exec_driver_sql("UPDATE stock_movements SET applied_seq = ? WHERE event_id = ?",
                             (change_seq if change_seq is not None else 0, event_id))
    fold(session, cursor)


def fold(session: Session, cursor: int) -> int:
    """Take out of the local figures every movement the center's figures (as of `cursor`)
    include. Returns how many movements were folded in."""
    conn = session.connection()
    rows = conn.exec_driver_sql(
        "SELECT product_id, store_id, SUM(delta) FROM stock_movements WHERE applied_seq <= ? "
        "GROUP BY product_id, store_id", (cursor,)).all()
    if not rows:
        return 0
    conn.exec_driver_sql("UPDATE stock SET quantity = quantity - ? WHERE product_id = ? AND store_id = ?",
                         [(total, pid, sid) for pid, sid, total in rows])
    return conn.exec_driver_sql("DELETE FROM stock_movements WHERE applied_seq <= ?", (cursor,)).rowcount


def of_event(session: Session, event_id: str) -> dict[tuple[int, str], int]:
    """The movements still waiting for `event_id`, per (product, store)."""
    rows = session.connection().exec_driver_sql(
        "SELECT product_id, store_id, SUM(delta) FROM stock_movements WHERE event_id = ? "
        "GROUP BY product_id, store_id", (event_id,)).all()
    return {(pid, sid): int(total) for pid, sid, total in rows if total}


def forget_event(session: Session, event_id: str) -> None:
    """Take this event's movements out of the local figures. Only for a refused event whose
    goods the center has booked already under another key (a duplicate): there the center's
    figure contains them. Any other refused event's goods did move and are booked instead
    (pos_app.store.outbox: reconcile, never erase)."""
    conn = session.connection()
    rows = conn.exec_driver_sql(
        "SELECT product_id, store_id, SUM(delta) FROM stock_movements WHERE event_id = ? "
        "GROUP BY product_id, store_id", (event_id,)).all()
    if rows:
        conn.exec_driver_sql("UPDATE stock SET quantity = quantity - ? WHERE product_id = ? AND store_id = ?",
                             [(total, pid, sid) for pid, sid, total in rows])
        conn.exec_driver_sql("DELETE FROM stock_movements WHERE event_id = ?", (event_id,))


def move_to_event(session: Session, old_event_id: str, new_event_id: str, product_id: int | None = None) -> None:
    """A conflict sent again (or booked) under a new event: its movements (of one product, when
    given) wait for that one now."""
    if product_id is None:
        session.connection().exec_driver_sql("UPDATE stock_movements SET event_id = ? WHERE event_id = ?",
                                             (new_event_id, old_event_id))
    else:
        session.connection().exec_driver_sql(
            "UPDATE stock_movements SET event_id = ? WHERE event_id = ? AND product_id = ?",
            (new_event_id, old_event_id, product_id))


def outstanding(session: Session) -> dict[tuple[int, str], int]:
    """Sum of the movements not yet folded in, per (product, store). The table holds only what
    the center has not caught up with, so it stays small; one read per feed page."""
    rows = session.connection().exec_driver_sql(
        "SELECT product_id, store_id, SUM(delta) FROM stock_movements GROUP BY product_id, store_id").all()
    return {(pid, sid): int(total) for pid, sid, total in rows}


def apply_center_stock(session: Session, rows: Iterable[tuple[int, str, int | None]], cursor: int) -> None:
    """Take the center's stock figures of one feed page (product, store, quantity or None for a
    deleted row; the newest per key) and move the feed cursor's view to `cursor`."""
    conn = session.connection()
    unseen = outstanding(session)
    upserts: list[tuple[int, str, int]] = []
    deletes: list[tuple[int, str]] = []
    for pid, sid, quantity in rows:
        extra = unseen.get((pid, sid), 0)
        if quantity is None and not extra:
            deletes.append((pid, sid))
        else:
            upserts.append((pid, sid, (quantity or 0) + extra))
    if upserts:
        conn.exec_driver_sql(
            "INSERT INTO stock (product_id, store_id, quantity) VALUES (?, ?, ?) "
            "ON CONFLICT (product_id, store_id) DO UPDATE SET quantity = excluded.quantity", upserts)
    if deletes:
        conn.exec_driver_sql("DELETE FROM stock WHERE product_id = ? AND store_id = ?", deletes)
    fold(session, cursor)
