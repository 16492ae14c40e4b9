"""The Qt side of the till action registry (pos_app.till_actions): every shortcut of the app is
made here, from the registry, so the keys, the buttons and the F1 help cannot drift apart.

- bind(name, parent, slot): the QShortcut(s) of one action (aliases included), named
  "action:<name>" so a test can find every bound key and hold it against the registry;
- bind_action(qaction, name): the same for a QAction (the status bar's "sync now");
- TillKeys: a ShortcutOverride filter for the till's fields, asking the registry whether a key
  is a till action (Qt's line edits claim Ctrl+U, Ctrl+K, Ctrl+Del ... for themselves);
- action_button(name): a flat button with the action's label and key.

UI thread only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from pos_app import till_actions
from pos_app.till_actions import TILL_CONTEXTS, action, key_label

PREFIX = "action:"


def bind(name: str, parent: QObject, slot: Callable[[], object],
         context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> list[QShortcut]:
    """The shortcuts of action `name` on `parent`, each calling `slot`. KeyError: not registered."""
    made = []
    for key in action(name).keys:
        shortcut = QShortcut(QKeySequence(key), parent)
        shortcut.activated.connect(lambda s=slot: s())
        shortcut.setContext(context)
        shortcut.setObjectName(PREFIX + name)
        made.append(shortcut)
    return made


def bind_action(qaction: QAction, name: str) -> None:
    """Give `qaction` the keys and the tooltip of registered action `name`."""
    registered = action(name)
    qaction.setShortcuts([QKeySequence(k) for k in registered.keys])
    qaction.setObjectName(PREFIX + name)
    qaction.setToolTip(f"{registered.help_text()} ({key_label(registered.key)})")


def action_button(name: str, slot: Callable[[], object], object_name: str = "action",
                  with_key: bool = True) -> QPushButton:
    """A button for action `name` (label and key from the registry); it never takes the focus,
    so the scan field keeps it."""
    registered = action(name)
    text = registered.label_text()
    if with_key and registered.key:
        text += f"\n{key_label(registered.key)}"
    button = QPushButton(text)
    button.setObjectName(object_name)
    button.setProperty("action", name)
    button.setToolTip(registered.help_text())
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.clicked.connect(lambda _c=False, s=slot: s())
    return button


def key_text(event: QKeyEvent) -> str:
    """The key of `event` in Qt's portable text ("Ctrl+U"), as the registry writes keys."""
    return QKeySequence(event.keyCombination()).toString(QKeySequence.SequenceFormat.PortableText)


class TillKeys(QObject):
    """Installed on the till's fields: a key that is a till action is refused in the field's
    ShortcutOverride, so the window's shortcut fires instead of the field's own binding."""

    def __init__(self, parent: QObject, contexts: Iterable[str] = TILL_CONTEXTS) -> None:
        super().__init__(parent)
        self._contexts = frozenset(contexts)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            return till_actions.is_till_action(key_text(event), self._contexts)
        return False


def bound_shortcuts(root: QWidget) -> list[tuple[str, str]]:
    """(action name, key) of every shortcut and QAction key under `root` (tests, help)."""
    found = [(s.objectName(), s.key().toString(QKeySequence.SequenceFormat.PortableText))
             for s in root.findChildren(QShortcut)]
    for qaction in root.findChildren(QAction):
        for seq in qaction.shortcuts():
            found.append((qaction.objectName(), seq.toString(QKeySequence.SequenceFormat.PortableText)))
    return [(name.removeprefix(PREFIX), key) for name, key in found]
