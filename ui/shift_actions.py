"""The till's cash and audit actions on their keys, for the manager:

    Strg+Umschalt+O  Kasse öffnen (Anfangsbestand)     Strg+P  Einlage / Entnahme / Abschöpfung
    Strg+Umschalt+X  X-Bericht (geschlossen: letzter Z-Bon, Kopie)   Strg+Umschalt+Z  Tagesabschluss
    Strg+Umschalt+A  Protokoll (Audit-Trail)

A manager logged in acts at once; anyone else is asked for a manager's PIN first (the same
approval dialog as for discounts; the PIN check is itself in the audit trail). The action is
then recorded in the manager's name. After log-in the till says when it is not open yet.

UI thread only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog

from pos_app.shift import ShiftReport
from pos_app import card_payments
from pos_app.i18n import t, t_marked, tn
from pos_app.i18n.formats import format_euro
from pos_app.shift_print import report_rows
from pos_app.store.cashbook import NOT_OPEN
from pos_app.store.staff import StaffMember
from ui.audit_dialog import AuditDialog
from ui.dialogs import ManagerApprovalDialog
from ui.shift_dialogs import CashMovementDialog, CloseDayDialog, OpenShiftDialog, ReportDialog
from ui.till_actions_qt import TillKeys, bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow

ACTIONS = ("open_shift", "cash_movement", "x_report", "close_day", "audit")  # keys: pos_app.till_actions


class ShiftActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        for name, handler in zip(ACTIONS, (self.open_shift, self.move_cash, self.x_report, self.close_day,
                                           self.show_audit)):
            bind(name, window, handler)
        # a line edit claims Ctrl+Shift+Z (redo), Ctrl+P ... for itself; on the till these keys are ours
        self._keep = TillKeys(self)
        window.login.logged_in.connect(self._after_login)  # after the window's own handler

    # ---- helpers ---------------------------------------------------------------------------

    def _at_till(self) -> bool:
        w = self.window
        return w.session is not None and w.till is not None and w.stack.currentWidget() is w.till

    def _say(self, text: str, error: bool = False) -> None:
        """A message on the till; also brings the keys back to it after a dialog (not every
        platform does that by itself)."""
        till = self.window.till
        if till is not None:
            till.say(text, error)
            if QApplication.activeModalWidget() is None:
                self.window.activateWindow()
                till.focus_search()

    def _manager(self, reason: str) -> StaffMember | None:
        """The logged-in person if a manager, else whoever approves with their PIN."""
        assert self.window.session is not None
        me = self.window.session.cashier
        if me.is_manager:
            return me
        dialog = ManagerApprovalDialog(self.store.staff, reason, self.window)
        dialog.exec()
        dialog.deleteLater()
        if dialog.result() != QDialog.DialogCode.Accepted or dialog.approval is None:
            self._say(t("Abgebrochen: keine Freigabe."), error=True)
            return None
        return StaffMember(dialog.approval.manager_id, dialog.approval.manager_name, "manager")

    def print_report(self, report: ShiftReport, copy: bool = False) -> None:
        printing = self.window.printing
        name = t("Z-Bon {z_number}", z_number=report.z_number) if report.is_z else t("X-Bericht")
        job = f"Z-{report.device_id}-{report.z_number}" if report.is_z else f"X-{report.as_of}"
        terminal = None
        if report.is_z and getattr(self.window, "card_terminal", None) is not None:  # its Kassenschnitt
            terminal = self.window.card_terminal.ledger.end_of_day_between(report.opened_at, report.as_of)
        printing.print_rows(job + ("-kopie" if copy else ""),
                            report_rows(report, printing.paper, copy=copy, terminal=terminal),
                            name + (t(" (Kopie)") if copy else ""))

    def _after_login(self, _member: StaffMember) -> None:
        if self.window.till is not None:
            self.window.till.entry.installEventFilter(self._keep)
        if self.store.cashbook.current() is None:
            self._say(NOT_OPEN, error=True)

    # ---- the actions -----------------------------------------------------------------------

    def open_shift(self) -> None:
        if not self._at_till():
            return
        if self.store.cashbook.current() is not None:
            self._say(t("Die Kasse ist schon geöffnet."), error=True)
            return
        manager = self._manager(t("Kasse öffnen mit Anfangsbestand."))
        if manager is None:
            return
        dialog = OpenShiftDialog(self.store.cashbook, manager, self.window)
        dialog.exec()
        dialog.deleteLater()
        if dialog.result() == QDialog.DialogCode.Accepted and dialog.opened is not None:
            self._say(t("Kasse geöffnet von {name}, Anfangsbestand {float_cents}.", name=manager.name, float_cents=format_euro(dialog.opened.float_cents)))
            self.window.refresh_outbox()

    def move_cash(self) -> None:
        if not self._at_till():
            return
        if self.store.cashbook.current() is None:
            self._say(NOT_OPEN, error=True)
            return
        manager = self._manager(t("Ein- oder Auszahlung aus der Kasse."))
        if manager is None:
            return
        dialog = CashMovementDialog(self.store.cashbook, manager, self.window, signer=self.store.fiscal)
        dialog.exec()
        dialog.deleteLater()
        if dialog.result() == QDialog.DialogCode.Accepted and dialog.moved is not None:
            moved = dialog.moved
            self._say(t("{label} {amount_cents} ({value}) gebucht.", label=t_marked(moved.kind.label), amount_cents=format_euro(moved.amount_cents), value=moved.business_case.value)
                      + (t(" TSE ausgefallen: ohne Signatur aufgezeichnet.") if moved.tse_failure else ""))
            self.window.refresh_outbox()

    def x_report(self) -> None:
        """The X report of the open shift; on a closed till, the last Z report (to print a copy)."""
        if not self._at_till():
            return
        if self.store.cashbook.current() is None:
            last = self.store.cashbook.last_z_number()
            if not last:
                self._say(NOT_OPEN, error=True)
                return
            manager = self._manager(t("Z-Bon Nr. {last} erneut ansehen oder als Kopie drucken.", last=last))
            if manager is None:
                return
            shown = ReportDialog(self.store.cashbook.z_report(last), self.print_report, self.window.printing.paper,
                                 self.window, copy=True)
            shown.exec()
            shown.deleteLater()
            self._say(t("Z-Bon Nr. {last} angesehen. {NOT_OPEN}", last=last, NOT_OPEN=NOT_OPEN))
            return
        manager = self._manager(t("X-Bericht (Zwischenbericht) ansehen."))
        if manager is None:
            return
        report = self.store.cashbook.x_report()
        self.store.record(manager.id, manager.name, "shift.x_report",
                          {"sales": report.sales.count, "total_cents": report.total_cents})
        self.window.refresh_outbox()
        shown = ReportDialog(report, self.print_report, self.window.printing.paper, self.window)
        shown.exec()
        shown.deleteLater()
        self._say(tn("X-Bericht: {n} Bon, {total_cents}.", "X-Bericht: {n} Bons, {total_cents}.", report.sales.count, total_cents=format_euro(report.total_cents)))

    def close_day(self) -> None:
        if not self._at_till():
            return
        session = self.window.session
        assert session is not None
        if session.has_open_sale:
            self._say(t("Tagesabschluss nicht möglich: Ein Bon ist noch offen. Bitte erst abschließen, parken "
                      "oder stornieren."), error=True)
            return
        interrupted = getattr(self.window, "interrupted_payments", None)  # issue 12: cash a crash left
        if interrupted is not None and interrupted.log.interrupted():
            self._say(t("Tagesabschluss nicht möglich: Eine abgebrochene Zahlung wartet auf eine Entscheidung "
                      "(Bon fortsetzen, Einlage buchen oder Geld zurückgegeben)."), error=True)
            interrupted.check()
            return
        if self.store.cashbook.current() is None:
            self._say(t("Die Kasse ist nicht geöffnet: es gibt keinen Tag abzuschließen."), error=True)
            return
        manager = self._manager(t("Tagesabschluss mit Kassenzählung (Z-Bon)."))
        if manager is None:
            return
        terminal = getattr(self.window, "card_terminal", None)
        if terminal is not None:  # the terminal's Kassenschnitt first: its totals go into the Z report
            self._say(t("Kassenschnitt am Kartenterminal läuft …"))
            terminal.run("end_of_day", lambda t, cb: card_payments.end_of_day(terminal.ledger, t, cb),
                         lambda reply, error: self._terminal_closed(manager, reply, error))
            return
        self._close_day_dialog(manager)

    def _terminal_closed(self, manager: StaffMember, reply: object, error: BaseException | None) -> None:
        if error is not None:
            self._say(t("Kassenschnitt am Kartenterminal fehlgeschlagen: {error}. Der Z-Bon zeigt ihn nicht.", error=error),
                      error=True)
        else:
            self._say(t("Kassenschnitt am Kartenterminal: {message}.", message=getattr(reply, 'message', '')))
        self._close_day_dialog(manager)

    def _close_day_dialog(self, manager: StaffMember) -> None:
        session = self.window.session
        assert session is not None
        dialog = CloseDayDialog(self.store.cashbook, manager, pending_events=self.store.outbox_summary().pending,
                                sale_in_progress=session.has_open_sale, print_report=self.print_report,
                                paper=self.window.printing.paper, parent=self.window)
        dialog.exec()
        dialog.deleteLater()
        if dialog.closed is None:
            self._say(t("Tagesabschluss abgebrochen: nichts gebucht."))
        else:
            self._say(t("Tag abgeschlossen: Z-Bon Nr. {z_number}. {NOT_OPEN}", z_number=dialog.closed.z_number, NOT_OPEN=NOT_OPEN))
            self.window.refresh_outbox()

    def show_audit(self) -> None:
        if not self._at_till():
            return
        manager = self._manager(t("Protokoll (Audit-Trail) ansehen."))
        if manager is None:
            return
        self.store.record(manager.id, manager.name, "audit.viewed", {})
        self.window.refresh_outbox()
        viewer = AuditDialog(self.store, self.window)
        viewer.exec()
        viewer.deleteLater()
        self._say(t("Protokoll geschlossen."))
