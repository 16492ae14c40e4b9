"""Sync as the till shows it (pytest-qt, offscreen): the status bar line, Ctrl+S, closing with
events not yet sent, and the manager's conflicts dialog (PIN, audit entry). Screens are saved
to test-artifacts/ to be looked at."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.config import Settings, SyncSettings
from pos_app.store import outbox
from pos_app.store.models import AuditEntry, OutboxEvent, StockMovement
from sync.status import State, SyncStatus
from sync.token import token_path, write_token
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, MANAGER_PIN
from tests.sync_fake_center import TOKEN, FakeCenter
from tests.sync_helpers import event_id_of, sell
from ui.app import open_window, resources_dir, shut_down
from ui.conflicts_dialog import ConflictsDialog
from ui.dialogs import ManagerApprovalDialog
from ui.sync_glue import status_text

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=timezone.utc)  # 15:30 in Berlin


@pytest.fixture(autouse=True)
def till_theme(qapp):  # type: ignore[no-untyped-def]
    qapp.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))


def make_window(qtbot, store_path: Path, url: str = "", token: str | None = TOKEN):  # type: ignore[no-untyped-def]
    if token is not None:
        write_token(token_path(store_path.parent), token)
    settings = Settings(sync=SyncSettings(backend_url=url, interval_s=60))
    window = open_window(QApplication.instance(), store_path, settings)
    window.confirm_quit = lambda pending: True
    window.resize(1280, 800)
    window.show()
    qtbot.addWidget(window)
    return window


def close(window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    app.removeEventFilter(window.wedge)
    app.removeEventFilter(window.activity)
    shut_down(window)


def in_modal(action) -> None:  # type: ignore[no-untyped-def]
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, attempt)
            return
        action(dialog)
    QTimer.singleShot(0, attempt)


# ---- the words -----------------------------------------------------------------------------


def test_status_line_words():
    online = SyncStatus(State.ONLINE, last_sync_at=NOW - timedelta(minutes=3))
    assert status_text(online, NOW, 0, None) == "Online · Zu senden: 0 · Letzter Abgleich: 15:27"
    offline = SyncStatus(State.OFFLINE, last_sync_at=NOW - timedelta(days=1), conflicts=2, retry_in_s=23.4)
    assert status_text(offline, NOW, 3, NOW - timedelta(minutes=75)) == (
        "Offline · Zu senden: 3 (ältestes vor 1 h 15 min) · Letzter Abgleich: 23.11. 15:30 · "
        "Konflikte: 2 (Strg+K) · nächster Versuch in 23 s")
    pulling = SyncStatus(State.SYNCING, pulling=True, pull_done=250_000, pull_total=1_000_000)
    assert status_text(pulling, NOW, 0, None) == ("Katalog wird geladen 25 % · Zu senden: 0 · "
                                                  "Noch nie abgeglichen")
    auth = SyncStatus(State.AUTH_ERROR)
    assert status_text(auth, NOW, 1, NOW).startswith("Gerät nicht freigeschaltet · Zu senden: 1 (ältestes vor < 1 min)")
    assert status_text(None, NOW, 2, None, "keine Zentrale eingestellt") == \
        "Abgleich aus: keine Zentrale eingestellt · nicht gesendet: 2"


# ---- the window ----------------------------------------------------------------------------


def test_sync_off_says_so_in_the_status_bar(qtbot, store_path):
    window = make_window(qtbot, store_path, url="", token=None)
    try:
        assert window.sync.worker is None
        assert window.sync.indicator.text.text().startswith("Abgleich aus: keine Zentrale eingestellt")
        assert not window.sync.sync_now_action.isEnabled()
    finally:
        close(window)


def test_no_token_means_no_worker_and_a_clear_message(qtbot, store_path):
    window = make_window(qtbot, store_path, url="http://127.0.0.1:9", token=None)
    try:
        assert window.sync.worker is None
        assert "Gerät nicht registriert (kein Token" in window.sync.indicator.text.text()
    finally:
        close(window)


def test_status_bar_goes_online_shows_pending_and_conflicts_and_ctrl_s_wakes(qtbot, store_path, artifacts):
    with FakeCenter() as center:
        window = make_window(qtbot, store_path, center.url)
        try:
            indicator = window.sync.indicator
            qtbot.waitUntil(lambda: indicator.text.text().startswith("Online"), timeout=15_000)
            assert "Zu senden: 0" in indicator.text.text() and "Letzter Abgleich: " in indicator.text.text()

            # a sale while the center answers with errors: the nudge after it meets a 500
            center.answer_next(500, {"detail": "down"}, times=1000)
            done = sell(window.store, EAN_DECKE)
            window.refresh_outbox()  # what the main window does after every sale
            qtbot.waitUntil(lambda: indicator.text.text().startswith("Offline"), timeout=15_000)
            assert "Zu senden: 1" in indicator.text.text()
            assert "Fehler in der Zentrale (HTTP 500)" in indicator.toolTip()
            assert "(ältestes vor < 1 min)" in indicator.text.text()
            with window.store.db.writing() as s:  # meanwhile a manager's decision is due
                outbox.mark_conflict(s, event_id_of(window.store, done.sale_id), "Bon doppelt")
            qtbot.wait(50)
            window.grab().save(str(artifacts / "sync-status-offline.png"))

            center.script.clear()
            woken = []
            original = window.sync.worker.wake
            window.sync.worker.wake = lambda: (woken.append(1), original())
            QTest.keyClick(window.login.pin, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
            assert woken == [1]
            from PySide6.QtNetwork import QNetworkInformation

            window.sync._reachability(QNetworkInformation.Reachability.Disconnected)
            window.sync._reachability(QNetworkInformation.Reachability.Online)  # the network is back
            assert woken == [1, 1]
            qtbot.waitUntil(lambda: indicator.text.text().startswith("Online"), timeout=15_000)
            assert "Konflikte: 1 (Strg+K)" in indicator.text.text()
            window.grab().save(str(artifacts / "sync-status-online.png"))
        finally:
            close(window)


def test_closing_with_events_not_sent_asks_and_says_how_many(qtbot, store_path):
    window = make_window(qtbot, store_path, "http://127.0.0.1:9")  # nobody there: stays pending
    try:
        sell(window.store, EAN_DECKE)
        sell(window.store, EAN_KAFFEE)
        asked: list[int] = []
        window.confirm_quit = lambda pending: asked.append(pending) or False
        window.close()
        assert asked == [2] and window.isVisible()
        window.confirm_quit = lambda pending: asked.append(pending) or True
        window.close()
        assert asked == [2, 2] and not window.isVisible()
    finally:
        close(window)


# ---- the conflicts dialog ------------------------------------------------------------------


def test_conflicts_dialog_acknowledge_needs_the_manager_pin_and_is_audited(qtbot, store, artifacts):
    done = sell(store, EAN_DECKE, EAN_KAFFEE)
    event_id = event_id_of(store, done.sale_id)
    with store.db.writing() as s:
        outbox.mark_conflict(s, event_id, "Abholauftrag wurde bereits an Kasse HAM-K1 ausgegeben")
    dialog = ConflictsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in (0, 2, 3)] == [
        "Verkauf", done.receipt_number, "Abholauftrag wurde bereits an Kasse HAM-K1 ausgegeben"]
    qtbot.wait(20)
    dialog.grab().save(str(artifacts / "sync-conflicts.png"))

    def wrong_pin_then_cancel(approval: QWidget) -> None:
        assert isinstance(approval, ManagerApprovalDialog)
        approval.pin.setText("0000")
        approval._try_accept()
        assert approval.error.text()  # refused, the dialog stays
        approval.reject()

    in_modal(wrong_pin_then_cancel)
    assert dialog.decide(resend=False) is False
    assert "keine Freigabe" in dialog.message.text() and len(store.conflicts()) == 1

    def manager(approval: QWidget) -> None:
        assert isinstance(approval, ManagerApprovalDialog)
        approval.pin.setText(MANAGER_PIN)
        QTest.keyClick(approval.pin, Qt.Key.Key_Return)

    in_modal(manager)
    QTest.mouseClick(dialog.ack_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 0 and store.conflicts() == []
    assert "zur Kenntnis genommen (Freigabe Jonas Weber)" in dialog.message.text()
    with store.db.reading() as s:
        assert s.get(OutboxEvent, event_id).status == "acknowledged"
        assert s.get(OutboxEvent, event_id).decided_by == "Jonas Weber"
        entry = s.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert entry.action == "sync.conflict_acknowledged" and entry.actor_name == "Jonas Weber"
        assert event_id in entry.details and done.receipt_number in entry.details
        # the audit entry itself is queued for the center
        last = s.query(OutboxEvent).order_by(OutboxEvent.seq.desc()).first()
        assert last.type == outbox.EventType.AUDIT_RECORDED and last.status == "pending"


def test_resend_puts_the_event_back_in_the_queue_and_wakes_the_worker(qtbot, store):
    done = sell(store, EAN_DECKE)
    event_id = event_id_of(store, done.sale_id)
    with store.db.writing() as s:
        outbox.mark_conflict(s, event_id, "Preis unbekannt")
    woken: list[int] = []
    from pos_app.cart import Approval

    dialog = ConflictsDialog(store, approve=lambda reason, parent: Approval(2, "Jonas Weber"),
                             on_resend=lambda: woken.append(1))
    qtbot.addWidget(dialog)
    assert dialog.decide(resend=True) and woken == [1]
    with store.db.reading() as s:
        old = s.get(OutboxEvent, event_id)
        # the center answers a replayed key with its first verdict: so a new key, same payload
        again = s.query(OutboxEvent).filter(OutboxEvent.payload == old.payload, OutboxEvent.id != event_id).one()
        assert (old.status, old.decided_by, again.status) == ("resent", "Jonas Weber", "pending")
        assert again.seq > old.seq and again.type == old.type
        assert s.query(StockMovement).filter_by(event_id=again.id).count() == 1
        entry = s.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert entry.action == "sync.conflict_resent" and again.id in entry.details


def test_a_big_first_pull_shows_a_progress_bar(qtbot, store_path, artifacts):
    window = make_window(qtbot, store_path, url="", token=None)
    try:
        indicator = window.sync.indicator
        window.sync._on_status(SyncStatus(State.SYNCING, pulling=True, pull_done=3_000, pull_total=2_000))
        assert indicator.progress.isHidden()  # one page: no bar
        window.sync._on_status(SyncStatus(State.SYNCING, pulling=True, pull_done=1_200_000,
                                          pull_total=3_010_000))
        assert not indicator.progress.isHidden() and indicator.progress.value() == 398
        assert indicator.text.text().startswith("Katalog wird geladen 40 %")
        qtbot.wait(20)
        window.grab().save(str(artifacts / "sync-status-first-pull.png"))
        window.sync._on_status(SyncStatus(State.ONLINE, last_sync_at=datetime.now(timezone.utc)))
        assert indicator.progress.isHidden() and indicator.text.text().startswith("Online")
    finally:
        close(window)
