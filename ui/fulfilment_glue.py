"""The endless aisle and ship-from-store wired into the main window: Ctrl+Shift+K at the till
sells an item from another store or the web warehouse (EndlessAisle on the till session, its
availability asked of the center in the background), Ctrl+Shift+V opens the ship-from-store
queue (wedge scans go to it while it is open; refreshed after each sync).

Thread: the UI thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from pos_app.i18n import t
from pos_app.pickups import PickupDesk
from pos_app.stock.fulfilment import EndlessAisle, FulfilmentDesk, ShelfGuard
from pos_app.store.staff import StaffMember
from ui.fulfilment_dialogs import EndlessAisleDialog, ShipFromStoreDialog
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow



class FulfilmentGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.desk = FulfilmentDesk(window.store)
        self.aisle = EndlessAisle(window.store, lookup=self._lookup)
        self.dialog: EndlessAisleDialog | None = None
        self.queue: ShipFromStoreDialog | None = None
        bind("endless_aisle", window, self.show_aisle)
        bind("ship_from_store", window, self.show_queue)
        window.login.logged_in.connect(self._logged_in)
        window.sync._relay.changed.connect(lambda _s: self.refresh())  # noqa: SLF001 - after each sync
        QTimer.singleShot(0, self._connect_wedge)

    def _lookup(self, product_id: int) -> list[dict[str, Any]]:
        """The center's availability (background thread); raises when there is no connection."""
        worker = self.window.sync.worker
        if worker is None:
            raise ConnectionError(t("Die Kasse ist nicht mit der Zentrale verbunden."))
        client = worker.client.copy()
        try:
            return client.availability(product_id)
        finally:
            client.close()

    def _logged_in(self, _member: StaffMember) -> None:
        session = self.window.session
        if session is not None and session.endless_aisle is not self.aisle:
            session.endless_aisle = self.aisle
            # units kept for pickups and for orders this store ships are not for walk-ins
            desk = self.window.pickups.desk if hasattr(self.window, "pickups") else PickupDesk(self.window.store)
            session.reservation_guard = ShelfGuard(desk, aisle=self.aisle)

    def _connect_wedge(self) -> None:
        wedge = getattr(self.window, "wedge", None)
        if wedge is not None:
            wedge.scanned.connect(self._route_scan)

    def _route_scan(self, code: str) -> None:
        if isinstance(QApplication.activeModalWidget(), ShipFromStoreDialog) and self.queue is not None:
            self.queue.on_scanned(code)

    def _who(self) -> str:
        return self.window.session.cashier.name if self.window.session else "Unbekannt"

    def _find(self, typed: str) -> list[tuple[int, str]]:
        from pos_app.gtin import BarcodeError, classify

        catalog = self.window.store.catalog
        try:
            hit = catalog.by_barcode(classify(typed).lookup_key) or catalog.by_sku(typed)
        except BarcodeError:
            hit = catalog.by_sku(typed)
        if hit is not None:
            return [(hit.product_id, hit.name)]
        return [(h.product_id, h.name) for h in catalog.search(typed, 20)]

    def show_aisle(self) -> None:
        if self.window.session is None:
            return
        self.window.session.endless_aisle = self.aisle
        self.dialog = EndlessAisleDialog(self.aisle, self.window.session, self._find, self.window)
        self.dialog.finished.connect(lambda _r: self._back())
        self.dialog.open()

    def show_queue(self) -> None:
        if self.window.session is None:
            return
        self.queue = ShipFromStoreDialog(self.desk, self._who, self.window.refresh_outbox, self.window)
        self.queue.finished.connect(lambda _r: self._back())
        self.queue.open()

    def refresh(self) -> None:
        if self.queue is not None and self.queue.isVisible():
            self.queue.refresh()

    def _back(self) -> None:
        if self.window.till is not None:  # focus back to the scan field; the cart shows the new line
            self.window.activateWindow()
            self.window.till.focus_search()
            if hasattr(self.window.till, "refresh"):
                self.window.till.refresh()
