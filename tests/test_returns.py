"""Returns at the till without the screens (pos_app.returns over the real store file): a refund
split over two tenders, a blind return with a manager's approval, an exchange in one
transaction, the policy's window and final-sale rules, and the return receipt as ESC/POS bytes.
The center is not asked here (the center=None and offline paths); tests/test_returns_sync.py
takes the same returns to the real center."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from hardware.receipt_printer import render_escpos
from pos_app.cart import Approval, ApprovalRequired
from pos_app.clock import utc_now
from pos_app.refunds import CenterUnavailable, RefundError, RefundTender
from pos_app.return_policy import PolicyError
from pos_app.return_receipt import layout_return
from pos_app.returns import Choice, ReturnsService
from pos_app.store.models import OutboxEvent, Stock
from pos_app.store.returns_models import Return, Voucher
from pos_app.till import TillSession
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.sync_helpers import LENA, sell

DECKE, KAFFEE = 1, 2  # product ids of the test store


def stock(store, product_id: int) -> int:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return s.get(Stock, (product_id, "BER")).quantity


def events(store, event_type: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return [json.loads(e.payload) for e in s.query(OutboxEvent).filter_by(type=event_type).order_by(OutboxEvent.seq)]


def sell_split(store):  # type: ignore[no-untyped-def]
    """Two blankets (2 x 39,99 = 79,98): 50,00 by card, the rest in cash."""
    session = TillSession(store, LENA)
    session.scan(EAN_DECKE)
    session.scan(EAN_DECKE)
    session.pay_card(50_00, approved=True)
    session.pay_cash(30_00)
    return session.complete()


def test_refund_is_split_over_card_and_cash_never_more_than_each_paid(store) -> None:
    sale = sell_split(store)
    returns = ReturnsService(store, LENA)
    found = returns.find(sale.receipt_number)
    assert {t.kind: t.amount_cents for t in found.purchase.tenders} == {"card": 50_00, "cash": 29_98}
    items = returns.items(found.purchase, [Choice(1, 2, "resellable", "gefaellt_nicht")])
    assert sum(i.refund_cents for i in items) == 79_98
    proposal = returns.propose_refund(found.purchase, 79_98)
    assert [(t.kind, t.amount_cents) for t in proposal] == [("card", 50_00), ("cash", 29_98)]
    with pytest.raises(RefundError, match="Bar: höchstens 29,98"):
        returns.complete(found.purchase, items, [RefundTender("cash", 79_98)])
    before = stock(store, DECKE)

    done = returns.complete(found.purchase, items, proposal)
    assert done.cash_cents == 29_98 and stock(store, DECKE) == before + 2
    [event] = events(store, "return.completed")
    assert event["original"] == {"kind": "sale", "id": sale.sale_id, "number": sale.receipt_number}
    assert [(t["kind"], t["amount_cents"]) for t in event["tenders"]] == [("card", 50_00), ("cash", 29_98)]
    assert event["return_number"] == "BER-K1-000002"  # the till's one receipt sequence
    [refund] = [e["details"] for e in events(store, "audit.recorded") if e["action"] == "refund"]
    assert refund["return_number"] == "BER-K1-000002" and refund["total_cents"] == 79_98
    assert refund["tenders"] == [["card", 50_00], ["cash", 29_98]]
    # nothing more comes back of this receipt
    again = returns.find(sale.receipt_number).purchase
    assert again.lines[0].returnable_quantity == 0
    with pytest.raises(RefundError, match="höchstens 0 Stück"):
        returns.items(again, [Choice(1, 1)])

    out = decode(render_escpos(layout_return(returns.book.receipt(done.return_id, found.purchase.label)), "TM-T88V"))
    assert "RÜCKNAHME / GUTSCHRIFT" in out.text and "Unterschrift Kunde" in out.text
    assert any(t.startswith("Karte (Terminal)") and t.endswith("-50,00") for t in out.text_lines)
    assert any(t.startswith("Bar") and t.endswith("-29,98") for t in out.text_lines)
    assert out.barcodes == [("CODE128", "BER-K1-000002")]


def test_units_of_one_line_refund_exactly_what_was_paid_and_reasons_follow_the_policy(store) -> None:
    session = TillSession(store, LENA)
    for _ in range(3):
        session.scan(EAN_KAFFEE)  # 3 x 12,99
    from decimal import Decimal

    from pos_app.cart import Discount, DiscountKind
    session.set_cart_discount(Discount(DiscountKind.AMOUNT, Decimal(100), "Treue"))  # 38,97 - 1,00 = 37,97
    session.pay_cash(40_00)
    sale = session.complete()
    returns = ReturnsService(store, LENA)
    purchase = returns.find(sale.receipt_number).purchase
    with pytest.raises(PolicyError, match="mindestens 3 Zeichen"):
        returns.items(purchase, [Choice(1, 1, "resellable", "sonstiges", "")])
    refunds = []
    for _ in range(3):
        purchase = returns.find(sale.receipt_number).purchase
        [item] = returns.items(purchase, [Choice(1, 1, "damaged", "sonstiges", "Dose eingedrückt")])
        returns.complete(purchase, [item], returns.propose_refund(purchase, item.refund_cents))
        refunds.append(item.refund_cents)
    assert refunds == [12_65, 12_66, 12_66] and sum(refunds) == 37_97


def test_final_sale_and_the_return_window_come_from_the_synced_policy(store) -> None:
    sale = sell(store, EAN_DECKE)
    returns = ReturnsService(store, LENA, clock=lambda: utc_now() + timedelta(days=31))
    purchase = returns.find(sale.receipt_number).purchase
    with pytest.raises(PolicyError, match="Rückgabefrist von 30 Tagen"):
        returns.items(purchase, [Choice(1, 1)])
    with store.db.writing() as s:  # what a feed page with a new policy does (sync.feed)
        from pos_app.store.policies import apply_policies
        policy = returns.policy.to_dict()
        policy.update(window_days=60, final_sale_categories=["Test"])
        apply_policies(s, {"returns": policy})
    with pytest.raises(PolicyError, match="vom Umtausch ausgeschlossen"):
        returns.items(purchase, [Choice(1, 1)])


def test_blind_return_needs_a_manager_pays_store_credit_at_the_lowest_recent_price(store) -> None:
    with store.db.writing() as s:
        s.execute(text("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, email) VALUES (7, 'K-7', 'Eva', 'Kühn', '', '', '', '', '')"))
        s.execute(text("UPDATE prices SET gross_cents = 2999 WHERE product_id = 1"))  # a sale week ...
        s.execute(text("UPDATE prices SET gross_cents = 3999 WHERE product_id = 1"))  # ... and back
    returns = ReturnsService(store, LENA)
    [item] = [returns.blind_item(DECKE, 1, "resellable", "passt_nicht")]
    assert item.refund_cents == 29_99  # the lowest of the last 30 days, not today's 39,99
    with pytest.raises(RefundError, match="Kunden angeben"):
        returns.complete_blind([item], None)
    with pytest.raises(ApprovalRequired):
        returns.complete_blind([item], 7)
    assert events(store, "return.completed") == []
    done = returns.complete_blind([item], 7, Approval(2, "Jonas Weber"))
    [(code, value)] = done.vouchers
    assert value == 29_99 and code.startswith("GS-") and done.cash_cents == 0
    with store.db.reading() as s:
        assert s.get(Voucher, code).balance_cents == 29_99
        approvals = s.execute(text("SELECT actor_name, details FROM audit_log WHERE action = 'approval'")).all()
    assert [(name, json.loads(d)["action"]) for name, d in approvals] == [("Jonas Weber", "blind_return")]
    [event] = events(store, "return.completed")
    assert event["original"] is None and event["approved_by"] == 2 and event["customer_id"] == 7
    # the per-customer limit (100,00 € by default)
    big = returns.blind_item(DECKE, 3, "resellable", "passt_nicht")
    with pytest.raises(PolicyError, match="Limit"):
        returns.complete_blind([big], 7, Approval(2, "Jonas Weber"))
    out = decode(render_escpos(layout_return(returns.book.receipt(done.return_id)), "TM-T88V"))
    assert ("CODE128", code) in out.barcodes and "Freigabe: Jonas Weber" in out.text
    assert "Unterschrift" not in out.text  # no cash left the drawer


def test_exchange_returns_and_sells_in_one_transaction_and_the_difference_is_paid(store) -> None:
    sale = sell(store, EAN_KAFFEE)  # 12,99
    returns = ReturnsService(store, LENA)
    purchase = returns.find(sale.receipt_number).purchase
    items = returns.items(purchase, [Choice(1, 1, "resellable", "gefaellt_nicht")])
    till = TillSession(store, LENA)
    with pytest.raises(RefundError, match="zuerst die neuen Artikel"):
        returns.complete_exchange(purchase, items, till)
    till.scan(EAN_DECKE)  # 39,99: 27,00 more
    with pytest.raises(RefundError, match="27,00 € mehr"):
        returns.complete_exchange(purchase, items, till)
    kaffee, decke = stock(store, KAFFEE), stock(store, DECKE)

    done = returns.complete_exchange(purchase, items, till, difference=("cash", 30_00))
    assert done.exchange_sale is not None and done.exchange_sale.change_cents == 3_00
    assert till.cart.is_empty()
    assert (stock(store, KAFFEE), stock(store, DECKE)) == (kaffee + 1, decke - 1)
    [ret] = events(store, "return.completed")
    [_, new_sale] = events(store, "sale.completed")
    assert ret["tenders"] == [{"kind": "exchange", "amount_cents": 12_99, "reference": new_sale["sale_id"]}]
    assert [(t["kind"], t["amount_cents"]) for t in new_sale["tenders"]] == [("exchange", 12_99), ("cash", 27_00)]
    assert new_sale["tenders"][0]["reference"] == ret["return_number"]

    # the other way round: new items cheaper, the rest goes back to the original tender
    sale2 = sell(store, EAN_DECKE)
    purchase2 = returns.find(sale2.receipt_number).purchase
    items2 = returns.items(purchase2, [Choice(1, 1)])
    till.scan(EAN_KAFFEE)
    done2 = returns.complete_exchange(purchase2, items2, till)
    assert [(t.kind, t.amount_cents) for t in done2.tenders] == [("exchange", 12_99), ("cash", 27_00)]
    assert done2.cash_cents == 27_00


def test_offline_a_till_takes_back_its_own_sale_but_not_anothers(store) -> None:
    sale = sell(store, EAN_DECKE)

    def offline(number: str):  # type: ignore[no-untyped-def]
        raise CenterUnavailable("Zentrale nicht erreichbar (ConnectionError)")

    returns = ReturnsService(store, LENA, center=offline)
    found = returns.find(sale.receipt_number)
    assert "Offline" in found.note
    items = returns.items(found.purchase, [Choice(1, 1)])
    returns.complete(found.purchase, items, returns.propose_refund(found.purchase, items[0].refund_cents))
    with pytest.raises(RefundError, match="höchstens 0 Stück"):
        returns.items(returns.find(sale.receipt_number).purchase, [Choice(1, 1)])
    with pytest.raises(RefundError, match="nur online prüfen"):
        returns.find("W-261201-ABCDEF")
    with store.db.reading() as s:
        assert s.query(Return).count() == 1


def test_the_feed_brings_the_centers_policy_and_refuses_an_unreadable_one(store) -> None:
    from pos_app.store.models import SyncState
    from sync import feed
    from tests.test_sync_feed import page

    policy = ReturnsService(store, LENA).policy.to_dict()
    policy.update(window_days=14, refund_as_store_credit=True, version=2)
    feed.apply_page(store.db, page([{"seq": 1, "kind": "policy", "key": "returns", "data": policy}], 0), 0)
    now = ReturnsService(store, LENA).policy
    assert (now.window_days, now.refund_as_store_credit, now.version) == (14, True, 2)
    with pytest.raises(feed.FeedError, match="Richtlinie unlesbar"):
        feed.apply_page(store.db, page([{"seq": 2, "kind": "policy", "key": "returns",
                                         "data": {"window_days": "bald"}}], 1), 1)
    with store.db.reading() as s:
        assert s.get(SyncState, 1).cursor == 1  # the bad page moved nothing
    assert ReturnsService(store, LENA).policy.window_days == 14
