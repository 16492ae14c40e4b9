"""An interrupted payment leaves a record (issue 12): the till process is killed (SIGKILL) after
taking cash for a sale and before completing it; after the restart the tenders are listed for
resolution, and whichever way the manager resolves it (resume the sale, keep the cash as a
paid-in movement, or hand it back) the Z close expects exactly what the drawer holds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pos_app.payment import TenderKind
from pos_app.store.local import LocalStore
from pos_app.cart import Approval
from pos_app.shift import BusinessCase, MovementKind
from pos_app.store.models import AuditEntry, CashMovement, Sale, SaleTender
from pos_app.store.staff import StaffMember
from pos_app.store.tender_log import PAYING_IN, TenderLog, TenderLogError, movement_note
from pos_app.store.tender_models import TakenTender
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, PRODUCTS, build_store
from tests.sync_helpers import LENA

ROOT = Path(__file__).resolve().parent.parent
JONAS = StaffMember(2, "Jonas Weber", "manager")
TOTAL = PRODUCTS[0][3] + PRODUCTS[1][3]  # blanket and coffee, as the crash payer sells them


def killed_mid_payment(path: Path, given_cents: int, card_cents: int = 0) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "tests.crash_payer", str(path), str(given_cents), str(card_cents)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == b"paid", proc.stderr.read() if proc.stderr else ""
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


@pytest.fixture
def crashed(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = build_store(tmp_path / "till.db")
    killed_mid_payment(path, 20_00, 10_00)
    store = LocalStore.open(path, "BER-K1")
    yield store
    store.close()


def expected_cash(store: LocalStore) -> int:
    return store.cashbook.x_report().cash.expected_cents


def test_the_tenders_taken_before_the_kill_are_there_after_the_restart(crashed: LocalStore) -> None:
    with crashed.db.reading() as s:
        assert s.query(Sale).count() == 0  # the sale never completed
    [payment] = TenderLog(crashed.db, "BER-K1").interrupted()
    assert [(t.kind, t.amount_cents) for t in payment.tenders] == [(TenderKind.CASH, 20_00), (TenderKind.CARD, 10_00)]
    assert payment.total_cents == TOTAL and payment.cash_cents == 20_00 and len(payment.cart["lines"]) == 2
    assert "Lena Schmidt" in payment.describe()


def test_resumed_the_sale_completes_with_those_tenders_and_the_drawer_adds_up(crashed: LocalStore) -> None:
    float_cash = expected_cash(crashed)
    session = TillSession(crashed, LENA)
    [payment] = session.tender_log.interrupted()
    session.resume_interrupted(payment)
    assert session.payment is not None and session.payment.remaining_cents == TOTAL - 30_00
    session.pay_card(TOTAL - 30_00, approved=True)
    done = session.complete()
    assert session.tender_log.interrupted() == []  # settled in the sale's transaction
    with crashed.db.reading() as s:
        tenders = [(t.kind, t.amount_cents) for t in s.query(SaleTender).filter_by(sale_id=done.sale_id)
                   .order_by(SaleTender.seq)]
    assert tenders == [("cash", 20_00), ("card", 10_00), ("card", TOTAL - 30_00)] and done.total_cents == TOTAL
    assert expected_cash(crashed) == float_cash + 20_00  # the 20 € in the drawer are expected at the Z
    closed = crashed.cashbook.close(float_cash + 20_00, JONAS)
    assert closed.report.cash.difference_cents == 0
    with pytest.raises(TenderLogError):
        session.tender_log.find(payment.payment_id)


def test_closed_out_keeping_the_cash_books_it_in_once(crashed: LocalStore) -> None:
    float_cash = expected_cash(crashed)
    log = TenderLog(crashed.db, "BER-K1")
    [payment] = log.interrupted()
    with pytest.raises(TenderLogError):
        log.close_out(payment.payment_id, LENA, cash_kept=True, cashbook=crashed.cashbook)  # a cashier may not
    log.close_out(payment.payment_id, JONAS, cash_kept=True, cashbook=crashed.cashbook)
    with pytest.raises(TenderLogError):
        log.close_out(payment.payment_id, JONAS, cash_kept=True, cashbook=crashed.cashbook)  # not twice
    assert log.interrupted() == [] and expected_cash(crashed) == float_cash + 20_00
    assert crashed.cashbook.close(float_cash + 20_00, JONAS).report.cash.difference_cents == 0
    with crashed.db.reading() as s:
        [moved] = s.query(CashMovement).all()
        assert (moved.kind, moved.amount_cents, moved.note) == ("paid_in", 20_00, movement_note(payment.payment_id))


def test_closed_out_handing_the_cash_back_books_nothing(crashed: LocalStore) -> None:
    float_cash = expected_cash(crashed)
    log = TenderLog(crashed.db, "BER-K1")
    [payment] = log.interrupted()
    log.close_out(payment.payment_id, JONAS, cash_kept=False, cashbook=crashed.cashbook)
    assert log.interrupted() == [] and expected_cash(crashed) == float_cash
    with crashed.db.reading() as s:
        [entry] = s.query(AuditEntry).filter_by(action="interrupted_payment_closed").all()
        assert entry.actor_name == "Jonas Weber" and '"handed_back"' in entry.details


def test_a_pay_in_cut_off_by_a_crash_is_repaired_not_doubled(crashed: LocalStore) -> None:
    log = TenderLog(crashed.db, "BER-K1")
    [payment] = log.interrupted()
    with crashed.db.writing() as s:  # claimed, then the power went before the movement was written
        s.query(TakenTender).filter_by(payment_id=payment.payment_id).update({"state": PAYING_IN})
    assert [p.payment_id for p in log.interrupted()] == [payment.payment_id]  # back for resolution
    with crashed.db.writing() as s:  # claimed and moved, then the power went before it was marked
        s.query(TakenTender).filter_by(payment_id=payment.payment_id).update({"state": PAYING_IN})
    crashed.cashbook.move(MovementKind.PAID_IN, BusinessCase.EINZAHLUNG, 20_00, movement_note(payment.payment_id),
                          JONAS)
    assert log.interrupted() == []  # the movement is there: done, not booked a second time


def test_a_completed_or_voided_sale_leaves_nothing_to_resolve(tmp_path: Path) -> None:
    store = LocalStore.open(build_store(tmp_path / "t.db"), "BER-K1")
    try:
        session = TillSession(store, LENA)
        session.scan(EAN_DECKE)
        session.pay_cash(10_00, partial=True)
        assert len(session.tender_log.interrupted()) == 1  # on record while the sale is open
        session.pay_cash(100_00)
        session.complete()
        session.scan(EAN_DECKE)
        session.pay_cash(5_00, partial=True)
        session.void_sale(Approval(2, "Jonas Weber"))
        assert session.tender_log.interrupted() == []
    finally:
        store.close()


def test_after_the_restart_the_till_offers_the_payment_and_resumes_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Through the real screens: killed mid-payment, started again, logged in: the dialog lists
    the payment; "Bon fortsetzen" brings back the cart with the cash already taken."""
    from tests.tcp_printer import TcpPrinter
    from tests.test_returns_gui import inside
    from tests.test_till_gui import close_window, log_in, make_window
    from ui.interrupted_payments import InterruptedPaymentsDialog

    path = build_store(tmp_path / "till.db")
    killed_mid_payment(path, 20_00)
    errors: list[BaseException] = []
    seen: list[str] = []

    def resume(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, InterruptedPaymentsDialog)
        seen.append(dialog.list.item(0).text())
        dialog.resume_button.click()

    def later(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, InterruptedPaymentsDialog)
        seen.append("later")
        dialog.reject()

    with TcpPrinter() as printer:
        window = make_window(qtbot, path, printer.port)
        try:
            inside(InterruptedPaymentsDialog, later, errors)
            log_in(qtbot, window)
            qtbot.waitUntil(lambda: seen == ["later"] or bool(errors), timeout=15_000)
            inside(InterruptedPaymentsDialog, later, errors)  # the day close is refused and offers it again
            window.shift.close_day()
            assert seen == ["later", "later"] and "abgebrochene Zahlung" in window.till.message.text()
            seen.clear()
            window.lock()
            inside(InterruptedPaymentsDialog, resume, errors)
            log_in(qtbot, window)
            qtbot.waitUntil(lambda: bool(errors) or (window.session is not None and bool(window.session.cart.lines)),
                            timeout=15_000)
            if errors:
                raise errors[0]
            assert "20,00" in seen[0] and "Lena Schmidt" in seen[0]
            assert len(window.session.cart.lines) == 2
            assert window.session.payment is not None and window.session.payment.remaining_cents == TOTAL - 20_00
            assert "fortgesetzt" in window.till.message.text()
        finally:
            close_window(window)
