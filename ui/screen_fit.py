"""Every window fits the screen it is on, and the keyboard comes home after every dialog.

Screens at a till range from a 1366x768 counter monitor to an 800x1280 portrait tablet. The
dialogs were written with sizes that fit a 1280x800 desk (`resize(1100, 820)`), so at 768 px the
devices dialog hid its buttons below the edge. Rather than tune each dialog, one application-wide
filter sizes every top-level window when it is shown: never larger than the available screen
geometry (task bar and window frame taken off), centred on its parent's screen. The main window
itself opens maximised (or full screen, `[display] fullscreen = true` in pos.toml).

The same filter is the one mechanism that gives the focus back to the till's scan field when a
dialog closes (F9, the pickup queue, any other): without it the focus stayed with a window that no
longer existed, and the next scan or shortcut went nowhere.

`ScreenFit.install(app, home)` once per application; `home()` puts the focus where the cashier
expects it (the main window passes its own). Thread: the UI thread (Qt delivers events there).
"""
from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication, QDialog, QFrame, QLayout, QMainWindow, QMessageBox, QScrollArea, QWidget,
)

FRAME_W = 16  # a window manager's left and right border, about
FRAME_H = 40  # its title bar and bottom border, about
FOCUS_DELAY_MS = 0  # after the dialog's own hide handling, before the next key arrives


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The part of the widget's screen (or the primary one) that windows may use."""
    screen = None
    if widget is not None:
        parent = widget.parentWidget()
        screen = (parent.window().screen() if parent is not None else None) or widget.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_window(window: QWidget) -> None:
    """Shrink `window` (a dialog) to the available screen if it is larger, and keep it on screen.
    Its layout's scroll areas (or the widgets' own elision) absorb what no longer fits."""
    if isinstance(window, QMainWindow) or window.isMaximized() or window.isFullScreen():
        return
    area = available_geometry(window)
    max_w, max_h = max(200, area.width() - FRAME_W), max(200, area.height() - FRAME_H)
    width, height = window.width(), window.height()
    if window.minimumWidth() > max_w or window.minimumHeight() > max_h:
        window.setMinimumSize(min(window.minimumWidth(), max_w), min(window.minimumHeight(), max_h))
    if width > max_w or height > max_h:
        window.resize(min(width, max_w), min(height, max_h))
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() - frame.width() + 1)
    y = min(max(frame.y(), area.y()), area.bottom() - frame.height() + 1)
    if (x, y) != (frame.x(), frame.y()):
        window.move(max(x, area.x()), max(y, area.y()))


def scrolling(layout: QLayout) -> QScrollArea:
    """`layout` in a scroll area that follows the width it gets: a dialog whose content is
    taller than a small screen scrolls instead of squeezing its fields over each other."""
    content = QWidget()
    content.setLayout(layout)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


def open_main_window(window: QMainWindow, fullscreen: bool) -> None:
    """Show the till's main window the way a till is used: filling its screen."""
    area = available_geometry(window)
    window.resize(min(window.width(), area.width()), min(window.height(), area.height()))
    if fullscreen:
        window.showFullScreen()
    else:
        window.showMaximized()


class ScreenFit(QObject):
    """The application-wide event filter (see the module's docstring)."""

    def __init__(self, home: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.home = home

    @classmethod
    def install(cls, app: QApplication, home: Callable[[], None] | None = None) -> ScreenFit:
        """One filter per application: a second install only replaces where the focus goes home."""
        existing = getattr(app, "_screen_fit", None)
        if existing is None:
            existing = cls(home)
            app.installEventFilter(existing)
            app._screen_fit = existing  # type: ignore[attr-defined]
        elif home is not None:
            existing.home = home
        return existing

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            if isinstance(obj, (QDialog, QMessageBox)) or obj.parentWidget() is not None:
                fit_window(obj)
        elif kind == QEvent.Type.Hide and isinstance(obj, QDialog) and self.home is not None:
            QTimer.singleShot(FOCUS_DELAY_MS, self._go_home)
        return False

    def _go_home(self) -> None:
        """Only when no other dialog is still open (a dialog that opened a second one)."""
        if QApplication.activeModalWidget() is not None or self.home is None:
            return
        owner = getattr(self.home, "__self__", None)
        if isinstance(owner, QWidget) and not shiboken6.isValid(owner):
            self.home = None  # that main window is gone (tests make many)
            return
        active = QApplication.activeWindow()
        if isinstance(active, QDialog) and active.isVisible():
            return
        self.home()
