"""Returns, exchanges and vouchers in the shift: the X and Z reports net them out (a cash refund
lowers the expected cash, an exchange's credit nets to nothing, store credit is not cash), the
day.closed payload stays valid, and a return needs an open shift like a sale."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pos_app.refunds import RefundTender
from pos_app.returns import Choice, ReturnsService
from pos_app.shift import (BusinessCase, CountAmount, MovementKind, ShiftClosed, ShiftDocument, ShiftHeader,
                           build_report)
from pos_app.shift_print import report_rows, rows_text
from pos_app.store.models import Device, OutboxEvent
from pos_app.store.returns_models import Return
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from sync.protocol_shifts import DayClosedV1
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, build_store, open_store

LENA = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture(scope="module")
def closed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("closed") / "store.db", open_till=False)


@pytest.fixture
def till(closed_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    target = tmp_path / "store.db"
    shutil.copy(closed_template, target)
    local = open_store(target)
    yield local
    local.close()


def sell(store, code: str, *, card: bool = False):  # type: ignore[no-untyped-def]
    session = TillSession(store, LENA)
    session.scan(code)
    total = session.cart.totals().total_cents
    if card:
        session.pay_card(total, approved=True)
    else:
        session.pay_cash(total)
    return session.complete()


def a_day_with_returns(store) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Float 100,00; sell, return with a cash refund, exchange with cash added, store credit,
    a paid out. What each step did to the drawer is in the comments."""
    store.cashbook.open(100_00, JONAS)
    a = sell(store, EAN_KAFFEE)  # +12,99 cash (7 %)
    b = sell(store, EAN_KAFFEE)  # +12,99 cash
    c = sell(store, EAN_DECKE, card=True)  # 39,99 card (19 %)
    returns = ReturnsService(store, LENA)
    purchase = returns.find(a.receipt_number).purchase
    cash_refund = returns.complete(purchase, returns.items(purchase, [Choice(1, 1)]), [RefundTender("cash", 12_99)])
    assert cash_refund.cash_cents == 12_99  # -12,99 from the drawer
    purchase = returns.find(b.receipt_number).purchase
    new_items = TillSession(store, LENA)
    new_items.scan(EAN_DECKE)  # 39,99: 12,99 credit + 27,00 cash (30,00 given, 3,00 change)
    exchange = returns.complete_exchange(purchase, returns.items(purchase, [Choice(1, 1)]), new_items,
                                         difference=("cash", 30_00))
    purchase = returns.find(c.receipt_number).purchase
    credit = returns.complete(purchase, returns.items(purchase, [Choice(1, 1)]), [RefundTender("voucher", 39_99)])
    store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 5_00, "Porto", JONAS)  # -5,00
    return {"cash_refund": cash_refund, "exchange": exchange, "credit": credit}


def test_x_and_z_net_out_returns_exchanges_and_store_credit(till) -> None:
    done = a_day_with_returns(till)
    x = till.cashbook.x_report()
    # sales: 2 x Kaffee, Decke (card), the exchange's Decke; returns: Kaffee (cash), Kaffee (exchange),
    # Decke (voucher)
    assert x.sales == CountAmount(4, 12_99 + 12_99 + 39_99 + 39_99)
    assert x.returns == CountAmount(3, -(12_99 + 12_99 + 39_99))
    assert x.total_cents == 39_99
    tenders = {t.kind: (t.count, t.amount_cents) for t in x.tenders}
    assert tenders == {"cash": (4, 12_99 + 12_99 - 12_99 + 27_00), "card": (1, 39_99),
                       "exchange": (2, 0), "voucher": (1, -39_99)}
    assert sum(t.amount_cents for t in x.tenders) == x.total_cents
    vat = {v.percent: v.gross_cents for v in x.vat}
    assert vat == {19: 39_99 + 39_99 - 39_99, 7: 12_99 + 12_99 - 12_99 - 12_99}
    assert sum(v.gross_cents for v in x.vat) == x.total_cents
    assert x.vouchers_issued == CountAmount(1, 39_99) and x.vouchers_redeemed == CountAmount(0, 0)
    expected = 100_00 + 12_99 + 12_99 - 12_99 + 27_00 - 5_00
    assert x.cash.expected_cents == expected == 134_99
    assert x.cash.cash_tenders_cents == 39_99
    text = rows_text(report_rows(x))
    assert "Retouren (3)" in text and "-65,97" in text and "Gutscheine (kein Bargeld)" in text
    assert "Umtausch-Gutschrift (2)" in text
    assert x.last_receipt == done["credit"].return_number  # type: ignore[attr-defined]

    # the paid out checked against the drawer that refunds already emptied
    with pytest.raises(Exception, match="nur 134,99"):
        till.cashbook.move(MovementKind.DROP, BusinessCase.GELDTRANSIT, 135_00, "", JONAS)

    closed = till.cashbook.close(134_50, JONAS)  # counted 134,50: 0,49 short
    z = closed.report
    assert (z.cash.expected_cents, z.cash.counted_cents, z.cash.difference_cents) == (134_99, 134_50, -49)
    assert z.returns == x.returns and z.tenders == x.tenders and z.vat == x.vat
    with till.db.reading() as s:
        payload = json.loads(s.execute(select(OutboxEvent.payload).where(OutboxEvent.type == "day.closed")).scalar_one())
    parsed = DayClosedV1.model_validate(payload)  # the center's model: tenders and VAT add up with returns
    assert parsed.returns.amount_cents == -65_97 and parsed.vouchers_issued.amount_cents == 39_99
    [closing] = till.cashbook.closings()
    assert closing.returns == z.returns and closing.cash_difference_cents == -49
    assert till.cashbook.z_report(1) == z  # read back from the stored JSON


def test_a_voucher_redeemed_by_a_sale_is_counted_apart_and_is_not_cash() -> None:
    header = ShiftHeader("BER-K1", "BER", "Berlin", "2026-12-01T08:00:00+00:00", "Jonas", 50_00)
    docs = [ShiftDocument("return", "BER-K1-000001", -20_00, (("voucher", -20_00),), ((19, -20_00),)),
            ShiftDocument("sale", "BER-K1-000002", 30_00, (("voucher", 20_00), ("cash", 10_00)), ((19, 30_00),))]
    report = build_report(header, docs, [], CountAmount(), as_of="2026-12-01T18:00:00+00:00")
    assert report.vouchers_issued == CountAmount(1, 20_00) and report.vouchers_redeemed == CountAmount(1, 20_00)
    assert {t.kind: t.amount_cents for t in report.tenders} == {"cash": 10_00, "voucher": 0}
    assert report.cash.expected_cents == 60_00
    assert type(report).from_dict(report.to_dict()) == report
    old = report.to_dict()
    del old["vouchers_issued"], old["vouchers_redeemed"]  # a Z stored before returns joined the report
    assert type(report).from_dict(old).vouchers_issued == CountAmount(0, 0)


def test_a_return_and_an_exchange_need_an_open_shift(till) -> None:
    till.cashbook.open(20_00, JONAS)
    sale = sell(till, EAN_KAFFEE)
    returns = ReturnsService(till, LENA)
    purchase = returns.find(sale.receipt_number).purchase
    items = returns.items(purchase, [Choice(1, 1)])
    new_items = TillSession(till, LENA)
    new_items.scan(EAN_DECKE)
    till.cashbook.close(32_99, JONAS)

    def counters() -> tuple[int, int, int]:
        with till.db.reading() as s:
            return (s.get(Device, "BER-K1").last_receipt_no, s.execute(select(func.count()).select_from(Return)).scalar_one(),
                    s.execute(select(func.count()).select_from(OutboxEvent)).scalar_one())
    before = counters()
    with pytest.raises(ShiftClosed, match="nicht geöffnet"):
        returns.complete(purchase, items, [RefundTender("cash", 12_99)])
    with pytest.raises(ShiftClosed, match="nicht geöffnet"):
        returns.complete_exchange(purchase, items, new_items, difference=("cash", 27_00))
    # the write itself checks too (in its transaction), not only the service
    with pytest.raises(ShiftClosed):
        returns.book.record(LENA, purchase, items, [RefundTender("cash", 12_99)])
    assert counters() == before  # no number taken, nothing written, nothing queued
    assert not new_items.cart.is_empty()  # the new items are still in the cart

    till.cashbook.open(20_00, JONAS)  # the next shift takes it back
    done = returns.complete(purchase, items, [RefundTender("cash", 12_99)])
    assert till.cashbook.x_report().returns == CountAmount(1, -12_99)
    assert done.return_number == till.cashbook.x_report().first_receipt


def test_the_x_report_screen_shows_returns_and_store_credit(qtbot, till, artifacts) -> None:
    from ui.shift_dialogs import ReportDialog

    a_day_with_returns(till)
    dialog = ReportDialog(till.cashbook.x_report(), lambda report, copy: None)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.preview.toPlainText()
    assert "Retouren (3)" in text and "ausgegeben (1)" in text and "134,99" in text
    dialog.grab().save(str(artifacts / "x_report_with_returns.png"))
