"""Gift cards between a till and the REAL center over HTTP on loopback (tests/backend_server.py;
PostgreSQL when $POS_TEST_DATABASE_URL is set, else SQLite): a card sold in the web shop is
checked and spent at the till; offline the till takes it only within the documented limit
(pos_app.gift_cards.rules); a card overdrawn while the till was offline (the web shop spent it
meanwhile) is booked as it happened and the center's gift_card_overdrawn reconciliation reaches
the till. Nothing is mocked but the clock of the daily-limit test."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import text

from pos_app.gift_cards.check import GiftCardCheck
from pos_app.gift_cards.rules import OFFLINE_DAILY_LIMIT_CENTS
from pos_app.refunds import CenterUnavailable
from pos_app.till import TillSession
from pos_app.vouchers import VoucherError
from sync.client import CenterClient
from sync.purchases import CenterVouchers
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def pay(till: Till, code: str, card: str, cents: int, check: GiftCardCheck) -> str:
    """Sell the product `code` and pay `cents` of it with the gift card, the rest in cash."""
    session = TillSession(till.store, LENA)
    session.scan(code)
    session.pay_voucher(card, cents, check(card))
    if session.payment.remaining_cents:
        session.pay_cash(session.payment.remaining_cents)
    return session.complete().sale_id


def test_a_web_card_is_spent_at_the_till_online_then_offline_within_the_limit_and_an_overdraw_reconciles(
        till: Till) -> None:
    (code, _product, price), = till.products(1)
    assert price > 45_00, "the demo catalog's first product is dearer than the amounts below"
    card = till.center.admin("POST", "/v1/channel/gift-cards",
                             json={"amount_cents": 80_00, "reference": "web-order-1"}).json()["code"]
    check = GiftCardCheck(till.store.db, CenterVouchers(lambda: CenterClient(till.center.url, till.token,
                                                                              timeout=(1, 3))))
    worker, seen = till.worker()
    assert check(card) == 80_00
    pay(till, code, card, 30_00, check)
    assert check(card) == 50_00  # the center's 80 less this till's 30 still in the outbox
    assert worker.run_cycle() == worker.interval_s and seen[-1].pending == 0
    assert check(card) == 50_00  # sent now: the center says 50

    till.center.stop()
    assert check(card) == min(50_00, OFFLINE_DAILY_LIMIT_CENTS)  # offline: the last balance seen, the daily limit
    pay(till, code, card, 40_00, check)
    assert check(card) == 10_00  # both the balance and the limit are down by the 40 taken offline
    with pytest.raises(VoucherError, match="offline nicht geprüft"):
        check("GK-AAAAAAAAAAAA")  # never seen here: not taken offline
    assert 0 <= worker.run_cycle() <= 1  # offline: the sale waits in the outbox

    till.center.start()
    # meanwhile the web shop spent 30 of the card (reserve and capture)
    held = till.center.admin("POST", f"/v1/channel/gift-cards/{card}/reservations",
                             json={"amount_cents": 30_00, "reference": "web-pay-2"}).json()
    till.center.admin("POST", f"/v1/channel/gift-cards/{card}/reservations/{held['id']}/capture")
    worker.wake()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert seen[-1].pending == 0 and seen[-1].conflicts == 0  # booked as it happened, never refused
    assert till.center.admin("GET", f"/v1/channel/gift-cards/{card}").json()["balance_cents"] == -20_00
    [item] = till.center.admin("GET", "/v1/admin/reconciliations").json()
    assert (item["kind"], item["amount_cents"], item["details"]["code"]) == ("gift_card_overdrawn", 20_00, card)
    assert worker.run_cycle() == worker.interval_s  # the next pull brings it to the till
    with till.store.db.reading() as s:
        kinds = s.execute(text("SELECT kind, amount_cents FROM reconciliations")).all()
    assert ("gift_card_overdrawn", 20_00) in [tuple(k) for k in kinds]
    with pytest.raises(VoucherError, match="aufgebraucht"):
        check(card)


def test_the_offline_daily_limit_is_per_day_and_counts_what_was_sent_meanwhile(till: Till) -> None:
    (code, _product, price), = till.products(1)
    card = till.center.admin("POST", "/v1/channel/gift-cards",
                             json={"amount_cents": 200_00, "reference": "web-order-2"}).json()["code"]
    now = [datetime.now(timezone.utc)]
    online = CenterVouchers(lambda: CenterClient(till.center.url, till.token, timeout=(1, 3)))
    state = {"up": True}

    def center_balance(c: str) -> int:
        if not state["up"]:
            raise CenterUnavailable("Zentrale nicht erreichbar (Test)")
        return online(c)

    check = GiftCardCheck(till.store.db, center_balance, clock=lambda: now[0])
    assert check(card) == 200_00
    state["up"] = False
    assert check(card) == OFFLINE_DAILY_LIMIT_CENTS
    pay(till, code, card, min(OFFLINE_DAILY_LIMIT_CENTS, price), check)
    taken = min(OFFLINE_DAILY_LIMIT_CENTS, price)
    if taken == OFFLINE_DAILY_LIMIT_CENTS:
        with pytest.raises(VoucherError, match="offline heute nichts mehr"):
            check(card)
    now[0] += timedelta(days=1)  # the next day, still offline: a new day's limit, the balance goes on
    assert check(card) == min(200_00 - taken, OFFLINE_DAILY_LIMIT_CENTS)
    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s  # the sale reaches the center (the check stays offline)
    assert check(card) == min(200_00 - taken, OFFLINE_DAILY_LIMIT_CENTS)  # sent meanwhile: not counted twice


def test_a_reduced_price_reaches_the_till_with_its_lowest_30_day_price(till: Till) -> None:
    from pos_app.store.gift_card_models import lowest_30_days

    (_code, product, price), = till.products(1)
    worker, seen = till.worker()
    till.center.admin("PUT", f"/v1/admin/prices/BER/{product}", json={"gross_cents": price + 10_00})
    till.center.admin("PUT", f"/v1/admin/prices/BER/{product}", json={"gross_cents": price - 10_00})
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    with till.store.db.reading() as s:
        assert lowest_30_days(s, product, "BER") == price
        assert s.execute(text("SELECT gross_cents FROM prices WHERE product_id = :p AND store_id = 'BER'"),
                         {"p": product}).scalar() == price - 10_00
    till.center.admin("PUT", f"/v1/admin/prices/BER/{product}", json={"gross_cents": price + 20_00})
    assert worker.run_cycle() == worker.interval_s
    with till.store.db.reading() as s:
        assert lowest_30_days(s, product, "BER") is None  # a rise is no reduction: nothing to state


def test_goods_paid_with_a_gift_card_come_back_as_store_credit_never_as_cash(till: Till) -> None:
    from pos_app.refunds import RefundError, RefundTender
    from pos_app.returns import Choice, ReturnsService
    from sync.purchases import CenterPurchases

    (code, _product, price), = till.products(1)
    card = till.center.admin("POST", "/v1/channel/gift-cards",
                             json={"amount_cents": 500_00, "reference": "web-order-3"}).json()["code"]
    check = GiftCardCheck(till.store.db, CenterVouchers(lambda: CenterClient(till.center.url, till.token,
                                                                              timeout=(1, 3))))
    worker, seen = till.worker()
    paid = min(price, 500_00)
    sale_id = pay(till, code, card, paid, check)
    assert worker.run_cycle() == worker.interval_s
    returns = ReturnsService(till.store, LENA, center=CenterPurchases(
        lambda: CenterClient(till.center.url, till.token, timeout=(1, 3))))
    with till.store.db.reading() as s:
        number = s.execute(text("SELECT receipt_number FROM sales WHERE id = :i"), {"i": sale_id}).scalar()
    purchase = returns.find(number).purchase
    items = returns.items(purchase, [Choice(1, 1)])
    proposal = returns.propose_refund(purchase, price)
    assert ("voucher", paid) in [(t.kind, t.amount_cents) for t in proposal]  # back to credit, as paid
    with pytest.raises(RefundError):
        returns.complete(purchase, items, [RefundTender("cash", price)])  # the card's part never as cash
    done = returns.complete(purchase, items, proposal)
    [(credit, value)] = done.vouchers
    assert value == paid
    assert worker.run_cycle() == worker.interval_s and seen[-1].conflicts == 0
    assert till.center.admin("GET", f"/v1/channel/vouchers/{credit}").json()["balance_cents"] == paid
    assert till.center.admin("GET", f"/v1/channel/gift-cards/{card}").json()["balance_cents"] == 500_00 - paid


def test_a_net_content_set_at_the_center_gives_the_grundpreis_in_the_search_and_on_the_label(till: Till) -> None:
    from pos_app.prices.labels import label_rows
    from pos_app.prices.shelf_labels import label_for, unit_price_texts

    (_code, product, price), = till.products(1)
    for bad in ({"amount": 0, "unit": "g"}, {"amount": 250, "unit": "stk"}, {"amount": 10**9, "unit": "g"}):
        r = requests.put(f"{till.center.url}/v1/admin/products/{product}/content", json=bad, timeout=30,
                         headers={"Authorization": f"Bearer {till.center.admin_token}"})
        assert r.status_code == 422, (bad, r.text)  # refused, the field named, nothing changed
    till.center.admin("PUT", f"/v1/admin/products/{product}/content", json={"amount": 750, "unit": "ml"})
    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    texts = unit_price_texts(till.store.db, [(product, price)])
    expected = f"Grundpreis {unit_price_text_of(price, 750, 'ml')}"
    assert texts == {product: expected}
    label = label_for(till.store.db, "BER", product)
    assert label is not None and (label.content_amount, label.content_unit) == (750, "ml")
    assert any(getattr(r, "text", "") == expected for r in label_rows(label))
    product_still_sells = till.store.catalog.product(product)
    assert product_still_sells is not None and product_still_sells.unit_price_cents == price


def unit_price_text_of(price: int, amount: int, unit: str) -> str:
    from pos_app.prices.unit_price import unit_price

    return unit_price(price, amount, unit).text
