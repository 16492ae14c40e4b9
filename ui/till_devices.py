"""The till's device keys, installed on the main window by ui.app:

- Strg+B: camera scanning on/off; the live preview sits in the till's side panel and its codes
  go to TillView.on_scanned, exactly like the wedge scanner's.
- Strg+D: open the drawer without a sale (reason, manager PIN for cashiers, audited).
- Strg+T: a printer test page.
- Strg+Umschalt+D: the devices screen (managers only; a cashier needs a manager's PIN).

The camera stops when the till is left (lock, log-out) and when the app closes (stop()).
Thread: UI thread.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog, QFrame, QVBoxLayout

from pos_app.i18n import t
from pos_app.store.staff import StaffMember
from ui.dialogs import ManagerApprovalDialog
from ui.no_sale_dialog import open_no_sale
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.camera_view import CameraPreview, CameraScanning
    from ui.main_window import MainWindow


class TillDevices(QObject):
    def __init__(self, window: MainWindow, settings_path: Path) -> None:
        super().__init__(window)
        self.window = window
        self.settings_path = settings_path
        self.camera_source = window.settings.camera.source
        self.camera_settings = window.settings.camera
        # OpenCV and numpy load on the first Strg+B, not at start (cold start, see README)
        self.camera: CameraScanning | None = None
        self.preview: CameraPreview | None = None
        window.stack.currentChanged.connect(self._screen_changed)
        for name, slot in (("camera", self.toggle_camera), ("no_sale", self.no_sale),
                           ("test_page", self.test_page), ("devices", self.open_devices)):
            bind(name, window, slot)  # keys: pos_app.till_actions

    # ---- camera ------------------------------------------------------------------------------

    def _till_active(self) -> bool:
        till = self.window.till
        return till is not None and self.window.stack.currentWidget() is till \
            and QApplication.activeModalWidget() is None

    def ensure_camera(self) -> CameraScanning:
        """The camera scanner and its preview, created on first use."""
        if self.camera is None:
            from ui.camera_view import CameraPreview, CameraScanning

            self.camera = CameraScanning(self.camera_settings.duplicate_window_ms, self,
                                         decoder=self.camera_settings.decoder,
                                         decode_width=self.camera_settings.decode_width)
            self.preview = CameraPreview(self.camera)
            self.preview.setFixedHeight(230)
            self.preview.hide()
            self.camera.scanned.connect(self._scanned)
            self.camera.state_changed.connect(self._camera_state)
        return self.camera

    def _place_preview(self) -> None:
        """Into the till's side panel, above the buttons (once the till exists)."""
        till = self.window.till
        if till is None or self.preview is None or self.preview.parent() is not None:
            return
        side = till.findChild(QFrame, "side")
        layout = side.layout() if side is not None else None
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(3, self.preview)
        else:  # a different till layout: put it under the cart
            outer = till.layout()
            assert outer is not None
            outer.addWidget(self.preview)

    def toggle_camera(self) -> None:
        if not self._till_active():
            return
        till = self.window.till
        assert till is not None
        if self.camera is not None and self.camera.running:
            self.stop()
            return
        if not self.camera_source:
            till.say(t("Keine Kamera eingestellt: Geräte einrichten mit Strg+Umschalt+D."), error=True)
            return
        try:
            camera = self.ensure_camera()
        except ImportError as exc:  # OpenCV missing in this installation
            till.say(t("Kamera-Scannen nicht verfügbar: {exc}", exc=exc), error=True)
            return
        self._place_preview()
        assert self.preview is not None
        self.preview.show()
        camera.start(self.camera_source)

    def _scanned(self, code: str) -> None:
        if self.window.till is not None:
            self.window.till.on_scanned(code)

    def _camera_state(self, running: bool, message: str) -> None:
        till = self.window.till
        if till is not None and not running and message != t("Kamera aus."):
            till.say(message, error=not message.endswith(t("Kamera aus.")))  # a normal stop ends so

    def _screen_changed(self, _index: int) -> None:
        if self.window.stack.currentWidget() is not self.window.till:
            self.stop()

    # ---- drawer and printer ------------------------------------------------------------------

    def no_sale(self) -> None:
        if not self._till_active() or self.window.session is None:
            return
        till = self.window.till
        assert till is not None
        done = open_no_sale(self.window.store, self.window.session.cashier, till)
        self.window.activateWindow()  # keys go back to the till (not every platform does this)
        if done is None:
            till.say(t("Kassenlade nicht geöffnet (abgebrochen)."))
            return
        self.window.refresh_outbox()
        kicked = self.window.printing.kick_drawer()
        who = t(", freigegeben von {approved_by}", approved_by=done.approved_by) if done.approved_by else ""
        who += t(" (TSE ausgefallen: ohne Signatur aufgezeichnet)") if done.tse_failure else ""
        till.say(t("Kassenlade geöffnet (ohne Verkauf): {reason}{who}.", reason=done.reason, who=who) if kicked else
                 t("Öffnung protokolliert, aber kein Drucker/keine Kassenlade eingerichtet."), error=not kicked)

    def test_page(self) -> None:
        if self.window.session is None or QApplication.activeModalWidget() is not None:
            return
        printing = self.window.printing
        if printing.print_test_page():
            printing.status_changed.emit(True, t("Testseite wird gedruckt …"))

    # ---- devices screen ----------------------------------------------------------------------

    def open_devices(self) -> None:
        session = self.window.session
        if session is None or QApplication.activeModalWidget() is not None:
            return
        member = session.cashier
        if not member.is_manager:
            dialog = ManagerApprovalDialog(self.window.store.staff, t("Geräte einrichten: nur für die Marktleitung."),
                                           self.window)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.approval is None:
                return
            member = StaffMember(dialog.approval.manager_id, dialog.approval.manager_name, "manager")
        from ui.devices_view import DevicesDialog

        self.stop()  # one reader per camera: the devices screen's preview may want it
        devices = DevicesDialog(self.window, self.settings_path, member)
        devices.exec()
        self.window.activateWindow()
        if devices.saved is not None:
            self.camera_source = devices.saved.camera.source
            self.camera_settings = devices.saved.camera
            if self.camera is not None:
                self.camera.duplicate_window_ms = devices.saved.camera.duplicate_window_ms
                self.camera.decoder = devices.saved.camera.decoder
                self.camera.decode_width = devices.saved.camera.decode_width
            self.window.refresh_outbox()

    def stop(self) -> None:
        """Stop the camera thread (lock, log-out, app closing) and hide the preview."""
        if self.camera is not None:
            self.camera.stop()
        if self.preview is not None:
            self.preview.hide()
