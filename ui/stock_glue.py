"""Stock operations wired into the main window: Ctrl+Shift+L Wareneingang (ui.stock_receiving),
Ctrl+Shift+B Bestandskorrektur (ui.stock_adjustment), Ctrl+Shift+N Inventur (ui.stock_count);
wedge scans go to whichever of them is
open. The value limit of adjustments comes from the settings (adjustment_pin_limit_cents,
default pos_app.stock.rules.DEFAULT_PIN_LIMIT_CENTS). Thread: the UI thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication

from pos_app.stock.adjustments import StockAdjustments
from pos_app.stock.counts import StockCounts
from pos_app.stock.receiving import GoodsReceiving
from pos_app.stock.rules import DEFAULT_PIN_LIMIT_CENTS
from pos_app.store.staff import StaffMember
from sync.client import SyncError
from ui.conflicts_dialog import ask_manager
from ui.stock_adjustment import AdjustmentDialog
from ui.stock_count import CountDialog
from ui.stock_receiving import ReceivingDialog
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class StockGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.receiving = GoodsReceiving(window.store)
        limit = getattr(window.settings, "adjustment_pin_limit_cents", DEFAULT_PIN_LIMIT_CENTS)
        self.adjustments = StockAdjustments(window.store, int(limit))
        bind("goods_receipt", window, self.show_receiving)
        bind("stock_adjustment", window, self.show_adjustment)
        bind("stock_count", window, self.show_count)
        self.counts = StockCounts(window.store)
        self._wedge: object | None = None

    def _connect_wedge(self) -> None:
        """ui.app sets window.wedge after making the window (and may process events before it
        does), so the route is made when a screen opens, once."""
        wedge = getattr(self.window, "wedge", None)
        if wedge is not None and wedge is not self._wedge:
            wedge.scanned.connect(self._route_scan)
            self._wedge = wedge

    def _route_scan(self, code: str) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, (ReceivingDialog, AdjustmentDialog, CountDialog)):
            dialog.on_scanned(code)

    def _count_report(self, count_id: str) -> dict[str, Any]:
        """The center's merged count report (UI thread, short timeouts: the manager pressed
        "Differenzen" and waits for it); ConnectionError when there is no answer."""
        worker = self.window.sync.worker if getattr(self.window, "sync", None) is not None else None
        if worker is None:
            raise ConnectionError("not connected to the center")
        client = worker.client.copy()
        client.timeout = (2.0, 5.0)
        try:
            return client.count_report(count_id)
        except SyncError as exc:
            raise ConnectionError(str(exc)) from exc
        finally:
            client.close()

    def _person(self) -> StaffMember | None:
        session = self.window.session
        return session.cashier if session is not None else None

    def show_receiving(self) -> None:
        person = self._person()
        if person is None:
            return
        self._connect_wedge()
        ReceivingDialog(self.receiving, person, ask_manager(self.window.store), self.window).exec()
        self._done()

    def show_adjustment(self) -> None:
        person = self._person()
        if person is None:
            return
        self._connect_wedge()
        AdjustmentDialog(self.adjustments, person, ask_manager(self.window.store), self.window).exec()
        self._done()

    def show_count(self) -> None:
        person = self._person()
        if person is None:
            return
        self._connect_wedge()
        CountDialog(self.counts, person, ask_manager(self.window.store), self.window,
                    fetch_report=self._count_report).exec()
        self._done()

    def _done(self) -> None:
        self.window.sync.local_change()  # the booking is queued for the center
        if self.window.till is not None:
            self.window.till.setFocus()
            self.window.till.focus_search()  # back to the scan field
