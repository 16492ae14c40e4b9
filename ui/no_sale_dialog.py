"""Strg+D: open the cash drawer without a sale. The cashier picks or types a reason; a cashier
(not a manager) then needs a manager's PIN; the opening is recorded (pos_app.drawer) before the
drawer is kicked. Thread: UI thread."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QWidget

from pos_app.cart import ApprovalRequired
from pos_app.drawer import NO_SALE_REASONS, NoSaleRecorded, clean_reason, record_no_sale
from pos_app.i18n import t, t_marked
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from ui.dialogs import ManagerApprovalDialog, _Form


class NoSaleDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(t("Kassenlade öffnen (ohne Verkauf)"), parent)
        self.form.addRow(QLabel(t("Die Öffnung wird mit Grund und Namen protokolliert.")))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(["", *[t_marked(r) for r in NO_SALE_REASONS]])
        self.reason.setCurrentIndex(0)
        self.form.addRow(t("Grund"), self.reason)
        self.reason.setFocus()
        self.text = ""

    def validate(self) -> None:
        self.text = clean_reason(self.reason.currentText())


def open_no_sale(store: LocalStore, member: StaffMember, parent: QWidget | None = None,
                 reason: str | None = None) -> NoSaleRecorded | None:
    """Ask for the reason (unless given) and, for a cashier, a manager's PIN; record it.
    None when cancelled (nothing recorded)."""
    if reason is None:
        dialog = NoSaleDialog(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        reason = dialog.text
    try:
        return record_no_sale(store, member, reason)
    except ApprovalRequired as need:
        approval = ManagerApprovalDialog(store.staff, need.description, parent)
        if approval.exec() != QDialog.DialogCode.Accepted or approval.approval is None:
            return None
        return record_no_sale(store, member, reason, approval.approval)
