"""The clock warning in the real main window's status bar: from the offset kept in the store
file (right after a restart, before the worker has said anything), gone when the worker reports
a clock that is right, and silent within the configured limit (sync.clock_skew_warn_s)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtWidgets import QApplication

from pos_app.config import Settings, SyncSettings
from pos_app.store.db import Database
from pos_app.store import clock_offset
from pos_app.trusted_time import ClockOffset
from sync.status import State, SyncStatus
from ui.app import open_window, shut_down

TWO_HOURS_MS = 2 * 3600 * 1000


def keep_offset(store_path: Path, offset_ms: int) -> None:
    db = Database(store_path)
    db.migrate()
    with db.writing() as s:
        clock_offset.save(s, ClockOffset(offset_ms, 20, datetime.now(timezone.utc)))
    db.close()


def window_with(qtbot, store_path: Path, limit_s: float):  # type: ignore[no-untyped-def]
    window = open_window(QApplication.instance(), store_path,
                         Settings(sync=SyncSettings(backend_url="", clock_skew_warn_s=limit_s)))
    window.confirm_quit = lambda pending: True
    window.show()
    qtbot.addWidget(window)
    return window


def close(window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    app.removeEventFilter(window.wedge)
    app.removeEventFilter(window.activity)
    shut_down(window)


def test_the_status_bar_warns_of_a_clock_two_hours_behind_until_the_clock_is_right(qtbot, store_path) -> None:
    keep_offset(store_path, TWO_HOURS_MS)
    window = window_with(qtbot, store_path, 120)
    try:
        line = window.sync.indicator.text.text()
        assert "⚠ Uhr der Kasse geht 2 h 00 min nach: Marktleitung informieren" in line, line
        assert "korrigierte Zeit" in window.sync.indicator.toolTip()
        window.sync._on_status(SyncStatus(State.ONLINE, clock_offset_ms=-300, as_of=datetime.now(timezone.utc)))
        assert "Uhr der Kasse" not in window.sync.indicator.text.text()
        window.sync._on_status(SyncStatus(State.ONLINE, clock_offset_ms=-200_000, as_of=datetime.now(timezone.utc)))
        assert "⚠ Uhr der Kasse geht 3 min vor" in window.sync.indicator.text.text()
    finally:
        close(window)


def test_within_the_configured_limit_there_is_no_warning(qtbot, store_path) -> None:
    keep_offset(store_path, TWO_HOURS_MS)
    window = window_with(qtbot, store_path, 3 * 3600)
    try:
        assert "Uhr der Kasse" not in window.sync.indicator.text.text()
    finally:
        close(window)
