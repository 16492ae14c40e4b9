"""Tablet mode: the same app with a touch layout for associates on the shop floor.

Chosen by the setting `[ui] layout` ("till", "tablet", or "auto": tablet when the screen is
small or in portrait, see resolve_layout). In tablet mode:
- a touch style sheet: big fonts and targets (buttons and list rows at least 56 px high,
  wide scroll bars), nothing that needs hover;
- an on-screen number pad under the PIN field of the log-in screen, and a "Menge" button that
  sets the selected line's quantity with the same pad;
- a bar of big buttons over the till: find a customer (profile), new customer, stock of an item
  in every store, the customer's web cart, quantity. The keyboard shortcuts stay as they are.

UI thread only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)
from pos_app.i18n import t

from pos_app import till_actions

if TYPE_CHECKING:
    from ui.main_window import MainWindow

SHORT_SCREEN_PX = 900  # below this (a landscape tablet) the pad's keys and the name list shrink
COMPACT_QSS = """
QPushButton#padKey { min-height: 44px; font-size: 20pt; }
"""
BAR_ONE_ROW_PX = 1000  # narrower screens put the associate's bar in two rows
TOUCH_QSS = """
QWidget { font-size: 17pt; }
QPushButton { min-height: 56px; padding: 6px 14px; }
QLineEdit { min-height: 52px; }
QListWidget::item, QTableView::item, QTableWidget::item { min-height: 48px; padding: 6px; }
QScrollBar:vertical { width: 34px; }
QScrollBar:horizontal { height: 34px; }
QTabBar::tab { min-height: 48px; padding: 8px 18px; }
QCheckBox::indicator { width: 34px; height: 34px; }
QPushButton#padKey { min-width: 84px; min-height: 72px; font-size: 22pt; }
QTableView, QTableWidget, QHeaderView::section { font-size: 13pt; }
QStatusBar, QStatusBar QLabel, QStatusBar QPushButton { font-size: 11pt; min-height: 0; }
QStatusBar QToolButton { font-size: 11pt; min-height: 44px; }
"""


def resolve_layout(setting: str, width: int, height: int, touch: bool) -> str:
    """"till" or "tablet": the setting, or for "auto" the device: tablet when it has a touch
    screen that is narrower than 1280 px or in portrait (a shop-floor tablet), else the till
    layout (a till with a big touch monitor keeps the till layout unless set to tablet)."""
    if setting in ("till", "tablet"):
        return setting
    return "tablet" if touch and (width < 1280 or height > width) else "till"


def screen_layout(setting: str) -> str:
    """resolve_layout for this machine's primary screen."""
    from PySide6.QtGui import QGuiApplication, QInputDevice

    screen = QGuiApplication.primaryScreen()
    size = screen.availableGeometry() if screen is not None else None
    touch = any(d.type() == QInputDevice.DeviceType.TouchScreen for d in QInputDevice.devices())
    return resolve_layout(setting, size.width() if size else 1280, size.height() if size else 800, touch)


class NumberPad(QWidget):
    """Digits, delete and OK as big buttons, typing into `target` (a QLineEdit)."""

    confirmed = Signal()

    def __init__(self, target: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("numberPad")
        self.target = target
        grid = QGridLayout(self)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        self.buttons: dict[str, QPushButton] = {}
        for n, key in enumerate(keys):
            button = QPushButton(key)
            button.setObjectName("padKey")
            button.clicked.connect(lambda _c=False, k=key: self.press(k))
            grid.addWidget(button, n // 3, n % 3)
            self.buttons[key] = button

    def press(self, key: str) -> None:
        if key == "⌫":
            self.target.backspace()
        elif key == "OK":
            self.confirmed.emit()
        else:
            self.target.insert(key)


class QuantityDialog(QDialog):
    """A quantity typed on the pad (1-9999)."""

    def __init__(self, current: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Menge"))
        self.field = QLineEdit(str(current))
        self.field.selectAll()
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.pad = NumberPad(self.field)
        self.pad.confirmed.connect(self._ok)
        self.value: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.pad)
        layout.addWidget(self.message)

    def _ok(self) -> None:
        text = self.field.text().strip()
        if not text.isdigit() or not 1 <= int(text) <= 9999:
            self.message.setText(t("Bitte eine Menge zwischen 1 und 9999 eingeben."))
            return
        self.value = int(text)
        self.accept()


# the bar's buttons by their registry action; the keys name them (tablet_<key>) as before
BUTTON_KEYS = {"customer_find": "customer", "customer_new": "new", "stock": "stock", "web_cart": "cart",
               "quantity": "quantity", "goods_receipt": "receiving", "stock_count": "count"}


class TabletBar(QWidget):
    """The associate's big buttons over the till."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("tabletBar")
        self.window = window
        glue = window.customers
        row = QGridLayout(self)  # five in a row on a landscape tablet, three on a portrait one
        from ui.screen_fit import available_geometry

        # seven buttons since issue 14: four a row on a landscape tablet (five ran 57 px past a
        # 1024 px screen), three on a portrait one
        per_row = 4 if available_geometry(window).width() >= BAR_ONE_ROW_PX else 3
        self.buttons = {}
        handlers = {"customer_find": glue.find_customer, "customer_new": glue.new_customer,
                    "stock": glue.show_stock, "web_cart": lambda: glue.pull_web_cart(), "quantity": self.quantity,
                    "goods_receipt": lambda: window.stock_ops.show_receiving(),  # issue 14: on the tablet too
                    "stock_count": lambda: window.stock_ops.show_count()}
        for registered in till_actions.shown_in("tablet"):  # the registry's "tablet" actions (pos_app.till_actions)
            key = BUTTON_KEYS[registered.name]
            button = QPushButton(registered.label_text())
            button.setObjectName(f"tablet_{key}")
            button.setToolTip(registered.help_text())
            button.clicked.connect(lambda _c=False, a=handlers[registered.name]: a())
            row.addWidget(button, len(self.buttons) // per_row, len(self.buttons) % per_row)
            self.buttons[key] = button
        self.dialog: QuantityDialog | None = None

    def quantity(self) -> None:
        till = self.window.till
        if till is None:
            return
        line_id = till._need_line()
        if line_id is None:
            return
        line = till.session.cart.line(line_id)
        self.dialog = QuantityDialog(line.quantity, self.window)

        def done() -> None:
            if self.dialog is not None and self.dialog.value is not None:
                qty = self.dialog.value
                till._apply(lambda a=None: till.session.set_quantity(line_id, qty, a),
                            t("{name}: Menge {qty}", name=line.product.name, qty=qty))
        self.dialog.accepted.connect(done)
        self.dialog.open()


def scroll_side(till: QWidget) -> None:
    """The till's right column (total, VAT, change, the action buttons) in a scroll area: with
    touch-sized buttons it is taller than a 768 px screen, and it made the whole window taller
    than the screen (the pay button below the edge). The total stays at the top, in view."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFrame, QLayout, QScrollArea

    side = till.findChild(QFrame, "side")
    if side is None or side.parentWidget() is None:
        return

    def holding(layout: QLayout | None) -> QLayout | None:  # the side's layout, also in portrait (ui.till_view)
        if layout is None:
            return None
        if layout.indexOf(side) >= 0:
            return layout
        for i in range(layout.count()):
            found = holding(layout.itemAt(i).layout())
            if found is not None:
                return found
        return None

    body = holding(side.parentWidget().layout())
    if body is None:
        return
    index = body.indexOf(side)
    body.removeWidget(side)
    scroll = QScrollArea()
    scroll.setObjectName("sideScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    width = side.width()
    side.setMinimumWidth(0)
    side.setMaximumWidth(16777215)
    scroll.setWidget(side)
    scroll.setFixedWidth(width + 40)  # room for the touch-wide scroll bar
    body.insertWidget(index, scroll)
    fit = getattr(till, "fit_side", None)
    if fit is not None:  # the width for the orientation (ui.till_view: wider in portrait)
        fit()


def apply(window: MainWindow) -> None:
    """Turn `window` into the tablet layout (call once, right after it is made)."""
    from PySide6.QtWidgets import QApplication

    from ui.screen_fit import available_geometry

    app = QApplication.instance()
    short = available_geometry(window).height() < SHORT_SCREEN_PX
    app.setStyleSheet(app.styleSheet() + TOUCH_QSS + (COMPACT_QSS if short else ""))  # type: ignore[union-attr]
    window.tablet_mode = True  # type: ignore[attr-defined]
    from ui.onscreen_keyboard import OnScreenKeyboard

    window.keyboard = OnScreenKeyboard.install(app, window)  # type: ignore[attr-defined,arg-type]  # text fields
    pin = window.login.pin
    pad = NumberPad(pin)
    pad.confirmed.connect(window.login.submit)
    box_layout = pin.parentWidget().layout()
    box_layout.insertWidget(box_layout.indexOf(pin) + 1, pad)
    window.login.pad = pad  # type: ignore[attr-defined]
    # a landscape tablet (768 px) has room for the pad or for a long list, not both: two names
    # show, the list scrolls (the log-in page's height is the window's least height)
    window.login.people.setMinimumHeight(112 if short else 220)
    if short:  # the language choice (issue 12) took another 46 px: the hint on one line, tighter rows
        box = pin.parentWidget()
        box.setMaximumWidth(640)
        box_layout.setSpacing(4)
        box_layout.setContentsMargins(0, 0, 0, 0)
        hint = box.findChild(QLabel, "hint")
        if hint is not None:  # the demo PINs on one line (two at 17 pt)
            hint.setStyleSheet("font-size: 12pt;")

    def add_bar(_member: object) -> None:
        till = window.till
        if till is None or getattr(till, "tablet_bar", None) is not None:
            return
        bar = TabletBar(window)
        till.layout().insertWidget(1, bar)
        till.tablet_bar = bar  # type: ignore[attr-defined]
        scroll_side(till)
    window.login.logged_in.connect(add_bar)  # after the window's own slot: the till exists then
