"""Strg+Umschalt+G: sell a gift card (a multi-purpose voucher) for cash. The cashier picks or
types the value (5 to 500 EUR); the till books it (pos_app.gift_cards.sale: a paid in of
business case MehrzweckgutscheinKauf, the gift_card.sold event in the same transaction), opens
the drawer and prints the card with its number as a barcode. Spending a card is the payment
screen's voucher tender (the same check, pos_app.gift_cards.check).

Thread: UI thread; the booking is one short write (the TSE waits at most its budget).
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hardware.print_queue import PrintJob
from hardware.receipt_printer import render_escpos
from pos_app.gift_cards.sale import GiftCardSaleError, SoldGiftCard, gift_card_rows, sell_gift_card
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.money import MoneyError, parse_euro
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow

QUICK_AMOUNTS = (10_00, 20_00, 25_00, 50_00, 100_00)


class GiftCardDialog(QDialog):
    def __init__(self, store: LocalStore, cashier: StaffMember, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.cashier = store, cashier
        self.sold: SoldGiftCard | None = None
        self.setWindowTitle(t("Geschenkgutschein verkaufen"))
        self.setModal(True)
        self.resize(560, 360)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(t("Wert des Gutscheins (5 bis 500 €), bar bezahlt:")))
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(t("z. B. 25,00"))
        self.amount.setMinimumHeight(44)
        layout.addWidget(self.amount)
        grid = QGridLayout()
        self.quick: list[QPushButton] = []
        for i, cents in enumerate(QUICK_AMOUNTS):
            button = QPushButton(format_euro(cents))
            button.setMinimumHeight(44)
            button.clicked.connect(lambda _=False, c=cents: self.amount.setText(format_euro(c, symbol=False)))
            grid.addWidget(button, 0, i)
            self.quick.append(button)
        layout.addLayout(grid)
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.sell_button = QPushButton(t("Verkaufen (Eingabe)"))
        self.close_button = QPushButton(t("Schließen (Esc)"))
        for button in (self.sell_button, self.close_button):
            button.setMinimumHeight(44)
            row.addWidget(button)
        layout.addLayout(row)
        self.sell_button.clicked.connect(self.sell)
        self.close_button.clicked.connect(self.reject)
        self.amount.returnPressed.connect(self.sell)
        bind("close_dialog", self, self.reject)
        self.amount.setFocus()

    def sell(self) -> None:
        try:
            cents = parse_euro(self.amount.text())
            self.sold = sell_gift_card(self.store, cents, self.cashier)
        except (MoneyError, GiftCardSaleError) as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class GiftCardGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: GiftCardDialog | None = None
        bind("gift_card_sale", window, self.show)

    def show(self) -> None:
        window = self.window
        if window.session is None:
            return
        self.dialog = GiftCardDialog(window.store, window.session.cashier, window)
        try:
            accepted = self.dialog.exec() == QDialog.DialogCode.Accepted
            sold = self.dialog.sold
        finally:
            self.dialog = None
            window.activateWindow()
        if accepted and sold is not None:
            self._print(sold)
            if window.till is not None:
                window.till.say(t("Geschenkgutschein {code} über {amount} verkauft.", code=sold.code,
                                  amount=format_euro(sold.amount_cents)))
        if window.till is not None:
            window.till.focus_search()  # focus back to the scan field
        window.sync.local_change()  # the gift_card.sold event goes out soon

    def _print(self, sold: SoldGiftCard) -> None:
        printing = self.window.printing
        if printing.queue is None:
            printing.status_changed.emit(True, t("Kein Bondrucker eingerichtet: Gutschein {code} nicht gedruckt.",
                                                 code=sold.code))
            return
        data = render_escpos(gift_card_rows(sold, self.window.store.store_name, printing.paper),
                             printing.settings.profile, open_drawer=True, paper=printing.paper)
        printing.queue.submit(PrintJob(f"giftcard-{uuid.uuid4().hex[:8]}", data, t("Geschenkgutschein")))
