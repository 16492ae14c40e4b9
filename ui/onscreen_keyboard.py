"""An on-screen keyboard for text fields in tablet mode (QWERTZ, with ä ö ü ß, @ and digits).

A tablet on the shop floor has no keyboard; names, e-mail addresses and search words are typed
on the screen. The keyboard appears when a text field is tapped, or gets the focus inside a
dialog (customer search, new customer), and goes away with "Fertig" or when that window closes.
The PIN field has its own number pad (ui.tablet) and never gets this keyboard.

It is a frameless tool window that never takes the focus (the field keeps it, so the cursor
stays where it is); its parent is the field's window, so a modal dialog does not block its
taps. Each key sends a real key press to the field, as a keyboard would.

`OnScreenKeyboard.install(app, window)` once per tablet main window. Thread: the UI thread.
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QGridLayout, QLineEdit, QPushButton, QWidget

ROWS = ("1234567890ß", "qwertzuiopü", "asdfghjklöä", "yxcvbnm,.-@")
KEY_PX = 52  # at least a fingertip (44 px) and a little more
NO_KEYBOARD = ("pin",)  # object names of fields with a pad of their own
SHIFT, BACKSPACE, SPACE, DONE, ENTER = "⇧", "⌫", "Leerzeichen", "Fertig", "⏎"


FRAME_H = 40  # a window manager's title bar and border, about
FRAME_CHECK_MS = 100  # the window manager has framed a moved window by then


def make_room(dialog: QWidget, room_px: int) -> None:
    """Move (and if need be shorten) `dialog` into the `room_px` above the keyboard, so its
    list and its buttons stay visible while typing."""
    screen = (dialog.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    frame = dialog.frameGeometry()
    if frame.bottom() < screen.y() + room_px:
        return
    height = min(dialog.height(), max(200, room_px - FRAME_H))
    dialog.resize(dialog.width(), height)
    dialog.move(frame.x(), screen.y())
    # on xcb with a window manager move() may place the client area: the title bar went 20 px
    # above the screen's edge. Once the frame is known, bring its top down to the edge.
    QTimer.singleShot(FRAME_CHECK_MS, lambda: _title_on_screen(dialog, screen.y()))


def _title_on_screen(dialog: QWidget, top: int) -> None:
    if not shiboken6.isValid(dialog) or not dialog.isVisible():
        return
    frame = dialog.frameGeometry()
    if frame.y() < top:
        dialog.move(frame.x(), top)  # the frame is known now: move() places it


class OnScreenKeyboard(QWidget):
    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint |
                         Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus)
        from pos_app.i18n import t

        self.setObjectName("onscreenKeyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.target: QLineEdit | None = None
        self.shifted = False
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setSpacing(4)
        for r, row in enumerate(ROWS):
            for c, ch in enumerate(row):
                self._key(grid, ch, ch, r, c)
        self._key(grid, SHIFT, SHIFT, 4, 0, span=2)
        self._key(grid, SPACE, t("Leerzeichen"), 4, 2, span=5)
        self._key(grid, BACKSPACE, BACKSPACE, 4, 7, span=2)
        self._key(grid, ENTER, ENTER, 4, 9)
        self._key(grid, DONE, t("Fertig"), 4, 10)

    def _key(self, grid: QGridLayout, name: str, label: str, row: int, col: int, span: int = 1) -> None:
        button = QPushButton(label)
        button.setObjectName("keyboardKey")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumSize(KEY_PX, KEY_PX)
        button.clicked.connect(lambda _c=False, n=name: self.press(n))
        grid.addWidget(button, row, col, 1, span)
        self.keys[name] = button

    # ---- showing ----------------------------------------------------------------------------

    def show_for(self, field: QLineEdit) -> None:
        self.target = field
        window = field.window()
        if self.parentWidget() is not window:
            self.setParent(window, self.windowFlags())  # a child window of a modal dialog is not blocked
        screen = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        width = min(screen.width(), 1000)
        self.resize(width, self.sizeHint().height())
        self.move(screen.x() + (screen.width() - width) // 2, screen.bottom() - self.height() + 1)
        self.show()
        self.raise_()
        if isinstance(window, QDialog):
            make_room(window, self.y() - screen.y())

    def press(self, name: str) -> None:
        """A tap on a key: the key's press and release to the field."""
        field = self.target
        if name == DONE or field is None or not shiboken6.isValid(field):
            self.hide()
            return
        if name == SHIFT:
            self.shifted = not self.shifted
            for ch, button in self.keys.items():
                if len(ch) == 1 and ch.isalpha():
                    button.setText(ch.upper() if self.shifted and ch != "ß" else ch)
            return
        if name == BACKSPACE:
            key, text = Qt.Key.Key_Backspace, ""
        elif name == ENTER:
            key, text = Qt.Key.Key_Return, "\r"
        else:
            text = " " if name == SPACE else (name.upper() if self.shifted and name != "ß" else name)
            key = Qt.Key(ord(text.upper())) if ord(text.upper()) < 128 else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(field, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))
        if self.shifted and name not in (SHIFT,):
            self.press(SHIFT)  # one capital, as on a phone

    # ---- when ------------------------------------------------------------------------------

    @classmethod
    def install(cls, app: QApplication, owner: QWidget) -> OnScreenKeyboard:
        """For the lifetime of `owner` (the tablet's main window): its watcher is its child, so
        it stops with it, and other windows of the process never see a keyboard."""
        keyboard = cls()
        watcher = _Watcher(keyboard, owner)
        app.installEventFilter(watcher)
        owner.destroyed.connect(keyboard.deleteLater)
        return keyboard


class _Watcher(QObject):
    """Shows the keyboard for a tapped text field (or one focused in a dialog), hides it with
    the field's window."""

    def __init__(self, keyboard: OnScreenKeyboard, owner: QWidget) -> None:
        super().__init__(owner)
        self.keyboard = keyboard

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.FocusIn):
            if isinstance(obj, QLineEdit) and obj.objectName() not in NO_KEYBOARD and not obj.isReadOnly() \
                    and obj.echoMode() == QLineEdit.EchoMode.Normal and shiboken6.isValid(self.keyboard):
                if kind != QEvent.Type.FocusIn or isinstance(obj.window(), QDialog):
                    self.keyboard.show_for(obj)
        elif kind == QEvent.Type.Hide and shiboken6.isValid(self.keyboard) and self.keyboard.isVisible():
            target = self.keyboard.target
            if target is None or not shiboken6.isValid(target) or obj is target.window():
                self.keyboard.hide()
                # off the closing dialog, or it would be deleted with it (ui.dialog_release)
                self.keyboard.setParent(None, self.keyboard.windowFlags())
        return False
