"""The till exactly as the app builds it, for the scan benchmark, the soak test and the day
profile: ui.app.open_window (the main window with every glue module installed: returns, shift,
pickups with the walk-in guard, customers, devices; the wedge filter on the application), a
cashier logged in by PIN through the log-in screen, scans handed over by the wedge's own signal,
sales paid cash through the real payment dialog.

Importing it has no side effects; it needs a QApplication (open_app_till makes one).
Thread: the UI thread (it drives the event loop itself).
"""
from __future__ import annotations

import gc
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text


def none_refcount() -> int:
    """None's reference count after a full collection: what PySide6 6.12.0 drained (issue 18)."""
    gc.collect()
    return sys.getrefcount(None)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class WarningCounter:
    """Counts Qt's messages by text (the offscreen plugin's "propagateSizeHints" warning is
    printed once per top-level re-layout), and keeps them off the terminal."""

    counts: dict[str, int] = field(default_factory=dict)

    def install(self) -> None:
        from PySide6.QtCore import qInstallMessageHandler

        def handler(_kind: Any, _context: Any, message: str) -> None:
            key = message[:80]
            self.counts[key] = self.counts.get(key, 0) + 1
        self._handler = handler  # kept alive: Qt holds only a pointer
        qInstallMessageHandler(handler)

    def uninstall(self) -> None:
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(None)

    def relayouts(self) -> int:
        return sum(n for msg, n in self.counts.items() if "propagateSizeHints" in msg)


class AppTill:
    """One till window built by the app's own code on `db_path`, logged in as a cashier."""

    def __init__(self, db_path: Path, settings: Any = None, pin: str = "1234") -> None:
        from PySide6.QtWidgets import QApplication

        from pos_app.config import Settings
        from ui.app import open_window

        self.app = QApplication.instance() or QApplication([])
        self.warnings = WarningCounter()
        self.warnings.install()
        self.window = open_window(self.app, Path(db_path), settings or Settings())
        if self.window is None:
            raise RuntimeError(f"the app could not open {db_path}")
        self.window.show()
        self.app.processEvents()
        self._ensure_open_till()
        self._log_in(pin)

    @property
    def store(self) -> Any:
        return self.window.store

    @property
    def till(self) -> Any:
        return self.window.till

    def _ensure_open_till(self) -> None:
        from pos_app.store.staff import StaffMember

        store = self.store
        if store.cashbook.current() is None:
            managers = store.staff.members(managers_only=True)
            store.cashbook.open(0, managers[0] if managers else StaffMember(0, "Soak", "manager"))

    def _log_in(self, pin: str) -> None:
        from ui.tasks import wait_for_background

        login = self.window.login
        for row in range(login.people.count()):
            member = next(m for m in self.store.staff.members() if m.id == login.people.item(row).data(256))
            if member.role == "cashier":
                login.people.setCurrentRow(row)
                break
        login.pin.setText(pin)
        login.submit()
        deadline = time.monotonic() + 30
        while self.window.till is None or self.window.stack.currentWidget() is not self.window.till:
            wait_for_background(100)
            self.app.processEvents()
            if time.monotonic() > deadline:
                raise RuntimeError(f"log-in failed: {login.message.text()!r}")
        self.app.processEvents()

    def codes(self, count: int, seed: int = 2) -> list[str]:
        """`count` EAN-13 codes of products that have a price, spread over the catalog."""
        import random

        with self.store.db.reading() as s:
            top = int(s.execute(text("SELECT max(rowid) FROM barcodes")).scalar() or 0)
            rng = random.Random(seed)
            rowids = sorted({rng.randint(1, top) for _ in range(count * 2)})
            found = [r[0] for r in s.execute(text(
                "SELECT b.code FROM barcodes b JOIN prices p ON p.product_id = b.product_id "
                "WHERE b.symbology = 'EAN13' AND b.rowid IN (" + ",".join(map(str, rowids)) + ")"))]
        rng.shuffle(found)
        return found[:count]

    def scan(self, code: str) -> float:
        """One scan as the wedge delivers it; returns ms until the event loop has painted it.
        `last_cpu_ms`: the UI thread's CPU time for it (what a busy shared machine cannot
        inflate, unlike the wall time)."""
        c0, t0 = time.thread_time(), time.perf_counter()
        self.window.wedge.scanned.emit(code)
        self.app.processEvents()
        self.last_cpu_ms = (time.thread_time() - c0) * 1000
        return (time.perf_counter() - t0) * 1000

    def drive(self, steps: Iterator[object]) -> None:
        """Run the app's own event loop (app.exec(), as ui.app.main does) and advance `steps`
        once per turn of it, so what Qt defers to the loop (deleteLater of a closed dialog,
        queued signals, timers) happens as it does in the store. Re-raises a step's error."""
        from PySide6.QtCore import QTimer

        failure: list[BaseException] = []

        def turn() -> None:
            try:
                next(steps)
            except StopIteration:
                self.app.quit()
                return
            except BaseException as exc:  # noqa: BLE001 - re-raised after the loop
                failure.append(exc)
                self.app.quit()
                return
            QTimer.singleShot(0, turn)

        QTimer.singleShot(0, turn)
        self.app.exec()
        if failure:
            raise failure[0]

    def pay_cash(self) -> str:
        """F12, the payment dialog takes the amount due in cash (Enter): the whole sale path.
        Returns the till's message (the receipt number on success)."""
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        from ui.payment_dialog import PaymentDialog

        def attempt() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, PaymentDialog):
                QTimer.singleShot(5, attempt)
                return
            QTest.keyClick(dialog.amount, Qt.Key.Key_Return)

        QTimer.singleShot(0, attempt)
        self.till.pay()
        self.app.processEvents()
        return str(self.till.message.text())

    def void(self) -> None:
        if not self.till.session.cart.is_empty():
            import ui.confirm

            ui.confirm.ANSWER_FOR_TESTS = True  # the rig voids without a person to ask
            self.till.void_sale()
            self.app.processEvents()

    def close(self) -> None:
        from ui.app import shut_down
        from ui.tasks import wait_for_background

        wait_for_background(10_000)
        self.app.removeEventFilter(self.window.wedge)
        self.app.removeEventFilter(self.window.activity)
        self.window.hide()
        shut_down(self.window)
        self.window.deleteLater()
        self.app.processEvents()
        self.warnings.uninstall()


def pickup_products(store: Any, count: int, seed: int = 5) -> list[int]:
    """Product ids (with a price and a barcode) for pickup orders."""
    import random

    with store.db.reading() as s:
        top = int(s.execute(text("SELECT max(id) FROM products")).scalar() or 0)
        rng = random.Random(seed)
        wanted = ",".join(str(rng.randint(1, top)) for _ in range(count * 3))
        ids = [int(r[0]) for r in s.execute(text(
            "SELECT DISTINCT p.product_id FROM prices p JOIN barcodes b ON b.product_id = p.product_id "
            f"WHERE p.product_id IN ({wanted})"))]
    return ids[:count]


def barcodes_of(store: Any, product_ids: list[int]) -> list[str]:
    with store.db.reading() as s:
        return [r[0] for r in s.execute(text(
            "SELECT min(code) FROM barcodes WHERE symbology = 'EAN13' AND product_id IN ("
            + ",".join(map(str, product_ids)) + ") GROUP BY product_id"))]
