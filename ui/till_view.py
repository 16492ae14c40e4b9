"""The till screen: scan or search, the cart, totals, and every cashier action on a key.

One input field takes codes typed by hand and search words; a keyboard-wedge scanner is caught
application-wide (ui.wedge_filter) and never types into it. Everything the cashier does goes
through pos_app.till.TillSession; this screen only shows results and messages.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QApplication, QBoxLayout, QDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPushButton, QStackedWidget, QVBoxLayout, QWidget,
)

from pos_app import till_actions
from pos_app.cart import CartChange
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.prices.shelf_labels import search_price_texts
from pos_app.quick_keys.store import tiles as quick_tiles
from pos_app.store.catalog import ProductHit
from pos_app.till import SellError, TillSession, UnknownCode
from pos_app.till_actions import key_label
from ui.cart_model import CartTableModel
from ui.cart_table import CartTable, pinned
from ui.dialog_release import release
from ui.help_overlay import HelpOverlay
from ui.payment_dialog import PaymentDialog
from ui.product_grid import ProductGrid
from ui.till_changes import CartChanges
from ui.tasks import run_in_background
from ui.till_actions_qt import action_button, bind

SEARCH_DELAY_MS = 120
WIDE_TILL = 1600  # px: the product grid beside the cart from here (full HD), else under it
SHORT_TILL_PX = 860  # px of available height: below it (1024x768, 1366x768) the total column is compact
SIDE_W = 300  # px: the total column at the right (landscape), two buttons a row
# px: in portrait (800x1280) the column under the cart is this wide, three buttons a row: two a row
# were six rows of touch-sized buttons, the pay button below the screen's edge (issue 13)
PORTRAIT_SIDE_W = 420
SCROLL_BAR_ROOM = 40  # the tablet's touch-wide scroll bar beside the column (ui.tablet.scroll_side)


def hit_text(hit: ProductHit, unit_price: str | None = None) -> str:
    """One search hit: name, price (with its Grundpreis and, when reduced, its lowest 30-day price:
    PAngV), SKU and stock here; sold out says
    how many the other stores have."""
    price = format_euro(hit.price_cents) if hit.price_cents is not None else t("kein Preis")
    if unit_price:
        price = f"{price} ({unit_price})"
    if hit.stock is None:
        stock = t("Bestand –")
    elif hit.sold_out:
        stock = t("nicht vorrätig, in anderen Filialen: {n}", n=hit.elsewhere or 0)
    else:
        stock = t("Bestand {n}", n=hit.stock)
    return f"{hit.name}   {price}   ({hit.sku}, {stock})"


class TillView(CartChanges, QWidget):
    lock_requested = Signal()
    sale_completed = Signal(object)  # CompletedSale
    journal_requested = Signal()
    parked_requested = Signal()

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = CartTableModel(session.cart)
        self._search_seq = 0
        self._last_change = ""
        # codes that are not articles (a pickup QR: ui.pickup_glue); a hook returns True if it took the code
        self.code_hooks: list[Callable[[str], bool]] = []

        self.header = QLabel()
        self.header.setObjectName("tillHeader")
        self.entry = QLineEdit()
        self.entry.setObjectName("entry")
        self.entry.setPlaceholderText(t("Artikelcode eingeben oder Artikel suchen (F2) …"))
        self.entry.returnPressed.connect(self._entry_enter)
        self.entry.textEdited.connect(self._schedule_search)
        self.entry.installEventFilter(self)
        self.results = QListWidget()
        self.results.setObjectName("results")
        self.results.setMaximumHeight(220)
        self.results.itemActivated.connect(self._add_hit)
        self.results.itemClicked.connect(self._add_hit)  # one tap adds, as on every touch till
        self.results.hide()
        self.message = QLabel(t("Bereit. Artikel scannen."))
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.table = CartTable(self.model)  # repaints the changed rows only (ui.cart_table)

        self.total = QLabel()
        self.total.setObjectName("total")
        self.vat = QLabel()
        self.vat.setObjectName("vat")
        self.vat.setWordWrap(True)
        self.change = QLabel()
        self.change.setObjectName("change")
        self.change.setWordWrap(True)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_search)

        self.empty_cart = QLabel(t("Der Bon ist leer.\nArtikel scannen oder suchen (F2),\n"
                                   "oder eine Schnelltaste rechts antippen."))
        self.empty_cart.setObjectName("emptyState")
        self.empty_cart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_cart.setWordWrap(True)
        self.cart_stack = QStackedWidget()
        self.cart_stack.addWidget(self.table)
        self.cart_stack.addWidget(self.empty_cart)
        store = session.store
        self.grid = ProductGrid(lambda: quick_tiles(store.db, store.store_id))
        self.grid.tapped.connect(self.add_product)

        left = QVBoxLayout()
        left.addWidget(self.entry)
        left.addWidget(self.results)
        # pinned: fixed heights and no layout around the text, so a new text repaints the label
        # and never re-lays out the window (what every scan did: ui.cart_table)
        left.addWidget(pinned(self.message, 48))
        self.cart_and_grid = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.cart_and_grid.setSpacing(10)
        self.cart_and_grid.addWidget(self.cart_stack, 3)
        self.cart_and_grid.addWidget(self.grid, 2)
        left.addLayout(self.cart_and_grid, 1)
        right = QVBoxLayout()
        from ui.screen_fit import available_geometry

        # a 768 px screen: the language choice and the ninth bar key made the column (and the
        # window, status bar below the edge) 46 px taller than the screen; these heights give it back
        short = available_geometry(self).height() < SHORT_TILL_PX
        right.addWidget(pinned(self.total, 110))  # 92 px cut the big total
        right.addWidget(pinned(self.vat, 56 if short else 80))
        right.addWidget(pinned(self.change, 60 if short else 90))
        right.addStretch(1)
        buttons = QGridLayout()
        buttons.setSpacing(6)
        handlers: dict[str, Callable[[], object]] = {
            "help": self.show_help, "search": self.focus_search, "quantity": self.change_quantity,
            "line_discount": self.line_discount, "cart_discount": self.cart_discount,
            "price": self.override_price, "park": self.park, "parked": self.parked_requested.emit,
            "journal": self.journal_requested.emit, "pay": self.pay,
            "quantity_up": lambda: self.bump_quantity(1), "quantity_down": lambda: self.bump_quantity(-1),
            "void": self.void_sale, "lock": self.lock_requested.emit,
        }
        self.bar_buttons: dict[str, QPushButton] = {}
        for registered in till_actions.shown_in("till_bar"):
            if registered.name != "pay":
                self.bar_buttons[registered.name] = action_button(registered.name, handlers[registered.name])
        pay = action_button("pay", self.pay, object_name="pay")
        pay.setText(f"{t('Bezahlen')}  ·  {key_label('F12')}")
        self.bar_buttons["pay"] = pay
        self.bar_grid = buttons
        self._lay_buttons(2)
        for name, handler in handlers.items():  # keys: pos_app.till_actions
            bind(name, self, handler)
        right.addLayout(buttons)
        side = QFrame()
        side.setObjectName("side")
        side.setLayout(right)
        side.setFixedWidth(SIDE_W)

        body = QHBoxLayout()
        body.setSpacing(0)
        body.addLayout(left, 1)
        body.addWidget(side)
        self.side, self.body = side, body
        # portrait (800x1280): the cart over the whole width, the grid and the total column under it
        self.lower = QHBoxLayout()
        self.lower.setSpacing(10)
        left.addLayout(self.lower, 0)
        self.portrait = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.header)
        left.setContentsMargins(10, 10, 10, 10)
        outer.addLayout(body, 1)

        self.refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """Wide (WIDE_TILL px and more): the grid beside the cart. Narrower: under it, five tiles a
        row, so the cart keeps room for the article names."""
        wide = event.size().width() >= WIDE_TILL
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.cart_and_grid.direction() != direction:
            self.cart_and_grid.setDirection(direction)
            self.grid.set_shape(*((3, 4) if wide else (5, 2)))
        self._arrange(event.size().height() > event.size().width())
        super().resizeEvent(event)

    def side_holder(self) -> QWidget:
        """The total column as laid out: the column itself, or the scroll area the tablet layout
        put it in (ui.tablet.scroll_side)."""
        holder = self.side.parentWidget()
        return holder.parentWidget() if holder is not None and holder.objectName() == "qt_scrollarea_viewport" \
            else self.side

    def _arrange(self, portrait: bool) -> None:
        """Portrait: the cart over the whole width, the grid and the total column side by side
        under it (side by side left the cart 470 px for six columns). Landscape: the column at the
        right. Only moves widgets between layouts; nothing else changes."""
        if portrait == self.portrait:
            return
        self.portrait = portrait
        holder = self.side_holder()
        if portrait:
            self.cart_and_grid.removeWidget(self.grid)
            self.body.removeWidget(holder)
            self.lower.addWidget(self.grid, 1)
            self.lower.addWidget(holder, 0)
            self.grid.set_shape(3, 4)
        else:
            self.lower.removeWidget(self.grid)
            self.lower.removeWidget(holder)
            self.cart_and_grid.addWidget(self.grid, 2)
            self.body.addWidget(holder)
            self.grid.set_shape(5, 2)
        self.fit_side()

    def fit_side(self) -> None:
        """The total column's width and its buttons a row for the orientation: three a row in the
        wider portrait column, two in landscape (also for the tablet's scroll area around it)."""
        holder = self.side_holder()
        extra = SCROLL_BAR_ROOM if holder is not self.side else 0
        holder.setFixedWidth((PORTRAIT_SIDE_W if self.portrait else SIDE_W) + extra)
        self._lay_buttons(3 if self.portrait else 2)

    def _lay_buttons(self, columns: int) -> None:
        """The action buttons in `columns` a row, the pay button over the whole last row."""
        names = [n for n in self.bar_buttons if n != "pay"]
        for name in (*names, "pay"):
            self.bar_grid.removeWidget(self.bar_buttons[name])
        for i, name in enumerate(names):
            self.bar_grid.addWidget(self.bar_buttons[name], i // columns, i % columns)
        self.bar_grid.addWidget(self.bar_buttons["pay"], -(-len(names) // columns), 0, 1, columns)

    # ---- display ---------------------------------------------------------------------------

    def set_header(self, text: str) -> None:
        self.header.setText(text)

    def refresh(self, change: CartChange | None = None) -> None:
        self.table.shown(self.model.refresh())
        showing = self.empty_cart if self.model.rowCount() == 0 else self.table
        if self.cart_stack.currentWidget() is not showing:  # only on the first line and after the last
            self.cart_stack.setCurrentWidget(showing)
        totals = self.model.totals()
        self.total.setText(f"<span style='font-size:15px; font-weight:600; color:#475569'>{t('Summe')}</span>"
                           f"<br>{format_euro(totals.total_cents)}")
        vat_lines = [t("MwSt {letter} {percent} %: {amount}", letter=r.rate.letter, percent=r.rate.percent,
                       amount=format_euro(r.vat_cents)) for r in totals.vat]
        if totals.cart_discount_cents:
            vat_lines.insert(0, t("Bon-Rabatt: -{cart_discount}", cart_discount=format_euro(totals.cart_discount_cents)))
        if totals.promotions:  # issue 15: what the promotions saved (each one per line: tooltip, receipt)
            vat_lines.insert(0, t("Aktionen: -{amount}", amount=format_euro(totals.promotion_cents)))
        self.vat.setText("\n".join(vat_lines))
        if change is not None and change.line_id is not None:
            row = self.model.row_of(change.line_id)
            if row >= 0:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
        elif self.model.rowCount() and self._selected_line() is None:
            self.table.selectRow(self.model.rowCount() - 1)

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        if bool(self.message.property("error")) != error:  # re-polishing costs a full repaint
            self.message.setProperty("error", error)
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)
        if error:
            QApplication.beep()

    def _selected_line(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.line_id_at(rows[0].row()) if rows else None

    # ---- adding ----------------------------------------------------------------------------

    def on_scanned(self, code: str) -> None:
        """A code from the wedge scanner (or camera). Ignored while a dialog is open."""
        if not self.isVisible() or QApplication.activeModalWidget() is not None:
            return
        if any(hook(code) for hook in self.code_hooks):
            return
        self.scan(code)

    def scan(self, code: str) -> None:
        try:
            change = self.session.scan(code)
        except UnknownCode as exc:
            self.say(f"{exc} (F2)", error=True)
            return
        except SellError as exc:
            self.say(str(exc), error=True)
            return
        line = self.session.cart.line(change.line_id) if change.line_id else None
        if line is not None:
            self.say(t("{name}  {unit_price_cents}  (Menge {quantity})", name=line.product.name, unit_price_cents=format_euro(line.unit_price_cents), quantity=line.quantity))
        self._clear_change()
        self.refresh(change)

    def _entry_enter(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        if self.results.isVisible() and self.results.currentItem() is not None:
            self._add_hit(self.results.currentItem())
            return
        if " " not in text:  # one word: a code typed by hand (or a SKU); else a search
            try:
                change = self.session.scan(text)
            except UnknownCode:
                self._run_search()
                if self.results.count():
                    self.say(t("Kein Artikel mit Code {text}. Treffer der Suche unten, Enter übernimmt.", text=text))
                else:
                    self.say(t("Unbekannter Artikelcode {text}.", text=text), error=True)
                return
            except SellError as exc:
                self.say(str(exc), error=True)
                return
            self.entry.clear()
            self.results.hide()
            self._clear_change()
            self.refresh(change)
            self.say(t("Hinzugefügt."))
            return
        self._run_search()

    def focus_search(self) -> None:
        self.entry.setFocus()
        self.entry.selectAll()

    def _schedule_search(self, _text: str) -> None:
        self._timer.start(SEARCH_DELAY_MS)

    def _run_search(self) -> None:
        self._timer.stop()
        text = self.entry.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if len(text) < 2:
            self.results.clear()
            self.results.hide()
            return
        catalog, db, store_id = self.session.store.catalog, self.session.store.db, self.session.store.store_id

        def search() -> tuple[list[ProductHit], dict[int, str]]:  # worker thread: hits, Grundpreis, § 11 PAngV
            hits = catalog.search(text, 30)
            return hits, search_price_texts(db, store_id, [(h.product_id, h.price_cents) for h in hits])

        run_in_background(search, lambda found, err: self._show_hits(seq, found[0] if found else None, err,
                                                                      found[1] if found else {}))

    def _show_hits(self, seq: int, hits: list[ProductHit] | None, error: BaseException | None,
                   unit_prices: dict[int, str] | None = None) -> None:
        if seq != self._search_seq:
            return  # the cashier typed on; a newer search is coming
        self.results.clear()
        if error is not None:
            self.say(t("Suche fehlgeschlagen: {error}", error=error), error=True)
            return
        for hit in hits or []:
            item = QListWidgetItem(hit_text(hit, (unit_prices or {}).get(hit.product_id)))
            item.setData(Qt.ItemDataRole.UserRole, hit.product_id)
            if hit.sold_out:  # greyed, still sellable: the figure may lag what is on the shelf
                item.setForeground(QBrush(QColor("#8a9099")))
                item.setToolTip(t("In dieser Filiale nicht vorrätig."))
            self.results.addItem(item)
        self.results.setVisible(bool(hits))
        if hits:
            self.results.setCurrentRow(0)
        else:
            self.say(t("Nichts gefunden für „{strip}“.", strip=self.entry.text().strip()))

    def _add_hit(self, item: QListWidgetItem) -> None:
        product_id = int(item.data(Qt.ItemDataRole.UserRole))
        self._apply(lambda: self.session.add_product(product_id), t("Hinzugefügt."))
        self.entry.clear()
        self.results.clear()
        self.results.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        """In the entry field: Up/Down move through the search hits or the cart lines; Delete on
        an empty field removes the selected line; Esc clears the field."""
        if obj is self.entry and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if key == Qt.Key.Key_Up else 1
                view_rows = self.results.count() if self.results.isVisible() else self.model.rowCount()
                if view_rows:
                    if self.results.isVisible():
                        self.results.setCurrentRow(min(max(self.results.currentRow() + step, 0), view_rows - 1))
                    else:
                        current = self.table.currentIndex().row() if self._selected_line() is not None else view_rows
                        self.table.selectRow(min(max(current + step, 0), view_rows - 1))
                return True
            if key == Qt.Key.Key_Delete and not self.entry.text() and not event.modifiers():  # type: ignore[attr-defined]
                self.remove_line()
                return True
            if key == Qt.Key.Key_Escape:
                self.entry.clear()
                self.results.hide()
                return True
        return super().eventFilter(obj, event)

    # ---- paying ----------------------------------------------------------------------------

    def pay(self) -> None:
        if self.session.cart.is_empty():
            self.say(t("Der Warenkorb ist leer."), error=True)
            return
        dialog = PaymentDialog(self.session, self, getattr(self, "card_terminal", None))
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)  # one a sale, all day: it must not stay with the till view
        self.window().activateWindow()  # keys go back to the till (not every platform does this)
        if not accepted:
            self.session.cancel_payment()
            self.refresh()
            return
        try:
            done = self.session.complete(paper=not dialog.no_paper)
        except SellError as exc:
            self.say(str(exc), error=True)
            return
        self.refresh()
        text = t("Bon {receipt_number}: {total_cents} bezahlt.", receipt_number=done.receipt_number, total_cents=format_euro(done.total_cents))
        self.change.setText(t("Rückgeld\n{change_cents}", change_cents=format_euro(done.change_cents)) if done.change_cents else "")
        if done.tse_failure:  # the sale stands; it is recorded unsigned (KassenSichV)
            text += t(" {tse_failure}: Bon ohne Signatur.", tse_failure=done.tse_failure)
        if done.receipt_link:  # works once the sale has reached the center (the till syncs it)
            text += (t(" Kein Papierbon: digitaler Beleg per QR-Code") if not done.paper else t(" Digitaler Beleg")) + \
                t(" {receipt_link} (abrufbar, sobald der Bon übertragen ist).", receipt_link=done.receipt_link)
        self.say(text, error=bool(done.tse_failure))
        self.sale_completed.emit(done)

    def _clear_change(self) -> None:
        if self.change.text():
            self.change.setText("")

    def show_help(self) -> None:
        """F1: the help overlay from the action registry; the scan field has the keys again after."""
        manager = bool(getattr(self.session.cashier, "is_manager", True))
        dialog = HelpOverlay(self, manager=manager)
        self.help_dialog = dialog
        dialog.exec()
        self.help_dialog = None
        release(dialog)
        self.window().activateWindow()
        self.focus_search()

    def add_product(self, product_id: int) -> None:
        """A tap on a quick key: one of that product, then back to the scan field."""
        try:
            change = self.session.add_product(product_id)
        except (*SellError, LookupError) as exc:
            self.say(str(exc), error=True)
        else:
            line = self.session.cart.line(change.line_id) if change.line_id else None
            if line is not None:
                self.say(t("{name}  {price}  (Menge {quantity})", name=line.product.name,
                           price=format_euro(line.unit_price_cents), quantity=line.quantity))
            self._clear_change()
            self.refresh(change)
        self.focus_search()

