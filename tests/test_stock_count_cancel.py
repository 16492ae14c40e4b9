"""Cancelling a count before approval (issue 14, count.cancelled), against the real center on
loopback: a manager cancels on one tablet, the center closes the count without booking
anything, the other tablet sees it closed through the feed, a figure it counted offline
meanwhile is refused onto the conflict list (counts move no goods). A cashier cannot cancel,
a cancel without a reason writes nothing; a booked count cannot be cancelled."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app.stock.counts import StockCounts
from pos_app.stock.rules import StockRuleError
from pos_app.store.models import OutboxEvent
from pos_app.store.staff import StaffMember
from tests.backend_server import BackendServer, backend_database_url
from tests.consistency import differences, stock_operation_differences
from tests.pickup_helpers import CUSHION, THROW, HamTill, open_ham_till

pytestmark = pytest.mark.slow
backend_db = pytest.fixture(backend_database_url)
FINN = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


@pytest.fixture
def center(backend_db: str) -> Iterator[BackendServer]:
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def tablets(center: BackendServer, store_path: Path, tmp_path: Path) -> Iterator[tuple[HamTill, HamTill]]:
    tab1 = open_ham_till(center, store_path, tmp_path / "tab1.db", "HAM-T1")
    tab2 = open_ham_till(center, store_path, tmp_path / "tab2.db", "HAM-T2")
    yield tab1, tab2
    for d in (tab1, tab2):
        d.store.close()


def events(till: HamTill) -> int:
    with till.store.db.reading() as s:
        return s.query(OutboxEvent).count()


def test_a_count_cancelled_before_approval_books_nothing(tablets: tuple[HamTill, HamTill],
                                                         center: BackendServer) -> None:
    tab1, tab2 = tablets
    cushions = tab1.center_stock(CUSHION)[0]
    counts, other = StockCounts(tab1.store), StockCounts(tab2.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION, THROW))
    tab1.sync()
    tab2.sync()
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=cushions + 5)
    tab1.sync()

    before = events(tab1)
    with pytest.raises(StockRuleError, match="Marktleitung"):
        counts.cancel(started.count_id, FINN, "falsch gestartet")
    with pytest.raises(StockRuleError, match="Grund"):
        counts.cancel(started.count_id, JONAS, "  ")
    with pytest.raises(StockRuleError, match="zu lang"):
        counts.cancel(started.count_id, JONAS, "x" * 201)
    assert events(tab1) == before and counts.get(started.count_id).status == "open"

    counts.cancel(started.count_id, JONAS, "falscher Bereich")
    assert counts.counts() == [] and counts.get(started.count_id).status == "cancelled"
    with pytest.raises(StockRuleError, match="abgeschlossen"):
        counts.scan(started.count_id, tab1.barcode(CUSHION), FINN)
    with pytest.raises(StockRuleError, match="abgeschlossen"):
        counts.approve(started.count_id, JONAS)
    other.scan(started.count_id, tab2.barcode(THROW), FINN)  # tablet 2 has not heard yet (offline)
    tab1.sync()
    report = center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()
    assert report["status"] == "cancelled"
    assert tab1.center_stock(CUSHION)[0] == cushions  # nothing booked
    assert counts.get(started.count_id).status == "cancelled"  # the feed confirmed it

    tab2.sync()
    assert other.counts() == [] and other.get(started.count_id).status == "cancelled"
    [conflict] = tab2.store.conflicts()
    assert conflict.type == "count.counted" and "cancelled" in conflict.reason
    tab2.store.decide_conflict(conflict.event_id, resend=False, manager_id=2, manager_name=JONAS.name)
    for till in (tab1, tab2, tab1, tab2):
        till.sync()
    stores = [tab1.store, tab2.store]
    assert differences(center.database_url, *stores) == []
    assert stock_operation_differences(center.database_url, *stores) == []


def test_a_booked_count_cannot_be_cancelled(tablets: tuple[HamTill, HamTill], center: BackendServer) -> None:
    tab1, tab2 = tablets
    counts, other = StockCounts(tab1.store), StockCounts(tab2.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION,))
    tab1.sync()
    tab2.sync()
    counts.scan(started.count_id, tab1.barcode(CUSHION), FINN, quantity=3)
    counts.approve(started.count_id, JONAS)
    other.cancel(started.count_id, JONAS, "doch nicht")  # tablet 2 has not heard of the approval
    tab1.sync()
    tab2.sync()
    assert center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()["status"] == "booked"
    assert other.get(started.count_id).status == "booked"  # the center's word: the approval came first
    [conflict] = tab2.store.conflicts()
    assert conflict.type == "count.cancelled" and "booked already" in conflict.reason


def count_events(till: HamTill) -> list[str]:
    """The count's own events in the outbox (an approval's log-in writes its own, not counted)."""
    with till.store.db.reading() as s:
        return [e.type for e in s.query(OutboxEvent).order_by(OutboxEvent.seq) if e.type.startswith("count.")]


def approve_next(pin: str, done: list[str], tries: int = 750) -> None:
    """Answer the next manager approval as a person would: pick Jonas, type `pin`, Enter."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.dialogs import ManagerApprovalDialog

    def attempt(left: int) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ManagerApprovalDialog):
            if left:
                QTimer.singleShot(20, lambda: attempt(left - 1))
            return
        dialog.manager.setCurrentIndex(max(dialog.manager.findText(JONAS.name), 0))
        if pin:
            QTest.keyClicks(dialog.pin, pin)
            QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
        else:
            dialog.reject()
        done.append(pin or "rejected")
    QTimer.singleShot(20, lambda: attempt(tries))


def test_the_count_screen_cancels_a_started_count_after_asking(qtbot, tablets: tuple[HamTill, HamTill],
                                                               center: BackendServer) -> None:
    """Inventur (Ctrl+Shift+N) "Inventur abbrechen": "no" to the question, or no approval, changes
    nothing; yes and the manager's PIN discard the count's figures, the center books nothing."""
    from PySide6.QtCore import Qt

    from tests.confirm_helpers import answer_next_question
    from tests.store_fixture import MANAGER_PIN
    from tests.test_stock_gui import screen_rules
    from ui.conflicts_dialog import ask_manager
    from ui.stock_count import CountDialog

    tab1, _ = tablets
    cushions = tab1.center_stock(CUSHION)[0]
    counts = StockCounts(tab1.store)
    started = counts.start("products", FINN, JONAS, product_ids=(CUSHION, THROW))
    tab1.sync()
    dialog = CountDialog(counts, FINN, ask_manager(tab1.store))
    qtbot.addWidget(dialog)
    dialog.show()
    screen_rules(dialog)
    assert dialog.count is not None and dialog.count.count_id == started.count_id  # the one open count
    assert dialog.cancel_button.isVisible() and dialog.cancel_button.isEnabled()
    dialog.quantity.setValue(cushions + 5)
    dialog.scan.setText(tab1.barcode(CUSHION))
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    assert dialog.table.rowCount() == 1
    tab1.sync()
    before = count_events(tab1)

    asked = answer_next_question(yes=False)  # "Weiter zählen"
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(asked), timeout=15_000)
    assert "abbrechen" in asked[0] and "nichts wird gebucht" in asked[0]
    assert count_events(tab1) == before and counts.get(started.count_id).status == "open"
    assert dialog.count is not None and dialog.table.rowCount() == 1

    asked, approved = answer_next_question(yes=True), []
    approve_next("", approved)  # the manager does not approve
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(asked) and bool(approved), timeout=15_000)
    assert count_events(tab1) == before and counts.get(started.count_id).status == "open"

    asked, approved = answer_next_question(yes=True), []
    approve_next(MANAGER_PIN, approved)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counts.get(started.count_id).status == "cancelled", timeout=15_000)
    assert count_events(tab1) == [*before, "count.cancelled"]  # nothing else
    assert dialog.count is None and dialog.table.rowCount() == 0 and dialog.choice.count() == 0
    assert not dialog.cancel_button.isEnabled() and "nichts gebucht" in dialog.message.text()
    dialog.scan.setText(tab1.barcode(CUSHION))  # a scan now counts into nothing
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    assert "zuerst eine Inventur" in dialog.message.text() and count_events(tab1) == [*before, "count.cancelled"]

    tab1.sync()
    assert center.admin("GET", f"/v1/admin/stock/counts/{started.count_id}").json()["status"] == "cancelled"
    assert tab1.center_stock(CUSHION)[0] == cushions  # nothing booked
    assert differences(center.database_url, tab1.store) == []
    dialog.close()
