"""The one registry of till actions (pos_app.till_actions): the running app binds exactly its
keys (and nothing else), no key is shared where two actions could fire, the keys that Qt's line
edits claim are flagged and answered by the field filter, and F1 shows the registry as a
searchable table that closes with Esc and gives the focus back to the scan field."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pos_app import till_actions
from pos_app.config import Settings
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE
from ui.app import open_window
from ui.help_overlay import HelpOverlay
from ui.journal_dialog import JournalDialog
from ui.payment_dialog import PaymentDialog
from ui.till_actions_qt import TillKeys, bound_shortcuts

ROOT = Path(__file__).resolve().parents[1]
LENA = StaffMember(1, "Lena Schmidt", "cashier")


def test_every_key_reads_back_the_same_in_qt_and_no_two_actions_share_a_key() -> None:
    for a in till_actions.ACTIONS:
        assert a.context in till_actions.CONTEXTS and a.role in till_actions.ROLES
        assert set(a.places) <= set(till_actions.PLACES), a.name
        assert a.label and a.help and a.keys, a.name
        for key in a.keys:
            assert QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText) == key, key
    for key in till_actions.LINE_EDIT_KEYS:
        assert QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText) == key, key
    assert till_actions.key_clashes() == []
    assert len({a.name for a in till_actions.ACTIONS}) == len(till_actions.ACTIONS)


def test_a_clash_is_found() -> None:
    doubled = (*till_actions.ACTIONS, till_actions.TillAction("other", ("Ctrl+U",), "x", "y", "till"))
    original = till_actions.ACTIONS
    till_actions.ACTIONS = doubled  # type: ignore[misc]
    try:
        assert ("Ctrl+U", "customer_find", "other") in till_actions.key_clashes()
    finally:
        till_actions.ACTIONS = original  # type: ignore[misc]


def test_keys_a_line_edit_swallows_are_flagged_and_asked_by_the_filter() -> None:
    assert till_actions.action("customer_find").needs_override  # Ctrl+U: "delete line" on xcb
    assert till_actions.action("void").needs_override  # Ctrl+Del: "delete word"
    assert not till_actions.action("stock").needs_override  # Ctrl+I
    assert not till_actions.action("remove_line").needs_override  # Del is the field's own key
    assert till_actions.is_till_action("Ctrl+U") and till_actions.is_till_action("Ctrl+Shift+Z")
    assert not till_actions.is_till_action("Del")  # the field handles it: never taken from it
    assert not till_actions.is_till_action("Ctrl+C")  # copy stays the field's
    assert not till_actions.is_till_action("F10")  # payment only
    assert till_actions.is_till_action("F10", {"payment"})
    assert {"Ctrl+U", "Ctrl+K", "Ctrl+H", "Ctrl+Del", "Ctrl+Shift+Z", "Ctrl+P"} <= till_actions.override_keys()


def test_the_filter_refuses_the_fields_override_for_till_keys_only(qapp) -> None:  # type: ignore[no-untyped-def]
    keys = TillKeys(qapp)
    for key, mods, ours in ((Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier, True),
                            (Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier, False),
                            (Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier, True),
                            (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, False)):
        event = QKeyEvent(QEvent.Type.ShortcutOverride, key, mods)
        assert keys.eventFilter(qapp, event) is ours, (key, mods)


def test_no_shortcut_is_made_outside_the_registry_glue() -> None:
    """Every QShortcut/QAction key in ui/ comes from ui.till_actions_qt (so from the registry)."""
    pattern = re.compile(r"QShortcut\(|\.setShortcuts?\(|QKeySequence\(\s*(\"|Qt\.Key)")
    offenders = [f"{path.name}:{n}" for path in sorted((ROOT / "ui").glob("*.py")) if path.name != "till_actions_qt.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def _bound(widget) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return set(bound_shortcuts(widget))


def test_the_running_app_binds_exactly_the_registry(qtbot, store_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(QApplication.instance(), store_path, Settings())
    qtbot.addWidget(window)
    try:
        window.show()
        window.login.logged_in.emit(window.store.staff.members()[0])
        assert window.till is not None
        found = _bound(window)
        session = TillSession(window.store, LENA)
        session.scan(EAN_DECKE)
        payment = PaymentDialog(session, window)
        found |= _bound(payment)
        journal = JournalDialog(window.store, lambda _sale: None, window.printing.paper, window)
        found |= _bound(journal)
        from ui.returns_dialog import ReturnsDialog

        service = window.returns.service()
        if service is not None:
            found |= _bound(ReturnsDialog(service, window.session, lambda *_: None, window))
        from ui.conflicts_dialog import ask_manager
        from ui.label_dialog import LabelDialog
        from ui.stock_receiving import ReceivingDialog

        found |= _bound(LabelDialog(window.store, lambda _labels: "", window))  # F10 prints
        found |= _bound(ReceivingDialog(window.stock_ops.receiving, LENA, ask_manager(window.store), window))
        registered = {(a.name, k) for a in till_actions.ACTIONS if a.context in till_actions.BOUND_CONTEXTS
                      for k in a.keys}
        assert found - registered == set()  # nothing bound that help does not know
        missing = registered - found
        if service is None:
            missing -= {("book_return", "Ctrl+Return")}
        assert missing == set()  # nothing in help that is not bound
        # the till's button bar is the registry's, in its order, labelled with its keys
        bar = [a.name for a in till_actions.shown_in("till_bar")]
        assert list(window.till.bar_buttons) == [n for n in bar if n != "pay"] + ["pay"]
        assert "F9" in window.till.bar_buttons["journal"].text()
        for button in window.till.bar_buttons.values():
            assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    finally:
        window.printing.stop()
        QApplication.instance().removeEventFilter(window.wedge)
        QApplication.instance().removeEventFilter(window.activity)
        window.store.close()


def test_help_rows_filter_by_any_word() -> None:
    everything = till_actions.help_rows("")
    assert len(everything) == len(till_actions.ACTIONS)
    customer = till_actions.help_rows("kunde")
    assert ("Kunde suchen", "Strg+U", "Überall", "Kundin suchen und Profil öffnen") in customer
    assert all("kund" in " ".join(r).casefold() for r in customer)
    assert [r[0] for r in till_actions.help_rows("strg+umschalt+z")] == ["Tagesabschluss"]
    assert [r[0] for r in till_actions.help_rows("ctrl+u")] == ["Kunde suchen"]
    assert till_actions.help_rows("gibt es nicht") == []
    marked = dict((r[0], r[3]) for r in till_actions.help_rows("tagesabschluss", manager=False))
    assert "Freigabe der Marktleitung" in marked["Tagesabschluss"]


def test_f1_opens_the_overlay_filters_and_esc_gives_the_scan_field_back(qtbot, store_path, artifacts) -> None:  # type: ignore[no-untyped-def]
    window = open_window(QApplication.instance(), store_path, Settings())
    qtbot.addWidget(window)
    try:
        window.resize(1024, 768)
        window.show()
        window.login.logged_in.emit(window.store.staff.members()[0])
        till = window.till
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
        seen: dict[str, object] = {}

        def in_overlay() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, HelpOverlay):
                QTimer.singleShot(20, in_overlay)
                return
            seen["rows"] = dialog.table.rowCount()
            seen["fits"] = dialog.frameGeometry().height() <= 768 and dialog.width() <= 1024
            QTest.keyClicks(dialog.filter, "kunde")
            seen["filtered"] = dialog.shown_actions()
            seen["close_visible"] = dialog.close_button.isVisible() and dialog.close_button.height() >= 44
            dialog.grab().save(str(artifacts / "help-overlay-1024.png"))
            QTest.keyClick(dialog.filter, Qt.Key.Key_Escape)
        QTimer.singleShot(0, in_overlay)
        QTest.keyClick(till.entry, Qt.Key.Key_F1)  # returns when the overlay is closed
        assert seen["rows"] == len(till_actions.ACTIONS)
        assert "Kunde suchen" in seen["filtered"] and "Zahlung" not in seen["filtered"]  # type: ignore[operator]
        assert seen["close_visible"] and seen["fits"]
        assert QApplication.activeModalWidget() is None
        qtbot.waitUntil(lambda: QApplication.focusWidget() is till.entry, timeout=15_000)
        assert "F1" not in till.message.text()  # no more help in the one-line message
    finally:
        window.printing.stop()
        QApplication.instance().removeEventFilter(window.wedge)
        QApplication.instance().removeEventFilter(window.activity)
        window.store.close()


@pytest.mark.parametrize("name", ["customer_find", "void", "pickup_handover", "conflicts"])
def test_keys_a_field_would_take_reach_the_window(qtbot, store_path, name) -> None:  # type: ignore[no-untyped-def]
    """With the scan field focused, the field's ShortcutOverride is refused for a till key."""
    window = open_window(QApplication.instance(), store_path, Settings())
    qtbot.addWidget(window)
    try:
        window.show()
        window.login.logged_in.emit(window.store.staff.members()[0])
        key = QKeySequence(till_actions.action(name).key)[0]
        event = QKeyEvent(QEvent.Type.ShortcutOverride, key.key(), key.keyboardModifiers())
        assert window.shift._keep.eventFilter(window.till.entry, event) is True
    finally:
        window.printing.stop()
        QApplication.instance().removeEventFilter(window.wedge)
        QApplication.instance().removeEventFilter(window.activity)
        window.store.close()
