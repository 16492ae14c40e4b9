"""The manager's Abgleich (Ctrl+K): the events the center refused (sync conflicts) with the two
decisions, send it again (back to the queue, e.g. after the center's data was fixed) or take
note of it (acknowledged: the event is final, but goods it moved stay moved and are booked at
the center: pos_app.store.outbox); and below them the open reconciliations the center raised
for this store, with the amount at stake (ui.reconciliation_panel). Every decision needs a
manager's PIN and lands in the audit trail, which goes to the center too.

UI thread; the list is a short local read, the decision one local transaction.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.cart import Approval
from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import local_display
from pos_app.store.local import LocalStore
from pos_app.reconciliations import ReconciliationDesk
from pos_app.store.outbox import Conflict, EventType
from ui.dialogs import ManagerApprovalDialog
from ui.reconciliation_panel import ReconciliationPanel
from ui.till_actions_qt import bind

TYPE_LABELS = {EventType.SALE_COMPLETED: N_("Verkauf"), EventType.AUDIT_RECORDED: N_("Protokolleintrag"),
               EventType.DAY_CLOSED: N_("Tagesabschluss"), EventType.RETURN_COMPLETED: N_("Rückgabe"),
               "pickup.handed_over": N_("Abholung übergeben"), "pickup.picked": N_("Abholung kommissioniert"),
               EventType.STOCK_ADJUSTED: N_("Bestandskorrektur"), EventType.RECONCILIATION_CLOSED: N_("Abgleich"),
               "stock.received": N_("Wareneingang"), "count.started": N_("Inventur gestartet"),  # issue 14
               "count.counted": N_("Inventur gezählt"), "count.approved": N_("Inventur freigegeben")}

Approve = Callable[[str, QWidget], Approval | None]


def ask_manager(store: LocalStore) -> Approve:
    def approve(reason: str, parent: QWidget) -> Approval | None:
        dialog = ManagerApprovalDialog(store.staff, reason, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.approval
    return approve


class ConflictsDialog(QDialog):
    def __init__(self, store: LocalStore, parent: QWidget | None = None, approve: Approve | None = None,
                 on_resend: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._approve = approve or ask_manager(store)
        self._on_resend = on_resend
        self.setWindowTitle(t("Abgleich: abgelehnte Vorgänge und offene Klärungen"))
        self.resize(980, 640)
        self.conflicts: list[Conflict] = []

        intro = QLabel(t("Diese Vorgänge hat die Zentrale abgelehnt. Sie bleiben hier, bis die Marktleitung "
                       "entscheidet: erneut senden oder zur Kenntnis nehmen. Bewegte Ware bleibt gebucht "
                       "und wird als Bestandskorrektur an die Zentrale gemeldet."))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([t("Art"), t("Zeitpunkt"), t("Bon-Nr."), t("Grund")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.message = QLabel("")
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        self.resend_button = QPushButton(t("Erneut senden"))
        self.ack_button = QPushButton(t("Zur Kenntnis genommen"))
        close = QPushButton(t("Schließen"))
        self.resend_button.clicked.connect(lambda: self.decide(resend=True))
        self.ack_button.clicked.connect(lambda: self.decide(resend=False))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.ack_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.reconciliations = ReconciliationPanel(ReconciliationDesk(store), self._approve, self,
                                                   on_change=on_resend)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.reconciliations, 1)
        bind("close_dialog", self, self.reject)
        self.reload()

    def reload(self) -> None:
        self.conflicts = self.store.conflicts()
        self.table.setRowCount(len(self.conflicts))
        for row, c in enumerate(self.conflicts):
            values = (t_marked(TYPE_LABELS.get(c.type, c.type)), local_display(c.shown_at), c.receipt_number or "–",
                      c.reason)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        if self.conflicts:
            self.table.selectRow(0)
        else:
            self.message.setText(t("Keine offenen Konflikte."))
        for button in (self.resend_button, self.ack_button):
            button.setEnabled(bool(self.conflicts))

    def selected(self) -> Conflict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows else None

    def decide(self, resend: bool) -> bool:
        conflict = self.selected()
        if conflict is None:
            self.message.setText(t("Bitte zuerst einen Vorgang auswählen."))
            return False
        what = f"{t_marked(TYPE_LABELS.get(conflict.type, conflict.type))} {conflict.receipt_number}".strip()
        action = t("erneut an die Zentrale senden") if resend else t("als zur Kenntnis genommen abschließen")
        approval = self._approve(t("{what} {action}.\nGrund der Ablehnung: {reason}", what=what, action=action, reason=conflict.reason), self)
        if approval is None:
            self.message.setText(t("Abgebrochen: keine Freigabe."))
            return False
        try:
            self.store.decide_conflict(conflict.event_id, resend, approval.manager_id, approval.manager_name)
        except LookupError as exc:
            self.message.setText(str(exc))
            self.reload()
            return False
        self.reload()
        self.message.setText(t("{what}: {value} (Freigabe {manager_name}).", what=what, value=t('wird erneut gesendet') if resend else t('zur Kenntnis genommen'), manager_name=approval.manager_name))
        if resend and self._on_resend is not None:
            self._on_resend()
        return True
