"""The store app's main window: the log-in screen and the till, the status bar (printer, sync
with the center), the idle lock and the app-wide shortcuts (Ctrl+S sync now, Ctrl+K sync
conflicts)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMessageBox, QStackedWidget, QWidget

from pos_app.cart import ApprovalPolicy
from pos_app.config import Settings
from pos_app.i18n import t, tn
from pos_app.store.local import LocalStore
from pos_app.store.sales import CompletedSale
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from ui.conflicts_dialog import ConflictsDialog
from ui.journal_dialog import JournalDialog, ParkedDialog
from ui.login_view import LoginView
from ui.printing import ReceiptPrinting
from ui.returns_glue import ReturnsGlue
from ui.shift_actions import ShiftActions
from ui.sync_glue import SyncGlue
from ui.till_actions_qt import bind
from ui.till_view import TillView

if TYPE_CHECKING:
    from sync.worker import SyncWorker


class ActivityWatcher(QObject):
    """Restarts the idle timer on every key press or click anywhere in the app."""

    def __init__(self, timer: QTimer) -> None:
        super().__init__()
        self._timer = timer

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress) and self._timer.interval() > 0:
            self._timer.start()
        return False


class MainWindow(QMainWindow):
    def __init__(self, store: LocalStore, settings: Settings, printing: ReceiptPrinting,
                 login_hint: str = "", sync_worker: SyncWorker | None = None,
                 sync_off_reason: str = "") -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.printing = printing
        self.setWindowTitle(t("OmniPOS – {store_name} – {device_id}", store_name=store.store_name, device_id=store.device_id))
        self.resize(1280, 800)
        self.session: TillSession | None = None
        self.till: TillView | None = None
        self.customer_display: QWidget | None = None  # ui.customer_display, when pos.toml enables it

        self.stack = QStackedWidget()
        self.login = LoginView(store, login_hint, default_language=settings.language)
        self.login.logged_in.connect(self._logged_in)
        self.stack.addWidget(self.login)
        self.setCentralWidget(self.stack)

        from ui.elided import ElidedLabel

        self.printer_label = ElidedLabel()
        self.printer_label.setObjectName("printerStatus")
        self.statusBar().addWidget(self.printer_label, 1)
        self.sync = SyncGlue(store, sync_worker, sync_off_reason, parent=self,
                             skew_limit_s=settings.sync.clock_skew_warn_s)
        self.statusBar().addPermanentWidget(self.sync.indicator)
        from ui.tse_dialog import tse_label
        self.statusBar().addPermanentWidget(tse_label(settings.tse.kind))
        self.addAction(self.sync.sync_now_action)  # Ctrl+S anywhere in the window
        self._grid_synced_at: object = None
        self.sync._relay.changed.connect(self._after_sync)  # noqa: SLF001 - new quick keys after a pull
        printing.status_changed.connect(self._printer_status)
        self._printer_status(True, t("Drucker: {describe}", describe=printing.describe()))
        from ui.card_terminal import CardTerminalGlue

        self.card_terminal = CardTerminalGlue.from_settings(store, settings.terminal, self)  # None: confirm by hand
        if self.card_terminal is not None:
            self.card_terminal.status_text.connect(lambda text: self.statusBar().showMessage(text, 15000))

        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(max(0, settings.idle_lock_minutes) * 60_000)
        self.idle.timeout.connect(lambda: self.lock(t("Automatisch gesperrt nach Inaktivität.")))
        self.activity = ActivityWatcher(self.idle)
        bind("retry_printing", self, self.retry_printing)  # keys: pos_app.till_actions
        bind("conflicts", self, self.show_conflicts)
        bind("tse_status", self, self.show_tse_status)
        bind("dsfinvk_export", self, self.show_dsfinvk_export)
        self.returns = ReturnsGlue(self)  # Ctrl+R, Ctrl+Shift+R, Ctrl+G
        self.shift = ShiftActions(self)  # till open/close, cash, X/Z, audit log (Ctrl+Shift+O/X/Z/A, Ctrl+P)
        from ui.pickup_glue import PickupGlue
        self.pickups = PickupGlue(self)  # click and collect: Ctrl+Shift+P queue, Ctrl+H handover, Ctrl+Shift+H
        from ui.customer_glue import CustomerGlue

        self.customers = CustomerGlue(self)  # customer search/profile, new, web cart, stock (Ctrl+U/Shift+U/Shift+W/I)
        from ui.fulfilment_glue import FulfilmentGlue
        from ui.transfer_glue import TransferGlue

        self.transfers = TransferGlue(self)  # transfers between stores: Ctrl+Shift+F (issue 14)
        self.fulfilment = FulfilmentGlue(self)  # endless aisle Ctrl+Shift+K, ship-from-store Ctrl+Shift+V
        from ui.stock_glue import StockGlue

        self.stock_ops = StockGlue(self)  # Ctrl+Shift+L goods receipt, Ctrl+Shift+B stock adjustment (issue 14)
        from ui.promotion_coupon import PromotionGlue

        self.promotions = PromotionGlue(self)  # coupon codes: Ctrl+Shift+C (issue 15)
        from ui.interrupted_payments import InterruptedPaymentsGlue

        self.interrupted_payments = InterruptedPaymentsGlue(self)  # a payment a crash cut off: offered after log-in
        from ui.gift_card_dialog import GiftCardGlue
        from ui.label_dialog import LabelGlue

        self.gift_cards = GiftCardGlue(self)  # Ctrl+Shift+G: sell a gift card (issue 15)
        self.labels = LabelGlue(self)  # Ctrl+Shift+L: shelf labels (issue 15)
        from ui import tablet

        if tablet.screen_layout(settings.ui.layout) == "tablet":  # touch layout ([ui] layout, issue 4)
            tablet.apply(self)
        from PySide6.QtWidgets import QApplication

        from ui.screen_fit import ScreenFit
        from ui.till_keys import TillKeysFirst

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        ScreenFit.install(app, self.focus_home)  # dialogs fit the screen; the focus comes home after them
        self.till_keys = TillKeysFirst.install(self)  # Ctrl+U & co. reach the till, not the line edit's X11 binding

    def focus_home(self) -> None:
        """Where the keyboard belongs when no dialog is open: the scan field, or the PIN field
        while the till is locked (ui.screen_fit calls this after every dialog)."""
        if not self.isVisible():
            return
        self.activateWindow()
        if self.till is not None and self.stack.currentWidget() is self.till:
            self.till.entry.setFocus()
        else:
            self.login.pin.setFocus()

    # ---- log-in and lock -------------------------------------------------------------------

    def _switch_language(self, member: StaffMember) -> None:
        """The person's language for every screen: a till view built in another language is
        rebuilt (the cart lives in the session, so nothing is lost); Qt's own texts follow."""
        from pos_app.i18n import active_language, set_language
        from ui.i18n_qt import install_qt_translator

        self.login.remember_language(member)
        set_language(self.login.chosen_language())
        install_qt_translator()
        if self.till is not None and getattr(self.till, "language", None) != active_language():
            self.stack.removeWidget(self.till)
            self.till.deleteLater()
            self.till = None
            self._build_till()
        self.setWindowTitle(t("OmniPOS – {store_name} – {device_id}", store_name=self.store.store_name, device_id=self.store.device_id))

    def _build_till(self) -> None:
        from pos_app.i18n import active_language

        assert self.session is not None
        self.till = TillView(self.session)
        self.till.language = active_language()  # type: ignore[attr-defined]
        self.till.card_terminal = self.card_terminal  # type: ignore[attr-defined]
        self.till.lock_requested.connect(lambda: self.lock(t("Gesperrt.")))
        self.till.sale_completed.connect(self._sale_completed)
        self.till.journal_requested.connect(self.show_journal)
        self.till.parked_requested.connect(self.show_parked)
        self.stack.addWidget(self.till)
        self.till.refresh() if hasattr(self.till, "refresh") else None

    def _logged_in(self, member: StaffMember) -> None:
        self._switch_language(member)
        if self.session is None:
            policy = ApprovalPolicy(self.settings.max_discount_percent)
            self.session = TillSession(self.store, member, policy)
            self.session.vouchers = self.returns.voucher_check()  # store credit as a tender
            self._build_till()
            from ui.app import resources_dir
            from ui.customer_display import open_customer_display, sync_online

            self.customer_display = open_customer_display(  # [customer_display] in pos.toml (issue 16)
                self.session, self.settings.customer_display, self.store.store_name,
                resources_dir() / "receipt_logo.png", lambda: sync_online(self.sync.status))
            self.activateWindow()  # the keyboard and the scanner stay with the till
        else:
            self.session.cashier = member
        assert self.till is not None
        self.till.change.setText("")  # the previous person's change and message are not this one's
        self.till.say(t("Angemeldet: {name}. Artikel scannen.", name=member.name))
        self.till.set_header(t("{store_name}  ·  Kasse {device_id}  ·  Bediener: {name}", store_name=self.store.store_name, device_id=self.store.device_id, name=member.name))
        self.stack.setCurrentWidget(self.till)
        self.till.grid.reload()  # the quick keys as the last pull left them (ui.product_grid)
        self.till.focus_search()
        if self.idle.interval() > 0:
            self.idle.start()

    def lock(self, message: str = "") -> None:
        self.idle.stop()
        self.stack.setCurrentWidget(self.login)
        self.login.reset(message + (t(" Der offene Bon bleibt erhalten.") if self.session and
                                    not self.session.cart.is_empty() else ""))

    # ---- after a sale ----------------------------------------------------------------------

    def _sale_completed(self, done: CompletedSale) -> None:
        if not done.paper:  # "no paper": the digital receipt is the receipt; cash still opens the drawer
            if done.has_cash and self.settings.printer.open_drawer_on_cash:
                self.printing.kick_drawer()
            self.refresh_outbox()
            return
        self.printing.print_sale(done.sale_id, open_drawer=done.has_cash)
        self.refresh_outbox()

    def show_journal(self) -> None:
        JournalDialog(self.store, lambda sale_id: self.printing.print_sale(sale_id), self.printing.paper,
                      self).exec()

    def show_parked(self) -> None:
        dialog = ParkedDialog(self.store, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None and self.till:
            self.till.recall(dialog.chosen)

    def retry_printing(self) -> None:
        count = self.printing.retry_failed()
        self._printer_status(True, tn("{n} Bon wird erneut gedruckt.", "{n} Bons werden erneut gedruckt.", count) if count else
                             t("Keine ungedruckten Bons in der Warteschlange. Nachdruck: F9."))

    def _printer_status(self, ok: bool, message: str) -> None:
        self.printer_label.setText(message)
        self.printer_label.setProperty("error", not ok)
        self.printer_label.style().unpolish(self.printer_label)
        self.printer_label.style().polish(self.printer_label)

    def refresh_outbox(self) -> None:
        """New events were written here (a sale, an audit entry): show them, send them soon."""
        self.sync.local_change()

    def reserve_item(self, product_id: int, store_id: str, customer_id: int | None) -> None:
        """Open the reservation dialog for this product, store and customer (the clienteling
        "stock in every store" view calls this)."""
        self.pickups.reserve_item(product_id, store_id, customer_id)

    def request_transfer(self, product_id: int, store_id: str, available: int) -> None:
        """Ask `store_id` for units of this product (the "stock in every store" view calls this)."""
        self.transfers.request_transfer(product_id, store_id, available)

    # ---- sync ------------------------------------------------------------------------------

    def _after_sync(self, status: object) -> None:
        """A finished round may have brought a new quick-key layout or prices: redraw the grid."""
        synced_at = getattr(status, "last_sync_at", None)
        if self.till is not None and synced_at != self._grid_synced_at:
            self._grid_synced_at = synced_at
            self.till.grid.reload()

    def show_conflicts(self) -> None:
        ConflictsDialog(self.store, self, on_resend=self.sync.sync_now).exec()
        self.refresh_outbox()  # decisions are audit entries, queued for the center

    def show_tse_status(self) -> None:
        from ui.tse_dialog import TseStatusDialog

        TseStatusDialog(self.store, self).exec()

    def show_dsfinvk_export(self) -> None:
        from ui.conflicts_dialog import ask_manager
        from ui.dsfinvk_dialog import DsfinvkExportDialog, store_closings

        approval = ask_manager(self.store)(t("DSFinV-K-Export: nur durch die Marktleitung."), self)
        if approval is not None:
            DsfinvkExportDialog(self.store, approval, closings=store_closings(self.store), parent=self).exec()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """While sync is on, leaving with events not yet at the center asks first (they stay
        safe in the store file and go out at the next start)."""
        if self.sync.worker is not None and self.sync.worker.running:
            pending = self.store.outbox_summary().pending
            if pending and not self.confirm_quit(pending):
                event.ignore()
                return
        if self.customer_display is not None:
            self.customer_display.close()
        super().closeEvent(event)

    def confirm_quit(self, pending: int) -> bool:
        answer = QMessageBox.question(
            self, t("OmniPOS beenden?"),
            tn("{n} Vorgang ist noch nicht an die Zentrale übertragen.\n"
               "Er bleibt in der Kasse gespeichert und wird beim nächsten Start gesendet.\n\nTrotzdem beenden?",
               "{n} Vorgänge sind noch nicht an die Zentrale übertragen.\n"
               "Sie bleiben in der Kasse gespeichert und werden beim nächsten Start gesendet.\n\nTrotzdem beenden?",
               pending),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
