"""Screens that fit and work by touch, offscreen (the same on a real display: tests/display):
dialogs sized from the screen, the focus back on the scan field after a dialog, the PIN field
with the keys at start, the till's shortcuts winning over a field's own binding, Ctrl+Del asking,
a tap on a search hit adding it, the pickup queue's empty state, the stock dialog's rows, close
buttons, the on-screen keyboard, elided labels, one and many."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout

from pos_app.plural import count_text
from tests.confirm_helpers import answer_next_question
from tests.display.fit_check import outside_screen
from tests.store_fixture import EAN_KAFFEE
from tests.test_till_gui import close_window, log_in, make_window, printer, scanner_burst, type_slowly  # noqa: F401
from ui.customer_dialogs import CustomerSearchDialog, StockDialog
from ui.elided import ElidedLabel
from ui.onscreen_keyboard import OnScreenKeyboard
from ui.pickup_dialogs import PickupQueueDialog
from ui.screen_fit import ScreenFit


def test_a_dialog_larger_than_the_screen_is_sized_to_it(qtbot, qapp):  # type: ignore[no-untyped-def]
    ScreenFit.install(qapp)
    area = QGuiApplication.primaryScreen().availableGeometry()
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.resize(area.width() + 300, area.height() + 200)  # what resize(1100, 820) is on a small screen
    dialog.show()
    assert dialog.width() <= area.width() and dialog.height() <= area.height()
    assert not outside_screen(dialog)


def test_the_first_pin_typed_after_the_start_logs_in(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    window = make_window(qtbot, store_path, printer.port)
    try:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.login.pin, timeout=15_000)
        assert window.login.people.focusPolicy() == Qt.FocusPolicy.NoFocus  # the list never takes the keys
        type_slowly(qtbot, QApplication.focusWidget(), "1234")
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.till, timeout=15_000)
    finally:
        close_window(window)


def test_focus_comes_back_to_the_scan_field_after_any_dialog(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        entry = window.till.entry
        for key, mods in ((Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier),
                          (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)):
            window.activateWindow()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is entry, timeout=15_000)
            closed: list[str] = []

            def close_it() -> None:
                dialog = QApplication.activeModalWidget()
                if dialog is None:
                    qtbot.wait(10)
                    return
                dialog.setFocus()  # the focus inside the dialog, as a person's click puts it
                closed.append(type(dialog).__name__)
                dialog.reject()
            from PySide6.QtCore import QTimer

            QTimer.singleShot(100, close_it)
            QTest.keyClick(entry, key, mods)
            qtbot.waitUntil(lambda: bool(closed), timeout=15_000)
            qtbot.waitUntil(lambda: QApplication.focusWidget() is entry, timeout=15_000)
    finally:
        close_window(window)


class ClaimingLineEdit(QLineEdit):
    """A line edit that claims Ctrl+U for itself, as QLineEdit does on X11 (delete the line)."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_U and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            return True
        return super().event(event)


def test_till_shortcuts_win_over_a_fields_own_binding(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        field = ClaimingLineEdit(window.till)
        window.till.layout().addWidget(field)
        field.show()
        field.setFocus()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=15_000)
        seen: list[str] = []

        def look() -> None:
            modal = QApplication.activeModalWidget()
            seen.append(type(modal).__name__ if modal is not None else "")
            if modal is not None:
                modal.reject()
        from PySide6.QtCore import QTimer

        QTimer.singleShot(200, look)
        QTest.keyClick(field, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(seen), timeout=15_000)
        assert seen == [CustomerSearchDialog.__name__]
        QApplication.instance().removeEventFilter(window.till_keys)  # without it, the field wins
        seen.clear()
        field.setFocus()
        QTimer.singleShot(200, look)
        QTest.keyClick(field, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(seen), timeout=15_000)
        assert seen == [""]
    finally:
        close_window(window)


def test_ctrl_del_asks_and_a_new_log_in_starts_clean(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        till.scan(EAN_KAFFEE)
        assert len(till.session.cart.lines) == 1, till.message.text()
        window.activateWindow()  # window shortcuts fire in the active window only
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        asked = answer_next_question(yes=False)
        QTest.keyClick(till.entry, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
        assert asked and "1 Position" in asked[0]
        assert len(till.session.cart.lines) == 1 and "Nicht storniert" in till.message.text()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        asked = answer_next_question(yes=True)
        QTest.keyClick(till.entry, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
        assert asked and till.session.cart.is_empty()
        till.change.setText("Rückgeld\n1,00 €")  # what the last sale left
        till.say("Bon 7: 9,00 € bezahlt.")
        window.lock("Gesperrt.")
        log_in(qtbot, window)
        assert till.change.text() == ""
        assert "Angemeldet: Lena Schmidt" in till.message.text()
    finally:
        close_window(window)


def test_one_tap_on_a_search_hit_adds_it(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        till = window.till
        till.entry.setText("Kuscheldecke")
        till._run_search()  # noqa: SLF001 - what typing starts after its delay
        qtbot.waitUntil(lambda: till.results.isVisible() and till.results.count() > 0, timeout=15_000)
        rect = till.results.visualItemRect(till.results.item(0))
        QTest.mouseClick(till.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
        assert "Kuscheldecke" in till.session.cart.lines[0].product.name
        assert not till.results.isVisible()
    finally:
        close_window(window)


def test_the_empty_pickup_queue_says_what_to_do(qtbot, store_path, printer):  # type: ignore[no-untyped-def]  # noqa: F811
    window = make_window(qtbot, store_path, printer.port)
    try:
        log_in(qtbot, window)
        glue = window.pickups
        dialog = PickupQueueDialog(glue.desk, lambda _o: None, "Lena Schmidt", parent=window)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.table.rowCount() == 0
        assert "Keine offenen Abholaufträge" in dialog.message.text()
        assert not dialog.pick_button.isEnabled() and not dialog.slip_button.isEnabled()
        assert not dialog.return_button.isEnabled()
        dialog.reject()
    finally:
        close_window(window)


def test_stock_rows_are_as_tall_as_their_buttons_and_there_is_a_close_button(qtbot, qapp):  # type: ignore[no-untyped-def]
    from ui.tablet import TOUCH_QSS as TOUCH_STYLE  # the touch style, where the buttons were cut

    before = qapp.styleSheet()
    qapp.setStyleSheet(before + TOUCH_STYLE)
    try:
        reserved: list[tuple[int, str]] = []
        dialog = StockDialog(lambda _t: [(1, "Sofa")], lambda _p: [("HAM", "Hamburg", 3), ("MUC", "München", 2)],
                             lambda p, s: reserved.append((p, s)))
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.product_id = 1
        dialog._show([("HAM", "Hamburg", 3), ("MUC", "München", 2)], None)  # noqa: SLF001 - the center's answer
        qtbot.wait(20)
        for row in range(2):
            button = dialog.table.cellWidget(row, 2)
            assert dialog.table.rowHeight(row) >= button.sizeHint().height()
            assert dialog.table.columnWidth(2) >= button.sizeHint().width()
        QTest.mouseClick(dialog.table.cellWidget(1, 2), Qt.MouseButton.LeftButton)
        assert reserved == [(1, "MUC")]
        assert dialog.close_button.isVisible() and dialog.close_button.height() >= 44
        QTest.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
        search = CustomerSearchDialog(lambda _t: None)
        qtbot.addWidget(search)
        search.show()
        assert search.close_button.isVisible()
    finally:
        qapp.setStyleSheet(before)


def test_the_onscreen_keyboard_types_into_a_tapped_field(qtbot, qapp):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMainWindow

    owner = QMainWindow()
    qtbot.addWidget(owner)
    keyboard = OnScreenKeyboard.install(qapp, owner)
    dialog = QDialog(owner)
    qtbot.addWidget(dialog)
    field = QLineEdit()
    pin = QLineEdit()
    pin.setObjectName("pin")
    QVBoxLayout(dialog).addWidget(field)
    dialog.layout().addWidget(pin)
    dialog.show()
    QTest.mouseClick(pin, Qt.MouseButton.LeftButton)
    assert not keyboard.isVisible()  # the PIN field has its own pad
    QTest.mouseClick(field, Qt.MouseButton.LeftButton)
    assert keyboard.isVisible() and keyboard.target is field
    assert dialog.frameGeometry().bottom() < keyboard.y() or dialog.height() <= 200  # the dialog stays in view
    assert min(b.height() for b in keyboard.keys.values()) >= 44
    for key in ("⇧", "m", "ü", "l", "l", "e", "r", "⌫", "r"):
        QTest.mouseClick(keyboard.keys[key], Qt.MouseButton.LeftButton)
    assert field.text() == "Müller"  # one capital after shift, then small letters; ⌫ took one back
    QTest.mouseClick(keyboard.keys["Fertig"], Qt.MouseButton.LeftButton)
    assert not keyboard.isVisible()
    QTest.mouseClick(field, Qt.MouseButton.LeftButton)
    assert keyboard.isVisible()
    dialog.reject()  # the keyboard goes with its window, and survives it
    assert not keyboard.isVisible() and keyboard.parentWidget() is None


def test_an_elided_label_keeps_the_whole_text_in_its_tooltip(qtbot):  # type: ignore[no-untyped-def]
    label = ElidedLabel("anna.katharina.mustermann-schulze@beispiel-versand.de")
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    assert label.shown_text().endswith("…") and label.toolTip() == label.text()
    label.resize(2000, 30)
    assert label.shown_text() == label.text() and label.toolTip() == ""


def test_one_and_many() -> None:
    assert count_text(1, "1 Bon", "{count} Bons") == "1 Bon"
    assert count_text(3, "1 Bon", "{count} Bons") == "3 Bons"
    assert count_text(0, "1 Vorgang ist", "{count} Vorgänge sind") == "0 Vorgänge sind"


def test_display_fullscreen_setting() -> None:
    import pytest

    from pos_app.config import ConfigError, parse_settings

    assert parse_settings("").display.fullscreen is False  # maximised by default
    assert parse_settings("[display]\nfullscreen = true\n").display.fullscreen is True
    with pytest.raises(ConfigError, match="display.fullscreen"):
        parse_settings('[display]\nfullscreen = "ja"\n')
