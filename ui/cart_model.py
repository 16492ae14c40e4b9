"""The cart as a Qt table model. It reads the domain Cart it is given and is told to refresh
after each operation. Rows are formatted once per refresh (not on every paint), and a refresh
tells the view only what changed (one inserted row, or the rows whose text changed), so a scan
repaints one line, not the table: this is what keeps scan-to-screen within a frame."""
from __future__ import annotations

from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from pos_app.cart import Cart, PricedLine, Totals
from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import format_euro
from pos_app.prices.indications import lowest_price_hint, stated_lowest_price

Index = QModelIndex | QPersistentModelIndex
HEADERS = (N_("Artikel"), N_("Menge"), N_("Einzelpreis"), N_("Rabatt"), N_("Summe"), N_("MwSt"))
COLUMN_WIDTHS = (None, 70, 115, 95, 115, 75)  # the name column stretches
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_TIP = Qt.ItemDataRole.ToolTipRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

Row = tuple[tuple[str, ...], str | None, int]  # texts per column, tooltip, line id
Refreshed = Literal["appended", "changed", "reset"]  # what refresh() told the view (ui.cart_table)


def _format(priced: PricedLine, names: dict[int, str] | None = None) -> Row:
    """`names`: promotion id -> name, for the line's promotions (issue 15)."""
    line = priced.line
    price = format_euro(line.unit_price_cents)
    off = line.discount_cents + priced.promotion_cents
    texts = (
        line.product.name + (" %" if priced.promotions else ""),
        str(line.quantity),
        f"{price} *" if line.override_price_cents is not None else price,
        f"-{format_euro(off)}" if off else "",
        format_euro(line.total_cents - priced.promotion_cents),
        f"{line.product.vat.letter} {line.product.vat.percent} %",
    )
    notes = [f"Aktion {(names or {}).get(d.promotion_id, d.promotion_id)}: -{format_euro(d.cents)}"
             for d in priced.promotions]
    if line.discount:
        notes.append(t("Rabatt {describe}", describe=line.discount.describe()))
    if line.override_price_cents is not None:
        notes.append(t("Preis geändert ({override_reason}), Listenpreis {unit_price_cents}", override_reason=line.override_reason, unit_price_cents=format_euro(line.product.unit_price_cents)))
    lowest = stated_lowest_price(line)
    if lowest is not None:  # § 11 PAngV: the reduced price with the lowest of the 30 days before
        notes.append(lowest_price_hint(lowest))
    return texts, "\n".join(notes) or None, line.line_id


def _rows(totals: Totals) -> list[Row]:
    names = {a.promotion_id: a.name for a in totals.promotions}
    return [_format(p, names) for p in totals.lines]


class CartTableModel(QAbstractTableModel):
    def __init__(self, cart: Cart) -> None:
        super().__init__()
        self._cart = cart
        self._totals: Totals = cart.totals()
        self._rows: list[Row] = _rows(self._totals)

    def refresh(self) -> Refreshed:
        """Re-read the cart; signal an append as an insert, edits as changed rows (only the
        rows whose text changed: a scan of an article already in the cart updates one row)."""
        totals = self._cart.totals()
        new = _rows(totals)
        old = self._rows
        self._totals = totals
        if len(new) == len(old) + 1 and new[:-1] == old:
            self.beginInsertRows(QModelIndex(), len(old), len(old))
            self._rows = new
            self.endInsertRows()
            return "appended"
        if len(new) == len(old) and [r[2] for r in new] == [r[2] for r in old]:
            self._rows = new
            for i, (a, b) in enumerate(zip(old, new)):
                if a != b:
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(HEADERS) - 1))
            return "changed"
        self.beginResetModel()
        self._rows = new
        self.endResetModel()
        return "reset"

    def totals(self) -> Totals:
        return self._totals

    def line_id_at(self, row: int) -> int | None:
        return self._rows[row][2] if 0 <= row < len(self._rows) else None

    def row_of(self, line_id: int) -> int:
        for row, data in enumerate(self._rows):
            if data[2] == line_id:
                return row
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:  # noqa: N802
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return t_marked(HEADERS[section])
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY:
            return self._rows[index.row()][0][index.column()]
        if role == _ALIGN:
            return _RIGHT if index.column() > 0 else None
        if role == _TIP:
            return self._rows[index.row()][1]
        return None
