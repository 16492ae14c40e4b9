"""The till screen: scan or search, the cart, totals, and every cashier action on a key.

One input field takes codes typed by hand and search words; a keyboard-wedge scanner is caught
application-wide (ui.wedge_filter) and never types into it. Everything the cashier does goes
through pos_app.till.TillSession; this screen only shows results and messages.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication, QDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPushButton, QVBoxLayout, QWidget,
)

from pos_app.cart import ApprovalRequired, CartChange
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.store.catalog import ProductHit
from pos_app.till import SellError, TillSession, UnknownCode
from ui.cart_model import CartTableModel
from ui.cart_table import CartTable, pinned
from ui.dialog_release import release
from ui.dialogs import DiscountDialog, ManagerApprovalDialog, PriceDialog, QuantityDialog
from ui.payment_dialog import PaymentDialog
from ui.tasks import run_in_background

SHORTCUTS = [
    ("F1", "Hilfe"), ("F2", "Suchen"), ("F3", "Menge"), ("F4", "Pos.-Rabatt"), ("F5", "Bon-Rabatt"),
    ("F6", "Preis ändern"), ("F7", "Parken"), ("F8", "Geparkte Bons"), ("F9", "Belege / Nachdruck"),
    ("F12", "Zahlung"), ("F11", "Ungedruckte Bons drucken"), ("Entf", "Position entfernen"), ("Strg++ / Strg+-", "Menge ±1"),
    ("Strg+Entf", "Bon stornieren"), ("Strg+L", "Sperren"),
    ("Strg+R", "Rücknahme/Umtausch"), ("Strg+Umschalt+R", "Rücknahme ohne Beleg"), ("Strg+G", "Gutschein"),
    ("Strg+Umschalt+O", "Kasse öffnen"), ("Strg+P", "Ein-/Auszahlung"), ("Strg+Umschalt+X", "X-Bericht"),
    ("Strg+Umschalt+Z", "Tagesabschluss"), ("Strg+Umschalt+A", "Protokoll"),
    ("Strg+Umschalt+C", "Aktions-Code"),  # ui.promotion_coupon (issue 15)
]
SEARCH_DELAY_MS = 120


class TillView(QWidget):
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
        self.entry.setPlaceholderText("Artikelcode eingeben oder Artikel suchen (F2) …")
        self.entry.returnPressed.connect(self._entry_enter)
        self.entry.textEdited.connect(self._schedule_search)
        self.entry.installEventFilter(self)
        self.results = QListWidget()
        self.results.setObjectName("results")
        self.results.setMaximumHeight(220)
        self.results.itemActivated.connect(self._add_hit)
        self.results.hide()
        self.message = QLabel("Bereit. Artikel scannen.")
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

        left = QVBoxLayout()
        left.addWidget(self.entry)
        left.addWidget(self.results)
        # pinned: fixed heights and no layout around the text, so a new text repaints the label
        # and never re-lays out the window (what every scan did: ui.cart_table)
        left.addWidget(pinned(self.message, 48))
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.addWidget(pinned(self.total, 110))
        right.addWidget(pinned(self.vat, 80))
        right.addWidget(pinned(self.change, 90))
        right.addStretch(1)
        buttons = QGridLayout()
        actions = {
            "F3": self.change_quantity, "F4": self.line_discount, "F5": self.cart_discount,
            "F6": self.override_price, "F7": self.park, "F8": self.parked_requested.emit,
            "F9": self.journal_requested.emit, "F12": self.pay, "F1": self.show_help,
            "F2": self.focus_search,
        }
        for i, (key, label) in enumerate(SHORTCUTS[:10]):
            button = QPushButton(f"{label}\n[{key}]")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setObjectName("pay" if key == "F12" else "action")
            button.clicked.connect(actions[key])
            buttons.addWidget(button, i // 2, i % 2)
            QShortcut(QKeySequence(key), self, actions[key])
        right.addLayout(buttons)
        side = QFrame()
        side.setObjectName("side")
        side.setLayout(right)
        side.setFixedWidth(330)

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(side)
        outer = QVBoxLayout(self)
        outer.addWidget(self.header)
        outer.addLayout(body, 1)

        QShortcut(QKeySequence("Ctrl+L"), self, self.lock_requested.emit)
        QShortcut(QKeySequence("Ctrl+Delete"), self, self.void_sale)
        QShortcut(QKeySequence("Ctrl++"), self, lambda: self.bump_quantity(1))
        QShortcut(QKeySequence("Ctrl+="), self, lambda: self.bump_quantity(1))
        QShortcut(QKeySequence("Ctrl+-"), self, lambda: self.bump_quantity(-1))
        self.refresh()

    # ---- display ---------------------------------------------------------------------------

    def set_header(self, text: str) -> None:
        self.header.setText(text)

    def refresh(self, change: CartChange | None = None) -> None:
        self.table.shown(self.model.refresh())
        totals = self.model.totals()
        self.total.setText(f"Summe\n{format_euro(totals.total_cents)}")
        vat_lines = [f"MwSt {r.rate.letter} {r.rate.percent} %: {format_euro(r.vat_cents)}" for r in totals.vat]
        if totals.cart_discount_cents:
            vat_lines.insert(0, f"Bon-Rabatt: -{format_euro(totals.cart_discount_cents)}")
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
            self.say(f"{line.product.name}  {format_euro(line.unit_price_cents)}  (Menge {line.quantity})")
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
                    self.say(f"Kein Artikel mit Code {text}. Treffer der Suche unten, Enter übernimmt.")
                else:
                    self.say(f"Unbekannter Artikelcode {text}.", error=True)
                return
            except SellError as exc:
                self.say(str(exc), error=True)
                return
            self.entry.clear()
            self.results.hide()
            self._clear_change()
            self.refresh(change)
            self.say("Hinzugefügt.")
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
        catalog = self.session.store.catalog
        run_in_background(lambda: catalog.search(text, 30), lambda hits, err: self._show_hits(seq, hits, err))

    def _show_hits(self, seq: int, hits: list[ProductHit] | None, error: BaseException | None) -> None:
        if seq != self._search_seq:
            return  # the cashier typed on; a newer search is coming
        self.results.clear()
        if error is not None:
            self.say(f"Suche fehlgeschlagen: {error}", error=True)
            return
        for hit in hits or []:
            price = format_euro(hit.price_cents) if hit.price_cents is not None else "kein Preis"
            stock = f"Bestand {hit.stock}" if hit.stock is not None else "Bestand –"
            item = QListWidgetItem(f"{hit.name}   {price}   ({hit.sku}, {stock})")
            item.setData(Qt.ItemDataRole.UserRole, hit.product_id)
            self.results.addItem(item)
        self.results.setVisible(bool(hits))
        if hits:
            self.results.setCurrentRow(0)
        else:
            self.say(f"Nichts gefunden für „{self.entry.text().strip()}“.")

    def _add_hit(self, item: QListWidgetItem) -> None:
        product_id = int(item.data(Qt.ItemDataRole.UserRole))
        self._apply(lambda: self.session.add_product(product_id), "Hinzugefügt.")
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

    # ---- changing --------------------------------------------------------------------------

    def _apply(self, operation: Callable[..., CartChange], success: str = "") -> bool:
        """Run a session operation (a callable taking an optional manager Approval). When the
        rules need a manager, ask for one and run it again with the approval."""
        try:
            try:
                change = operation()
            except ApprovalRequired as need:
                dialog = ManagerApprovalDialog(self.session.store.staff, need.description, self)
                granted = dialog.exec() == QDialog.DialogCode.Accepted and dialog.approval is not None
                approval = dialog.approval
                release(dialog)
                if not granted:
                    self.say("Abgebrochen: keine Freigabe.", error=True)
                    return False
                change = operation(approval)
        except (*SellError, LookupError) as exc:
            self.say(str(exc), error=True)
            return False
        self.refresh(change)
        if success:
            self.say(success)
        return True

    def _need_line(self) -> int | None:
        line_id = self._selected_line()
        if line_id is None:
            self.say("Bitte zuerst eine Position wählen (Pfeiltasten).", error=True)
        return line_id

    def change_quantity(self) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        line = self.session.cart.line(line_id)
        dialog = QuantityDialog(line.product.name, line.quantity, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)
        if accepted:
            qty = dialog.quantity
            self._apply(lambda a=None: self.session.set_quantity(line_id, qty, a),
                        f"{line.product.name}: Menge {qty}")

    def bump_quantity(self, step: int) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        line = self.session.cart.line(line_id)
        qty = line.quantity + step
        self._apply(lambda a=None: self.session.set_quantity(line_id, qty, a), f"{line.product.name}: Menge {qty}")

    def remove_line(self) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        name = self.session.cart.line(line_id).product.name
        self._apply(lambda a=None: self.session.remove_line(line_id, a), f"Entfernt: {name}")

    def line_discount(self) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        dialog = DiscountDialog("Positionsrabatt", self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)
        if accepted:
            discount = dialog.discount
            self._apply(lambda a=None: self.session.set_line_discount(line_id, discount, a),
                        "Rabatt gebucht.")

    def cart_discount(self) -> None:
        if self.session.cart.is_empty():
            self.say("Der Warenkorb ist leer.", error=True)
            return
        dialog = DiscountDialog("Bon-Rabatt", self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)
        if accepted:
            discount = dialog.discount
            self._apply(lambda a=None: self.session.set_cart_discount(discount, a), "Bon-Rabatt gebucht.")

    def override_price(self) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        line = self.session.cart.line(line_id)
        dialog = PriceDialog(line.product.name, format_euro(line.unit_price_cents), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)
        if accepted:
            cents, reason = dialog.price_cents, dialog.reason.currentText()
            self._apply(lambda a=None: self.session.override_price(line_id, cents, reason, a),
                        "Preis geändert.")

    def void_sale(self) -> None:
        if self.session.cart.is_empty():
            return
        if self._apply(lambda a=None: self.session.void_sale(a)):
            self.say("Bon storniert.")

    def park(self) -> None:
        try:
            self.session.park()
        except SellError as exc:
            self.say(str(exc), error=True)
            return
        self.refresh()
        self.say("Bon geparkt. Zurückholen mit F8.")

    def recall(self, parked_id: int) -> None:
        self._apply(lambda: self.session.recall(parked_id), "Geparkter Bon zurückgeholt.")

    # ---- paying ----------------------------------------------------------------------------

    def pay(self) -> None:
        if self.session.cart.is_empty():
            self.say("Der Warenkorb ist leer.", error=True)
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
        text = f"Bon {done.receipt_number}: {format_euro(done.total_cents)} bezahlt."
        self.change.setText(f"Rückgeld\n{format_euro(done.change_cents)}" if done.change_cents else "")
        if done.tse_failure:  # the sale stands; it is recorded unsigned (KassenSichV)
            text += f" {done.tse_failure}: Bon ohne Signatur."
        if done.receipt_link:  # works once the sale has reached the center (the till syncs it)
            text += (" Kein Papierbon: digitaler Beleg per QR-Code" if not done.paper else " Digitaler Beleg") + \
                f" {done.receipt_link} (abrufbar, sobald der Bon übertragen ist)."
        self.say(text, error=bool(done.tse_failure))
        self.sale_completed.emit(done)

    def _clear_change(self) -> None:
        if self.change.text():
            self.change.setText("")

    def show_help(self) -> None:
        self.say("   ".join(f"{key}: {label}" for key, label in SHORTCUTS))

