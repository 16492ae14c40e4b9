"""Click and collect wired into the main window: the shortcuts Ctrl+Shift+P (pickup queue),
Ctrl+H (handover) and Ctrl+Shift+H (reserve an item), the walk-in guard on the till session,
the pay-in-store handover through the till, printing of slips and handover receipts, and the
queue refreshed after each sync.

Thread: the UI thread.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos_app.clock import utc_now
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.pickup_print import handover_rows, slip_rows
from pos_app.pickup_till import WalkInGuard, charge_at_till, release_exemption
from pos_app.pickups import HandoverResult, PickupDesk, PickupError, PickupOrder
from pos_app.store import clock_offset
from pos_app.store.sales import CompletedSale
from pos_app.store.staff import StaffMember
from ui.dialog_release import release
from ui.pickup_dialogs import PickingDialog, PickupQueueDialog
from ui.pickup_handover import HandoverDialog, ReservationDialog, ToCharge
from ui.tasks import run_in_background
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow


PRUNE_EVERY_MS = 3_600_000  # closed orders are pruned soon after log-in and then hourly
PRUNE_AFTER_LOGIN_MS = 20_000  # not in the busy moment of the log-in and the first scans


class PickupGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.desk = PickupDesk(window.store, sla=timedelta(minutes=window.settings.pickup_sla_minutes),
                               retention=timedelta(days=window.settings.pickup_retention_days))
        self.queue: PickupQueueDialog | None = None
        self.charging: ToCharge | None = None
        self.last_reservation: Any = None
        bind("pickup_queue", window, self.show_queue)  # keys: pos_app.till_actions
        bind("pickup_handover", window, lambda: self.show_handover(""))
        bind("reserve", window, lambda: self.reserve_item(None, "", None))
        window.login.logged_in.connect(self._logged_in)  # after the window made the session
        window.sync._relay.changed.connect(lambda _s: self.refresh())  # noqa: SLF001 - after each sync
        QTimer.singleShot(0, self._connect_wedge)  # ui.app sets window.wedge after making the window
        self.pruning = QTimer(window)  # closed orders past the retention period leave the device
        self.pruning.setInterval(PRUNE_EVERY_MS)
        self.pruning.timeout.connect(self.prune)
        self.pruning.start()
        self.pruned = 0

    def _connect_wedge(self) -> None:
        wedge = getattr(self.window, "wedge", None)
        if wedge is not None:
            wedge.scanned.connect(self._route_scan)

    def _route_scan(self, code: str) -> None:
        """Wedge scans while the picking or handover screen is open go to that screen."""
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, (PickingDialog, HandoverDialog)):
            dialog.on_scanned(code)

    def _who(self) -> str:
        return self.window.session.cashier.name if self.window.session else t("Unbekannt")

    def prune(self) -> None:
        """Delete closed orders past the retention period, in the background (a write of
        possibly thousands of rows must not stall the till). Not once the window is closed: the
        store may be closed with it."""
        if not self.window.isVisible():
            return
        desk = self.desk

        def done(count: int | None, error: BaseException | None) -> None:
            if error is None and count:
                self.pruned += count
                self.refresh()

        run_in_background(desk.prune, done)

    def _logged_in(self, _member: StaffMember) -> None:
        session, till = self.window.session, self.window.till
        if session is not None and session.reservation_guard is None:
            QTimer.singleShot(PRUNE_AFTER_LOGIN_MS, self.window, self.prune)  # goes with the window
            session.reservation_guard = WalkInGuard(self.desk)
        if till is not None and self._scanned_at_till not in till.code_hooks:  # also a till rebuilt for another language
            till.sale_completed.connect(self._sale_completed)
            till.code_hooks.append(self._scanned_at_till)

    def _scanned_at_till(self, code: str) -> bool:
        """The customer's pickup QR scanned at the till: open the handover with it."""
        if not code.strip().upper().startswith("ORDER:"):
            return False
        try:
            if not self.desk.find(code):
                return False  # not a pickup of this store (a web order to return, say)
        except PickupError:
            return False
        QTimer.singleShot(0, lambda: self.show_handover(code.strip()))
        return True

    def refresh(self) -> None:
        if self.queue is not None and self.queue.isVisible():
            self.queue.refresh()

    # ---- screens --------------------------------------------------------------------------

    def show_queue(self) -> None:
        self.queue = PickupQueueDialog(self.desk, self.print_slip, self._who(), self.show_handover, self.window)
        self.queue.exec()
        release(self.queue)
        self.queue = None
        self.window.refresh_outbox()

    def show_handover(self, query: str = "") -> None:
        if self.window.session is None:
            return
        dialog = HandoverDialog(self.desk, self._who(), self._handed, query, self.window)
        dialog.exec()
        release(dialog)
        if dialog.to_charge is not None:
            self._charge(dialog.to_charge)
        self.window.refresh_outbox()

    def reserve_item(self, product_id: int | None, store_id: str, customer_id: int | None) -> None:
        from sync.pickups import CenterReservations

        worker = self.window.sync.worker
        service = CenterReservations(lambda: worker.client.copy() if worker is not None else None)
        dialog = ReservationDialog(self.window.store, service.reserve, product_id, store_id, customer_id, self.window)
        dialog.exec()
        release(dialog)
        self.last_reservation = dialog.made
        if dialog.made is not None:
            self.window.sync.sync_now()  # a reservation in this store shows in the queue at once

    # ---- pay in store ---------------------------------------------------------------------

    def _charge(self, job: ToCharge) -> None:
        till, session = self.window.till, self.window.session
        assert till is not None and session is not None
        try:
            due = charge_at_till(session, job.order, job.refused)
        except (PickupError, ValueError) as exc:  # CartError is a ValueError: the till is not open, say
            release_exemption(session)
            till.say(str(exc), error=True)
            return
        self.charging = job
        till.refresh()
        till.say(t("Abholauftrag {number}: {due} kassieren (F12), dann wird übergeben.", number=job.order.number, due=format_euro(due)))

    def _sale_completed(self, done: CompletedSale) -> None:
        job, self.charging = self.charging, None
        if job is None:
            return
        release_exemption(self.window.session)
        try:
            result = self.desk.hand_over(job.order.number, job.collector, job.verification,  # type: ignore[arg-type]
                                         self._who(), job.refused, sale_id=done.sale_id)
        except PickupError as exc:
            self.window.till.say(t("Übergabe nicht gebucht: {exc}", exc=exc), error=True)  # type: ignore[union-attr]
            return
        self._handed(self.desk.get(job.order.number), result, job.collector)

    # ---- printing -------------------------------------------------------------------------

    def _handed(self, order: PickupOrder, result: HandoverResult, collector: str) -> None:
        printing = self.window.printing
        printing.print_rows(f"pickup-{result.event_id}", handover_rows(
            order, result, collector, self.window.store.store_name, printing.paper,
            clock_offset.corrected_now(self.window.store.db)),  # the slip shows the center's time
            t("Übergabe {number}", number=order.number))
        if self.window.till is not None:
            self.window.till.say(t("Abholauftrag {number} übergeben. Übergabebeleg wird gedruckt.", number=order.number))
        self.window.refresh_outbox()

    def print_slip(self, order: PickupOrder) -> None:
        printing = self.window.printing
        printing.print_rows(f"slip-{order.number}-{utc_now().timestamp():.0f}",
                            slip_rows(order, self.window.store.store_name, printing.paper),
                            t("Abholschein {number}", number=order.number))
