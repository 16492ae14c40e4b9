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

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog

from pos_app.plural import count_text
from pos_app.money import format_euro
from pos_app.shift import ShiftReport
from pos_app import card_payments
from pos_app.shift_print import report_rows
from pos_app.store.cashbook import NOT_OPEN
from pos_app.store.staff import StaffMember
from ui.audit_dialog import AuditDialog
from ui.dialogs import ManagerApprovalDialog
from ui.shift_dialogs import CashMovementDialog, CloseDayDialog, OpenShiftDialog, ReportDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow

KEYS = {"open": "Ctrl+Shift+O", "move": "Ctrl+P", "x": "Ctrl+Shift+X", "z": "Ctrl+Shift+Z", "audit": "Ctrl+Shift+A"}


class _KeepOurKeys(QObject):
    """A line edit claims Ctrl+Shift+Z (redo) for itself; on the till these keys are ours."""

    def __init__(self, sequences: list[QKeySequence], parent: QObject) -> None:
        super().__init__(parent)
        self._sequences = sequences

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if any(pressed.matches(s) == QKeySequence.SequenceMatch.ExactMatch for s in self._sequences):
                return True  # not accepted by the line edit: the window's shortcut fires
        return False


class ShiftActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        handlers = {"open": self.open_shift, "move": self.move_cash, "x": self.x_report, "z": self.close_day,
                    "audit": self.show_audit}
        for name, key in KEYS.items():
            QShortcut(QKeySequence(key), window, handlers[name])
        self._keep = _KeepOurKeys([QKeySequence(k) for k in KEYS.values()], self)
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
            self._say("Abgebrochen: keine Freigabe.", error=True)
            return None
        return StaffMember(dialog.approval.manager_id, dialog.approval.manager_name, "manager")

    def print_report(self, report: ShiftReport, copy: bool = False) -> None:
        printing = self.window.printing
        name = f"Z-Bon {report.z_number}" if report.is_z else "X-Bericht"
        job = f"Z-{report.device_id}-{report.z_number}" if report.is_z else f"X-{report.as_of}"
        terminal = None
        if report.is_z and getattr(self.window, "card_terminal", None) is not None:  # its Kassenschnitt
            terminal = self.window.card_terminal.ledger.end_of_day_between(report.opened_at, report.as_of)
        printing.print_rows(job + ("-kopie" if copy else ""),
                            report_rows(report, printing.paper, copy=copy, terminal=terminal),
                            name + (" (Kopie)" if copy else ""))

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
            self._say("Die Kasse ist schon geöffnet.", error=True)
            return
        manager = self._manager("Kasse öffnen mit Anfangsbestand.")
        if manager is None:
            return
        dialog = OpenShiftDialog(self.store.cashbook, manager, self.window)
        dialog.exec()
        dialog.deleteLater()
        if dialog.result() == QDialog.DialogCode.Accepted and dialog.opened is not None:
            self._say(f"Kasse geöffnet von {manager.name}, Anfangsbestand {format_euro(dialog.opened.float_cents)}.")
            self.window.refresh_outbox()

    def move_cash(self) -> None:
        if not self._at_till():
            return
        if self.store.cashbook.current() is None:
            self._say(NOT_OPEN, error=True)
            return
        manager = self._manager("Ein- oder Auszahlung aus der Kasse.")
        if manager is None:
            return
        dialog = CashMovementDialog(self.store.cashbook, manager, self.window, signer=self.store.fiscal)
        dialog.exec()
        dialog.deleteLater()
        if dialog.result() == QDialog.DialogCode.Accepted and dialog.moved is not None:
            moved = dialog.moved
            self._say(f"{moved.kind.label} {format_euro(moved.amount_cents)} ({moved.business_case.value}) gebucht."
                      + (" TSE ausgefallen: ohne Signatur aufgezeichnet." if moved.tse_failure else ""))
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
            manager = self._manager(f"Z-Bon Nr. {last} erneut ansehen oder als Kopie drucken.")
            if manager is None:
                return
            shown = ReportDialog(self.store.cashbook.z_report(last), self.print_report, self.window.printing.paper,
                                 self.window, copy=True)
            shown.exec()
            shown.deleteLater()
            self._say(f"Z-Bon Nr. {last} angesehen. {NOT_OPEN}")
            return
        manager = self._manager("X-Bericht (Zwischenbericht) ansehen.")
        if manager is None:
            return
        report = self.store.cashbook.x_report()
        self.store.record(manager.id, manager.name, "shift.x_report",
                          {"sales": report.sales.count, "total_cents": report.total_cents})
        self.window.refresh_outbox()
        shown = ReportDialog(report, self.print_report, self.window.printing.paper, self.window)
        shown.exec()
        shown.deleteLater()
        self._say(count_text(report.sales.count, "X-Bericht: 1 Bon, {total}.", "X-Bericht: {count} Bons, {total}.",
                              total=format_euro(report.total_cents)))

    def close_day(self) -> None:
        if not self._at_till():
            return
        session = self.window.session
        assert session is not None
        if session.has_open_sale:
            self._say("Tagesabschluss nicht möglich: Ein Bon ist noch offen. Bitte erst abschließen, parken "
                      "oder stornieren.", error=True)
            return
        interrupted = getattr(self.window, "interrupted_payments", None)  # issue 12: cash a crash left
        if interrupted is not None and interrupted.log.interrupted():
            self._say("Tagesabschluss nicht möglich: Eine abgebrochene Zahlung wartet auf eine Entscheidung "
                      "(Bon fortsetzen, Einlage buchen oder Geld zurückgegeben).", error=True)
            interrupted.check()
            return
        if self.store.cashbook.current() is None:
            self._say("Die Kasse ist nicht geöffnet: es gibt keinen Tag abzuschließen.", error=True)
            return
        manager = self._manager("Tagesabschluss mit Kassenzählung (Z-Bon).")
        if manager is None:
            return
        terminal = getattr(self.window, "card_terminal", None)
        if terminal is not None:  # the terminal's Kassenschnitt first: its totals go into the Z report
            self._say("Kassenschnitt am Kartenterminal läuft …")
            terminal.run("end_of_day", lambda t, cb: card_payments.end_of_day(terminal.ledger, t, cb),
                         lambda reply, error: self._terminal_closed(manager, reply, error))
            return
        self._close_day_dialog(manager)

    def _terminal_closed(self, manager: StaffMember, reply: object, error: BaseException | None) -> None:
        if error is not None:
            self._say(f"Kassenschnitt am Kartenterminal fehlgeschlagen: {error}. Der Z-Bon zeigt ihn nicht.",
                      error=True)
        else:
            self._say(f"Kassenschnitt am Kartenterminal: {getattr(reply, 'message', '')}.")
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
            self._say("Tagesabschluss abgebrochen: nichts gebucht.")
        else:
            self._say(f"Tag abgeschlossen: Z-Bon Nr. {dialog.closed.z_number}. {NOT_OPEN}")
            self.window.refresh_outbox()

    def show_audit(self) -> None:
        if not self._at_till():
            return
        manager = self._manager("Protokoll (Audit-Trail) ansehen.")
        if manager is None:
            return
        self.store.record(manager.id, manager.name, "audit.viewed", {})
        self.window.refresh_outbox()
        viewer = AuditDialog(self.store, self.window)
        viewer.exec()
        viewer.deleteLater()
        self._say("Protokoll geschlossen.")
