"""The till on a real X display (Xvfb, the xcb platform, a window manager): every main screen
and dialog at the screen size it runs at, opened by its real shortcut, checked to fit (nothing
outside the screen, nothing cut off: tests/display/fit_check.py) and saved as a screenshot of
the whole screen in test-artifacts/<size>/<screen>.png.

Skipped unless POS_DISPLAY_TESTS=1 and DISPLAY is set: `make test-display` starts Xvfb and
openbox at 1366x768, 1280x800, 1024x768 and 800x1280 and runs this file once per size
(tests/display/run_displays.py). Offscreen, `make test` is unchanged.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from pos_app.config import PrinterSettings, Settings, UiSettings
from pos_app.store.staff import StaffMember
from tests.backend_server import backend_database_url
from tests.confirm_helpers import answer_next_question
from tests.display.fit_check import buttons_in_view, in_view, outside_screen, small_targets, text_cut
from tests.store_fixture import CASHIER_PIN, EAN_DECKE, EAN_KAFFEE, MANAGER_PIN
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, type_slowly
from ui.app import open_window, resources_dir, shut_down
from ui.customer_dialogs import CustomerEditDialog
from ui.devices_view import DevicesDialog
from ui.dialogs import ManagerApprovalDialog
from ui.interrupted_payments import InterruptedPaymentsDialog
from ui.main_window import MainWindow
from ui.screen_fit import open_main_window
from ui.shift_dialogs import OpenShiftDialog

pytestmark = pytest.mark.skipif(
    os.environ.get("POS_DISPLAY_TESTS") != "1" or not os.environ.get("DISPLAY"),
    reason="real-display tests: make test-display (POS_DISPLAY_TESTS=1 under Xvfb)")

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier
SETTLE_MS = 250  # the window manager places and paints a new window
WAIT_MS = 15000  # generous: the machine may be loaded (argon2, eight test runs at once)

# (screenshot name, key, modifiers): each opens one dialog at the till
DIALOGS = [
    ("payment", Qt.Key.Key_F12, NONE), ("quantity", Qt.Key.Key_F3, NONE), ("line_discount", Qt.Key.Key_F4, NONE),
    ("cart_discount", Qt.Key.Key_F5, NONE), ("price", Qt.Key.Key_F6, NONE), ("journal_f9", Qt.Key.Key_F9, NONE),
    ("parked_f8", Qt.Key.Key_F8, NONE), ("customer_search", Qt.Key.Key_U, CTRL),
    ("customer_new", Qt.Key.Key_U, CTRL_SHIFT), ("stock", Qt.Key.Key_I, CTRL),
    ("pickup_queue", Qt.Key.Key_P, CTRL_SHIFT), ("pickup_handover", Qt.Key.Key_H, CTRL),
    ("reserve", Qt.Key.Key_H, CTRL_SHIFT), ("returns", Qt.Key.Key_R, CTRL), ("blind_return", Qt.Key.Key_R, CTRL_SHIFT),
    ("voucher", Qt.Key.Key_G, CTRL), ("cash_move", Qt.Key.Key_P, CTRL),
    ("x_report", Qt.Key.Key_X, CTRL_SHIFT), ("audit", Qt.Key.Key_A, CTRL_SHIFT),
    ("conflicts", Qt.Key.Key_K, CTRL), ("tse", Qt.Key.Key_T, CTRL_SHIFT), ("dsfinvk", Qt.Key.Key_E, CTRL_SHIFT),
    ("devices", Qt.Key.Key_D, CTRL_SHIFT),
    # the screens of issues 14 and 15, by their keys in pos_app.till_actions
    ("help_f1", Qt.Key.Key_F1, NONE), ("goods_receipt", Qt.Key.Key_L, CTRL_SHIFT),
    ("stock_adjustment", Qt.Key.Key_B, CTRL_SHIFT), ("stock_count", Qt.Key.Key_N, CTRL_SHIFT),
    ("transfers", Qt.Key.Key_F, CTRL_SHIFT), ("endless_aisle", Qt.Key.Key_K, CTRL_SHIFT),
    ("ship_from_store", Qt.Key.Key_V, CTRL_SHIFT), ("gift_card_sale", Qt.Key.Key_G, CTRL_SHIFT),
    ("shelf_labels", Qt.Key.Key_Y, CTRL_SHIFT), ("coupon", Qt.Key.Key_C, CTRL_SHIFT),
]


# the screens' language (run_displays runs every size in German and in English); receipts stay German
LANGUAGE = os.environ.get("POS_DISPLAY_LANGUAGE", "de")


def size_name() -> str:
    geometry = QGuiApplication.primaryScreen().geometry()
    return f"{geometry.width()}x{geometry.height()}" + ("" if LANGUAGE == "de" else f"-{LANGUAGE}")


def is_portrait() -> bool:
    geometry = QGuiApplication.primaryScreen().geometry()
    return geometry.height() > geometry.width()


@pytest.fixture
def shots() -> Path:
    folder = Path(__file__).resolve().parents[2] / "test-artifacts" / size_name()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(folder: Path, name: str) -> None:
    """The whole screen, window manager frames included: what a person would see."""
    QGuiApplication.primaryScreen().grabWindow(0).save(str(folder / f"{name}.png"))


def open_till(qtbot, store_path: Path, port: int, layout: str = "till") -> MainWindow:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    app.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))
    settings = Settings(printer=PrinterSettings(kind="network", host="127.0.0.1", port=port, timeout_s=1.0),
                        ui=UiSettings(layout=layout), language=LANGUAGE)
    window = open_window(app, store_path, settings)
    open_main_window(window, fullscreen=False)  # as the app opens it: maximised
    qtbot.addWidget(window)
    qtbot.waitExposed(window, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    qtbot.wait(SETTLE_MS)
    return window


@pytest.fixture
def till(qtbot, store_path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with TcpPrinter() as printer:
        window = open_till(qtbot, store_path, printer.port)
        try:
            yield window
        finally:
            close_window(window)


def log_in_by_keys(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The first thing typed after the start is the PIN, into whatever has the focus (no click)."""
    target = QApplication.focusWidget()
    assert target is window.login.pin, f"the PIN field must have the keys at start, not {target!r}"
    type_slowly(qtbot, target, CASHIER_PIN)
    QTest.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.till is not None and window.stack.currentWidget() is window.till, timeout=WAIT_MS)
    qtbot.wait(SETTLE_MS)


def scan(window: MainWindow, code: str) -> None:
    """A code as the scanner delivers it (ui.wedge_filter's signal): a burst of key events 2 ms
    apart is split by a loaded machine's scheduler, which is not what these tests look at."""
    before = len(window.till.session.cart.lines)
    window.till.on_scanned(code)
    assert len(window.till.session.cart.lines) == before + 1, window.till.message.text()


def fits(window: QWidget) -> list[str]:
    return outside_screen(window) + text_cut(window)


def close_leftovers(qtbot, main: QWidget) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        left = [w for w in QApplication.topLevelWidgets() if w.isVisible() and isinstance(w, QDialog)]
        if not left:
            break
        for dialog in left:
            dialog.reject()
        qtbot.wait(50)
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=WAIT_MS)


def inspect_dialog(qtbot, main: MainWindow, name: str, folder: Path, open_it: Callable[[], None],  # type: ignore[no-untyped-def]
                   approve: bool = False) -> list[str]:
    """Open a dialog with `open_it` (it may block in exec()), check it and screenshot it once it
    is painted, close it; returns what does not fit. `approve`: a manager approval that comes
    first is answered with the demo manager's PIN by keys, and the dialog behind it is checked."""
    found: list[str] = []
    seen: list[str] = []
    approved: list[str] = []

    def current() -> QWidget | None:
        modal = QApplication.activeModalWidget()
        if modal is not None:
            return modal
        return next((w for w in QApplication.topLevelWidgets()
                     if w.isVisible() and isinstance(w, QDialog)), None)

    def attempt(left: int) -> None:
        dialog = current()
        if isinstance(dialog, ManagerApprovalDialog) and approve and not approved:
            approved.append(name)
            found.extend(f"{name} approval: {p}" for p in fits(dialog))
            screenshot(folder, f"{name}_approval")
            index = dialog.manager.findText("Jonas Weber")
            dialog.manager.setCurrentIndex(max(index, 0))
            dialog.pin.setFocus()
            QTest.keyClicks(dialog.pin, MANAGER_PIN)
            QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
            dialog = None
        elif approve and approved and isinstance(dialog, ManagerApprovalDialog):
            dialog = None  # still closing
        if dialog is None:
            if left:
                QTimer.singleShot(50, lambda: attempt(left - 1))
            return
        QTimer.singleShot(SETTLE_MS, lambda: check(dialog))

    def check(dialog: QWidget) -> None:
        found.extend(f"{name} ({type(dialog).__name__}): {p}" for p in fits(dialog))
        screenshot(folder, name)
        seen.append(type(dialog).__name__)
        dialog.reject() if isinstance(dialog, QDialog) else dialog.close()

    tries = [WAIT_MS // 50]
    QTimer.singleShot(0, lambda: attempt(tries[0]))
    open_it()
    try:
        qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    except Exception:
        screenshot(folder, name)
        message = main.till.message.text() if main.till is not None else ""
        found.append(f"{name}: no dialog opened (till says {message!r})")
    close_leftovers(qtbot, main)
    return found


def test_log_in_and_till_fit_the_screen(qtbot, till, shots):  # type: ignore[no-untyped-def]
    window = till
    assert window.isMaximized()
    problems = fits(window)
    screenshot(shots, "login")
    log_in_by_keys(qtbot, window)
    scan(window, EAN_DECKE)
    scan(window, EAN_KAFFEE)
    qtbot.wait(SETTLE_MS)
    problems += fits(window)
    screenshot(shots, "till")
    assert not problems, "\n".join(problems)


def test_every_dialog_fits_the_screen(qtbot, till, shots):  # type: ignore[no-untyped-def]
    window = till
    log_in_by_keys(qtbot, window)
    scan(window, EAN_DECKE)
    problems: list[str] = []
    for name, key, mods in DIALOGS:
        assert QApplication.focusWidget() is window.till.entry, f"before {name}: focus not on the scan field"
        problems += inspect_dialog(qtbot, window, name, shots,
                                   lambda k=key, m=mods: QTest.keyClick(window.till.entry, k, m))
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.till.entry, timeout=WAIT_MS)
    problems += inspect_dialog(qtbot, window, "void_question", shots,  # Ctrl+Del asks before the cart goes
                               lambda: QTest.keyClick(window.till.entry, Qt.Key.Key_Delete, CTRL))
    if not window.till.session.cart.lines:
        problems.append("Ctrl+Del voided the cart although the question was answered no")
    asked = answer_next_question(yes=True)
    QTest.keyClick(window.till.entry, Qt.Key.Key_Delete, CTRL)
    qtbot.waitUntil(lambda: window.till.session.cart.is_empty(), timeout=WAIT_MS)
    assert asked and ("stornieren" in asked[0] if LANGUAGE == "de" else "Void" in asked[0])
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    problems += inspect_dialog(qtbot, window, "z_close", shots,
                               lambda: QTest.keyClick(window.till.entry, Qt.Key.Key_Z, CTRL_SHIFT))
    manager = StaffMember(2, "Jonas Weber", "manager")
    for name, make in (("shift_open", lambda: OpenShiftDialog(window.store.cashbook, manager, window)),
                       ("customer_edit", lambda: CustomerEditDialog(None, parent=window)),
                       ("interrupted_payments", lambda: InterruptedPaymentsDialog([], window)),
                       ("devices_dialog", lambda: DevicesDialog(window, window.devices.settings_path, manager))):
        problems += inspect_dialog(qtbot, window, name, shots, lambda m=make: m().exec())
    assert not problems, "\n".join(problems)


def test_ctrl_u_in_the_article_field_opens_the_customer_search(qtbot, till, shots):  # type: ignore[no-untyped-def]
    """On xcb the line edit's own binding (delete the line) took Ctrl+U; the till's key wins now."""
    from ui.customer_dialogs import CustomerSearchDialog

    window = till
    log_in_by_keys(qtbot, window)
    entry = window.till.entry
    entry.setText("Decke")
    app = QApplication.instance()
    app.removeEventFilter(window.till_keys)  # the proof the test can fail: without it the field eats Ctrl+U
    entry.removeEventFilter(window.shift._keep)  # the registry's filter on the field (ui.till_actions_qt) too
    QTest.keyClick(entry, Qt.Key.Key_U, CTRL)
    qtbot.wait(100)
    swallowed = QApplication.activeModalWidget() is None and entry.text() == ""
    close_leftovers(qtbot, window)
    app.installEventFilter(window.till_keys)
    entry.installEventFilter(window.shift._keep)
    entry.setText("Decke")
    entry.setFocus()
    opened = inspect_dialog(qtbot, window, "customer_search_ctrl_u", shots,
                            lambda: QTest.keyClick(entry, Qt.Key.Key_U, CTRL))
    assert not opened
    assert swallowed, "xcb's line edit did not claim Ctrl+U: this test proves nothing here"
    assert entry.text() == "Decke"  # the field kept its text
    if shutil.which("xdotool"):  # the same through the X server, as a keyboard sends it
        seen: list[str] = []

        def look() -> None:
            modal = QApplication.activeModalWidget()
            if modal is None:
                QTimer.singleShot(50, look)
                return
            seen.append(type(modal).__name__)
            modal.reject()
        QTimer.singleShot(50, look)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+u"], check=True, timeout=10)
        qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
        assert seen == [CustomerSearchDialog.__name__]


def test_tablet_mode_fits_and_targets_are_big(qtbot, store_path, shots):  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    before = app.styleSheet()
    with TcpPrinter() as printer:
        window = open_till(qtbot, store_path, printer.port, layout="tablet")
        try:
            problems = fits(window) + small_targets(window, 44)
            screenshot(shots, "tablet_login")
            for digit in CASHIER_PIN:
                QTest.mouseClick(window.login.pad.buttons[digit], Qt.MouseButton.LeftButton)
            QTest.mouseClick(window.login.pad.buttons["OK"], Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till, timeout=WAIT_MS)
            scan(window, EAN_DECKE)
            qtbot.wait(SETTLE_MS)
            problems += fits(window) + small_targets(window, 44)
            if is_portrait():  # issue 13: on a portrait tablet the total and the pay button in view
                # without scrolling, and every button whole, at least 44 px high, none scrolled away
                problems += in_view(window, window.till.total) + in_view(window, window.till.bar_buttons["pay"], 44)
                problems += buttons_in_view(window, 44)
            screenshot(shots, "tablet_till")
            for name, key, mods in (("tablet_customer_search", Qt.Key.Key_U, CTRL),
                                    ("tablet_stock", Qt.Key.Key_I, CTRL), ("tablet_payment", Qt.Key.Key_F12, NONE)):
                problems += inspect_dialog(qtbot, window, name, shots,
                                           lambda k=key, m=mods: QTest.keyClick(window.till.entry, k, m))
            assert not problems, "\n".join(problems)
        finally:
            close_window(window)
            app.setStyleSheet(before)


def test_manager_screens_behind_the_approval(qtbot, till, shots):  # type: ignore[no-untyped-def]
    """Devices (Ctrl+Shift+D) and the DSFinV-K export (Ctrl+Shift+E) as a manager sees them: the
    cashier's key asks for the approval, the demo manager's PIN is typed, the screen opens."""
    window = till
    log_in_by_keys(qtbot, window)
    problems: list[str] = []
    for name, key in (("devices_approved", Qt.Key.Key_D), ("dsfinvk_approved", Qt.Key.Key_E)):
        problems += inspect_dialog(qtbot, window, name, shots,
                                   lambda k=key: QTest.keyClick(window.till.entry, k, CTRL_SHIFT), approve=True)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.till.entry, timeout=WAIT_MS)
    assert not problems, "\n".join(problems)


def test_transfer_request_from_the_stock_view(qtbot, till, shots):  # type: ignore[no-untyped-def]
    """Ctrl+I, then the request for units of another store. Without a center the stock view has
    no rows to offer "Transfer anfragen", so the test asks as that button does
    (MainWindow.request_transfer with the item, the store and its stock), over the open view."""
    window = till
    log_in_by_keys(qtbot, window)
    scan(window, EAN_DECKE)
    product_id = window.till.session.cart.lines[0].product.product_id
    problems: list[str] = []

    def ask() -> None:
        QTest.keyClick(window.till.entry, Qt.Key.Key_I, CTRL)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None
                        or any(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets()),
                        timeout=WAIT_MS)
        window.request_transfer(product_id, "HAM", 7)
    seen: list[str] = []

    def look(left: int = WAIT_MS // 50) -> None:
        from ui.transfer_dialogs import TransferRequestDialog

        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, TransferRequestDialog) and w.isVisible()), None)
        if dialog is None:
            if left:
                QTimer.singleShot(50, lambda: look(left - 1))
            return

        def check() -> None:
            problems.extend(f"transfer_request: {p}" for p in fits(dialog))
            screenshot(shots, "transfer_request")
            seen.append("ok")
            dialog.reject()
        QTimer.singleShot(SETTLE_MS, check)
    QTimer.singleShot(0, look)
    ask()
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    close_leftovers(qtbot, window)
    assert not problems, "\n".join(problems)


backend_db = pytest.fixture(backend_database_url)


def test_pickup_and_customer_screens_with_a_real_center(qtbot, backend_db, store_path, shots):  # type: ignore[no-untyped-def]
    """A web order for pickup placed at the real center (HTTP on loopback), synced into the
    Hamburg till: the queue with the order (Ctrl+Shift+P), its picking dialog, the handover
    (Ctrl+H) searching the order, and the customer's profile from the center (Ctrl+U), each
    checked and shot at this screen size."""
    from pos_app.config import SyncSettings
    from sync.token import token_path, write_token
    from tests.backend_server import BackendServer
    from tests.pickup_helpers import CUSHION, make_ham_store, web_pickup_order
    from ui.pickup_dialogs import PickingDialog, PickupQueueDialog
    from ui.pickup_handover import HandoverDialog

    with BackendServer(backend_db) as center, TcpPrinter() as printer:
        make_ham_store(store_path, store_path)
        write_token(token_path(store_path.parent), center.register_device("HAM-K1", "HAM", "Kasse 1"))
        app = QApplication.instance()
        app.setStyleSheet((resources_dir() / "till.qss").read_text(encoding="utf-8"))
        settings = Settings(device_id="HAM-K1", sync=SyncSettings(backend_url=center.url, interval_s=60), language=LANGUAGE,
                            printer=PrinterSettings(kind="network", host="127.0.0.1", port=printer.port, timeout_s=1.0))
        window = open_window(app, store_path, settings)
        window.confirm_quit = lambda pending: True
        open_main_window(window, fullscreen=False)
        qtbot.addWidget(window)
        try:
            from sync.status import State

            qtbot.waitUntil(lambda: window.sync.worker.status.state is State.ONLINE, timeout=60_000)
            number = web_pickup_order(center, (CUSHION, 2), customer_id=1)["order_number"]
            window.sync.sync_now()
            qtbot.waitUntil(lambda: any(o.number == number for o in window.pickups.desk.queue().orders),
                            timeout=30_000)
            qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
            log_in_by_keys(qtbot, window)
            problems: list[str] = []
            seen: list[str] = []

            def shoot(kind: type, name: str, then: Callable[[QDialog], None], left: int = WAIT_MS // 50) -> None:
                dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()),
                              None)
                if dialog is None:
                    if left:
                        QTimer.singleShot(50, lambda: shoot(kind, name, then, left - 1))
                    return

                def check() -> None:
                    problems.extend(f"{name}: {p}" for p in fits(dialog))
                    screenshot(shots, name)
                    seen.append(name)
                    then(dialog)
                QTimer.singleShot(SETTLE_MS, check)

            def queue_shot(queue: QDialog) -> None:
                queue.table.selectRow(0)  # type: ignore[attr-defined]
                QTimer.singleShot(0, lambda: shoot(PickingDialog, "pickup_picking_order",
                                                   lambda d: (d.reject(), queue.reject())))
                QTimer.singleShot(0, queue.pick_button.click)  # type: ignore[attr-defined]
            QTimer.singleShot(0, lambda: shoot(PickupQueueDialog, "pickup_queue_order", queue_shot))
            QTest.keyClick(window.till.entry, Qt.Key.Key_P, CTRL_SHIFT)
            qtbot.waitUntil(lambda: "pickup_picking_order" in seen, timeout=WAIT_MS * 2)
            close_leftovers(qtbot, window)

            def handover(dialog: QDialog) -> None:
                dialog.query.setText(number)  # type: ignore[attr-defined]
                dialog.search()  # type: ignore[attr-defined]
                QTimer.singleShot(SETTLE_MS * 4, lambda: (problems.extend(f"pickup_handover_order: {p}"
                                                                          for p in fits(dialog)),
                                                          screenshot(shots, "pickup_handover_order"),
                                                          seen.append("handover"), dialog.reject()))
            QTimer.singleShot(0, lambda: shoot(HandoverDialog, "pickup_handover_open", handover))
            QTest.keyClick(window.till.entry, Qt.Key.Key_H, CTRL)
            qtbot.waitUntil(lambda: "handover" in seen, timeout=WAIT_MS * 2)
            close_leftovers(qtbot, window)

            # the customer's profile as the center answers it (Ctrl+U, search, "Profil öffnen")
            from ui.customer_dialogs import CustomerSearchDialog
            from ui.customer_profile import CustomerProfileDialog

            def found(search: QDialog, left: int = WAIT_MS // 50) -> None:
                if search.results.count() == 0 and left:  # type: ignore[attr-defined]
                    QTimer.singleShot(50, lambda: found(search, left - 1))
                    return
                search.results.setCurrentRow(0)  # type: ignore[attr-defined]
                QTimer.singleShot(0, lambda: shoot(CustomerProfileDialog, "customer_profile_center",
                                                   lambda d: (d.reject(), search.reject())))
                QTimer.singleShot(0, search.open_button.click)  # type: ignore[attr-defined]

            def customer(search: QDialog) -> None:
                search.query.setText("Sauer")  # type: ignore[attr-defined]
                search.run_search()  # type: ignore[attr-defined]
                found(search)
            QTimer.singleShot(0, lambda: shoot(CustomerSearchDialog, "customer_search_center", customer))
            QTest.keyClick(window.till.entry, Qt.Key.Key_U, CTRL)
            qtbot.waitUntil(lambda: "customer_profile_center" in seen, timeout=WAIT_MS * 2)
            close_leftovers(qtbot, window)
            assert not problems, "\n".join(problems)
        finally:
            app.removeEventFilter(window.wedge)
            app.removeEventFilter(window.activity)
            shut_down(window)  # the sync process too
