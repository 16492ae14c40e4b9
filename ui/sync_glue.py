"""The sync worker as the cashier sees it: a line in the status bar, "sync now" and a wake-up
when the network comes back.

The worker (sync/worker.py) runs in its own process (sync/process.py, what the app uses) or on a
thread, and reports a frozen SyncStatus through a callback on a thread of its own.
`_StatusRelay` lives on the UI thread; emitting its signal from that thread queues the delivery
onto the UI thread (as ui/tasks.py does), so widgets are only ever touched there. Nothing here
talks to the network.

What the line says: online/offline with a coloured dot, events waiting and the age of the
oldest, the last sync, conflicts waiting for a manager (Ctrl+K), a warning when this till's
clock is off the center's by more than the limit (sync.clock_skew_warn_s; the worker also
writes an audit entry "clock_skew" for the manager), and a progress bar while a big first pull
of the catalog runs. The offset shown is the worker's last measurement, or the one kept in the
store file from before a restart.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from pos_app.clock import STORE_TZ, parse_iso
from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import format_day_month_time, format_percent, format_time
from pos_app.store import clock_offset
from pos_app.store.local import LocalStore
from pos_app.trusted_time import DEFAULT_SKEW_LIMIT_S
from sync.status import State, SyncStatus
from ui.till_actions_qt import bind_action

if TYPE_CHECKING:
    from sync.process import SyncProcess
    from sync.worker import SyncWorker

COLOURS = {State.ONLINE: "#0a7a2f", State.SYNCING: "#1f5fbf", State.OFFLINE: "#c05600",
           State.AUTH_ERROR: "#b00020", State.ERROR: "#b00020", None: "#8a8f98"}
BIG_PULL = 5_000  # feed sequences; a pull longer than one page gets a progress bar
LABELS = {State.ONLINE: "Online", State.SYNCING: N_("Abgleich läuft …"), State.OFFLINE: "Offline",
          State.AUTH_ERROR: N_("Gerät nicht freigeschaltet"), State.ERROR: N_("Abgleich gestört")}


def age_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return t("< 1 min")
    if minutes < 60:
        return t("{minutes} min", minutes=minutes)
    hours = minutes // 60
    if hours < 48:
        return t("{hours} h {minutes:02d} min", hours=hours, minutes=minutes % 60)
    return t("{days} Tagen", days=hours // 24)  # 2 days or more


def moment_text(moment: datetime, now: datetime) -> str:
    local, today = moment.astimezone(STORE_TZ), now.astimezone(STORE_TZ)
    return format_time(local) if local.date() == today.date() else format_day_month_time(local)


def skew_text(offset_ms: int | None, limit_s: float) -> str:
    """The clock warning ("" while within the limit); offset = center - this till."""
    if offset_ms is None or abs(offset_ms) <= limit_s * 1000:
        return ""
    seconds = abs(offset_ms) / 1000
    amount = age_text(seconds) if seconds >= 60 else f"{round(seconds)} s"
    if offset_ms > 0:
        return t("⚠ Uhr der Kasse geht {amount} nach: Marktleitung informieren", amount=amount)
    return t("⚠ Uhr der Kasse geht {amount} vor: Marktleitung informieren", amount=amount)


def status_text(status: SyncStatus | None, now: datetime, pending: int, oldest: datetime | None,
                off_reason: str = "", clock_offset_ms: int | None = None,
                skew_limit_s: float = DEFAULT_SKEW_LIMIT_S) -> str:
    """The status bar's words (a pure function, so a test can read exactly what a cashier reads).
    `clock_offset_ms`: the offset known when the status carries none (kept from before a restart)."""
    offset = status.clock_offset_ms if status is not None and status.clock_offset_ms is not None else clock_offset_ms
    skew = skew_text(offset, skew_limit_s)
    if status is None:
        text = t("Abgleich aus: {off_reason}", off_reason=t_marked(off_reason)) if off_reason else t("Abgleich aus")
        return text + (t(" · nicht gesendet: {pending}", pending=pending) if pending else "") + (f" · {skew}" if skew else "")
    parts = [t_marked(LABELS[status.state])]
    if status.pull_fraction is not None and status.pull_total > BIG_PULL:
        parts[0] = t("Katalog wird geladen {percent}", percent=format_percent(status.pull_fraction * 100))
    waiting = t("Zu senden: {pending}", pending=pending)
    if pending and oldest is not None:
        waiting += t(" (ältestes vor {age_text})", age_text=age_text(max(0.0, (now - oldest).total_seconds())))
    parts.append(waiting)
    parts.append(t("Letzter Abgleich: {moment_text}", moment_text=moment_text(status.last_sync_at, now)) if status.last_sync_at
                 else t("Noch nie abgeglichen"))
    if status.conflicts:
        parts.append(t("Konflikte: {conflicts} (Strg+K)", conflicts=status.conflicts))
    if status.state in (State.OFFLINE, State.ERROR) and status.retry_in_s is not None:
        passed = (now - status.as_of).total_seconds() if status.as_of is not None else 0.0
        left = status.retry_in_s - max(0.0, passed)
        parts.append(t("nächster Versuch in {value} s", value=max(1, round(left))) if left > 0 else t("nächster Versuch gleich"))
    if skew:
        parts.append(skew)
    return " · ".join(parts)


class _StatusRelay(QObject):
    """Created on the UI thread; a signal emitted on the worker thread arrives here queued."""

    changed = Signal(object)


SYNC_TEXT_MAX_PX = 420  # at 1024 px the printer's line had 80 px left with 460


class SyncIndicator(QWidget):
    """The status bar's sync line: a dot, the words, a progress bar for the first pull and a
    "sync now" button."""

    def __init__(self, sync_now: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.dot.setObjectName("syncDot")
        from ui.elided import ElidedLabel

        self.text = ElidedLabel()  # "…" with the whole line as tooltip on a narrow screen
        self.text.setObjectName("syncStatus")
        self.text.setMaximumWidth(SYNC_TEXT_MAX_PX)  # the printer's line next to it keeps room too
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.button = QToolButton()
        self.button.setDefaultAction(sync_now)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for widget in (self.dot, self.text, self.progress, self.button):
            layout.addWidget(widget, 1 if widget is self.text else 0)

    def show_line(self, colour: str, text: str, tooltip: str, fraction: float | None) -> None:
        self.dot.setStyleSheet(f"color: {colour}; font-size: 18px;")
        self.text.setText(text)
        self.setToolTip(tooltip)
        self.progress.setVisible(fraction is not None)
        if fraction is not None:
            self.progress.setValue(int(fraction * 1000))


class SyncGlue(QObject):
    """Connects one SyncWorker, or a SyncProcess running one (what the app uses), or none (sync
    off) to the window. UI thread only.

    `pending_reader` reads the local outbox summary (a quick indexed count) so the line is
    right at once after a sale, before the worker's next report.
    """

    def __init__(self, store: LocalStore, worker: SyncWorker | SyncProcess | None, off_reason: str = "",
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 parent: QObject | None = None, skew_limit_s: float = DEFAULT_SKEW_LIMIT_S) -> None:
        super().__init__(parent)
        self.skew_limit_s = skew_limit_s
        known = clock_offset.read(store.db)  # from before a restart, until the worker reports
        self._stored_offset_ms = known.offset_ms if known is not None else None
        self.store = store
        self.worker = worker
        self.off_reason = off_reason
        self._clock = clock
        self.status: SyncStatus | None = None
        self._pending = 0
        self._oldest: datetime | None = None
        self.sync_now_action = QAction(t("Jetzt abgleichen"), self)
        bind_action(self.sync_now_action, "sync_now")  # Ctrl+S: pos_app.till_actions
        self.sync_now_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.sync_now_action.setEnabled(worker is not None)
        self.sync_now_action.triggered.connect(self.sync_now)
        self.indicator = SyncIndicator(self.sync_now_action)
        self._relay = _StatusRelay(self)
        self._relay.changed.connect(self._on_status, Qt.ConnectionType.QueuedConnection)
        self._ticker = QTimer(self)  # the age of the oldest event keeps growing while offline
        self._ticker.setInterval(30_000)
        self._ticker.timeout.connect(self.render)
        self._ticker.start()
        self.network = self._watch_network() if worker is not None else None
        if worker is not None:
            worker.on_status = self.report
        self.local_change()

    # ---- wiring ----------------------------------------------------------------------------

    def report(self, status: SyncStatus) -> None:
        """The worker's on_status callback: runs on the worker thread (or the SyncProcess's
        listener thread), only emits."""
        self._relay.changed.emit(status)

    def start(self) -> None:
        if self.worker is not None and not self.worker.running:
            self.worker.start()

    def stop(self, timeout: float = 5.0) -> bool:
        self._ticker.stop()
        return self.worker.stop(timeout) if self.worker is not None else True

    def sync_now(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def local_change(self) -> None:
        """Called after this till wrote events (a sale, an audit entry): show them, send soon."""
        summary = self.store.outbox_summary()
        self._pending = summary.pending
        self._oldest = parse_iso(summary.oldest_pending_at) if summary.oldest_pending_at else None
        if self.worker is not None:
            self.worker.nudge()
        self.render()

    def _watch_network(self):  # type: ignore[no-untyped-def]
        """Wake the worker when the OS says the network is back (skipped where Qt has no
        backend for it, e.g. some headless systems)."""
        try:
            from PySide6.QtNetwork import QNetworkInformation
        except ImportError:
            return None
        info = QNetworkInformation.instance()
        if info is None and QNetworkInformation.loadDefaultBackend():
            info = QNetworkInformation.instance()
        if info is None:
            return None
        info.reachabilityChanged.connect(self._reachability)
        return info

    def _reachability(self, reachability) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtNetwork import QNetworkInformation

        if reachability == QNetworkInformation.Reachability.Online:
            self.sync_now()

    # ---- showing ---------------------------------------------------------------------------

    @Slot(object)
    def _on_status(self, status: SyncStatus) -> None:  # UI thread
        self.status = status
        self._pending = status.pending
        self._oldest = status.oldest_pending_at
        self.render()

    def render(self) -> None:
        now = self._clock()
        status = self.status
        state = status.state if status is not None else None
        text = status_text(status, now, self._pending, self._oldest, self.off_reason, self._stored_offset_ms,
                           self.skew_limit_s)
        tooltip = (status.last_error if status is not None and status.last_error else
                   t("Vorgänge werden in der Kasse gespeichert und gesendet, sobald die Zentrale erreichbar ist."))
        if "⚠" in text:  # the clock warning (the sign is the same in every language)
            tooltip += (t("\nDie Uhr dieser Kasse weicht von der Zentrale ab. Belege und Fristen nutzen die "
                        "korrigierte Zeit; bitte die Uhrzeit des Geräts richtig stellen."))
        big = status is not None and status.pull_total > BIG_PULL
        self.indicator.show_line(COLOURS[state], text, tooltip, status.pull_fraction if big else None)

    @property
    def pending(self) -> int:
        return self._pending
