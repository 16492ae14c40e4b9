"""Screens a cashier sees besides the cart: log-in, payment, the receipt journal with preview.
Each is driven a little and saved as a PNG in test-artifacts/ to be looked at."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from ui.app import resources_dir
from ui.journal_dialog import JournalDialog, ParkedDialog
from ui.login_view import LoginView
from ui.payment_dialog import PaymentDialog

LENA = StaffMember(1, "Lena Schmidt", "cashier")


@pytest.fixture(autouse=True)
def till_theme(qapp):  # type: ignore[no-untyped-def]
    """The screens as the app shows them: with the till's stylesheet."""
    qapp.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))


def test_login_screen_lists_staff_and_shows_the_hint(qtbot, store, artifacts):
    view = LoginView(store, "Demo-PINs: Kasse 1234 · Verkauf 5555 · Marktleitung 9999")
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    assert view.people.count() == 2
    QTest.keyClick(view.pin, Qt.Key.Key_Down)  # arrows in the PIN field choose the person
    assert view.people.currentRow() == 1
    view.grab().save(str(artifacts / "login.png"))


def test_payment_dialog_split_card_then_cash(qtbot, store, artifacts):
    session = TillSession(store, LENA)
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    dialog = PaymentDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.amount.text() == "52,98"
    assert [b.text().split()[0] for b in dialog.quick_buttons] == ["52,98", "55,00", "60,00", "100,00"]
    dialog.amount.setText("20,00")
    dialog.start_card()
    assert dialog.card_panel.isVisible()
    dialog.grab().save(str(artifacts / "payment-card.png"))
    dialog.finish_card(False)  # declined: nothing booked
    assert "abgelehnt" in dialog.error.text() and session.payment.paid_cents == 0
    dialog.amount.setText("20,00")
    dialog.start_card()
    dialog.finish_card(True)
    assert session.payment.remaining_cents == 3298 and dialog.amount.text() == "32,98"
    dialog.amount.setText("10,00")
    dialog.pay_cash(partial=False)  # too little, and not marked partial
    assert "reicht nicht" in dialog.error.text() and session.payment.paid_cents == 2000
    qtbot.wait(20)
    dialog.grab().save(str(artifacts / "payment-split.png"))
    dialog.amount.setText("50")
    QTest.keyClick(dialog.amount, Qt.Key.Key_Return)  # Enter pays once (not also a default button)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert [t.kind.value for t in session.payment.tenders] == ["card", "cash"]
    assert session.payment.change_cents == 1702


def test_journal_shows_the_receipt_preview_and_reprints(qtbot, store, artifacts):
    session = TillSession(store, LENA)
    session.scan(EAN_DECKE)
    session.pay_cash(5000)
    sale = session.complete()
    printed = []
    dialog = JournalDialog(store, printed.append)
    qtbot.addWidget(dialog)
    dialog.show()
    preview = dialog.preview.toPlainText()
    assert "Kuscheldecke Größe XL grün" in preview and "BER-K1-000001" in preview
    assert "Rückgeld" in preview and "10,01" in preview
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    assert printed == [sale.sale_id]
    dialog.grab().save(str(artifacts / "journal.png"))


def test_parked_dialog_recalls_with_enter(qtbot, store):
    session = TillSession(store, LENA)
    session.scan(EAN_KAFFEE)
    parked_id = session.park()
    dialog = ParkedDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.chosen == parked_id
