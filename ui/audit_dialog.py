"""The manager's view of the audit trail (Ctrl+Shift+A): filter by person, action and dates,
newest first, with what changed (before/after); and the chain check at the press of a button.

UI thread: the filters read at most MAX_ROWS entries from the local store (an indexed scan,
milliseconds for a till's year); the check reads the whole log, a few ms per thousand entries.
"""
from __future__ import annotations

import json
from datetime import datetime, time

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.plural import count_text
from pos_app.clock import STORE_TZ, iso, local_display
from pos_app.store import audit_check
from pos_app.store.local import LocalStore

MAX_ROWS = 2000
ACTION_LABELS = {
    "login": "Anmeldung", "login_failed": "Anmeldung fehlgeschlagen", "manager_pin": "Freigabe-PIN",
    "manager_pin_failed": "Freigabe-PIN falsch", "approval": "Freigabe", "sale_voided": "Bon storniert",
    "card_declined": "Karte abgelehnt", "shift.opened": "Kasse geöffnet", "shift.closed": "Tagesabschluss",
    "shift.x_report": "X-Bericht", "cash.paid_in": "Einlage", "cash.paid_out": "Entnahme",
    "cash.drop": "Abschöpfung", "sync.conflict_resent": "Konflikt erneut gesendet",
    "sync.conflict_acknowledged": "Konflikt zur Kenntnis genommen", "audit.viewed": "Protokoll angesehen",
    "refund": "Erstattung (Rücknahme)", "drawer_no_sale": "Kassenlade ohne Verkauf",
    "devices_changed": "Geräte-Einstellungen geändert", "dsfinvk.export": "DSFinV-K-Export",
    "customer_profile_viewed": "Kundenprofil angesehen", "customer_data_exported": "Kundendaten exportiert",
    "customer_erased": "Kunde gelöscht (Löschantrag)", "customer_created": "Kunde angelegt",
    "customer_updated": "Kundendaten geändert", "service_case_step": "Servicefall-Schritt",
}
ALL = "Alle"


def _utc_start(day: QDate) -> str:
    return iso(datetime.combine(day.toPython(), time(0), tzinfo=STORE_TZ))  # type: ignore[arg-type]


class AuditDialog(QDialog):
    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Protokoll (Audit-Trail)")
        self.resize(1100, 620)
        with store.db.reading() as s:
            people, actions = audit_check.choices(s)
        self.person = QComboBox()
        self.person.setObjectName("person")
        self.person.addItem(ALL, None)
        for name in people:
            self.person.addItem(name, name)
        self.action = QComboBox()
        self.action.setObjectName("action")
        self.action.addItem(ALL, None)
        for action in actions:
            self.action.addItem(ACTION_LABELS.get(action, action), action)
        today = QDate(datetime.now(STORE_TZ).date())  # the store's day, not the machine's time zone
        self.date_from = QDateEdit(today.addDays(-7))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
            edit.dateChanged.connect(self.reload)
        self.person.currentIndexChanged.connect(self.reload)
        self.action.currentIndexChanged.connect(self.reload)
        filters = QHBoxLayout()
        for label, widget in (("Person", self.person), ("Aktion", self.action), ("von", self.date_from),
                              ("bis", self.date_to)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addStretch(1)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels(["Zeitpunkt", "Kasse", "Person", "Aktion", "Was (vorher → nachher)"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel("")
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        check = QPushButton("Kette prüfen")
        check.clicked.connect(self.check)
        close = QPushButton("Schließen")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(check)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.reload()

    def reload(self) -> None:
        start = _utc_start(self.date_from.date())
        end = _utc_start(self.date_to.date().addDays(1))
        with self.store.db.reading() as s:
            rows = audit_check.entries(s, actor_name=self.person.currentData(), action=self.action.currentData(),
                                       date_from=start, date_to=end, limit=MAX_ROWS)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            what = describe(row.details)
            values = (local_display(row.created_at), row.device_id, row.actor_name,
                      ACTION_LABELS.get(row.action, row.action), what)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(json.dumps(row.details, ensure_ascii=False, indent=1) if c == 4 else value)
                self.table.setItem(r, c, item)
        self.status.setText(count_text(len(rows), "1 Eintrag", "{count} Einträge") + (" (nur die neuesten)" if len(rows) == MAX_ROWS else ""))

    def check(self) -> bool:
        with self.store.db.reading() as s:
            result = audit_check.verify(s)
        self.status.setText(f"Kette in Ordnung ({result.entries} Einträge)." if result.ok else
                            "MANIPULIERT: " + " ".join(result.problems[:3]))
        return result.ok


def describe(details: dict[str, object]) -> str:
    """One line: the details, with before → after where the entry has them."""
    rest = {k: v for k, v in details.items() if k not in ("before", "after")}
    text = ", ".join(f"{k}: {v}" for k, v in rest.items())
    if "before" in details or "after" in details:
        text += f"  |  {_short(details.get('before'))} → {_short(details.get('after'))}"
    return text


def _short(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", 0)) + "}"
    return "–" if value is None else str(value)

