"""Small dialogs of the till: manager approval by PIN, discount, price change, quantity.

Each validates through the domain (so the rules live in one place) and shows the domain's
message inline instead of closing. Enter confirms, Esc cancels.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QRadioButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from pos_app.cart import Approval, CartError, Discount, DiscountKind
from pos_app.i18n import t
from pos_app.money import MoneyError, parse_euro
from pos_app.store.staff import LoginError, StaffDirectory


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("error")
    label.setWordWrap(True)
    return label


class _Form(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.form = QFormLayout()
        self.error = _error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("OK")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(t("Abbrechen"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _try_accept(self) -> None:
        try:
            self.validate()
        except (CartError, MoneyError, LoginError, ValueError) as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def validate(self) -> None:
        raise NotImplementedError


class ManagerApprovalDialog(_Form):
    """A manager picks their name and types their PIN. The result is an Approval."""

    def __init__(self, staff: StaffDirectory, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(t("Freigabe durch die Marktleitung"), parent)
        self._staff = staff
        self.approval: Approval | None = None
        why = QLabel(reason)
        why.setWordWrap(True)
        self.form.addRow(why)
        self.manager = QComboBox()
        for member in staff.members(managers_only=True):
            self.manager.addItem(member.name, member.id)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.form.addRow(t("Marktleitung"), self.manager)
        self.form.addRow("PIN", self.pin)
        self.pin.setFocus()

    def validate(self) -> None:
        if self.manager.currentData() is None:
            raise LoginError(t("Für diese Filiale ist keine Marktleitung angelegt."))
        member = self._staff.log_in(int(self.manager.currentData()), self.pin.text(), purpose="approval")
        self.approval = Approval(member.id, member.name)

    def _try_accept(self) -> None:
        super()._try_accept()
        self.pin.clear()


class DiscountDialog(_Form):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.discount: Discount | None = None
        self.percent = QRadioButton(t("Prozent (%)"))
        self.amount = QRadioButton(t("Betrag (€)"))
        self.percent.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.percent)
        group.addButton(self.amount)
        kinds = QWidget()
        row = QVBoxLayout(kinds)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.percent)
        row.addWidget(self.amount)
        self.value = QLineEdit()
        self.value.setPlaceholderText(t("z. B. 10 oder 5,00"))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(["", t("Mitarbeiterrabatt"), t("Treuerabatt"), t("Beschädigte Ware"), t("Aktion"),
                              t("Kulanz")])
        self.form.addRow(t("Art"), kinds)
        self.form.addRow(t("Rabatt"), self.value)
        self.form.addRow(t("Grund"), self.reason)
        self.value.setFocus()

    def validate(self) -> None:
        if self.percent.isChecked():
            self.discount = Discount.parse(DiscountKind.PERCENT, self.value.text(), self.reason.currentText())
        else:
            cents = parse_euro(self.value.text())
            self.discount = Discount.parse(DiscountKind.AMOUNT, cents, self.reason.currentText())


class PriceDialog(_Form):
    def __init__(self, product_name: str, current: str, parent: QWidget | None = None) -> None:
        super().__init__(t("Preis ändern"), parent)
        self.price_cents = 0
        self.form.addRow(QLabel(t("{product_name}\nbisher {current}", product_name=product_name, current=current)))
        self.price = QLineEdit()
        self.price.setPlaceholderText(t("neuer Einzelpreis, z. B. 19,99"))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(["", t("Preis am Regal abweichend"), t("Beschädigte Ware"), t("Ausstellungsstück")])
        self.form.addRow(t("Neuer Preis"), self.price)
        self.form.addRow(t("Grund"), self.reason)
        self.price.setFocus()

    def validate(self) -> None:
        self.price_cents = parse_euro(self.price.text())
        if self.price_cents <= 0:
            raise CartError(t("Der neue Preis muss größer als 0 sein."))
        if not self.reason.currentText().strip():
            raise CartError(t("Bitte einen Grund für die Preisänderung angeben."))


class QuantityDialog(_Form):
    def __init__(self, product_name: str, quantity: int, parent: QWidget | None = None) -> None:
        super().__init__(t("Menge ändern"), parent)
        self.form.addRow(QLabel(product_name))
        self.spin = QSpinBox()
        self.spin.setRange(0, 9999)
        self.spin.setValue(quantity)
        self.spin.selectAll()
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.addRow(t("Menge"), self.spin)
        self.spin.setFocus()

    def validate(self) -> None:
        if self.spin.value() < 1:
            raise CartError(t("Die Menge muss mindestens 1 sein. Zum Entfernen „Entf“ drücken."))

    @property
    def quantity(self) -> int:
        return self.spin.value()
