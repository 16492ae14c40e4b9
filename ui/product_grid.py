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
from pos_app.i18n.formats import format_euro
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


def breakable(name: str, every: int = 9) -> str:
    """Long words get invisible break points, so a tile wraps "Butterspekulatius" instead of
    cutting it off."""
    return " ".join("\u200b".join(word[i:i + every] for i in range(0, len(word), every)) if len(word) > every + 2
                    else word for word in name.split(" "))


def tile_colour(tile: QuickTile) -> str:
    """The tile's colour; grey when it cannot be sold here (no price, not in the catalog)."""
    return tile.colour if tile.active and tile.price_cents is not None else "#94a3b8"


class Tile(QPushButton):
    """A quick key: the name wrapped over up to three lines, the price below it. The labels
    let clicks through, so the whole tile is the button."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("quickKey")
        self.name = QLabel()
        self.name.setObjectName("tileName")
        self.name.setWordWrap(True)
        self.name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.price = QLabel()
        self.price.setObjectName("tilePrice")
        self.price.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.price)
        for label in (self.name, self.price):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def show_tile(self, name: str, price: str, colour: str) -> None:
        self.name.setText(breakable(name))
        self.price.setText(price)
        text = _text_colour(colour)
        self.setStyleSheet(f"QPushButton#quickKey {{ background: {colour}; }}"
                           f"QPushButton#quickKey:pressed {{ background: {QColor(colour).darker(130).name()}; }}"
                           f"QLabel {{ color: {text}; background: transparent; }}")

    def text(self) -> str:  # type: ignore[override]
        return f"{self.name.text().replace(chr(0x200b), '')}\n{self.price.text()}"


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
        self.buttons: list[Tile] = []
        grid = QGridLayout()
        grid.setSpacing(8)
        self._grid = grid
        self.shape = (COLUMNS, ROWS)
        for i in range(COLUMNS * ROWS):
            button = Tile()
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumSize(*TILE_MIN)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.clicked.connect(lambda _c=False, i=i: self._tap(i))
            button.hide()
            self.buttons.append(button)
        self._place()
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

    def set_shape(self, columns: int, rows: int) -> None:
        """Tiles per row and rows per screen (the till: 3 x 4 beside the cart, 5 x 2 under it on a
        narrow screen); at most COLUMNS * ROWS tiles."""
        if (columns, rows) == self.shape or columns * rows > len(self.buttons):
            return
        self.shape = (columns, rows)
        self._offset = 0
        self._place()
        self._render()

    def _place(self) -> None:
        columns, rows = self.shape
        for button in self.buttons:
            self._grid.removeWidget(button)
        for i in range(max(COLUMNS, 5)):
            self._grid.setColumnStretch(i, 1 if i < columns else 0)
        for i in range(max(ROWS, 5)):
            self._grid.setRowStretch(i, 1 if i < rows else 0)
        for i, button in enumerate(self.buttons[:columns * rows]):
            self._grid.addWidget(button, i // columns, i % columns)

    @property
    def per_screen(self) -> int:
        return self.shape[0] * self.shape[1]

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
        per_screen = self.per_screen
        count = len(self.page_tiles())
        self._offset = min(max(self._offset + step * per_screen, 0), max(count - 1, 0) // per_screen * per_screen)
        self._render()

    def _render(self) -> None:
        page = self.page_tiles()
        self.empty.setVisible(not self._tiles)
        self.tabs.setVisible(bool(self._tiles))
        per_screen = self.per_screen
        shown = page[self._offset:self._offset + per_screen]
        for i, button in enumerate(self.buttons):
            tile = shown[i] if i < len(shown) and i < per_screen else None
            self._shown[i] = tile
            button.setVisible(tile is not None)
            if tile is None:
                continue
            sold_out = tile.stock is not None and tile.stock <= 0
            if tile.price_cents is None or not tile.active:
                price = t("kein Preis") if tile.active else t("nicht im Sortiment")
            elif sold_out:
                price = t("{price}\nnicht vorrätig", price=format_euro(tile.price_cents))
            else:
                price = format_euro(tile.price_cents)
            button.show_tile(tile.label, price, tile_colour(tile))
            button.setToolTip(tile.label if tile.stock is None else
                              t("{name}: Bestand {stock}", name=tile.label, stock=tile.stock))
            button.setProperty("soldOut", sold_out)
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

    def button_for(self, product_id: int) -> Tile | None:
        """The tile of `product_id` on the screen now (tests, the help overlay)."""
        for button, tile in zip(self.buttons, self._shown):
            if tile is not None and tile.product_id == product_id:
                return button
        return None
