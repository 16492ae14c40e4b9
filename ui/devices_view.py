"""The devices screen (Strg+Umschalt+D, managers only): choose and test the receipt printer, the
cash drawer, the camera and the wedge scanner, and save the choice to the settings file.

Tests use what is entered, before saving: the printer's status and a test page go to the
entered printer (off the UI thread), the camera preview reads from the entered source. The
scanner test shows the last scan, its key timing against the wedge threshold, and warns about
a keyboard-layout mismatch. Saving checks the whole file first (nothing changes on a bad value)
and is audited. Wedge and camera changes apply at once; printer changes after a restart (the
print queue is one worker per printer and must not lose the jobs it holds).
Thread: UI thread; blocking device work goes through ui.tasks.run_in_background.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QSpinBox, QVBoxLayout,
)

from hardware import printer_connection, printer_status
from hardware.camera import DECODERS, decoder_problem
from hardware.keyboard_layout import LAYOUT_TEST_CODE, check_scan
from hardware.printer_models import MODELS, known_profile, logo_dots, paper_for, test_page_for
from hardware.receipt_printer import render_escpos
from hardware.wedge import scan_timing
from pos_app.config import PRINTER_KINDS, ConfigError, PrinterSettings, Settings, load_settings, save_settings
from pos_app.drawer import record_no_sale
from pos_app.i18n import N_, t, t_marked
from pos_app.store.staff import StaffMember
from ui.camera_view import CameraPreview, CameraScanning
from ui.devices_terminal import TerminalBox
from ui.tasks import run_in_background

if TYPE_CHECKING:
    from ui.main_window import MainWindow

KIND_LABELS = {"network": N_("Netzwerk (Port 9100)"), "usb": "USB", "serial": N_("Seriell"), "file": N_("Gerätedatei"),
               "none": N_("kein Drucker")}


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


TWO_COLUMNS_PX = 1000  # narrower screens get the boxes one under the other


class DevicesDialog(QDialog):
    def __init__(self, window: MainWindow, settings_path: Path, manager: StaffMember | None = None) -> None:
        super().__init__(window)
        self.setWindowTitle(t("Geräte einrichten"))
        self.setModal(True)
        self.window_ = window
        self.store = window.store
        self.settings_path = settings_path
        self.manager = manager or (window.session.cashier if window.session else None)
        self.saved: Settings | None = None
        try:  # what the file says (the running settings when there is no file yet)
            self.current = load_settings(settings_path) if settings_path.exists() else window.settings
        except ConfigError:
            self.current = window.settings
        from ui.screen_fit import available_geometry, scrolling

        grid = QGridLayout()
        self.terminal_box = TerminalBox(self.current.terminal)  # ui.devices_terminal
        boxes = (self._printer_box(), self._scanner_box(), self._drawer_box(), self._camera_box(), self.terminal_box)
        columns = 2 if available_geometry(window).width() >= TWO_COLUMNS_PX else 1  # one on a portrait tablet
        for i, box in enumerate(boxes):
            grid.addWidget(box, i // columns, i % columns)
        self.message = _note()
        self.message.setObjectName("message")
        save = QPushButton(t("Speichern"))
        save.clicked.connect(self.save)
        close = QPushButton(t("Schließen"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(save)
        buttons.addWidget(close)
        outer = QVBoxLayout(self)
        outer.addWidget(scrolling(grid), 1)  # on a 768 px screen the boxes scroll, Speichern stays in view
        outer.addLayout(buttons)
        wedge = getattr(window, "wedge", None)
        if wedge is not None:
            wedge.scan_timing.connect(self.show_scan)
        if columns == 2:
            grid.setRowStretch(0, 3)
            grid.setRowStretch(1, 2)
        self.resize(1100, 820)

    # ---- printer -----------------------------------------------------------------------------

    def _printer_box(self) -> QGroupBox:
        p = self.current.printer
        box = QGroupBox(t("Bondrucker"))
        form = QFormLayout(box)
        self.kind = QComboBox()
        for kind in PRINTER_KINDS:
            self.kind.addItem(t_marked(KIND_LABELS[kind]), kind)
        self.kind.setCurrentIndex(PRINTER_KINDS.index(p.kind))
        self.host = QLineEdit(p.host)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(p.port)
        self.file_path = QLineEdit(p.file_path)
        self.file_path.setPlaceholderText("/dev/usb/lp0")
        self.profile = QComboBox()
        self.profile.setEditable(True)
        for found in MODELS:
            self.profile.addItem(found.label, found.profile)
        index = self.profile.findData(p.profile)
        if index < 0:
            self.profile.addItem(p.profile, p.profile)
            index = self.profile.count() - 1
        self.profile.setCurrentIndex(index)
        self.columns = QSpinBox()
        self.columns.setRange(0, 64)
        self.columns.setSpecialValueText(t("vom Profil"))
        self.columns.setValue(p.columns)
        self.logo = QCheckBox(t("Logo drucken (resources/receipt_logo.png)"))
        self.logo.setChecked(p.logo)
        self.drawer_on_cash = QCheckBox(t("Kassenlade bei Barzahlung öffnen"))
        self.drawer_on_cash.setChecked(p.open_drawer_on_cash)
        status = QPushButton(t("Status prüfen"))
        status.clicked.connect(self.check_printer)
        page = QPushButton(t("Testseite drucken"))
        page.clicked.connect(self.print_test_page)
        row = QHBoxLayout()
        row.addWidget(status)
        row.addWidget(page)
        self.printer_result = _note()
        self.printer_result.setObjectName("printerResult")
        form.addRow(t("Anschluss"), self.kind)
        form.addRow(t("Adresse"), self.host)
        form.addRow(t("Port"), self.port)
        form.addRow(t("Gerätedatei"), self.file_path)
        form.addRow(t("Modell / Profil"), self.profile)
        form.addRow(t("Zeichen je Zeile"), self.columns)
        form.addRow(self.logo)
        form.addRow(self.drawer_on_cash)
        form.addRow(row)
        form.addRow(self.printer_result)
        return box

    def entered_printer(self) -> PrinterSettings:
        data = self.profile.currentData()
        text = self.profile.currentText().strip()
        profile = data if data and self.profile.itemText(self.profile.currentIndex()) == text else text
        if not known_profile(profile):
            raise ConfigError(t("Druckerprofil „{profile}“ ist python-escpos unbekannt.", profile=profile))
        return replace(self.current.printer, kind=self.kind.currentData(), host=self.host.text().strip(),
                       port=self.port.value(), file_path=self.file_path.text().strip(), profile=profile,
                       columns=self.columns.value(), logo=self.logo.isChecked(),
                       open_drawer_on_cash=self.drawer_on_cash.isChecked())

    def _printer_or_say(self) -> PrinterSettings | None:
        try:
            return self.entered_printer()
        except ConfigError as exc:
            self.printer_result.setText(str(exc))
            return None

    def check_printer(self) -> None:
        settings = self._printer_or_say()
        if settings is None:
            return
        self.printer_result.setText(t("Frage den Drucker …"))
        run_in_background(lambda: printer_status.query(settings), self._printer_checked)

    def _printer_checked(self, status: printer_status.PrinterStatus | None, error: BaseException | None) -> None:
        self.printer_result.setText(status.message if status else t("Fehler: {error}", error=error))

    def print_test_page(self) -> None:
        settings = self._printer_or_say()
        if settings is None:
            return
        if settings == self.window_.printing.settings:  # the till's own printer: through its queue
            self.window_.printing.print_test_page()
            self.printer_result.setText(t("Testseite an die Druckwarteschlange übergeben."))
            return
        paper = paper_for(settings)
        logo = self.window_.printing.logo if settings.logo else None
        data = render_escpos(test_page_for(settings, self.store.store_name), settings.profile, paper=paper,
                             logo=logo, logo_dots=logo_dots(settings))
        self.printer_result.setText(t("Testseite wird gesendet …"))
        run_in_background(lambda: printer_connection.send(settings, data),
                          lambda _r, err: self.printer_result.setText(
                              t("Testseite nicht gedruckt: {message}", message=getattr(err, 'message', err)) if err
                              else t("Testseite gesendet ({chars} Zeichen je Zeile).", chars=paper.chars)))

    # ---- drawer ------------------------------------------------------------------------------

    def _drawer_box(self) -> QGroupBox:
        box = QGroupBox(t("Kassenlade"))
        layout = QVBoxLayout(box)
        layout.addWidget(_note(t("Die Kassenlade hängt am Bondrucker (Pin 2). Der Test öffnet sie und wird "
                               "als Öffnung ohne Verkauf protokolliert.")))
        kick = QPushButton(t("Kassenlade öffnen (Test)"))
        kick.clicked.connect(self.test_drawer)
        self.drawer_result = _note()
        layout.addWidget(kick)
        layout.addWidget(self.drawer_result)
        layout.addStretch(1)
        return box

    def test_drawer(self) -> None:
        if self.manager is None:
            return
        record_no_sale(self.store, self.manager, "Gerätetest (Geräte einrichten)")
        kicked = self.window_.printing.kick_drawer()
        self.drawer_result.setText(t("Öffnungsimpuls gesendet (protokolliert).") if kicked
                                   else t("Kein Drucker eingerichtet: die Kassenlade hängt am Drucker."))

    # ---- camera ------------------------------------------------------------------------------

    def _camera_box(self) -> QGroupBox:
        box = QGroupBox(t("Kamera-Scanner"))
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.camera_source = QLineEdit(self.current.camera.source)
        self.camera_source.setPlaceholderText(t("0 = erste Kamera, oder Videodatei / Bildordner"))
        browse = QPushButton(t("Datei …"))
        browse.clicked.connect(self._browse)
        self.decoder = QComboBox()
        for name in DECODERS:
            self.decoder.addItem({"zbar": "zbar", "zxing": "zxing-cpp"}[name], name)
        self.decoder.setCurrentIndex(max(0, self.decoder.findData(self.current.camera.decoder)))
        self.decoder.currentIndexChanged.connect(self._decoder_changed)
        self.preview_button = QPushButton(t("Vorschau an"))
        self.preview_button.clicked.connect(self.toggle_preview)
        row.addWidget(self.camera_source, 1)
        row.addWidget(browse)
        row.addWidget(self.decoder)
        row.addWidget(self.preview_button)
        self.camera = CameraScanning(self.current.camera.duplicate_window_ms, self,
                                     decoder=self.current.camera.decoder,
                                     decode_width=self.current.camera.decode_width)
        self.preview = CameraPreview(self.camera)
        self.preview.setMinimumHeight(200)
        self.camera_result = _note(decoder_problem(self.current.camera.decoder)
                                   or t("Vorschau starten und einen Code vor die Kamera halten."))
        self.camera.read.connect(lambda read: self.camera_result.setText(
            t("Erkannt: {code} ({symbology})", code=read.code, symbology=read.symbology)))
        self.camera.state_changed.connect(self._camera_state)
        layout.addLayout(row)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.camera_result)
        return box

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("Video als Kamera"), "", t("Videos (*.mp4 *.avi *.mkv)"))
        if path:
            self.camera_source.setText(path)

    def _decoder_changed(self) -> None:
        self.camera.stop()
        self.camera.decoder = self.decoder.currentData()
        self.camera_result.setText(decoder_problem(self.camera.decoder) or t("Decoder: {currentText}.", currentText=self.decoder.currentText()))

    def toggle_preview(self) -> None:
        if self.camera.running:
            self.camera.stop()
        else:
            self.camera.start(self.camera_source.text())

    def _camera_state(self, running: bool, message: str) -> None:
        self.preview_button.setText(t("Vorschau aus") if running else t("Vorschau an"))
        if not running and message != "Kamera aus.":
            self.camera_result.setText(message)

    # ---- scanner -----------------------------------------------------------------------------

    def _scanner_box(self) -> QGroupBox:
        w = self.current.wedge
        box = QGroupBox(t("Handscanner (Tastatur-Emulation)"))
        outer = QVBoxLayout(box)
        form = QFormLayout()
        outer.addWidget(_note(t("Testcode scannen: „{LAYOUT_TEST_CODE}“ (auf der Testseite, Strg+T) oder einen Artikel.", LAYOUT_TEST_CODE=LAYOUT_TEST_CODE)))
        self.last_scan = QLabel("–")
        self.last_scan.setObjectName("lastScan")
        self.timing = _note(t("Noch kein Scan."))
        self.layout_warning = _note()
        self.layout_warning.setObjectName("layoutWarning")
        self.layout_warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.layout_advice = _note()
        self.max_gap = QSpinBox()
        self.max_gap.setRange(5, 200)
        self.max_gap.setSuffix(" ms")
        self.max_gap.setValue(w.max_key_gap_ms)
        self.min_length = QSpinBox()
        self.min_length.setRange(1, 48)
        self.min_length.setValue(w.min_length)
        self.duplicate = QSpinBox()
        self.duplicate.setRange(0, 5000)
        self.duplicate.setSuffix(" ms")
        self.duplicate.setValue(w.duplicate_window_ms)
        form.addRow(t("Letzter Scan"), self.last_scan)
        form.addRow(t("Tastentakt"), self.timing)
        form.addRow(t("Max. Tastenabstand"), self.max_gap)
        form.addRow(t("Mindestlänge"), self.min_length)
        form.addRow(t("Doppelscan-Sperre"), self.duplicate)
        outer.addLayout(form)
        outer.addWidget(self.layout_warning)
        outer.addWidget(self.layout_advice)
        outer.addStretch(1)
        return box

    def show_scan(self, code: str, gaps: tuple[float, ...]) -> None:
        self.last_scan.setText(code)
        self.timing.setText(scan_timing(tuple(gaps), self.max_gap.value()).advice())
        catalog = self.store.catalog

        def known(text: str) -> bool:
            return catalog.by_barcode(text) is not None or catalog.by_sku(text) is not None

        expected = LAYOUT_TEST_CODE if len(code) == len(LAYOUT_TEST_CODE) else None
        result = check_scan(code, expected, known)
        self.layout_warning.setText(result.message if result.mismatch else "")
        self.layout_advice.setText(result.advice)
        if not result.mismatch:
            self.timing.setText(self.timing.text() + " " + result.message)

    # ---- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        try:
            printer = self.entered_printer()
            changes: dict[str, dict[str, object]] = {
                "printer": {k: getattr(printer, k) for k in ("kind", "host", "port", "file_path", "profile",
                                                             "columns", "logo", "open_drawer_on_cash")},
                "wedge": {"max_key_gap_ms": self.max_gap.value(), "min_length": self.min_length.value(),
                          "duplicate_window_ms": self.duplicate.value()},
                "camera": {"source": self.camera_source.text().strip(), "decoder": self.decoder.currentData()},
                "terminal": self.terminal_box.changes(),
            }
            saved = save_settings(self.settings_path, changes)
        except (ConfigError, OSError) as exc:
            self.message.setText(t("Nicht gespeichert: {exc}", exc=exc))
            return
        self.saved = self.current = saved
        wedge = getattr(self.window_, "wedge", None)
        if wedge is not None:  # applies at once
            wedge.detector.max_gap_ms = saved.wedge.max_key_gap_ms
            wedge.detector.min_length = saved.wedge.min_length
            wedge.duplicates.window_ms = saved.wedge.duplicate_window_ms
        if self.manager is not None:
            self.store.record(self.manager.id, self.manager.name, "devices_changed", changes)
        restart = saved.printer != self.window_.printing.settings or saved.terminal != self.window_.settings.terminal
        self.message.setText(t("Gespeichert.") + (t(" Drucker- und Terminal-Änderungen gelten nach einem Neustart der Kasse.")
                                               if restart else ""))

    def done(self, result: int) -> None:  # noqa: D401 - Qt API: every way of closing
        self.camera.stop()
        wedge = getattr(self.window_, "wedge", None)
        if wedge is not None:
            wedge.scan_timing.disconnect(self.show_scan)
        super().done(result)

