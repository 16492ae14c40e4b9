"""Returns at the center: applying return.completed from a till, the return policy, and the
vouchers a return issues or a sale redeems.

Applying a return (inside the push transaction of backend.events, one per event):
1. checks, before any write, so that a rejection writes nothing: the return is new, its
   products exist, the original purchase is known here (its row is locked, so two returns of
   one purchase from two stores are checked one after the other), no line comes back more
   often than it was bought minus what already came back anywhere, no line refunds more than
   was paid for it, no tender refunds more than was paid with it (cash, card), new voucher
   codes are free, and a blind return stays within the customer's limit;
2. judges the return policy (window, final-sale items; pos_app.return_policy, the rule the
   tills apply too) at the return's event time by the center's rule (backend.trusted_time:
   the till's corrected clock, bounded by its last sync and by the arrival here; never its raw
   clock). A return that breaks it is NOT refused: it happened (the goods came back, the money
   went out, often offline), so it is booked and marked `policy_breach` with the refund at
   stake (`policy_breach_cents`) for the manager's exception list;
3. writes the return, restocks resellable items in the returning store (stock changes for the
   feed, so that store's tills see the figure) and records damaged ones (condition "damaged"
   on the line; not restocked), issues the vouchers.
A rejection's reason reaches the till, which puts the event on the manager's conflict list.

Thread: a request thread (the push), inside the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, func, insert, select, text, update

from backend import changelog, purchases
from backend.changelog import PendingChange
from backend.models import Product
from backend.returns_models import PolicyRow, Return, ReturnLine, ReturnTender, Voucher, VoucherMovement
from pos_app.excess import LineLeft, ReturnExcess, over_return, overdrawn_cents
from pos_app.i18n import t
from pos_app.prices.refunds import purchase_refunds
from pos_app.money import format_euro
from pos_app.return_policy import DEFAULT_POLICY, POLICY_KEY, ReturnPolicy
from pos_app.trusted_time import EventTime
from sync.protocol import ChangeKind, ReturnCompletedV1, SaleCompletedV1

_RESTOCK = text("INSERT INTO stock (product_id, store_id, quantity) VALUES (:p, :s, :q) "
                "ON CONFLICT (product_id, store_id) DO UPDATE SET quantity = stock.quantity + excluded.quantity "
                "RETURNING quantity")


# ---- the policy -------------------------------------------------------------------------------


def current_policy(conn: Connection) -> ReturnPolicy:
    data = conn.execute(select(PolicyRow.data).where(PolicyRow.key == POLICY_KEY)).scalar()
    return ReturnPolicy.from_dict(data) if data else DEFAULT_POLICY


def set_policy(conn: Connection, policy: ReturnPolicy, note: str = "") -> int:
    """Store a new policy and put it into the feed; returns its change sequence. The version is
    counted up here. Call inside a write transaction (the feed append is its last statement)."""
    now = datetime.now(timezone.utc)
    old = current_policy(conn)
    data = {**policy.to_dict(), "version": old.version + 1, "updated_at": now.isoformat()}
    done = conn.execute(update(PolicyRow).where(PolicyRow.key == POLICY_KEY)
                        .values(data=data, updated_at=now, note=note)).rowcount
    if not done:
        conn.execute(insert(PolicyRow).values(key=POLICY_KEY, data=data, updated_at=now, note=note, active=True))
    return changelog.append(conn, [PendingChange(ChangeKind.POLICY, POLICY_KEY, None, data)], now)


# ---- applying return.completed -----------------------------------------------------------------


def record_return(conn: Connection, event_id: str, device_id: str | None, ret: ReturnCompletedV1, now: datetime,
                  changes: list[PendingChange], at: EventTime | None = None, *, book_excess: bool = False) -> str | None:
    """Check and record one return; returns a rejection reason, or None when applied.
    `at`: when the center dates it (backend.trusted_time.event_time); None: `now` (the web
    shop's own returns, made on the center's clock). `book_excess`: a store's return that took
    back more than was left, or refunded more than was paid, HAPPENED (the goods are on the
    shelf, the money left the drawer): book it and open an `over_return` reconciliation with
    the refund at stake (pos_app.excess). False (the web shop asking before anything moved):
    refuse it."""
    return_id = str(ret.return_id)
    if conn.execute(select(Return.id).where(Return.id == return_id)).first() is not None:
        return f"Rücknahme {ret.return_number} ist schon erfasst"
    product_ids = sorted({line.product_id for line in ret.lines})
    known = set(conn.execute(select(Product.id).where(Product.id.in_(product_ids))).scalars())
    if unknown := [p for p in product_ids if p not in known]:
        return "unbekannte Artikel-Nr. " + ", ".join(map(str, unknown))
    judged_at = at.at if at is not None else now
    excess = ReturnExcess()
    if ret.original is not None:
        reason, excess = _check_against_original(conn, ret)
    else:
        reason = _check_blind(conn, ret, judged_at)
    if reason:
        return reason
    if excess and not book_excess:
        return excess.reasons[0]
    breach, at_stake = policy_breaches(conn, ret, judged_at)
    codes = [t.reference.strip() for t in ret.tenders if t.kind == "voucher"]
    if any(not code for code in codes) or len(set(codes)) != len(codes):
        return "Gutschein ohne (eindeutigen) Code"
    if codes and (taken := conn.execute(select(Voucher.code).where(Voucher.code.in_(codes))).scalars().all()):
        return f"Gutscheincode schon vergeben: {', '.join(taken)}"

    original = ret.original
    conn.execute(insert(Return).values(
        id=return_id, return_number=ret.return_number, store_id=ret.store_id, device_id=device_id,
        event_id=event_id, original_kind=original.kind if original else None,
        original_id=original.id if original else None, original_number=original.number if original else None,
        customer_id=ret.customer_id, approved_by=ret.approved_by, cashier_id=ret.cashier_id,
        created_at=_utc(ret.created_at), received_at=now, total_cents=ret.total_cents,
        event_time=judged_at, event_time_basis=at.basis if at is not None else "received",
        policy_breach=breach, policy_breach_cents=at_stake if breach else None))
    conn.execute(insert(ReturnLine), [
        {"return_id": return_id, "line_no": line.line_no, "original_line_no": line.original_line_no,
         "product_id": line.product_id, "sku": line.sku, "name": line.name, "quantity": line.quantity,
         "refund_cents": line.refund_cents, "vat_percent": line.vat_percent, "condition": line.condition,
         "reason_code": line.reason_code, "reason_text": line.reason_text} for line in ret.lines])
    if ret.tenders:
        conn.execute(insert(ReturnTender), [
            {"return_id": return_id, "seq": n, "kind": t.kind, "amount_cents": t.amount_cents,
             "reference": t.reference} for n, t in enumerate(ret.tenders, 1)])
    restock: dict[int, int] = {}
    for line in ret.lines:
        if line.condition == "resellable":
            restock[line.product_id] = restock.get(line.product_id, 0) + line.quantity
    for product_id in sorted(restock):  # a fixed lock order, as for sales
        quantity = conn.execute(_RESTOCK, {"p": product_id, "s": ret.store_id, "q": restock[product_id]}).scalar_one()
        changes.append(PendingChange(ChangeKind.STOCK, f"{product_id}@{ret.store_id}", ret.store_id,
                                     {"product_id": product_id, "store_id": ret.store_id, "quantity": quantity}))
    for t in ret.tenders:
        if t.kind == "voucher":
            code = t.reference.strip()
            conn.execute(insert(Voucher).values(code=code, initial_cents=t.amount_cents, balance_cents=t.amount_cents,
                                                issued_store_id=ret.store_id, issued_at=_utc(ret.created_at),
                                                return_id=return_id, customer_id=ret.customer_id))
            conn.execute(insert(VoucherMovement).values(code=code, delta_cents=t.amount_cents, kind="issued",
                                                        reference=return_id, store_id=ret.store_id, created_at=now))
    if breach:  # booked as it happened, and the manager's to close (backend.reconciliations)
        from backend import reconciliations

        _, raised = reconciliations.raise_exception(
            conn, ret.store_id, "policy_breach", at_stake, [event_id],
            {"return_id": return_id, "return_number": ret.return_number, "breach": breach,
             "original_number": original.number if original else None}, now=now)
        changes.extend(raised)
    if excess:  # booked as it happened: the goods came back, the refund went out
        from backend import reconciliations

        _, raised = reconciliations.raise_exception(
            conn, ret.store_id, "over_return", excess.at_stake_cents, [event_id],
            {"return_id": return_id, "return_number": ret.return_number, "reasons": list(excess.reasons),
             "original_number": original.number if original else None, "refund_cents": ret.total_cents,
             "excess_quantity": excess.excess_quantity, "device_id": device_id}, now=now)
        changes.extend(raised)
    return None


def policy_breaches(conn: Connection, ret: ReturnCompletedV1, at: datetime) -> tuple[str | None, int]:
    """What of this return breaks the policy judged at `at` (window, final sale), and the
    refund of those lines: (None, 0) when nothing. Blind returns have no purchase date: their
    final-sale rule was checked at the till and their limit above."""
    if ret.original is None:
        return None, 0
    bought = purchases.load(conn, purchases.Found(ret.original.kind, ret.original.id))
    lines = {line.line_no: line for line in bought.lines}
    policy, found, cents = current_policy(conn), [], 0
    for line in ret.lines:
        orig = lines.get(line.original_line_no or 0)
        if orig is None:
            continue
        verdict = policy.breach(line.product_id, line.name, orig.category, bought.created_at, at)
        if verdict is not None:
            found.append(verdict.message)
            cents += line.refund_cents
    if not found:
        return None, 0
    return "; ".join(dict.fromkeys(found))[:1000], cents


def _check_against_original(conn: Connection, ret: ReturnCompletedV1) -> tuple[str | None, ReturnExcess]:
    """A rejection reason for a return that cannot be about its original (unknown, another
    line or article), else what it took beyond what was left (pos_app.excess)."""
    original = ret.original
    assert original is not None
    if not purchases.lock_original(conn, original.kind, original.id):
        what = "Bestellung" if original.kind == "order" else "Bon"
        return f"{what} {original.number} ist der Zentrale (noch) nicht bekannt", ReturnExcess()
    bought = purchases.load(conn, purchases.Found(original.kind, original.id))
    lines = {line.line_no: line for line in bought.lines}
    asked: dict[int, tuple[int, int]] = {}
    for line in ret.lines:
        assert line.original_line_no is not None
        if (orig := lines.get(line.original_line_no)) is None:
            return f"{original.number} hat keine Position {line.original_line_no}", ReturnExcess()
        if orig.product_id != line.product_id:
            return (f"{original.number} Position {line.original_line_no} ist ein anderer Artikel ({orig.sku})",
                    ReturnExcess())
        quantity, cents = asked.get(line.original_line_no, (0, 0))
        asked[line.original_line_no] = (quantity + line.quantity, cents + line.refund_cents)
    left = {n: LineLeft(n, lines[n].name, lines[n].quantity, lines[n].returned_quantity, lines[n].total_cents,
                        lines[n].refunded_cents) for n in asked}
    paid = {tender.kind: tender.amount_cents - tender.refunded_cents for tender in bought.tenders}
    refund: dict[str, int] = {}
    for tender in ret.tenders:
        refund[tender.kind] = refund.get(tender.kind, 0) + tender.amount_cents
    excess = over_return(original.number, left, asked, paid, refund)
    # a sale with promotions: a line refunds what the till's rule allows (pos_app.prices.refunds,
    # issue 15); beyond that it is an over-return like any other, booked and reconciled
    by_promotions = purchase_refunds(bought, {no: quantity for no, (quantity, _) in asked.items()})
    if by_promotions is None:
        return None, excess
    reasons = list(excess.reasons)
    beyond = 0
    for line_no, (_, cents) in sorted(asked.items()):
        allowed = by_promotions.get(line_no, 0)
        if cents > allowed:
            beyond += cents - allowed
            reasons.append(t("zu viel erstattet nach den Aktionen des Bons: {name} ({number} Pos. {line}) jetzt "
                             "{cents}, zusteht {allowed}", name=lines[line_no].name, number=original.number,
                             line=line_no, cents=format_euro(cents), allowed=format_euro(allowed)))
    if not beyond:
        return None, excess
    return None, ReturnExcess(tuple(dict.fromkeys(reasons)), max(excess.at_stake_cents, beyond), excess.excess_quantity)


def _check_blind(conn: Connection, ret: ReturnCompletedV1, now: datetime) -> str | None:
    policy = current_policy(conn)
    if not policy.blind_returns_allowed:
        return "Rücknahmen ohne Beleg sind laut Rückgaberichtlinie nicht erlaubt"
    since = now - timedelta(days=policy.blind_limit_days)
    before = conn.execute(select(func.coalesce(func.sum(Return.total_cents), 0))
                          .where(Return.customer_id == ret.customer_id, Return.original_kind.is_(None),
                                 func.coalesce(Return.event_time, Return.created_at) >= since)).scalar_one()
    if int(before) + ret.total_cents > policy.blind_limit_cents:
        return (f"Limit für Rücknahmen ohne Beleg überschritten: Kunde {ret.customer_id} hatte schon "
                f"{format_euro(int(before))}, jetzt {format_euro(ret.total_cents)}, Limit "
                f"{format_euro(policy.blind_limit_cents)} in {policy.blind_limit_days} Tagen")
    return None


# ---- vouchers redeemed by a sale ------------------------------------------------------------------


def check_sale_vouchers(conn: Connection, sale: SaleCompletedV1) -> str | None:
    """A rejection reason when a sale was paid with a voucher the center does not know."""
    codes = sorted({t.reference.strip() for t in sale.tenders if t.kind == "voucher"})
    if not codes:
        return None
    known = set(conn.execute(select(Voucher.code).where(Voucher.code.in_(codes))).scalars())
    if unknown := [c for c in codes if c not in known]:
        return "unbekannter Gutschein " + ", ".join(unknown)
    return None


def redeem_for_sale(conn: Connection, sale: SaleCompletedV1, now: datetime, event_id: str = "",
                    own_reconciliation: frozenset[str] = frozenset()) -> list[PendingChange]:
    """Take a sale's voucher tenders off the balances. Never rejects: the goods are gone, so
    the sale stands. A voucher that did not cover what was spent (the same credit spent at two
    offline tills, or at a till and in the web shop) goes below zero and opens a
    `voucher_overdrawn` reconciliation for the selling store with the uncovered amount
    (pos_app.excess.overdrawn_cents); also listed at `GET /v1/admin/vouchers?negative=true`.
    Codes in `own_reconciliation` (gift cards: backend.gift_cards raises its own
    `gift_card_overdrawn`) are taken off but not reconciled here, so one fact opens one item.
    Returns the feed changes to append."""
    from backend import reconciliations

    spent: dict[str, int] = {}
    for t in sale.tenders:
        if t.kind == "voucher":
            spent[t.reference.strip()] = spent.get(t.reference.strip(), 0) + t.amount_cents
    changes: list[PendingChange] = []
    for code, cents in sorted(spent.items()):
        before = conn.execute(select(Voucher.balance_cents).where(Voucher.code == code).with_for_update()).scalar()
        conn.execute(update(Voucher).where(Voucher.code == code)
                     .values(balance_cents=Voucher.balance_cents - cents))
        conn.execute(insert(VoucherMovement).values(code=code, delta_cents=-cents, kind="redeemed",
                                                    reference=str(sale.sale_id), store_id=sale.store_id,
                                                    created_at=now))
        if code in own_reconciliation:
            continue
        if before is not None and (uncovered := overdrawn_cents(int(before), cents)):
            _, raised = reconciliations.raise_exception(
                conn, sale.store_id, "voucher_overdrawn", uncovered, [event_id or str(sale.sale_id)],
                {"voucher_code": code, "sale_id": str(sale.sale_id), "receipt_number": sale.receipt_number,
                 "spent_cents": cents, "balance_before_cents": int(before),
                 "balance_cents": int(before) - cents},
                cause=reconciliations.cause_of("voucher_overdrawn", [code, str(sale.sale_id)]), now=now)
            changes += raised
    return changes


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
