"""Qt glue for receipt printing: renders a sale's receipt, hands it to the printer's worker
thread (hardware.print_queue) and brings the outcome back to the UI thread, where it is stored
on the sale (printed / failed) and shown to the cashier. A printer that is off never loses a
sale: the sale is already committed before printing starts, and a failed job can be retried
or the receipt reprinted from the journal at any time.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from hardware.print_queue import PrintJob, PrintQueue, PrintResult
from hardware.printer_connection import describe
from hardware.receipt_printer import render_escpos
from pos_app.config import PrinterSettings
from pos_app.receipt import PAPER_58MM, PAPER_80MM, Row, layout
from pos_app.store.local import LocalStore


class ReceiptPrinting(QObject):
    status_changed = Signal(bool, str)  # ok, message for the status bar
    _result = Signal(object)  # PrintResult, emitted on the worker thread

    def __init__(self, store: LocalStore, settings: PrinterSettings, backoff_s: tuple[float, ...] = (0.5, 1.0),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.settings = settings
        self.paper = PAPER_58MM if settings.paper == "58mm" else PAPER_80MM
        self.enabled = settings.kind != "none"
        self._result.connect(self._on_result)  # queued: self lives on the UI thread
        self.queue = PrintQueue(settings, self._result.emit, backoff_s=backoff_s) if self.enabled else None

    def describe(self) -> str:
        return describe(self.settings) if self.enabled else "kein Drucker eingerichtet"

    def print_sale(self, sale_id: str, open_drawer: bool = False) -> None:
        """Queue the receipt of a committed sale (UI thread)."""
        if self.queue is None:
            self.status_changed.emit(True, "Kein Bondrucker eingerichtet: Beleg nur am Bildschirm (F9).")
            return
        receipt = self._store.sales.receipt(sale_id)
        data = render_escpos(layout(receipt, self.paper), self.settings.profile,
                             open_drawer and self.settings.open_drawer_on_cash, paper=self.paper)
        self.queue.submit(PrintJob(sale_id, data, f"Bon {receipt.receipt_number}"))

    def print_rows(self, job_id: str, rows: list[Row], description: str) -> bool:
        """Queue a document that is not a sale (an X or Z report); False without a printer."""
        if self.queue is None:
            self.status_changed.emit(True, f"Kein Bondrucker eingerichtet: {description} nur am Bildschirm.")
            return False
        self.queue.submit(PrintJob(job_id, render_escpos(rows, self.settings.profile, paper=self.paper),
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
        self._store.sales.mark_printed(result.job_id, result.ok, result.error)
        if result.ok:
            waiting = self.failed_count()
            self.status_changed.emit(waiting == 0, "Drucker bereit." if not waiting else
                                     f"Drucker bereit. {waiting} Bon(s) noch nicht gedruckt: F11.")
        else:
            self.status_changed.emit(False, f"Drucker nicht bereit, Bon nicht gedruckt: {result.error} "
                                            f"Der Verkauf ist gespeichert. Erneut drucken: F11.")

    def stop(self) -> None:
        if self.queue is not None:
            self.queue.stop(2.0)
