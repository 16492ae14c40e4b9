"""Interrupted payments after a restart (issue 12): tenders a crash left on record
(pos_app.store.tender_log) are shown once someone logs in, for resolution: resume the sale with
those tenders (any cashier), or close it out (a manager's PIN): the cash stays in the drawer and
is booked in as a paid-in movement, or it was handed back to the customer (an approved card is
reversed at the terminal). "Später" leaves it on record; it is shown again at the next log-in.

Thread: the UI thread (the look-up and the resolutions are short local writes).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.store.staff import StaffMember
from pos_app.store.tender_log import InterruptedPayment, TenderLog, TenderLogError
from ui.dialogs import ManagerApprovalDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow

RESUME, KEEP_CASH, HANDED_BACK = "resume", "keep_cash", "handed_back"


class InterruptedPaymentsDialog(QDialog):
    """The list of interrupted payments and what can be done with the chosen one. The result
    is (`choice`, `payment`); the glue carries it out."""

    def __init__(self, payments: list[InterruptedPayment], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Abgebrochene Zahlung"))
        self.setModal(True)
        self.payments = payments
        self.choice: str | None = None
        why = QLabel(t("Die Kasse wurde mitten in einer Zahlung beendet. Bereits angenommenes Geld ist "
                     "verbucht und wartet auf eine Entscheidung, damit die Kasse beim Tagesabschluss stimmt."))
        why.setWordWrap(True)
        self.list = QListWidget()
        for p in payments:
            self.list.addItem(p.describe() + (t(" · davon bar in der Kasse {cash_cents}", cash_cents=format_euro(p.cash_cents))
                                              if p.cash_cents else ""))
        self.list.setCurrentRow(0)
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.resume_button = QPushButton(t("Bon fortsetzen"))
        self.keep_button = QPushButton(t("Bargeld bleibt in der Kasse:\nEinlage buchen (Marktleitung)"))
        self.back_button = QPushButton(t("Geld zurückgegeben / Karte storniert\n(Marktleitung)"))
        later = QPushButton(t("Später"))
        for button, choice in ((self.resume_button, RESUME), (self.keep_button, KEEP_CASH),
                               (self.back_button, HANDED_BACK)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
        later.clicked.connect(self.reject)
        buttons = QGridLayout()  # two by two: the long choices fit a 800 px wide screen too
        for i, button in enumerate((self.resume_button, self.keep_button, self.back_button, later)):
            button.setMinimumHeight(44)
            buttons.addWidget(button, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.addWidget(why)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    @property
    def payment(self) -> InterruptedPayment | None:
        row = self.list.currentRow()
        return self.payments[row] if 0 <= row < len(self.payments) else None

    def _choose(self, choice: str) -> None:
        if self.payment is None:
            self.message.setText(t("Bitte eine Zahlung wählen."))
            return
        self.choice = choice
        self.accept()


class InterruptedPaymentsGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.log = TenderLog(window.store.db, window.store.device_id)
        self.dialog: InterruptedPaymentsDialog | None = None
        window.login.logged_in.connect(lambda _member: QTimer.singleShot(0, self.check))

    def check(self) -> None:
        """After a log-in: anything a crash left open is offered for resolution."""
        window = self.window
        if self.dialog is not None or window.session is None or window.till is None:
            return
        payments = self.log.interrupted()
        if not payments:
            return
        self.dialog = InterruptedPaymentsDialog(payments, window)
        try:
            if self.dialog.exec() != QDialog.DialogCode.Accepted or self.dialog.payment is None:
                return
            choice, payment = self.dialog.choice, self.dialog.payment
        finally:
            self.dialog = None
        try:
            self._resolve(choice, payment)
        except (TenderLogError, ValueError) as exc:
            window.till.say(str(exc), error=True)

    def _resolve(self, choice: str | None, payment: InterruptedPayment) -> None:
        window = self.window
        assert window.session is not None and window.till is not None
        if choice == RESUME:
            change = window.session.resume_interrupted(payment)
            window.till.refresh(change)
            window.till.say(t("Bon fortgesetzt: bezahlt {paid_cents}, offen {value}.", paid_cents=format_euro(payment.paid_cents), value=format_euro(window.session.payment.remaining_cents if window.session.payment else 0)))
            return
        approval = ManagerApprovalDialog(window.store.staff, t("Abgebrochene Zahlung abschließen"), window)
        if approval.exec() != QDialog.DialogCode.Accepted or approval.approval is None:
            return
        manager = StaffMember(approval.approval.manager_id, approval.approval.manager_name, "manager")
        kept = choice == KEEP_CASH
        self.log.close_out(payment.payment_id, manager, cash_kept=kept, cashbook=window.store.cashbook,
                           signer=window.store.fiscal)
        window.till.say(t("Einlage {cash_cents} gebucht.", cash_cents=format_euro(payment.cash_cents)) if kept and payment.cash_cents
                        else t("Abgebrochene Zahlung abgeschlossen: Geld zurückgegeben."))
        window.refresh_outbox()
