"""Strg+Umschalt+C: a coupon code for the sale at the till. The code is checked online (the
center takes one use: sync.coupons) or, offline, by the once-per-till rule
(pos_app.till_promotions); the cart re-prices and shows each promotion with its saving.
Thread: UI thread (the online check is one short request with the client's timeout).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QWidget

from pos_app.cart import CartError
from pos_app.i18n import t
from pos_app.till import TillSession
from ui.dialogs import _Form
from ui.till_actions_qt import bind



class CouponDialog(_Form):
    """Type or scan the code; OK applies it, or says why not and stays open."""

    def __init__(self, session: TillSession, parent: QWidget | None = None) -> None:
        super().__init__(t("Gutscheincode"), parent)
        self.session = session
        hint = QLabel(t("Code eingeben oder scannen. Die Aktion gilt für diesen Bon."))
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.code = QLineEdit()
        self.code.setMinimumHeight(44)
        self.code.setMaxLength(40)
        self.code.setPlaceholderText(t("z. B. WINTER10"))
        self.form.addRow(t("Code"), self.code)
        for button in self.buttons.buttons():
            button.setMinimumSize(120, 44)
        self.code.setFocus()

    def on_scanned(self, code: str) -> None:
        self.code.setText(code)
        self._try_accept()

    def validate(self) -> None:
        try:
            self.session.add_coupon(self.code.text())
        except CartError as exc:
            raise ValueError(str(exc)) from None


class PromotionGlue:
    """Installs the coupon shortcut on the main window and the online check on each session."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.dialog: CouponDialog | None = None
        bind("coupon", window, self.ask_coupon)

    def online_check(self) -> Any:
        worker = self.window.sync.worker
        if worker is None:
            return None
        from sync.coupons import CenterCoupons

        return CenterCoupons(lambda: worker.client.copy())

    def ask_coupon(self) -> None:
        session, till = self.window.session, self.window.till
        if session is None or till is None or self.window.stack.currentWidget() is not till:
            return
        if session.cart.is_empty():
            till.say(t("Bitte zuerst Artikel erfassen, dann den Gutschein."), error=True)
            return
        session.promotions.online_check = self.online_check()
        self.dialog = CouponDialog(session, self.window)
        wedge = getattr(self.window, "wedge", None)
        if wedge is not None:
            wedge.scanned.connect(self.dialog.on_scanned)
        try:
            accepted = self.dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            if wedge is not None:
                wedge.scanned.disconnect(self.dialog.on_scanned)
        if accepted:
            coupon = session.promotions.coupons[-1]
            till.refresh()
            till.say(t("Gutschein {code} angenommen: {name}", code=coupon.code, name=coupon.name)
                     + (t(" (offline, einmal je Kasse)") if coupon.offline else ""))
        self.dialog = None
        self.window.activateWindow()  # the keyboard and the scanner stay with the till
        till.entry.setFocus()  # back to the scan field
