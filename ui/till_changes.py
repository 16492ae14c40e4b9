"""The till's cart changes (ui.till_view.TillView mixes this in): quantity, discounts, price,
remove, void, park and recall, each through pos_app.till.TillSession. A change the rules give to
a manager asks for the approval (ManagerApprovalDialog) and runs again with it; a refusal says so
and changes nothing.

The mixin needs from its view: `session`, `say(text, error)`, `refresh(change)` and
`_selected_line()`. UI thread only.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from pos_app.cart import ApprovalRequired, CartChange
from pos_app.i18n import t
from pos_app.i18n.formats import format_euro
from pos_app.till import SellError
from ui.dialog_release import release
from ui.dialogs import DiscountDialog, ManagerApprovalDialog, PriceDialog, QuantityDialog

if TYPE_CHECKING:
    from pos_app.till import TillSession


class CartChanges:
    """The cart-changing actions of the till view."""

    session: TillSession

    if TYPE_CHECKING:  # the view's own (ui.till_view.TillView)
        def say(self, text: str, error: bool = False) -> None: ...

        def refresh(self, change: CartChange | None = None) -> None: ...

        def _selected_line(self) -> int | None: ...

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
                    self.say(t("Abgebrochen: keine Freigabe."), error=True)
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
            self.say(t("Bitte zuerst eine Position wählen (Pfeiltasten)."), error=True)
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
                        t("{name}: Menge {qty}", name=line.product.name, qty=qty))

    def bump_quantity(self, step: int) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        line = self.session.cart.line(line_id)
        qty = line.quantity + step
        self._apply(lambda a=None: self.session.set_quantity(line_id, qty, a), t("{name}: Menge {qty}", name=line.product.name, qty=qty))

    def remove_line(self) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        name = self.session.cart.line(line_id).product.name
        self._apply(lambda a=None: self.session.remove_line(line_id, a), t("Entfernt: {name}", name=name))

    def line_discount(self) -> None:
        line_id = self._need_line()
        if line_id is None:
            return
        dialog = DiscountDialog(t("Positionsrabatt"), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)
        if accepted:
            discount = dialog.discount
            self._apply(lambda a=None: self.session.set_line_discount(line_id, discount, a),
                        t("Rabatt gebucht."))

    def cart_discount(self) -> None:
        if self.session.cart.is_empty():
            self.say(t("Der Warenkorb ist leer."), error=True)
            return
        dialog = DiscountDialog(t("Bon-Rabatt"), self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        release(dialog)
        if accepted:
            discount = dialog.discount
            self._apply(lambda a=None: self.session.set_cart_discount(discount, a), t("Bon-Rabatt gebucht."))

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
                        t("Preis geändert."))

    def void_sale(self) -> None:
        """Ctrl+Del: the whole cart goes, so it asks first (a slip of the finger cost every line)."""
        if self.session.cart.is_empty():
            return
        from ui.confirm import confirm

        count = len(self.session.cart.lines)
        question = (t("Den ganzen Bon mit 1 Position stornieren?") if count == 1 else
                    t("Den ganzen Bon mit {count} Positionen stornieren?", count=count))
        if not confirm(self, t("Bon stornieren"), question, yes=t("Stornieren")):
            self.say(t("Nicht storniert."))
            return
        if self._apply(lambda a=None: self.session.void_sale(a)):
            self.say(t("Bon storniert."))

    def park(self) -> None:
        try:
            self.session.park()
        except SellError as exc:
            self.say(str(exc), error=True)
            return
        self.refresh()
        self.say(t("Bon geparkt. Zurückholen mit F8."))

    def recall(self, parked_id: int) -> None:
        self._apply(lambda: self.session.recall(parked_id), t("Geparkter Bon zurückgeholt."))
