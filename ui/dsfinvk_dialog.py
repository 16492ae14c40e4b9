"""The DSFinV-K export for the manager (Ctrl+Shift+E, after a manager's PIN): a date range, where
the cash closings come from (the main window passes `store_closings`: this till's Z reports; a
JSON file when no source is given), a target folder; the export runs in the background and the result
(files, receipts, differences between closings and receipts) is shown. The export is written to
the audit trail.

UI thread for the form; the export itself through ui.tasks.run_in_background.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from pos_app.cart import Approval
from pos_app.clock import STORE_TZ
from pos_app.fiscal.dsfinvk import CashClosing, ExportError, ExportResult, export
from pos_app.fiscal.dsfinvk.closing import closings_from_json
from pos_app.fiscal.dsfinvk.from_store import closings_from_store
from pos_app.i18n import t
from pos_app.store.local import LocalStore
from ui.tasks import run_in_background

ClosingsSource = Callable[[date, date], list[CashClosing]]


def store_closings(store: LocalStore) -> ClosingsSource:
    """The till's own Z reports (every one: the export picks the range's and needs the earlier
    ones for where a period starts). Runs on the export's worker."""
    return lambda _date_from, _date_to: closings_from_store(store)


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class DsfinvkExportDialog(QDialog):
    def __init__(self, store: LocalStore, approval: Approval, closings: ClosingsSource | None = None,
                 parent: QWidget | None = None) -> None:
        """`closings`: where the Z closings come from (`store_closings(store)` for the till's
        Z reports); None = a JSON file the manager picks (closings from elsewhere)."""
        super().__init__(parent)
        self.store = store
        self.approval = approval
        self._closings = closings
        self.setWindowTitle(t("DSFinV-K-Export"))
        self.resize(640, 360)
        today = QDate(datetime.now(STORE_TZ).date())  # the store's day (Berlin), not the machine's
        self.date_from = QDateEdit(today.addDays(-today.day() + 1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd.MM.yyyy")
        self.closings_file = QLineEdit()
        self.out_dir = QLineEdit(str(Path.home() / "DSFinV-K"))
        form = QFormLayout()
        form.addRow(t("Von"), self.date_from)
        form.addRow(t("Bis"), self.date_to)
        if closings is None:
            form.addRow(t("Kassenabschlüsse (JSON)"), self._with_button(self.closings_file, self._pick_closings))
        form.addRow(t("Zielordner"), self._with_button(self.out_dir, self._pick_folder))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.export_button = QPushButton(t("Exportieren"))
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        close = QPushButton(t("Schließen"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message, 1)
        layout.addLayout(buttons)
        self.result: ExportResult | None = None

    def _with_button(self, field: QLineEdit, pick: Callable[[], None]) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(field, 1)
        button = QPushButton(t("Wählen …"))
        button.clicked.connect(pick)
        row.addWidget(button)
        return box

    def _pick_closings(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, t("Kassenabschlüsse"), "", t("JSON (*.json)"))
        if path:
            self.closings_file.setText(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, t("Zielordner"))
        if path:
            self.out_dir.setText(path)

    def start(self) -> None:
        date_from, date_to = _to_date(self.date_from.date()), _to_date(self.date_to.date())
        out = Path(self.out_dir.text().strip())
        if not self.out_dir.text().strip():
            self.message.setText(t("Bitte einen Zielordner angeben."))
            return
        source = self._closings
        closings_file = self.closings_file.text().strip()
        if source is None and not closings_file:
            self.message.setText(t("Bitte die Datei mit den Kassenabschlüssen wählen."))
            return
        store = self.store

        def work() -> ExportResult:
            closings = (source(date_from, date_to) if source is not None
                        else closings_from_json(json.loads(Path(closings_file).read_text(encoding="utf-8"))))
            return export(store, date_from, date_to, closings, out)
        self.export_button.setEnabled(False)
        self.message.setText(t("Export läuft …"))
        run_in_background(work, self._done)

    def _done(self, result: ExportResult | None, error: BaseException | None) -> None:
        self.export_button.setEnabled(True)
        if error is not None or result is None:
            known = isinstance(error, (ExportError, ValueError, OSError))
            self.message.setText(t("Export nicht möglich: {error}", error=error) if known else t("Export fehlgeschlagen: {error!r}", error=error))
            return
        self.result = result
        self.store.record(self.approval.manager_id, self.approval.manager_name, "dsfinvk.export", {
            "from": _to_date(self.date_from.date()).isoformat(), "to": _to_date(self.date_to.date()).isoformat(),
            "closings": result.closings, "receipts": result.receipts, "mismatches": len(result.mismatches)})
        lines = [t("{count} Dateien in {out_dir}: {closings} Kassenabschlüsse, {receipts} Belege.", count=len(result.files), out_dir=result.out_dir, closings=result.closings, receipts=result.receipts)]
        if result.unclosed_receipts:
            lines.append(t("{unclosed_receipts} Belege nach dem letzten Abschluss sind nicht enthalten.", unclosed_receipts=result.unclosed_receipts))
        lines += [t("ABWEICHUNG: {m}", m=m) for m in result.mismatches]
        self.message.setText("\n".join(lines))
