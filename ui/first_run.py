"""First run: create the demo store database, with a progress dialog (the generator runs off
the UI thread and reports through a signal)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, Signal
from PySide6.QtWidgets import QProgressDialog

from pos_app.i18n import N_, t, t_marked
from ui.tasks import run_in_background

class _Progress(QObject):
    changed = Signal(str, int, int)


DEMO_HINT = N_("Demo-PINs: Kasse 1234 · Verkauf 5555 · Marktleitung 9999")


def demo_hint(db_path: Path) -> str:
    """The demo PINs, shown on the log-in screen only while the demo retailer is in use."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT name FROM stores WHERE id = 'BER'").fetchone()
    except sqlite3.Error:
        return ""
    return t_marked(DEMO_HINT) if row and "Wohnen & Mode" in row[0] else ""


def ensure_demo_store(db_path: Path) -> str:
    """Create the demo database if there is none yet; returns the log-in hint for demo data."""
    if not db_path.exists():
        from pos_app.demo.generator import ensure_demo_database

        dialog = QProgressDialog(t("Demo-Filialdaten werden angelegt …"), "", 0, 100)
        dialog.setWindowTitle(t("OmniPOS – erster Start"))
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)
        relay = _Progress()

        def show(stage: str, done: int, total: int) -> None:
            dialog.setLabelText(f"Demo-Filialdaten: {stage} {done:,}/{total:,}".replace(",", "."))
            dialog.setMaximum(max(total, 1))
            dialog.setValue(done)

        relay.changed.connect(show)
        loop = QEventLoop()
        outcome: list[BaseException | None] = []

        def finished(_result: object, error: BaseException | None) -> None:
            outcome.append(error)
            loop.quit()

        run_in_background(lambda: ensure_demo_database(db_path, progress=relay.changed.emit), finished)
        if not outcome:  # (a synchronous run in tests has finished already)
            loop.exec()
        dialog.close()
        if outcome and outcome[0] is not None:
            raise outcome[0]
    return demo_hint(db_path)

