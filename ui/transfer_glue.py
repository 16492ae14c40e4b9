"""Transfers wired into the main window: Ctrl+Shift+F opens the transfer queue, wedge scans go
to it while it is open, the queue refreshes after each sync, and the "stock in every store" view
asks another store for units through request_transfer.

Thread: the UI thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos_app.stock.transfers import TransferDesk
from ui.transfer_dialogs import TransferQueueDialog, TransferRequestDialog
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow



class TransferGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.desk = TransferDesk(window.store)
        self.queue: TransferQueueDialog | None = None
        self.request_dialog: TransferRequestDialog | None = None
        bind("transfers", window, self.show_queue)
        window.sync._relay.changed.connect(lambda _s: self.refresh())  # noqa: SLF001 - after each sync
        QTimer.singleShot(0, self.connect_wedge)  # ui.app sets window.wedge after making the window

    def connect_wedge(self) -> None:
        wedge = getattr(self.window, "wedge", None)
        if wedge is not None:
            wedge.scanned.connect(self._route_scan)

    def _who(self) -> str:
        return self.window.session.cashier.name if self.window.session else "Unbekannt"

    def _route_scan(self, code: str) -> None:
        if isinstance(QApplication.activeModalWidget(), TransferQueueDialog) and self.queue is not None:
            self.queue.on_scanned(code)

    def show_queue(self) -> None:
        if self.window.session is None:
            return
        self.queue = TransferQueueDialog(self.desk, self._who, self.window.refresh_outbox, self.window)
        self.queue.finished.connect(lambda _r: self._closed())
        self.queue.open()

    def refresh(self) -> None:
        if self.queue is not None and self.queue.isVisible():
            self.queue.refresh()

    def request_transfer(self, product_id: int, store_id: str, available: int) -> None:
        product = self.window.store.catalog.product(product_id)
        name = product.name if product is not None else str(product_id)
        self.request_dialog = TransferRequestDialog(self.desk, product_id, name, store_id, available, self._who,
                                                    QApplication.activeModalWidget() or self.window)
        self.request_dialog.accepted.connect(self.window.refresh_outbox)
        self.request_dialog.open()

    def _closed(self) -> None:
        self.queue = None
        if self.window.till is not None:  # focus back to the scan field
            self.window.activateWindow()
            self.window.till.focus_search()
