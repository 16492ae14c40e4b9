"""The cart as a Qt table model. It reads the domain Cart it is given and is told to refresh
after each operation (from the CartChange the till session returns)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from pos_app.cart import Cart, Totals
from pos_app.money import format_euro

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Artikel", "Menge", "Einzelpreis", "Rabatt", "Summe", "MwSt")


class CartTableModel(QAbstractTableModel):
    def __init__(self, cart: Cart) -> None:
        super().__init__()
        self._cart = cart
        self._totals: Totals = cart.totals()

    def set_cart(self, cart: Cart) -> None:
        self._cart = cart
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._totals = self._cart.totals()
        self.endResetModel()

    def totals(self) -> Totals:
        return self._totals

    def line_id_at(self, row: int) -> int | None:
        lines = self._totals.lines
        return lines[row].line.line_id if 0 <= row < len(lines) else None

    def row_of(self, line_id: int) -> int:
        for row, priced in enumerate(self._totals.lines):
            if priced.line.line_id == line_id:
                return row
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._totals.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self._totals.lines[index.row()].line
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return line.product.name
            if col == 1:
                return str(line.quantity)
            if col == 2:
                text = format_euro(line.unit_price_cents)
                return f"{text} *" if line.override_price_cents is not None else text
            if col == 3:
                return f"-{format_euro(line.discount_cents)}" if line.discount_cents else ""
            if col == 4:
                return format_euro(line.total_cents)
            if col == 5:
                return f"{line.product.vat.letter} {line.product.vat.percent} %"
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            notes = []
            if line.discount:
                notes.append(f"Rabatt {line.discount.describe()}")
            if line.override_price_cents is not None:
                notes.append(f"Preis geändert ({line.override_reason}), Listenpreis "
                             f"{format_euro(line.product.unit_price_cents)}")
            return "\n".join(notes) or None
        return None
