"""The till's product grid: quick keys for goods without a barcode, as big coloured tiles
(name and price) beside the cart, one tab per page of the layout, and ◀ ▶ when a page has more
tiles than fit. One tap sells one (TillView.add_product); no tile ever takes the keyboard
focus, so the scan field keeps it.

The layout is set per store at the center (`pos-backend quick-keys ...`) and arrives with the
feed (pos_app.quick_keys.store); the grid reads it off the UI thread (ui.tasks) after log-in
and after every sync, and shows the last one it has when offline.

UI thread only.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTabBar, QVBoxLayout,
                               QWidget)

from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.quick_keys.store import QuickTile
from ui.tasks import run_in_background

COLUMNS = 3
ROWS = 4
TILE_MIN = (96, 76)  # px: far above the 44 px touch target


def _text_colour(colour: str) -> str:
    """White on dark tiles, near-black on light ones (contrast for any colour the center sets)."""
    c = QColor(colour)
    luminance = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
    return "#111111" if luminance > 0.6 else "#ffffff"


def tile_style(tile: QuickTile) -> str:
    colour = tile.colour if tile.active and tile.price_cents is not None else "#b8bec7"
    return (f"QPushButton#quickKey {{ background: {colour}; color: {_text_colour(colour)}; }}"
            f"QPushButton#quickKey:pressed {{ background: {QColor(colour).darker(130).name()}; }}")


class ProductGrid(QWidget):
    """Tiles of the store's quick keys. `load` returns the tiles (runs on a worker thread)."""

    tapped = Signal(int)  # product id

    def __init__(self, load: Callable[[], list[QuickTile]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productGrid")
        self._load = load
        self._tiles: list[QuickTile] = []
        self._page = ""
        self._offset = 0
        self._seq = 0
        self.tabs = QTabBar()
        self.tabs.setObjectName("gridPages")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setExpanding(False)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.currentChanged.connect(self._page_chosen)
        self.empty = QLabel(t("Noch keine Schnelltasten für diese Filiale.\nDie Zentrale legt sie an "
                              "(pos-backend quick-keys add); nach dem nächsten Abgleich erscheinen sie hier."))
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons: list[QPushButton] = []
        grid = QGridLayout()
        grid.setSpacing(8)
        for i in range(COLUMNS * ROWS):
            button = QPushButton()
            button.setObjectName("quickKey")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumSize(*TILE_MIN)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.clicked.connect(lambda _c=False, i=i: self._tap(i))
            button.hide()
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.buttons.append(button)
        self.previous = QPushButton("◀")
        self.next = QPushButton("▶")
        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for button, step in ((self.previous, -1), (self.next, 1)):
            button.setObjectName("gridStep")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumSize(56, 44)
            button.clicked.connect(lambda _c=False, s=step: self._step(s))
        steps = QHBoxLayout()
        steps.addWidget(self.previous)
        steps.addWidget(self.page_label, 1)
        steps.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)
        layout.addWidget(self.empty, 1)
        layout.addLayout(grid, 1)
        layout.addLayout(steps)
        self._shown: list[QuickTile | None] = [None] * len(self.buttons)
        self._render()

    # ---- data --------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the layout again (after log-in, after a sync); off the UI thread."""
        self._seq += 1
        seq = self._seq
        run_in_background(self._load, lambda tiles, error: self._loaded(seq, tiles, error))

    def _loaded(self, seq: int, tiles: list[QuickTile] | None, error: BaseException | None) -> None:
        if seq != self._seq or error is not None:
            return  # a newer read is coming; a failed read keeps what is shown
        self.show_tiles(tiles or [])

    def show_tiles(self, tiles: list[QuickTile]) -> None:
        self._tiles = list(tiles)
        pages = list(dict.fromkeys(tile.page for tile in self._tiles))
        keep = self._page if self._page in pages else (pages[0] if pages else "")
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for page in pages:
            self.tabs.addTab(page)
        self.tabs.setCurrentIndex(pages.index(keep) if keep else -1)
        self.tabs.blockSignals(False)
        if keep != self._page:
            self._offset = 0
        self._page = keep
        self._render()

    def pages(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def page_tiles(self) -> list[QuickTile]:
        return [tile for tile in self._tiles if tile.page == self._page]

    # ---- showing -----------------------------------------------------------------------------

    def _page_chosen(self, index: int) -> None:
        self._page = self.tabs.tabText(index) if index >= 0 else ""
        self._offset = 0
        self._render()

    def _step(self, step: int) -> None:
        per_screen = len(self.buttons)
        count = len(self.page_tiles())
        self._offset = min(max(self._offset + step * per_screen, 0), max(count - 1, 0) // per_screen * per_screen)
        self._render()

    def _render(self) -> None:
        page = self.page_tiles()
        self.empty.setVisible(not self._tiles)
        self.tabs.setVisible(bool(self._tiles))
        per_screen = len(self.buttons)
        shown = page[self._offset:self._offset + per_screen]
        for i, button in enumerate(self.buttons):
            tile = shown[i] if i < len(shown) else None
            self._shown[i] = tile
            button.setVisible(tile is not None)
            if tile is None:
                continue
            if tile.price_cents is None or not tile.active:
                price = t("kein Preis") if tile.active else t("nicht im Sortiment")
            else:
                price = format_euro(tile.price_cents)
            button.setText(f"{tile.label}\n{price}")
            button.setToolTip(tile.label if tile.stock is None else
                              t("{name}: Bestand {stock}", name=tile.label, stock=tile.stock))
            button.setProperty("soldOut", tile.stock is not None and tile.stock <= 0)
            button.setStyleSheet(tile_style(tile))
        screens = (len(page) + per_screen - 1) // per_screen
        many = screens > 1
        for widget in (self.previous, self.next, self.page_label):
            widget.setVisible(many)
        if many:
            self.page_label.setText(t("Seite {n} von {total}", n=self._offset // per_screen + 1, total=screens))
            self.previous.setEnabled(self._offset > 0)
            self.next.setEnabled(self._offset + per_screen < len(page))

    def _tap(self, index: int) -> None:
        tile = self._shown[index]
        if tile is not None:
            self.tapped.emit(tile.product_id)

    def button_for(self, product_id: int) -> QPushButton | None:
        """The tile of `product_id` on the screen now (tests, the help overlay)."""
        for button, tile in zip(self.buttons, self._shown):
            if tile is not None and tile.product_id == product_id:
                return button
        return None
