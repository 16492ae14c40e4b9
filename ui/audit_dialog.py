"""The manager's view of the audit trail (Ctrl+Shift+A): filter by person, action and dates,
newest first, with what changed (before/after); and the chain check at the press of a button.

UI thread: the filters read at most MAX_ROWS entries from the local store (an indexed scan,
milliseconds for a till's year); the check reads the whole log, a few ms per thousand entries.
"""
from __future__ import annotations

import json
from datetime import datetime, time

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.clock import STORE_TZ, iso
from pos_app.i18n import N_, t, t_marked, tn
from pos_app.i18n.formats import local_display
from pos_app.store import audit_check
from pos_app.store.local import LocalStore
from ui.till_actions_qt import bind

MAX_ROWS = 2000
ACTION_LABELS = {
    "login": N_("Anmeldung"), "login_failed": N_("Anmeldung fehlgeschlagen"), "manager_pin": N_("Freigabe-PIN"),
    "manager_pin_failed": N_("Freigabe-PIN falsch"), "approval": N_("Freigabe"), "sale_voided": N_("Bon storniert"),
    "card_declined": N_("Karte abgelehnt"), "shift.opened": N_("Kasse geöffnet"), "shift.closed": N_("Tagesabschluss"),
    "shift.x_report": N_("X-Bericht"), "cash.paid_in": N_("Einlage"), "cash.paid_out": N_("Entnahme"),
    "cash.drop": N_("Abschöpfung"), "sync.conflict_resent": N_("Konflikt erneut gesendet"),
    "sync.conflict_acknowledged": N_("Konflikt zur Kenntnis genommen"), "audit.viewed": N_("Protokoll angesehen"),
    "refund": N_("Erstattung (Rücknahme)"), "drawer_no_sale": N_("Kassenlade ohne Verkauf"),
    "devices_changed": N_("Geräte-Einstellungen geändert"), "dsfinvk.export": N_("DSFinV-K-Export"),
    "customer_profile_viewed": N_("Kundenprofil angesehen"), "customer_data_exported": N_("Kundendaten exportiert"),
    "customer_erased": N_("Kunde gelöscht (Löschantrag)"), "customer_created": N_("Kunde angelegt"),
    "customer_updated": N_("Kundendaten geändert"), "service_case_step": N_("Servicefall-Schritt"),
}
ALL = N_("Alle")


def _utc_start(day: QDate) -> str:
    return iso(datetime.combine(day.toPython(), time(0), tzinfo=STORE_TZ))  # type: ignore[arg-type]


class AuditDialog(QDialog):
    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(t("Protokoll (Audit-Trail)"))
        self.resize(1100, 620)
        with store.db.reading() as s:
            people, actions = audit_check.choices(s)
        self.person = QComboBox()
        self.person.setObjectName("person")
        self.person.addItem(t_marked(ALL), None)
        for name in people:
            self.person.addItem(name, name)
        self.action = QComboBox()
        self.action.setObjectName("action")
        self.action.addItem(t_marked(ALL), None)
        for action in actions:
            self.action.addItem(t_marked(ACTION_LABELS.get(action, action)), action)
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
        for label, widget in ((t("Person"), self.person), (t("Aktion"), self.action), (t("von"), self.date_from),
                              (t("bis"), self.date_to)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addStretch(1)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels([t("Zeitpunkt"), t("Kasse"), t("Person"), t("Aktion"), t("Was (vorher → nachher)")])
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
        check = QPushButton(t("Kette prüfen"))
        check.clicked.connect(self.check)
        close = QPushButton(t("Schließen"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(check)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        bind("close_dialog", self, self.reject)
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
                      t_marked(ACTION_LABELS.get(row.action, row.action)), what)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(json.dumps(row.details, ensure_ascii=False, indent=1) if c == 4 else value)
                self.table.setItem(r, c, item)
        self.status.setText(tn("{n} Eintrag", "{n} Einträge", len(rows)) + (t(" (nur die neuesten)") if len(rows) == MAX_ROWS else ""))

    def check(self) -> bool:
        with self.store.db.reading() as s:
            result = audit_check.verify(s)
        self.status.setText(t("Kette in Ordnung ({entries} Einträge).", entries=result.entries) if result.ok else
                            t("MANIPULIERT: ") + " ".join(result.problems[:3]))
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

