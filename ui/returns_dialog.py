"""The returns screen at the till (Ctrl+R): scan the receipt's barcode or the order's QR code
(or type the number), pick lines and quantities, condition and reason, see the refund split
over the purchase's tenders (editable, never more per tender than was paid), and book it.
With new items in the till's cart it can be booked as an exchange instead: the credit pays for
them and the cashier takes the difference (cash given, or card) or refunds the rest.

Everything is decided by pos_app.returns.ReturnsService; this screen shows its results and
messages. The look-up may ask the center and runs in the background (ui.tasks); booking is one
local transaction on the UI thread, like completing a sale.
Card refunds: the till has no terminal integration (as for payments): the cashier books the
credit on the terminal and ticks the box here.
An unknown receipt (pos_app.unknown_receipt: another store's till has not synced it yet, or the
center cannot be asked) is not a dead end: the message names the store the number comes from,
and two buttons offer a new look-up and the blind return (a manager's PIN, store credit).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
    QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_app.i18n import N_, t, t_marked
from pos_app.i18n.formats import format_euro
from pos_app.money import MoneyError, parse_euro
from pos_app.refunds import (CONDITION_LABELS, CONDITIONS, REFUND_KINDS, REFUND_LABELS, Purchase, RefundError,
                             RefundTender)
from pos_app.returns import Choice, FoundPurchase, IsReturnReceipt, ReturnError, ReturnsService
from pos_app.store.returns import CompletedReturn, ReturnItem
from pos_app.till import TillSession
from pos_app.unknown_receipt import UnknownReceipt
from ui.card_refund import refund_by_terminal
from ui.card_terminal import CardTerminalGlue
from ui.tasks import run_in_background
from ui.till_actions_qt import bind

COLUMNS = (N_("Artikel"), N_("Gekauft"), N_("Schon zurück"), N_("Zurück"), N_("Zustand"), N_("Grund"), N_("Beschreibung"), N_("Erstattung"))


class ReturnsDialog(QDialog):
    def __init__(self, service: ReturnsService, till: TillSession | None,
                 on_done: Callable[[CompletedReturn, Purchase], None], parent: QWidget | None = None,
                 on_reprint: Callable[[str], None] | None = None,
                 on_blind: Callable[[], None] | None = None, terminal: CardTerminalGlue | None = None) -> None:
        """`on_blind`: start a return without a receipt instead (offered for an unknown receipt)."""
        super().__init__(parent)
        self.terminal = terminal  # set: a card refund goes through the terminal (ui.card_refund)
        self.setWindowTitle(t("Rücknahme / Umtausch"))
        self.setModal(True)
        self.resize(1100, 680)
        self.service = service
        self.till = till
        self.on_done = on_done
        self.on_reprint = on_reprint
        self.purchase: Purchase | None = None
        self.items: list[ReturnItem] = []
        self._seq = 0

        self.number = QLineEdit()
        self.number.setObjectName("entry")
        self.number.setPlaceholderText(t("Bon-Barcode oder Bestell-QR scannen, oder Nummer eingeben, Enter"))
        self.number.returnPressed.connect(lambda: self.look_up(self.number.text()))
        self.header = QLabel(t("Noch kein Beleg gewählt."))
        self.header.setWordWrap(True)
        self.header.setObjectName("remaining")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([t_marked(c) for c in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(60)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "Kuscheldecke … grün": both ends show
        for col, width in ((1, 70), (2, 110), (3, 70), (4, 130), (5, 210), (6, 170), (7, 100)):
            self.table.setColumnWidth(col, width)
        self.total = QLabel("")
        self.total.setObjectName("bigTotal")
        self.total.setWordWrap(True)

        self.refund_fields: dict[str, QLineEdit] = {}
        self.caps: dict[str, QLabel] = {}
        refund = QFormLayout()
        for kind in REFUND_KINDS:
            field, cap = QLineEdit(), QLabel("")
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setPlaceholderText(format_euro(0, symbol=False))
            row = QHBoxLayout()
            row.addWidget(field)
            row.addWidget(cap)
            refund.addRow(t_marked(REFUND_LABELS[kind]), row)
            self.refund_fields[kind], self.caps[kind] = field, cap
        self.card_done = QCheckBox(t("Kartengutschrift am Terminal durchgeführt (Betrag dort eingeben)"))
        self.card_done.toggled.connect(lambda _on: self.say(""))
        refund.addRow("", self.card_done)
        if terminal is not None:
            self.card_done.setText(t("Kartengutschrift läuft über das Kartenterminal"))
            self.card_done.blockSignals(True)
            self.card_done.setChecked(True)
            self.card_done.blockSignals(False)
            self.card_done.setEnabled(False)
        self.exchange = QCheckBox(t("Umtausch: Gutschrift mit den neuen Artikeln im Bon verrechnen"))
        self.difference = QLineEdit()
        self.difference.setPlaceholderText(t("gegeben bar, z. B. 50,00 (leer: Karte über den Restbetrag)"))
        refund.addRow("", self.exchange)
        refund.addRow(t("Aufzahlung"), self.difference)
        self.difference.setEnabled(False)
        self.exchange.toggled.connect(self.difference.setEnabled)
        self.exchange.toggled.connect(lambda _on: self.recalculate())
        self._exchange_ready()

        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(44)
        self.book_button = QPushButton(t("Rücknahme buchen  [Strg+Enter]"))
        self.book_button.setObjectName("pay")
        self.book_button.setAutoDefault(False)
        bind("book_return", self, self.book)  # Ctrl+Return: pos_app.till_actions
        self.book_button.clicked.connect(self.book)
        self.reprint_button = QPushButton(t("Beleg nachdrucken"))
        self.reprint_button.setAutoDefault(False)
        self.reprint_button.hide()
        self.reprint_button.clicked.connect(self.reprint)
        self._reprint_id: str | None = None
        self.on_blind = on_blind
        self.retry_button = QPushButton(t("Erneut suchen"))
        self.retry_button.setAutoDefault(False)
        self.retry_button.hide()
        self.retry_button.clicked.connect(lambda: self.look_up(self.number.text()))
        self.blind_button = QPushButton(t("Ohne Beleg zurücknehmen (Marktleitung)"))
        self.blind_button.setAutoDefault(False)
        self.blind_button.hide()
        self.blind_button.clicked.connect(self.blind_instead)
        cancel = QPushButton(t("Abbrechen  [Esc]"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.blind_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.book_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.number)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addLayout(refund)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.number.setFocus()

    # ---- finding ----------------------------------------------------------------------------

    def on_scanned(self, code: str) -> None:
        """A code from the wedge scanner while this screen is open."""
        self.number.setText(code)
        self.look_up(code)

    def look_up(self, number: str) -> None:
        self._seq += 1
        seq = self._seq
        self.say(t("Suche …"), error=False)
        service = self.service
        run_in_background(lambda: service.find(number), lambda found, err: self._found(seq, found, err))

    def _found(self, seq: int, found: FoundPurchase | None, error: BaseException | None) -> None:
        if seq != self._seq:
            return
        self._reprint_id = error.return_id if isinstance(error, IsReturnReceipt) else None
        self.reprint_button.setVisible(self._reprint_id is not None)
        unknown = isinstance(error, UnknownReceipt)
        self.retry_button.setVisible(unknown)
        self.blind_button.setVisible(unknown and self.on_blind is not None)
        if error is not None or found is None:
            self.say(str(error) if isinstance(error, ReturnError) else t("Suche fehlgeschlagen: {error}", error=error))
            return
        self.show_purchase(found)

    def blind_instead(self) -> None:
        """The unknown receipt's way forward: close this screen and open the blind return."""
        if self.on_blind is not None:
            self.reject()
            self.on_blind()

    def show_purchase(self, found: FoundPurchase) -> None:
        self.purchase = found.purchase
        purchase = found.purchase
        paid = ", ".join(f"{t_marked(REFUND_LABELS.get(t.kind, t.kind.capitalize()))} {format_euro(t.amount_cents)}"
                         for t in purchase.tenders)
        self.header.setText(t("{label} · bezahlt: {paid}", label=purchase.label, paid=paid) + (f"\n{found.note}" if found.note else ""))
        reasons = self.service.policy.reason_codes
        self.table.setRowCount(len(purchase.lines))
        for row, line in enumerate(purchase.lines):
            for col, value in enumerate((line.name, str(line.quantity), str(line.returned_quantity))):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if col == 0:
                    item.setToolTip(value)  # the whole name when the column elides it
                self.table.setItem(row, col, item)
            spin = QSpinBox()
            spin.setRange(0, line.returnable_quantity)
            spin.valueChanged.connect(self.recalculate)
            condition = QComboBox()
            for value in CONDITIONS:
                condition.addItem(t_marked(CONDITION_LABELS[value]), value)
            reason = QComboBox()
            for code in reasons:
                reason.addItem(t_marked(code.label), code.code)
            reason.currentIndexChanged.connect(self.recalculate)
            text = QLineEdit()
            text.setPlaceholderText(t("bei „Sonstiges“ Pflicht"))
            text.textChanged.connect(self.recalculate)
            for col, widget in ((3, spin), (4, condition), (5, reason), (6, text)):
                self.table.setCellWidget(row, col, widget)
            self.table.setItem(row, 7, QTableWidgetItem(""))
        self.say(t("Positionen und Mengen wählen.") if any(ln.returnable_quantity for ln in purchase.lines)
                 else t("Von diesem Beleg ist alles schon zurückgenommen."), error=not any(
                     ln.returnable_quantity for ln in purchase.lines))
        self.recalculate()

    # ---- choosing -----------------------------------------------------------------------------

    def choices(self) -> list[Choice]:
        assert self.purchase is not None
        chosen = []
        for row, line in enumerate(self.purchase.lines):
            quantity = self.table.cellWidget(row, 3).value()  # type: ignore[union-attr]
            if quantity:
                chosen.append(Choice(line.line_no, quantity, self.table.cellWidget(row, 4).currentData(),  # type: ignore[union-attr]
                                     self.table.cellWidget(row, 5).currentData(),  # type: ignore[union-attr]
                                     self.table.cellWidget(row, 6).text()))  # type: ignore[union-attr]
        return chosen

    def set_quantity(self, line_no: int, quantity: int, condition: str = "resellable") -> None:
        """Pick a line (what a cashier does with the spin box; also for tests)."""
        assert self.purchase is not None
        row = [line.line_no for line in self.purchase.lines].index(line_no)
        combo = self.table.cellWidget(row, 4)
        combo.setCurrentIndex(combo.findData(condition))  # type: ignore[union-attr]
        self.table.cellWidget(row, 3).setValue(quantity)  # type: ignore[union-attr]

    def recalculate(self) -> None:
        if self.purchase is None:
            return
        self.items = []
        try:
            if self.choices():
                self.items = self.service.items(self.purchase, self.choices())
        except ReturnError as exc:
            self.say(str(exc))
        by_line = {}
        for item in self.items:
            by_line[item.original_line_no] = by_line.get(item.original_line_no, 0) + item.refund_cents
        for row, line in enumerate(self.purchase.lines):
            cents = by_line.get(line.line_no)
            self.table.item(row, 7).setText(format_euro(cents) if cents else "")
        total = sum(i.refund_cents for i in self.items)
        credit_only = self.service.policy.refund_as_store_credit
        self.total.setText((t("Erstattung {total}", total=format_euro(total)) + (t(" (als Gutschein laut Rückgaberichtlinie)")
                                                                   if credit_only else "")) if self.items else "")
        for kind in REFUND_KINDS:
            cap = self.purchase.cap(kind)
            allowed = kind == "voucher" or not credit_only
            self.caps[kind].setText(t("unbegrenzt (Gutschein)") if cap is None else
                                    t("höchstens {cap}", cap=format_euro(cap)) if allowed else t("nicht laut Richtlinie"))
            self.refund_fields[kind].setText("")
            self.refund_fields[kind].setEnabled(allowed)
        self._exchange_ready()
        to_refund = total
        if self.exchange.isChecked() and self.till is not None:
            new = self.till.cart.totals().total_cents
            to_refund = max(0, total - new)
            due = max(0, new - total)
            self.total.setText((t("Aufzahlung {due}", due=format_euro(due)) if due else t("Erstattung {to_refund}", to_refund=format_euro(to_refund)))
                               + t(" (neu {new} − Gutschrift {total})", new=format_euro(new), total=format_euro(total)))
            self.book_button.setText(t("Umtausch buchen  [Strg+Enter]"))
        else:
            self.book_button.setText(t("Rücknahme buchen  [Strg+Enter]"))
        for tender in self.service.propose_refund(self.purchase, to_refund):
            self.refund_fields[tender.kind].setText(format_euro(tender.amount_cents, symbol=False))
        if self.items:
            self.say("")

    def _exchange_ready(self) -> None:
        new = self.till.cart.totals().total_cents if self.till and not self.till.cart.is_empty() else 0
        self.exchange.setEnabled(bool(new))
        if not new and self.exchange.isChecked():
            self.exchange.setChecked(False)
        self.exchange.setText(t("Umtausch: mit den neuen Artikeln im Bon ({new}) verrechnen", new=format_euro(new)) if new
                              else t("Umtausch: zuerst die neuen Artikel in den Bon scannen"))

    def refund_tenders(self) -> list[RefundTender]:
        tenders = []
        for kind in REFUND_KINDS:
            typed = self.refund_fields[kind].text().strip()
            if typed:
                cents = parse_euro(typed)
                if cents:
                    tenders.append(RefundTender(kind, cents))
        return tenders

    # ---- booking --------------------------------------------------------------------------------

    def book(self) -> None:
        if self.purchase is None or not self.items:
            self.say(t("Bitte zuerst den Beleg suchen und mindestens eine Menge wählen."))
            return
        try:
            tenders = self.refund_tenders()
            if any(t.kind == "card" for t in tenders) and not self.card_done.isChecked():
                self.say(t("Kartengutschrift: erst am Terminal buchen, dann das Häkchen setzen."))
                return
            if self.exchange.isChecked() and self.till is not None:
                done = self._book_exchange()
            elif self.terminal is not None and any(t.kind == "card" for t in tenders):
                refund_by_terminal(self, tenders)  # books when the terminal has paid back
                return
            else:
                done = self.service.complete(self.purchase, self.items, tenders)
        except (*ReturnError, MoneyError) as exc:
            self.say(str(exc))
            return
        self.on_done(done, self.purchase)
        self.accept()

    def _book_exchange(self) -> CompletedReturn:
        assert self.purchase is not None and self.till is not None
        credit = sum(i.refund_cents for i in self.items)
        due = self.till.cart.totals().total_cents - credit
        difference = None
        if due > 0:
            typed = self.difference.text().strip()
            difference = ("cash", parse_euro(typed)) if typed else ("card", due)
            if difference[0] == "card" and not self.card_done.isChecked():
                raise RefundError(t("Aufzahlung per Karte: erst am Terminal zahlen lassen, dann das Häkchen setzen."))
        rest = max(0, -due)
        tenders = self.refund_tenders() if rest else []
        return self.service.complete_exchange(self.purchase, self.items, self.till, difference, tenders)

    def reprint(self) -> None:
        if self._reprint_id is not None and self.on_reprint is not None:
            self.on_reprint(self._reprint_id)
            self.say(t("Rücknahmebeleg wird noch einmal gedruckt (KOPIE)."), error=False)

    def say(self, text: str, error: bool = True) -> None:
        self.message.setText(text)
        self.message.setObjectName("error" if error else "hint")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
