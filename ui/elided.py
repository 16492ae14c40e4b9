"""A one-line label that shortens its text with "…" when there is no room, and then shows the
whole text as its tooltip (long product names, e-mail addresses, the sync line in the status
bar on a 1024 px screen).

A plain QLabel asks for the width of its whole text; in a layout that cannot give it, the label
pushed its neighbours (or the window) past the screen's edge. This one asks for little and
shows what fits.

Thread: the UI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARS = 8  # the least it asks room for, in average characters


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self._own_tip = ""
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def text(self) -> str:
        """The whole text (what was set), not the shortened one on the screen."""
        return self._full

    def shown_text(self) -> str:
        return QLabel.text(self)

    def setText(self, text: str) -> None:  # noqa: N802
        self._full = text
        self._fit()

    def setToolTip(self, tip: str) -> None:  # noqa: N802
        """A tooltip of its own (shown when the text is whole; with the full text when elided)."""
        self._own_tip = tip
        self._fit()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().averageCharWidth() * MIN_CHARS), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4,
                     super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = max(0, self.contentsRect().width() - 2 * self.margin())
        shown = self.fontMetrics().elidedText(self._full, self._mode, room) if room else self._full
        if shown != self._full:
            tip = self._full + (f"\n{self._own_tip}" if self._own_tip else "")
        else:
            tip = self._own_tip
        QLabel.setToolTip(self, tip)
        if shown != self.shown_text():
            QLabel.setText(self, shown)
