"""Taking payment: cash with change, card through the external terminal, or a split.

The dialog drives TillSession.pay_cash / pay_card and closes (accepted) once the sale is fully
paid; the till then completes it. Keys: Enter = cash, Shift+Enter = partial cash, F10 = card,
F1..F4 = the quick-cash amounts, J/N = card approved/declined, Ctrl+Shift+D = no paper receipt (the
digital one only: `no_paper`), Esc = back to the cart.

With a card terminal set up (ui.card_terminal) the card tender goes through it for the amount in
the field (the open amount unless changed: never typed twice); the terminal's status texts show
in the card panel and the dialog cannot be left while the terminal has not answered finally
(ui/card_payment_flow.py). Without one the cashier confirms by hand (J/N), as before.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.money import MoneyError, parse_euro
from pos_app.payment import TenderError, quick_cash_amounts
from pos_app.store.sales import TENDER_LABELS
from pos_app.till import TillSession
from ui.card_payment_flow import CardPaymentFlow
from ui.card_terminal import CardTerminalGlue
from ui.tasks import run_in_background
from ui.till_actions_qt import bind


class PaymentDialog(QDialog):
    def __init__(self, session: TillSession, parent: QWidget | None = None,
                 terminal: CardTerminalGlue | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Zahlung"))
        self.setModal(True)
        self.setMinimumWidth(460)
        self._session = session
        self._payment = session.start_payment()
        self._pending_card_cents = 0

        self.total = QLabel()
        self.total.setObjectName("bigTotal")
        self.remaining = QLabel()
        self.remaining.setObjectName("remaining")
        self.tenders = QLabel()
        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setMinimumHeight(48)

        self.quick = QHBoxLayout()
        self.quick_buttons: list[QPushButton] = []
        self._quick_amounts: list[int] = []
        for i in range(4):
            button = QPushButton()
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, i=i: self._give(self._quick_amounts[i]))
            self.quick.addWidget(button)
            self.quick_buttons.append(button)

        self.cash_button = QPushButton(t("Bar  [Enter]"))
        self.partial_button = QPushButton(t("Teilzahlung bar  [Umschalt+Enter]"))
        self.card_button = QPushButton(t("Karte  [F10]"))
        self.cash_button.clicked.connect(lambda: self.pay_cash(partial=False))
        self.partial_button.clicked.connect(lambda: self.pay_cash(partial=True))
        self.card_button.clicked.connect(self.start_card)
        actions = QGridLayout()
        actions.addWidget(self.cash_button, 0, 0)
        actions.addWidget(self.card_button, 0, 1)
        actions.addWidget(self.partial_button, 1, 0, 1, 2)
        # store credit (pos_app.vouchers): the code, then Enter; pays the amount above, at most the balance
        self.voucher_code = QLineEdit()
        self.voucher_code.setPlaceholderText(t("Gutscheincode  [Strg+G], dann Enter"))
        self.voucher_code.returnPressed.connect(self.pay_voucher)
        self.voucher_button = QPushButton(t("Gutschein"))
        self.voucher_button.clicked.connect(self.pay_voucher)
        actions.addWidget(self.voucher_code, 2, 0)
        actions.addWidget(self.voucher_button, 2, 1)

        self.card_panel = QWidget()
        card_row = QHBoxLayout(self.card_panel)
        self.card_prompt = QLabel()
        self.card_prompt.setWordWrap(True)
        self.approved_button = QPushButton(t("Genehmigt  [J]"))
        self.declined_button = QPushButton(t("Abgelehnt  [N]"))
        self.approved_button.clicked.connect(lambda: self.finish_card(True))
        self.declined_button.clicked.connect(lambda: self.finish_card(False))
        card_row.addWidget(self.card_prompt, 1)
        card_row.addWidget(self.approved_button)
        card_row.addWidget(self.declined_button)
        self.card_panel.hide()
        self.card_flow = CardPaymentFlow(self, terminal) if terminal is not None else None

        layout = QVBoxLayout(self)
        layout.addWidget(self.total)
        layout.addWidget(self.tenders)
        layout.addWidget(self.remaining)
        layout.addWidget(QLabel(t("Betrag (gegeben bzw. Kartenbetrag):")))
        layout.addWidget(self.amount)
        layout.addLayout(self.quick)
        layout.addLayout(actions)
        layout.addWidget(self.card_panel)
        # the receipt is created either way (Belegausgabepflicht): digitally, by QR code and link
        self.no_paper_box = QCheckBox(t("Kein Papierbon: nur digitaler Beleg (QR-Code)  [Strg+Umschalt+D]"))
        self.no_paper_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter stays with the amount
        layout.addWidget(self.no_paper_box)
        layout.addWidget(self.error)

        bind("pay_card", self, self.start_card)  # keys: pos_app.till_actions
        bind("pay_voucher", self, self.voucher_code.setFocus)
        bind("no_paper", self, self.no_paper_box.toggle)
        bind("pay_partial", self, lambda: self.pay_cash(partial=True))
        bind("card_approved", self.card_panel, lambda: self.finish_card(True))
        bind("card_declined", self.card_panel, lambda: self.finish_card(False))
        for i in range(4):
            bind(f"quick_amount_{i + 1}", self, lambda i=i: self._quick(i))
        self.amount.returnPressed.connect(lambda: self.pay_cash(partial=False))
        for button in (self.cash_button, self.partial_button, self.card_button, self.approved_button,
                       self.declined_button, self.voucher_button):
            button.setAutoDefault(False)  # Enter belongs to the amount field, once
        self._refresh()

    @property
    def no_paper(self) -> bool:
        """The cashier chose "no paper" for this sale."""
        return self.no_paper_box.isChecked()

    # ---- actions ---------------------------------------------------------------------------

    def pay_cash(self, partial: bool) -> None:
        if self.card_panel.isVisible() or (self.card_flow is not None and self.card_flow.blocks_other_tenders):
            return
        try:
            given = parse_euro(self.amount.text())
            change = self._session.pay_cash(given, partial)
        except (MoneyError, TenderError) as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self._refresh()
        if change.complete:
            self.accept()

    def start_card(self) -> None:
        if self.card_flow is not None and self.card_flow.running:
            return
        try:
            cents = parse_euro(self.amount.text())
        except MoneyError as exc:
            self.error.setText(str(exc))
            return
        if cents <= 0 or cents > self._payment.remaining_cents:
            self.error.setText(t("Kartenbetrag muss zwischen 0,01 € und {remaining_cents} liegen.", remaining_cents=format_euro(self._payment.remaining_cents)))
            return
        self._pending_card_cents = cents
        if self.card_flow is not None:
            self.card_flow.start(cents)
            return
        self.card_prompt.setText(t("Bitte {cents} am Kartenterminal kassieren. Wurde die Zahlung genehmigt?", cents=format_euro(cents)))
        self.card_panel.show()
        self.approved_button.setFocus()
        self.error.clear()

    def finish_card(self, approved: bool) -> None:
        if not self.card_panel.isVisible() or self.card_flow is not None:
            return
        self.card_panel.hide()
        try:
            change = self._session.pay_card(self._pending_card_cents, approved)
        except TenderError as exc:
            self.error.setText(str(exc))
            return
        if change.tender is None:
            self.error.setText(t("Karte abgelehnt. Nichts wurde gebucht: andere Karte oder bar."))
        else:
            self.error.clear()
        self._refresh()
        if change.complete:
            self.accept()

    def pay_voucher(self) -> None:
        """Ask how much of the voucher may be used (the center, in the background), then pay
        the amount in the field, at most that."""
        check, code = self._session.vouchers, self.voucher_code.text().strip().upper()
        if check is None or not code:
            self.error.setText(t("Bitte den Gutscheincode eingeben.") if code or check else
                               t("Gutscheine sind an dieser Kasse nicht eingerichtet."))
            return
        try:
            wanted = parse_euro(self.amount.text())
        except MoneyError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText(t("Gutschein wird geprüft …"))
        run_in_background(lambda: check(code), lambda available, err: self._voucher_checked(code, wanted, available, err))

    def _voucher_checked(self, code: str, wanted: int, available: int | None, error: BaseException | None) -> None:
        if error is not None or available is None:
            self.error.setText(str(error))
            return
        try:
            change = self._session.pay_voucher(code, min(wanted, available, self._payment.remaining_cents), available)
        except TenderError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.voucher_code.clear()
        self._refresh()
        if change.complete:
            self.accept()

    def reject(self) -> None:
        """Esc: back to the cart, but never while the terminal may still take the money."""
        if self.card_flow is not None and self.card_flow.blocks_other_tenders:
            if self.card_flow.running:
                self.card_flow.cancel()  # asks the terminal to stop; its answer decides
            else:
                self.error.setText(t("Das Kartenterminal hat noch nicht endgültig geantwortet: bitte warten."))
            return
        super().reject()

    def _quick(self, i: int) -> None:
        if i < len(self._quick_amounts):
            self.quick_buttons[i].click()

    # ---- display ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        p = self._payment
        self.total.setText(t("Summe {total_cents}", total_cents=format_euro(p.total_cents)))
        paid = [f"{TENDER_LABELS.get(t.kind.value, t.kind.value)} {format_euro(t.amount_cents)}" for t in p.tenders]
        self.tenders.setText(t("Bezahlt: ") + ", ".join(paid) if paid else "")
        self.remaining.setText(t("Offen: {remaining_cents}", remaining_cents=format_euro(p.remaining_cents)))
        self.amount.setText(format_euro(p.remaining_cents, symbol=False))
        self.amount.selectAll()
        self.amount.setFocus()
        self._quick_amounts = quick_cash_amounts(max(p.remaining_cents, 1))
        for i, button in enumerate(self.quick_buttons):
            if i < len(self._quick_amounts):
                button.setText(f"{format_euro(self._quick_amounts[i])}\n[F{i + 1}]")  # two lines: four fit a tablet
            button.setVisible(i < len(self._quick_amounts))

    def _give(self, cents: int) -> None:
        self.amount.setText(format_euro(cents, symbol=False))
        self.pay_cash(partial=False)
