"""The card terminal's part of the devices screen: ZVT over the network or "confirm by hand",
the terminal's address and password, and a connection test (Registration 06 00, off the UI
thread). Changes apply after a restart, like the printer's: the terminal's worker must not lose
a payment it is running.

Thread: the UI thread; the test runs through ui.tasks.run_in_background.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QSpinBox

from hardware.zvt.client import ZvtClient, ZvtSettings
from pos_app.card_terminal import TerminalReply
from pos_app.config import TerminalSettings
from pos_app.i18n import N_, t, t_marked
from ui.tasks import run_in_background

KINDS = {"none": N_("kein Terminal (Kartenzahlung von Hand bestätigen)"), "zvt": N_("ZVT-Terminal im Netzwerk")}


class TerminalBox(QGroupBox):
    def __init__(self, settings: TerminalSettings) -> None:
        super().__init__(t("Kartenterminal"))
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(t_marked(label), key)
        self.kind.setCurrentIndex(max(0, self.kind.findData(settings.kind)))
        self.host = QLineEdit(settings.host)
        self.host.setPlaceholderText(t("z. B. 192.168.1.50"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(settings.port)
        self.password = QLineEdit(f"{settings.password:06d}")
        self.password.setMaxLength(6)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        test = QPushButton(t("Verbindung testen (Anmeldung 06 00)"))
        test.clicked.connect(self.test)
        form = QFormLayout(self)
        form.addRow(t("Art"), self.kind)
        form.addRow(t("Adresse"), self.host)
        form.addRow(t("Port"), self.port)
        form.addRow(t("Passwort"), self.password)
        form.addRow(test)
        form.addRow(self.result)

    def changes(self) -> dict[str, object]:
        """The [terminal] keys for pos_app.config.save_settings (checked there)."""
        text = self.password.text().strip() or "0"
        if not text.isdigit():
            from pos_app.config import ConfigError

            raise ConfigError(t("Das Terminal-Passwort besteht aus höchstens sechs Ziffern."))
        return {"kind": self.kind.currentData(), "host": self.host.text().strip(), "port": self.port.value(),
                "password": int(text)}

    def test(self) -> None:
        try:
            changes = self.changes()
        except ValueError as exc:  # ConfigError: a password that is not six digits
            self.result.setText(str(exc))
            return
        if not changes["host"]:
            self.result.setText(t("Bitte die Adresse des Terminals eingeben."))
            return
        client = ZvtClient(ZvtSettings(str(changes["host"]), int(changes["port"]),  # type: ignore[call-overload]
                                       int(changes["password"]), answer_timeout_s=15.0))  # type: ignore[call-overload]
        self.result.setText(t("Terminal wird angesprochen …"))
        run_in_background(client.register, self._tested)

    def _tested(self, reply: TerminalReply | None, error: BaseException | None) -> None:
        if error is not None or reply is None:
            self.result.setText(t("Keine Verbindung: {error}", error=error))
        else:
            self.result.setText(t("Terminal antwortet: {message}.", message=reply.message) if reply.approved
                                else t("Terminal lehnt ab: {message}.", message=reply.message))
