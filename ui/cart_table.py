"""The till's cart table and the fixed text boxes around it: widgets that repaint what a scan
changed and nothing else (issue 18: scan to line p99 <= 8 ms).

What a scan used to cost, measured with the real app window: QTableView repainted its whole
viewport on every appended row (the hidden vertical header's sectionCountChanged signal runs
QTableView::rowCountChanged, which re-lays out and updates the entire viewport), the horizontal
header repainted because a row selection highlights every section, and each label's new text
re-laid out the window up to the top level (QLabel::setText calls updateGeometry, which
invalidates every layout up the chain: the offscreen plugin's "propagateSizeHints" warning).

- CartTable blocks the vertical header's signals (it is hidden and of fixed row height, so
  they only ever triggered that full repaint) and does the geometry update itself: an appended
  row repaints that row and the previously selected one; a reset (new receipt, removed line)
  lays out the whole table as before.
- The vertical scroll bar is flat (a style sheet of its own): Fusion's took 1.5 ms a repaint.
- pinned() puts a label in a holder of fixed height without a layout: its text changes repaint
  the label only, never re-lay out the window.

Thread: the UI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSizePolicy, QTableView, QWidget

from ui.cart_model import COLUMN_WIDTHS, CartTableModel, Refreshed

ROW_HEIGHT = 34
# A flat scroll bar: Fusion's gradients cost 1.5 ms per repaint, and once the cart is longer
# than the screen the range (and so the bar) changes with every appended line.
SCROLL_BAR_QSS = """
QScrollBar:vertical { width: 16px; background: #eef1f5; margin: 0; border: none; }
QScrollBar::handle:vertical { background: #a9b4c2; min-height: 40px; border-radius: 3px; margin: 2px; }
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; border: none; background: none; }
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: none; }
"""


class CartTable(QTableView):
    def __init__(self, model: CartTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cart")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Font and selection colours through the palette, not the stylesheet: stylesheet rules
        # on items make Qt paint every cell through the slow style-sheet path.
        font = self.font()
        font.setPointSizeF(12.5)
        self.setFont(font)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#cfe0f5"))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("black"))
        self.setPalette(palette)
        head = self.horizontalHeader()
        head.setHighlightSections(False)  # a selected row would repaint the whole header
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in enumerate(COLUMN_WIDTHS):
            if width:  # fixed widths: measuring every cell on each change costs a frame
                head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
                head.resizeSection(col, width)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        rows.blockSignals(True)  # see the module docstring: shown() does their work per change
        self.verticalScrollBar().setStyleSheet(SCROLL_BAR_QSS)
        # always there: a bar that appears with the 17th line narrows the viewport, and the whole
        # table is laid out and painted again (a 5 ms frame in the middle of a sale)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)

    def fit_headings(self) -> None:
        """Widen a fixed column to its heading in the font the header has now (the tablet theme
        and the English headings are larger than the widths were made for); never narrower."""
        head = self.horizontalHeader()
        metrics = head.fontMetrics()
        model = self.model()
        for col, width in enumerate(COLUMN_WIDTHS):
            if width:
                text = str(model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
                head.resizeSection(col, max(width, metrics.horizontalAdvance(text) + 24))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.fit_headings()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.fit_headings()

    def shown(self, what: Refreshed) -> None:
        """After the model refreshed: an append needs only the scroll range updated (the new
        row repaints itself); anything else lays the table out again."""
        if what == "appended":
            self.updateGeometries()
        elif what == "reset":
            self.doItemsLayout()


class _Holder(QWidget):
    """A fixed-height box without a layout: the label inside follows its size by hand."""

    def __init__(self, label: QLabel, height: int) -> None:
        super().__init__()
        self.label = label
        label.setParent(self)
        self.setFixedHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self.label.setGeometry(self.rect())
        super().resizeEvent(event)


def pinned(label: QLabel, height: int) -> QWidget:
    """`label` in a holder of `height` px: add the holder to the layout, keep using the label."""
    return _Holder(label, height)
