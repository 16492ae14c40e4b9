"""The card tender through a terminal, inside the payment dialog (ui.payment_dialog).

F10 sends the amount in the field (the open amount unless the cashier changed it) to the
terminal on its worker thread; the terminal's status texts appear in the card panel; the final
answer adds the card tender (approved) or says why not (declined with the terminal's reason,
aborted, terminal busy). While the answer is outstanding, or unclear because the terminal could
not be asked, no other tender and no leaving the dialog: the money may have moved.
"Karte stornieren" reverses the last card tender of this sale at the terminal (06 30) and takes
it off the payment, e.g. when the customer wants to pay the rest another way.

Thread: the UI thread; the terminal's work runs on its worker (ui.card_terminal).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QPushButton

from pos_app.card_payments import CardStateUnclear
from pos_app.card_terminal import CardOutcome, TerminalReply
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.payment import TenderKind
from ui.card_terminal import CardTerminalGlue


class CardPaymentFlow:
    def __init__(self, dialog: Any, terminal: CardTerminalGlue) -> None:
        self.dialog = dialog
        self.terminal = terminal
        self.running = False
        self.unclear = False
        self.last_reply: TerminalReply | None = None
        dialog.approved_button.hide()
        dialog.declined_button.hide()
        self.retry_button = QPushButton(t("Terminal erneut fragen"))
        self.retry_button.setAutoDefault(False)
        self.retry_button.clicked.connect(self.ask_again)
        self.retry_button.hide()
        self.reverse_button = QPushButton(t("Karte stornieren"))
        self.reverse_button.setAutoDefault(False)
        self.reverse_button.clicked.connect(self.reverse_last)
        self.reverse_button.hide()
        self.cancel_button = QPushButton(t("Abbrechen am Terminal  [Esc]"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        row = dialog.card_panel.layout()
        row.addWidget(self.cancel_button)
        row.addWidget(self.retry_button)
        row.addWidget(self.reverse_button)
        terminal.status_text.connect(self._status)
        dialog.finished.connect(self._closed)  # the terminal outlives the dialog: let go of it

    def _closed(self, _result: int) -> None:
        try:
            self.terminal.status_text.disconnect(self._status)
        except (RuntimeError, TypeError):  # already gone
            pass

    @property
    def blocks_other_tenders(self) -> bool:
        return self.running or self.unclear

    def start(self, cents: int) -> None:
        d = self.dialog
        self.running = True
        self._buttons(False)
        d.card_prompt.setText(t("Kartenzahlung {cents}: Betrag geht an das Terminal …", cents=format_euro(cents)))
        d.card_panel.show()
        d.error.clear()
        self.cancel_button.show()
        self.terminal.pay(cents, self._paid)

    def cancel(self) -> None:
        """Esc or the button while the terminal runs: ask it to stop (06 B0). The dialog still
        waits for its final answer: the customer may have paid in that very moment."""
        if not self.running:
            return
        sent = self.terminal.request_abort()
        self.dialog.error.setText(t("Abbruch an das Terminal gesendet: warte auf seine Antwort …") if sent else
                                  t("Das Terminal hat noch nicht endgültig geantwortet: bitte warten."))

    def _status(self, text: str) -> None:
        if self.running:
            self.dialog.card_prompt.setText(t("Terminal: {text}", text=text))

    def _buttons(self, enabled: bool) -> None:
        d = self.dialog
        for button in (d.cash_button, d.partial_button, d.card_button, d.voucher_button):
            button.setEnabled(enabled)

    def _paid(self, reply: TerminalReply | None, error: BaseException | None) -> None:
        self.running = False
        self.cancel_button.hide()
        d = self.dialog
        if error is not None or reply is None:
            self._unclear(error)
            return
        self._apply(reply)

    def _unclear(self, error: BaseException | None) -> None:
        d = self.dialog
        if isinstance(error, CardStateUnclear):
            self.unclear = True
            d.card_prompt.setText(t("Ergebnis der Kartenzahlung unbekannt."))
            d.error.setText(t("{error} Bitte das Terminal prüfen und „Terminal erneut fragen“. Keine andere Zahlart, bis das geklärt ist.", error=error))
            self.retry_button.show()
            return
        self._buttons(True)
        d.card_panel.hide()
        d.error.setText(t("Kartenterminal: {error}", error=error))

    def _apply(self, reply: TerminalReply) -> None:
        d = self.dialog
        self.last_reply = reply
        self._buttons(True)
        change = d._session.pay_card_reply(reply)
        if reply.approved:
            d.card_panel.hide()
            d.error.clear()
            d._refresh()
            self.reverse_button.setVisible(not change.complete)
            if not change.complete:
                d.card_prompt.setText(t("Karte {amount_cents} genehmigt.", amount_cents=format_euro(reply.amount_cents)))
                d.card_panel.show()
            else:
                d.accept()
            return
        d.card_panel.hide()
        if reply.outcome is CardOutcome.DECLINED:
            d.error.setText(t("Karte abgelehnt: {message}. Nichts wurde gebucht: andere Karte oder bar.", message=reply.message))
        elif reply.outcome is CardOutcome.BUSY:
            d.error.setText(t("Terminal nicht bereit: {message}. Nichts wurde gebucht: noch einmal oder bar.", message=reply.message))
        else:
            d.error.setText(t("Kartenzahlung abgebrochen: {message}. Nichts wurde gebucht.", message=reply.message))

    def ask_again(self) -> None:
        self.retry_button.hide()
        self.dialog.card_prompt.setText(t("Terminal wird nach dem letzten Vorgang gefragt …"))
        self.running = True
        self.terminal.settle_pending(self._settled)

    def _settled(self, result: Any, error: BaseException | None) -> None:
        self.running = False
        if error is not None:
            self._unclear(error)
            return
        self.unclear = False
        found = [reply for row, reply in result if row.kind == "payment" and reply is not None]
        if found:
            self._apply(found[-1])
        else:
            self._buttons(True)
            self.dialog.card_panel.hide()
            self.dialog.error.setText(t("Das Terminal hat nichts gebucht: nicht belastet. Erneut mit Karte oder bar."))

    def reverse_last(self) -> None:
        payment = self.dialog._payment
        card = [t for t in payment.tenders if t.kind is TenderKind.CARD and t.reference]
        reply = self.last_reply
        if not card or reply is None or reply.receipt_no is None or card[-1].reference != reply.reference:
            self.dialog.error.setText(t("Keine Kartenzahlung dieses Bons zum Stornieren."))
            return
        self.running = True
        self._buttons(False)
        self.reverse_button.hide()
        self.dialog.card_prompt.setText(t("Storno wird an das Terminal gesendet …"))
        self.terminal.reverse(reply.receipt_no, reply.amount_cents, self._reversed)

    def _reversed(self, reply: TerminalReply | None, error: BaseException | None) -> None:
        self.running = False
        d = self.dialog
        if error is not None or reply is None:
            self._unclear(error)
            return
        self._buttons(True)
        d.card_panel.hide()
        if not reply.approved:
            d.error.setText(t("Storno abgelehnt: {message}. Die Kartenzahlung bleibt.", message=reply.message))
            self.reverse_button.show()
            return
        assert self.last_reply is not None
        d._session.remove_card_tender(self.last_reply.reference)
        self.last_reply = None
        d.error.setText(t("Kartenzahlung storniert: der Betrag ist wieder offen."))
        d._refresh()
