"""The till's shortcuts win over the text fields' own key bindings.

On X11 (the xcb platform) Qt gives every QLineEdit the Emacs-like bindings of the desktop: Ctrl+U
deletes the whole line, Ctrl+K deletes to the end, Ctrl+H deletes a character. A line edit claims
those keys through a ShortcutOverride event before any shortcut sees them, so with the focus in
the article field (where it always is) Ctrl+U never opened the customer search. Offscreen, where
the tests ran, the bindings do not exist, so nobody saw it.

`TillKeysFirst` is one application-wide filter: when a line edit inside the till's main window
asks to override a key that one of the window's own shortcuts or actions uses, the override is
refused, so the shortcut fires. Keys no till shortcut uses (Ctrl+C, Ctrl+V, Ctrl+A, ...) stay with
the field, and dialogs keep every binding of their fields.

Thread: the UI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

COMMAND_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
FUNCTION_KEYS = frozenset(getattr(Qt.Key, f"Key_F{n}") for n in range(1, 36))


def till_key_sequences(window: QWidget) -> list[QKeySequence]:
    """Every key sequence the window's enabled shortcuts and actions listen to, now."""
    keys: list[QKeySequence] = []
    for shortcut in window.findChildren(QShortcut):
        if shortcut.isEnabled():
            keys.extend(k for k in shortcut.keys() if not k.isEmpty())
    for action in window.findChildren(QAction) + list(window.actions()):
        if action.isEnabled():
            keys.extend(k for k in action.shortcuts() if not k.isEmpty())
    return keys


def claims(window: QWidget, event: QKeyEvent) -> bool:
    """Whether the window's own shortcuts use the key of `event`."""
    pressed = QKeySequence(event.keyCombination())
    return any(pressed.matches(k) == QKeySequence.SequenceMatch.ExactMatch for k in till_key_sequences(window))


class TillKeysFirst(QObject):
    """See the module's docstring. `window`: the till's main window."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window

    @classmethod
    def install(cls, window: QWidget) -> TillKeysFirst:
        keys = cls(window)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(keys)
        window.destroyed.connect(lambda *_: app.removeEventFilter(keys))
        return keys

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(obj, QLineEdit):
            return False
        key_event: QKeyEvent = event  # type: ignore[assignment]
        is_function_key = key_event.key() in FUNCTION_KEYS
        if not (key_event.modifiers() & COMMAND_MODIFIERS) and not is_function_key:
            return False  # plain typing belongs to the field
        if obj.window() is not self.window or not claims(self.window, key_event):
            return False
        event.ignore()  # not the field's: the shortcut map goes on to the till's shortcut
        return True
