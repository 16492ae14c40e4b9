"""What "fits the screen" means, checked on a live widget tree (used by the real-display tests,
and offscreen by tests/test_screen_fit.py).

- the window's frame lies inside the screen's available geometry;
- every visible widget lies inside its parent (a widget squeezed below its minimum size pokes
  out of its parent and is cut off); a scroll area's content may be larger than its viewport,
  and cell widgets of lists and tables scroll with their rows;
- every visible button and one-line label has room for its text, or says it is elided (its
  tooltip carries the full text);
- in_view: a widget is seen whole without scrolling (inside the window and inside the viewport
  of every scroll area around it), e.g. the pay button and the total on a portrait tablet.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QAbstractScrollArea, QApplication, QLabel, QPushButton, QWidget,
)

SLACK_PX = 2  # rounding of layouts and fonts
BUTTON_PADDING_PX = 6  # the least a button's frame takes left and right together


def _in_scroll_content(widget: QWidget) -> bool:
    """Inside a list or table (cell widgets scroll with the rows), or the content of a scroll
    area itself (larger than its viewport on purpose). Widgets inside that content are checked."""
    parent = widget.parentWidget()
    if parent is not None and isinstance(parent.parentWidget(), QAbstractScrollArea) \
            and not isinstance(parent.parentWidget(), QAbstractItemView):
        return True  # the scroll area's content widget
    while parent is not None:
        if isinstance(parent, QAbstractItemView):
            return True
        if parent.isWindow():
            return False
        parent = parent.parentWidget()
    return False


def _visible_children(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget) if w.isVisibleTo(window) and not w.isWindow()]


def outside_screen(window: QWidget) -> list[str]:
    screen = (window.screen() or QApplication.primaryScreen()).geometry()
    frame = window.frameGeometry()
    problems = []
    if not screen.adjusted(-SLACK_PX, -SLACK_PX, SLACK_PX, SLACK_PX).contains(frame):
        problems.append(f"window {type(window).__name__} {_rect(frame)} outside the screen {_rect(screen)}")
    for widget in _visible_children(window):
        if _in_scroll_content(widget):
            continue
        parent = widget.parentWidget()
        if parent is None:
            continue
        inner = QRect(0, 0, parent.width(), parent.height()).adjusted(-SLACK_PX, -SLACK_PX, SLACK_PX, SLACK_PX)
        if widget.width() > 0 and widget.height() > 0 and not inner.contains(widget.geometry()):
            problems.append(f"{_name(widget)} {_rect(widget.geometry())} sticks out of {_name(parent)} "
                            f"{parent.width()}x{parent.height()}")
    return problems


def text_cut(window: QWidget) -> list[str]:
    problems = []
    for widget in _visible_children(window):
        if _in_scroll_content(widget) or widget.width() <= 0:
            continue
        if isinstance(widget, QPushButton) and widget.text():
            lines = widget.text().replace("&&", "&").replace("&", "").split("\n")
            need = max(widget.fontMetrics().horizontalAdvance(line) for line in lines) + BUTTON_PADDING_PX
            if need > widget.width() + SLACK_PX and not widget.toolTip():
                problems.append(f"button {widget.text()!r}: needs {need} px, has {widget.width()}")
        elif isinstance(widget, QLabel) and widget.text() and not widget.wordWrap() and not widget.pixmap():
            if widget.textFormat().name == "RichText" or widget.text().lstrip().startswith("<"):
                continue
            lines = widget.text().split("\n")
            need = max(widget.fontMetrics().horizontalAdvance(line) for line in lines)
            room = widget.contentsRect().width() - 2 * widget.margin() - widget.indent() if widget.indent() > 0 \
                else widget.contentsRect().width() - 2 * widget.margin()
            if need > room + SLACK_PX and not widget.toolTip():
                problems.append(f"label {widget.text()[:40]!r}: needs {need} px, has {room}")
    return problems


def small_targets(window: QWidget, least_px: int) -> list[str]:
    """Buttons smaller than a fingertip (tablet mode)."""
    return [f"{_name(b)} {b.width()}x{b.height()}" for b in _visible_children(window)
            if isinstance(b, QAbstractButton) and not _in_scroll_content(b) and b.height() < least_px]


def in_view(window: QWidget, widget: QWidget, least_px: int = 0) -> list[str]:
    """`widget` visible in full without scrolling: its rectangle (in the window's coordinates)
    inside the window and inside the viewport of every scroll area it sits in, and at least
    `least_px` high."""
    if not widget.isVisibleTo(window):
        return [f"{_name(widget)} not shown"]
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    problems = []
    if widget.height() < least_px:
        problems.append(f"{_name(widget)} {widget.width()}x{widget.height()}: lower than {least_px} px")
    if not window.rect().adjusted(-SLACK_PX, -SLACK_PX, SLACK_PX, SLACK_PX).contains(rect):
        problems.append(f"{_name(widget)} {_rect(rect)} outside the window {_rect(window.rect())}")
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            port = parent.viewport()
            seen = QRect(port.mapTo(window, QPoint(0, 0)), port.size())
            if not seen.adjusted(-SLACK_PX, -SLACK_PX, SLACK_PX, SLACK_PX).contains(rect):
                problems.append(f"{_name(widget)} {_rect(rect)} scrolled out of view "
                                f"({_name(parent)} shows {_rect(seen)})")
        parent = parent.parentWidget()
    return problems


def buttons_in_view(window: QWidget, least_px: int) -> list[str]:
    """Every visible button (rows of lists and tables aside) seen whole and at least `least_px`
    high, the ones in scroll areas too."""
    problems = []
    for button in _visible_children(window):
        if not isinstance(button, QAbstractButton) or button.width() <= 0:
            continue
        parent = button.parentWidget()
        while parent is not None and not isinstance(parent, QAbstractItemView) and not parent.isWindow():
            parent = parent.parentWidget()
        if isinstance(parent, QAbstractItemView):
            continue
        problems += in_view(window, button, least_px)
    return problems


def _name(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QAbstractButton, QLabel)) else ""
    label = widget.objectName() or (repr(text[:24]) if text else "")
    return f"{type(widget).__name__}({label})"


def _rect(rect: QRect) -> str:
    return f"{rect.x()},{rect.y()} {rect.width()}x{rect.height()}"
