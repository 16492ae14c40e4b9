"""Promotions through the till's screens (pytest-qt, offscreen): a 3-for-2 scanned, shown per
line with its saving and on the printed receipt (ESC/POS from a TCP printer, decoded), then
returned in part by the shared rule; a coupon code typed in Strg+Umschalt+C at a till without
a center: accepted once (the offline rule), refused the second time, the cart unchanged."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pos_app.prices.promotions import Promotion, PromotionKind
from pos_app.refunds import RefundTender
from pos_app.returns import Choice, ReturnsService
from pos_app.store import promotion_models
from pos_app.store.db import open_database
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.sync_helpers import LENA
from tests.test_till_gui import close_window, in_modal, log_in, make_window, pay_cash, printer, scanner_burst  # noqa: F401
from ui.promotion_coupon import CouponDialog


def with_promotions(store_path, *promos: Promotion) -> None:  # type: ignore[no-untyped-def]
    db = open_database(store_path)
    with db.writing() as s:  # as the center's feed brings them (sync.feed)
        promotion_models.apply_feed(s, {str(p.id): p.to_dict() for p in promos})
    db.close()


def ready_to_scan(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Until the till is on screen with the scan field focused and no dialog open: a scan while
    the log-in or the payment screen is still going away is not the till's (CI lost one so)."""
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till and QApplication.activeModalWidget() is None
                    and QApplication.focusWidget() is window.till.entry, timeout=15_000)


def test_three_for_two_on_screen_and_receipt_then_a_partial_return(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    with_promotions(store_path, Promotion(1, "3 für 2 Decken", PromotionKind.BUY_X_PAY_Y, buy=3, pay=2,
                                          product_ids=(1,)))
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        for _ in range(2):  # two more of the same: Strg++ on the line
            QTest.keyClick(till.entry, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert till.session.cart.lines[0].quantity == 3
        model = till.model
        assert model.data(model.index(0, 3)) == "-39,99 €"  # the free one, on its line
        assert model.data(model.index(0, 4)) == "79,98 €"
        assert "3 für 2 Decken" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
        assert "Aktionen: -39,99 €" in till.vat.text() and "79,98" in till.total.text()
        pay_cash(qtbot, window, "79,98")
        qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=15_000)
        [job] = printer.wait_for_jobs(1, timeout=10)
        text = decode(job).text
        assert "Aktion 3 für 2 Decken -39,99 €" in text and "79,98" in text, text

        returns = ReturnsService(window.store, LENA)
        found = returns.find("BER-K1-000001")
        assert returns.items(found.purchase, [Choice(1, 1, "resellable")])[0].refund_cents == 0
        two = returns.items(found.purchase, [Choice(1, 2, "resellable")])
        assert sum(i.refund_cents for i in two) == 3999
        returns.complete(found.purchase, two, [RefundTender("cash", 3999)])
        again = returns.find("BER-K1-000001")
        last = returns.items(again.purchase, [Choice(1, 1, "resellable")])
        assert last[0].refund_cents == 3999  # in all 79,98 €: what was paid
    finally:
        close_window(window)


def test_a_coupon_at_a_till_without_center_is_taken_once(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    with_promotions(store_path, Promotion(7, "10 % mit Code", PromotionKind.PERCENT_OFF, percent=Decimal(10),
                                          coupon_code="ZEHN", coupon_limit=1))
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        ready_to_scan(qtbot, window)
        scanner_burst(qtbot, EAN_KAFFEE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)

        def type_code(code: str):  # type: ignore[no-untyped-def]
            def act(dialog) -> None:  # type: ignore[no-untyped-def]
                assert isinstance(dialog, CouponDialog)
                assert dialog.code.minimumHeight() >= 44
                dialog.code.setText(code)
                QTest.keyClick(dialog.code, Qt.Key.Key_Return)
                if dialog.isVisible():  # refused: the message shows, the dialog stays; close it
                    seen.append(dialog.error.text())
                    dialog.reject()
            return act

        def active() -> None:
            window.activateWindow()
            qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)

        seen: list[str] = []
        active()
        in_modal(type_code("zehn"))
        QTest.keyClick(till.entry, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: "ZEHN angenommen" in till.message.text(), timeout=15_000)
        assert till.session.cart.totals().total_cents == 1299 - 130
        assert window.focusWidget() is till.entry  # focus back on the scan field
        active()
        pay_cash(qtbot, window, "11,69")
        qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=15_000)

        active()
        till.focus_search()
        ready_to_scan(qtbot, window)
        qtbot.wait(300)  # a second read of the same code within 200 ms would count once (the wedge)
        scanner_burst(qtbot, EAN_KAFFEE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        active()
        in_modal(type_code("ZEHN"))
        QTest.keyClick(till.entry, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: bool(seen), timeout=15_000)
        assert "schon offline eingelöst" in seen[0]
        assert till.session.cart.totals().total_cents == 1299  # nothing changed
        with window.store.db.reading() as s:
            from sqlalchemy import text

            events = s.execute(text("SELECT count(*) FROM outbox WHERE type = 'coupon.redeemed'")).scalar()
        assert events == 1
    finally:
        close_window(window)


def test_a_member_price_applies_once_a_gold_customer_is_attached(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    from pos_app.clienteling import Profile
    from pos_app.store.customers import CustomerHit

    with_promotions(store_path, Promotion(3, "Gold-Preis Decke", PromotionKind.MEMBER_PRICE, price_cents=29_99,
                                          product_ids=(1,), tiers=("Gold",)))
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        scanner_burst(qtbot, EAN_DECKE)
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        assert "39,99" in till.total.text()  # no customer: the regular price
        hit = CustomerHit(7, "K-7", "Ida", "Gold", "", "", "", "", "", None)
        window.customers.attach(Profile(hit, {"loyalty": {"tier": "Gold", "points": 2400}}, online=True))
        assert till.session.promotions.tier == "Gold"
        assert "29,99" in till.total.text(), till.total.text()  # shown at once, not at the next scan
        till.session.void_sale()
        assert till.session.promotions.tier is None  # the next customer pays the regular price
    finally:
        close_window(window)
