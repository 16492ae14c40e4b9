"""Strg+Umschalt+Y: shelf labels. Scan or type product codes (barcode or SKU, several at once,
one per line or separated by spaces), or take every product reduced in this store now (the
price change list of a promotion); the labels (price, lowest 30-day price when reduced, EAN-13)
go to the receipt printer as ESC/POS (hardware.label_printer).

Thread: UI thread; the store reads are short.
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from hardware.label_printer import render_labels
from hardware.print_queue import PrintJob
from pos_app.i18n import t
from pos_app.prices.labels import ShelfLabel, label_sheet
from pos_app.prices.shelf_labels import LabelPick, labels_for_codes, reduced_labels, unknown_text
from pos_app.store.local import LocalStore
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow



class LabelDialog(QDialog):
    """`send(labels)` prints them (or says why not) and returns the message to show."""

    def __init__(self, store: LocalStore, send, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.store, self._send = store, send
        self.setWindowTitle(t("Regaletiketten drucken"))
        self.setModal(True)
        self.resize(640, 480)  # fits 1024x768
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(t("Artikelcodes scannen oder eingeben (Barcode oder Artikelnummer, einer je Zeile):")))
        self.codes = QPlainTextEdit()
        layout.addWidget(self.codes, 1)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.print_button = QPushButton(t("Etiketten drucken (F10)"))
        self.reduced_button = QPushButton(t("Alle reduzierten Artikel"))
        self.close_button = QPushButton(t("Schließen (Esc)"))
        for button in (self.print_button, self.reduced_button, self.close_button):
            button.setMinimumHeight(44)
            row.addWidget(button)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_codes)
        self.reduced_button.clicked.connect(self.print_reduced)
        self.close_button.clicked.connect(self.reject)
        bind("print_labels", self, self.print_codes)  # F-keys: never taken by the text field
        bind("close_dialog", self, self.reject)
        self.codes.setFocus()
        self.last: tuple[ShelfLabel, ...] = ()

    def on_scanned(self, code: str) -> None:
        """The scanner (ui.wedge_filter) while the dialog is open: one more code."""
        self.codes.appendPlainText(code)

    def print_codes(self) -> None:
        codes = self.codes.toPlainText().split()
        if not codes:
            self.message.setText(t("Bitte mindestens einen Artikelcode eingeben."))
            return
        self._print(labels_for_codes(self.store.db, self.store.store_id, codes))

    def print_reduced(self) -> None:
        pick = reduced_labels(self.store.db, self.store.store_id)
        if not pick.labels:
            self.message.setText(t("In dieser Filiale ist gerade kein Artikel reduziert."))
            return
        self._print(pick)

    def _print(self, pick: LabelPick) -> None:
        self.last = pick.labels
        said = self._send(pick.labels) if pick.labels else ""
        self.message.setText(" ".join(x for x in (said, unknown_text(pick)) if x))


class LabelGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: LabelDialog | None = None
        bind("shelf_labels", window, self.show)

    def send(self, labels: tuple[ShelfLabel, ...]) -> str:
        printing = self.window.printing
        if printing.queue is None:
            return t("Kein Bondrucker eingerichtet: keine Etiketten gedruckt.")
        data = render_labels(label_sheet(labels, printing.paper), printing.settings.profile, paper=printing.paper)
        printing.queue.submit(PrintJob(f"labels-{uuid.uuid4().hex[:8]}", data, t("Regaletiketten")))
        return t("{count} Etiketten an den Drucker geschickt.", count=len(labels))

    def show(self) -> None:
        window = self.window
        if window.session is None:
            return
        self.dialog = LabelDialog(window.store, self.send, window)
        wedge = getattr(window, "wedge", None)
        if wedge is not None:
            wedge.scanned.connect(self.dialog.on_scanned)
        try:
            self.dialog.exec()
        finally:
            if wedge is not None:
                wedge.scanned.disconnect(self.dialog.on_scanned)
            self.dialog = None
            window.activateWindow()
            if window.till is not None:
                window.till.focus_search()  # focus back to the scan field
