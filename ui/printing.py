"""Qt glue for receipt printing: renders a sale's receipt, hands it to the printer's worker
thread (hardware.print_queue) and brings the outcome back to the UI thread, where it is stored
on the sale (printed / failed) and shown to the cashier. A printer that is off never loses a
sale: the sale is already committed before printing starts, and a failed job can be retried
or the receipt reprinted from the journal at any time.

Also here, because they go through the same printer (one worker thread per printer): the cash
drawer kick, the test page, and the printer's status (polled every `status_interval_s` on the
print worker, shown in the status bar). A failed drawer kick or test page is reported and
dropped, never printed later by F11: a drawer must not spring open minutes after the fact.
"""
from __future__ import annotations

import logging
import uuid
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from hardware import printer_status
from hardware.print_queue import PrintJob, PrintQueue, PrintResult
from hardware.printer_connection import describe
from hardware.printer_models import logo_dots, paper_for, test_page_for
from hardware.receipt_printer import drawer_kick_bytes, load_logo, render_escpos
from pos_app.plural import count_text
from pos_app.config import PrinterSettings
from pos_app.card_payments import CardLedger
from pos_app.receipt import PAPER_58MM, PAPER_80MM, Row, card_slip_rows, layout
from pos_app.store.local import LocalStore

log = logging.getLogger(__name__)
DRAWER_JOB, TEST_JOB = "drawer-", "test-"


class ReceiptPrinting(QObject):
    status_changed = Signal(bool, str)  # ok, message for the status bar
    printer_status = Signal(object)  # hardware.printer_status.PrinterStatus, on the UI thread
    _result = Signal(object)  # PrintResult, emitted on the worker thread
    _status = Signal(object, object)  # PrinterStatus | None, error; emitted on the worker thread

    def __init__(self, store: LocalStore, settings: PrinterSettings, backoff_s: tuple[float, ...] = (0.5, 1.0),
                 parent: QObject | None = None, logo_path: Path | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.settings = settings
        self.paper = paper_for(settings)
        self.enabled = settings.kind != "none"
        self.last_status: printer_status.PrinterStatus | None = None
        self._rechecking = False
        self.logo: Image.Image | None = None
        self.logo_problem = ""
        if settings.logo and logo_path is not None:
            try:
                self.logo = load_logo(logo_path)
            except OSError as exc:
                self.logo_problem = str(exc)
                log.warning("%s", exc)
        self._result.connect(self._on_result)  # queued: self lives on the UI thread
        self._status.connect(self._on_status)
        self.queue = PrintQueue(settings, self._result.emit, backoff_s=backoff_s) if self.enabled else None
        self.poll = QTimer(self)
        self.poll.timeout.connect(self.request_status)
        if self.queue is not None and settings.kind == "network" and settings.status_interval_s > 0:
            self.poll.start(int(settings.status_interval_s * 1000))
            QTimer.singleShot(0, self.request_status)  # the status bar says at once how it is

    def describe(self) -> str:
        return describe(self.settings) if self.enabled else "kein Drucker eingerichtet"

    def print_sale(self, sale_id: str, open_drawer: bool = False) -> None:
        """Queue the receipt of a committed sale (UI thread)."""
        if self.queue is None:
            self.status_changed.emit(True, "Kein Bondrucker eingerichtet: Beleg nur am Bildschirm (F9).")
            return
        receipt = self._store.sales.receipt(sale_id)
        rows = layout(receipt, self.paper)
        for slip in CardLedger(self._store.db).slips_for_sale(sale_id):  # the terminal's receipt after ours
            rows += card_slip_rows(slip, self.paper)
        data = self.render(rows, open_drawer and self.settings.open_drawer_on_cash)
        self.queue.submit(PrintJob(sale_id, data, f"Bon {receipt.receipt_number}"))

    def render(self, rows: list[Row], open_drawer: bool = False) -> bytes:
        """The ESC/POS job for these rows on this printer (its profile, width and logo)."""
        return render_escpos(rows, self.settings.profile, open_drawer, paper=self.paper, logo=self.logo,
                             logo_dots=logo_dots(self.settings))

    def kick_drawer(self) -> bool:
        """Open the cash drawer (a pulse on pin 2 through the printer). False: no printer."""
        if self.queue is None:
            self.status_changed.emit(False, "Keine Kassenlade: kein Bondrucker eingerichtet.")
            return False
        self.queue.submit(PrintJob(f"{DRAWER_JOB}{uuid.uuid4().hex[:8]}", drawer_kick_bytes(2), "Kassenlade"))
        return True

    def print_test_page(self, store_name: str = "") -> bool:
        """A test page: model, line width, code page, logo, barcode, cutter."""
        if self.queue is None:
            self.status_changed.emit(False, "Kein Bondrucker eingerichtet: keine Testseite.")
            return False
        rows = test_page_for(self.settings, store_name or self._store.store_name, self.logo_problem)
        self.queue.submit(PrintJob(f"{TEST_JOB}{uuid.uuid4().hex[:8]}", self.render(rows), "Testseite"))
        return True

    def request_status(self) -> None:
        """Ask the printer how it is, on its worker (between jobs); printer_status follows."""
        if self.queue is None:
            self.printer_status.emit(printer_status.query(self.settings))
            return
        settings = self.settings
        try:
            self.queue.call(lambda: printer_status.query(settings), self._status.emit)
        except RuntimeError:  # stopped: the app is closing
            pass

    def _recheck(self) -> None:
        """A job got through: the bytes were taken, but the printer may be out of paper or have
        its cover open. Ask it; a problem then replaces "bereit" in the status bar."""
        if self.queue is not None and self.settings.kind == "network" and self.settings.status_interval_s > 0:
            self._rechecking = True
            self.request_status()

    @Slot(object, object)
    def _on_status(self, status: printer_status.PrinterStatus | None, error: BaseException | None) -> None:
        if status is None:
            status = printer_status.PrinterStatus(False, None, "unknown", None, f"Druckerstatus: {error}")
        changed = self.last_status is None or self.last_status.message != status.message
        changed = changed or (self._rechecking and not status.ready)
        self._rechecking = False
        self.last_status = status
        self.printer_status.emit(status)
        if changed:
            waiting = self.failed_count()
            extra = (" " + count_text(waiting, "1 Bon noch nicht gedruckt: F11.", "{count} Bons noch nicht gedruckt: F11.")
                     if waiting else "")
            self.status_changed.emit(status.ready and not waiting, status.message + extra)

    def print_rows(self, job_id: str, rows: list[Row], description: str) -> bool:
        """Queue a document that is not a sale (an X or Z report); False without a printer."""
        if self.queue is None:
            self.status_changed.emit(True, f"Kein Bondrucker eingerichtet: {description} nur am Bildschirm.")
            return False
        self.queue.submit(PrintJob(job_id, self.render(rows),
                                   description))
        return True

    def failed_count(self) -> int:
        return len(self.queue.failed_jobs()) if self.queue else 0

    def retry_failed(self) -> int:
        """Send every failed receipt again; returns how many."""
        if self.queue is None:
            return 0
        jobs = self.queue.failed_jobs()
        for job in jobs:
            self.queue.retry(job.job_id)
        return len(jobs)

    @Slot(object)
    def _on_result(self, result: PrintResult) -> None:  # UI thread
        if result.job_id.startswith((DRAWER_JOB, TEST_JOB)):
            self._device_result(result)
            return
        self._store.sales.mark_printed(result.job_id, result.ok, result.error)
        if result.ok:
            waiting = self.failed_count()
            self.status_changed.emit(waiting == 0, "Drucker bereit." if not waiting else
                                     count_text(waiting, "Drucker bereit. 1 Bon noch nicht gedruckt: F11.",
                                                "Drucker bereit. {count} Bons noch nicht gedruckt: F11."))
            self._recheck()
        else:
            self.status_changed.emit(False, f"Drucker nicht bereit, Bon nicht gedruckt: {result.error} "
                                            f"Der Verkauf ist gespeichert. Erneut drucken: F11.")

    def _device_result(self, result: PrintResult) -> None:
        what = "Kassenlade" if result.job_id.startswith(DRAWER_JOB) else "Testseite"
        if result.ok:
            self.status_changed.emit(True, "Kassenlade geöffnet." if what == "Kassenlade" else "Testseite gedruckt.")
            self._recheck()
            return
        if self.queue is not None:
            self.queue.discard(result.job_id)  # never later by F11
        verb = "nicht geöffnet" if what == "Kassenlade" else "nicht gedruckt"
        self.status_changed.emit(False, f"{what} {verb}: {result.error}")

    def stop(self) -> None:
        self.poll.stop()
        if self.queue is not None:
            self.queue.stop(2.0)
