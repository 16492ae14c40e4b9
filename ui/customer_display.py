"""The customer display (issue 16): a second window facing the customer, full screen on the
second screen when there is one ([customer_display] screen in pos.toml).

It draws a pure `CustomerScreen` (pos_app.customer_display) and nothing else: the lines as
they are scanned with their promotions, the total, what is paid, what is left and the change,
then the digital receipt's QR code; the store's logo and an idle message between sales. It
listens to the till session (TillSession.watchers) and redraws after every change.

Thread: the UI thread only (the watchers are called there; the QR code is made there too, a
short link takes about a millisecond).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import qrcode
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from pos_app.config import CustomerDisplaySettings
from pos_app.customer_display import CustomerScreen, screen_of
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.till import TillSession

STYLE = """
QWidget#customerDisplay { background: #1d2630; color: #f4f4f4; }
QLabel { color: #f4f4f4; font-size: 22px; }
QLabel#cdStore { font-size: 26px; font-weight: bold; }
QLabel#cdTotal { font-size: 54px; font-weight: bold; }
QLabel#cdDue { font-size: 34px; color: #ffd166; }
QLabel#cdChange { font-size: 40px; font-weight: bold; color: #8be28b; }
QLabel#cdIdle { font-size: 40px; }
QLabel#cdNote { font-size: 18px; color: #c8c8c8; }
QTableWidget { background: #26313d; color: #f4f4f4; font-size: 22px; border: none; gridline-color: #26313d; }
"""


def qr_pixmap(data: str, size_px: int) -> QPixmap:
    """A QR code as a pixmap (black on white, with its quiet zone, so phones read it)."""
    image = qrcode.make(data, border=2).get_image().convert("RGB")
    raw = image.tobytes("raw", "RGB")
    qimage = QImage(raw, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimage).scaled(size_px, size_px, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation)


class CustomerDisplay(QWidget):
    def __init__(self, session: TillSession, store_name: str, idle_message: str = "Herzlich willkommen!",
                 logo_path: Path | None = None, online: Callable[[], bool | None] = lambda: None,
                 parent: QWidget | None = None) -> None:
        # a window of its own that never takes the keyboard from the till (nor a scanner's keys)
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("customerDisplay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(t("Kundenanzeige – {store_name}", store_name=store_name))
        self.setStyleSheet(STYLE)
        self.resize(1024, 600)
        self._session, self._idle_message, self._online = session, idle_message, online
        self.screen_now: CustomerScreen = CustomerScreen("idle", message=idle_message)
        self._qr_for = ""

        store = QLabel(store_name)
        store.setObjectName("cdStore")
        self.pages = QStackedWidget()
        # idle: logo and message
        idle = QWidget()
        idle_box = QVBoxLayout(idle)
        self.logo = QLabel()
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if logo_path is not None and logo_path.is_file():
            self.logo.setPixmap(QPixmap(str(logo_path)).scaledToHeight(160, Qt.TransformationMode.SmoothTransformation))
        self.idle_text = QLabel(idle_message)
        self.idle_text.setObjectName("cdIdle")
        self.idle_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        idle_box.addStretch(1)
        idle_box.addWidget(self.logo)
        idle_box.addWidget(self.idle_text)
        idle_box.addStretch(1)
        # selling and paying: lines on the left, sums (and at the end the QR code) on the right
        sale = QWidget()
        row = QHBoxLayout(sale)
        self.lines = QTableWidget(0, 3)  # quantity, article (and its promotion), amount
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.horizontalHeader().setVisible(False)
        self.lines.verticalHeader().setVisible(False)
        self.lines.setShowGrid(False)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        right = QVBoxLayout()
        self.total = QLabel()
        self.total.setObjectName("cdTotal")
        self.savings = QLabel()
        self.paid = QLabel()
        self.due = QLabel()
        self.due.setObjectName("cdDue")
        self.change = QLabel()
        self.change.setObjectName("cdChange")
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = QLabel()
        self.qr_caption.setObjectName("cdNote")
        self.qr_caption.setWordWrap(True)
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for widget in (self.total, self.savings, self.paid, self.due, self.change):
            widget.setAlignment(Qt.AlignmentFlag.AlignRight)
            right.addWidget(widget)
        right.addStretch(1)
        right.addWidget(self.qr)
        right.addWidget(self.qr_caption)
        row.addWidget(self.lines, 3)
        row.addLayout(right, 2)
        self.pages.addWidget(idle)
        self.pages.addWidget(sale)
        box = QVBoxLayout(self)
        box.addWidget(store)
        box.addWidget(self.pages, 1)
        session.watchers.append(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Read the session and redraw (a till watcher: UI thread)."""
        self.show_screen(screen_of(self._session, self._idle_message, self._online()))

    def show_screen(self, screen: CustomerScreen) -> None:
        self.screen_now = screen
        if screen.phase == "idle":
            self.idle_text.setText(screen.message)
            self.pages.setCurrentIndex(0)
            return
        self.pages.setCurrentIndex(1)
        if screen.phase != "done":
            self.lines.setRowCount(len(screen.lines))
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            for row, line in enumerate(screen.lines):
                name = line.name + (f"\n{line.note}" if line.note else "")
                for column, (text, align) in enumerate(((f"{line.quantity} ×", right), (name, None),
                                                        (format_euro(line.amount_cents), right))):
                    item = QTableWidgetItem(text)
                    if align is not None:
                        item.setTextAlignment(align)
                    self.lines.setItem(row, column, item)
            self.lines.resizeRowsToContents()
            self.lines.scrollToBottom()  # the line just scanned stays in view
        self.total.setText(t("Summe {total_cents}", total_cents=format_euro(screen.total_cents)))
        self.savings.setText(t("Sie sparen {savings_cents}", savings_cents=format_euro(screen.savings_cents)) if screen.savings_cents else "")
        self.paid.setText(t("Gegeben {paid_cents}", paid_cents=format_euro(screen.paid_cents)) if screen.paid_cents else "")
        self.due.setText(t("Zu zahlen {due_cents}", due_cents=format_euro(screen.due_cents)) if screen.phase != "done" else t("Vielen Dank!"))
        self.change.setText(t("Rückgeld {change_cents}", change_cents=format_euro(screen.change_cents)) if screen.change_cents else "")
        if screen.phase == "done" and screen.receipt_link:
            if self._qr_for != screen.receipt_link:
                self.qr.setPixmap(qr_pixmap(screen.receipt_link, 260))
                self._qr_for = screen.receipt_link
            self.qr.show()
            self.qr_caption.setText(t("Ihr digitaler Beleg {receipt_number}: einfach scannen.\n{receipt_note}", receipt_number=screen.receipt_number, receipt_note=screen.receipt_note))
        else:
            self.qr.hide()
            self.qr.clear()
            self._qr_for = ""
            self.qr_caption.setText("")

    def detach(self) -> None:
        if self.refresh in self._session.watchers:
            self._session.watchers.remove(self.refresh)


def sync_online(status: object) -> bool | None:
    """The sync status (sync.status.SyncStatus or None) as "is the till online?"."""
    state = getattr(getattr(status, "state", None), "value", None)
    if state is None:
        return None
    return state in ("online", "syncing")


def open_customer_display(session: TillSession, settings: CustomerDisplaySettings, store_name: str,
                          logo_path: Path | None = None,
                          online: Callable[[], bool | None] = lambda: None) -> CustomerDisplay | None:
    """Show the display if pos.toml enables it: full screen on screen `settings.screen` when the
    machine has that many screens, else as a window of its own."""
    if not settings.enabled:
        return None
    display = CustomerDisplay(session, store_name, settings.idle_message, logo_path, online)
    screens = QGuiApplication.screens()
    if 0 <= settings.screen < len(screens) and len(screens) > 1:
        display.setGeometry(screens[settings.screen].geometry())
        display.showFullScreen()
    else:
        display.show()
    return display
