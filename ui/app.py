"""Start the store app: settings, the local store (created with demo data on first run, with a
progress bar), the printer, the scanner, the sync with the center (when `[sync] backend_url` is
set and the data directory holds the device's token), the main window.

    omnipos [--data-dir DIR] [--device BER-K1] [--backend-url URL] [--smoke-test] [--version]
    python -m ui ...                  (the same)

Logging is configured here, once: omnipos.log in the data folder (rotating) and stderr
(pos_app.till_log); the sync process's records reach the same file (sync/process.py).

`--smoke-test` starts everything, waits until the till is usable, prints how long that took
and exits 0 (used to check a packaged build headless).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from pos_app.i18n import N_, t

START = time.perf_counter()
SMOKE_SYNC_WAIT_S = 30.0


def resources_dir() -> Path:
    """resources/ in the source tree, or inside a PyInstaller bundle."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) / "resources" if base else Path(__file__).resolve().parent.parent / "resources"


def default_data_dir() -> Path:
    """The one data folder of every OmniPOS command (pos_app.programs)."""
    from pos_app.programs import default_data_dir as shared

    return shared()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from pos_app.programs import add_version_argument

    parser = argparse.ArgumentParser(prog="omnipos", description="OmniPOS store app (till)")
    add_version_argument(parser)
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="where the store database, settings and log live (default: %(default)s; "
                             "$POS_DATA_DIR overrides it)")
    parser.add_argument("--device", help="device id, overrides device_id in the settings file")
    parser.add_argument("--backend-url", help="the center's URL, overrides [sync] backend_url")
    parser.add_argument("--smoke-test", action="store_true",
                        help="start, wait until the till is usable, print the start-up time, exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # a PyInstaller build: the sync process starts this exe again
    args = parse_args(argv)
    from pos_app import till_log

    log_path = till_log.configure(args.data_dir)
    import logging

    logging.getLogger("omnipos").info("OmniPOS %s starting; data folder %s, log %s",
                                      _version(), args.data_dir, log_path)
    from PySide6.QtWidgets import QApplication, QMessageBox

    from pos_app.config import ConfigError, load_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("OmniPOS")
    data_dir: Path = args.data_dir
    try:
        settings = load_settings(data_dir / "pos.toml")
    except ConfigError as exc:
        QMessageBox.critical(None, "OmniPOS", t("Einstellungen ({data_dir}):\n{exc}", data_dir=data_dir / 'pos.toml', exc=exc))
        return 2
    from dataclasses import replace

    from pos_app.i18n import set_language
    from ui.i18n_qt import install_qt_translator

    set_language(settings.language)  # the store's default until a person logs in
    install_qt_translator()
    if args.device:
        settings = replace(settings, device_id=args.device)
    if args.backend_url:
        settings = replace(settings, sync=replace(settings.sync, backend_url=args.backend_url))
    db_path = data_dir / "store.db"
    window = open_window(app, db_path, settings)
    if window is None:
        return 2
    from ui.screen_fit import open_main_window

    open_main_window(window, settings.display.fullscreen)  # maximised, or a kiosk ([display] fullscreen)
    if args.smoke_test:
        return smoke_exit(app, window)
    code = app.exec()
    shut_down(window)
    return code


def _version() -> str:
    from pos_app import __version__

    return __version__


def shut_down(window) -> None:  # type: ignore[no-untyped-def]
    """Stop the background workers, then close the store file."""
    window.sync.stop(timeout=5.0)
    devices = getattr(window, "devices", None)
    if devices is not None:
        devices.stop()  # the camera thread
    window.printing.stop()
    if getattr(window, "card_terminal", None) is not None:
        window.card_terminal.stop()
    if window.store.fiscal is not None:  # let an aborted sale's TSE transaction be recorded first
        window.store.fiscal.close(wait=True)
    window.store.close()


def open_window(app, db_path: Path, settings):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from pos_app.store.local import LocalStore, UnknownDevice
    from ui.first_run import ensure_demo_store
    from ui.main_window import MainWindow
    from ui.printing import ReceiptPrinting
    from ui.wedge_filter import WedgeScannerFilter

    qss = resources_dir() / "till.qss"
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    hint = ensure_demo_store(db_path)
    try:
        store = LocalStore.open(db_path, settings.device_id)
    except UnknownDevice as exc:
        QMessageBox.critical(None, "OmniPOS", str(exc))
        return None
    from pos_app.fiscal.setup import signer_for

    store.fiscal = signer_for(settings.tse, store.db, store.device_id)  # every sale is signed with it
    store.sales.link_base = settings.receipts.base_for(settings.sync)  # digital receipts' links (issue 16)
    printing = ReceiptPrinting(store, settings.printer, logo_path=resources_dir() / "receipt_logo.png")
    worker, off_reason = make_sync_worker(store, settings, db_path.parent)
    window = MainWindow(store, settings, printing, hint, worker, off_reason)
    window.sync.start()
    wedge = WedgeScannerFilter(settings.wedge.max_key_gap_ms, settings.wedge.min_length,
                               settings.wedge.duplicate_window_ms, window)
    app.installEventFilter(wedge)
    app.installEventFilter(window.activity)
    window.wedge = wedge
    wedge.scanned.connect(lambda code: window.till.on_scanned(code) if window.till else None)
    from ui.till_devices import TillDevices

    window.devices = TillDevices(window, db_path.parent / "pos.toml")  # Strg+B/D/T, Strg+Umschalt+D
    return window


def make_sync_worker(store, settings, data_dir: Path):  # type: ignore[no-untyped-def]
    """The sync worker when sync is set up, else (None, why not) for the status bar. It runs in
    its own process (sync/process.py): in a thread it held the GIL long enough to stall the
    till's screen while a catalog page was parsed."""
    if not settings.sync.enabled:
        return None, N_("keine Zentrale eingestellt (pos.toml: [sync] backend_url)")  # shown in the person's language
    from sync.process import SyncProcess, WorkerSettings
    from sync.token import TokenError, read_token, token_path

    path = token_path(data_dir)
    try:
        token = read_token(path)
    except (TokenError, OSError) as exc:
        return None, t("Geräte-Token unbrauchbar: {exc}", exc=exc)
    if token is None:
        return None, t("Gerät nicht registriert (kein Token in {path})", path=path)
    return SyncProcess(WorkerSettings(str(store.db.path), store.device_id, settings.sync.backend_url, token,
                                    batch_size=settings.sync.batch_size, interval_s=settings.sync.interval_s,
                                    clock_skew_warn_s=settings.sync.clock_skew_warn_s)), ""


def smoke_exit(app, window) -> int:  # type: ignore[no-untyped-def]
    """Print the start-up figures; with sync set up, also wait (at most SMOKE_SYNC_WAIT_S) for
    the sync process's first finished round and print its state: a bundle whose sync process
    cannot start (state "error") fails the smoke test. Offline is fine: no center may be up."""
    from PySide6.QtCore import QTimer

    usable = [False]
    waited = [0.0]

    def done() -> None:
        import resource

        usable[0] = window.login.pin.isVisible() and window.login.people.count() > 0
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        took = time.perf_counter() - START
        # the TSE must work in the bundle too (the development TSE loads `cryptography` lazily)
        tse = window.store.fiscal.info() if window.store.fiscal is not None else None
        print(f"smoke-test: till usable={usable[0]} after {took:.3f} s, peak memory {peak_mb:.0f} MB, "
              f"tse={'none' if tse is None else tse if isinstance(tse, str) else tse.signature_algorithm}",
              flush=True)
        usable[0] = usable[0] and not isinstance(tse, str)
        wait_for_sync()

    def wait_for_sync() -> None:
        status = window.sync.status
        if window.sync.worker is not None and (status is None or status.state.value == "syncing") \
                and waited[0] < SMOKE_SYNC_WAIT_S:
            waited[0] += 0.1
            QTimer.singleShot(100, wait_for_sync)
            return
        synced = True
        if window.sync.worker is not None:
            state = status.state.value if status is not None else "no report"
            synced = state not in ("error", "no report")  # still syncing after the wait: it runs
            print(f"smoke-test: sync process {state}" + (f" ({status.last_error})" if status and status.last_error
                                                         else ""), flush=True)
        shut_down(window)
        app.exit(0 if usable[0] and synced else 1)

    QTimer.singleShot(0, done)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
