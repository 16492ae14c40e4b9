"""The TSE status (Ctrl+Shift+T): which security module signs this till's transactions, whether
it is certified, whether it answers, and how many transactions went out unsigned.

UI thread; asking the TSE (network for fiskaly) runs through ui.tasks.run_in_background.
"""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from pos_app.fiscal import records
from pos_app.fiscal.tse import TseInfo
from pos_app.i18n import t
from pos_app.i18n.formats import local_display
from pos_app.store.local import LocalStore
from ui.tasks import run_in_background


class TseStatusDialog(QDialog):
    def __init__(self, store: LocalStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(t("TSE-Status (KassenSichV)"))
        self.resize(640, 320)
        self.module = QLabel(t("TSE wird abgefragt …"))
        self.module.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.module)
        layout.addWidget(self.counts)
        layout.addStretch(1)
        layout.addWidget(buttons)
        with store.db.reading() as s:
            self.show_counts(records.summary(s, store.device_id))
        signer = store.fiscal
        if signer is None:
            self.module.setText(t("Keine TSE eingestellt (pos.toml: [tse] kind = \"none\"): "
                                "Verkäufe werden NICHT signiert."))
        else:
            run_in_background(signer.info, self.show_info)

    def show_counts(self, summary: records.TseSummary) -> None:
        text = t("Signierte Vorgänge: {signed}\nOhne Signatur (TSE ausgefallen): {unsigned}", signed=summary.signed, unsigned=summary.unsigned)
        if summary.last_unsigned_at:
            text += t("\nZuletzt ohne Signatur: {last_unsigned_at}: {last_error}", last_unsigned_at=local_display(summary.last_unsigned_at), last_error=summary.last_error)
        self.counts.setText(text)

    def show_info(self, info: TseInfo | str | None, error: BaseException | None) -> None:
        if error is not None or info is None:
            self.module.setText(t("TSE-Abfrage fehlgeschlagen: {error}", error=error))
        elif isinstance(info, str):
            self.module.setText(t("TSE ausgefallen: {info}\nVerkäufe laufen weiter und werden ohne Signatur aufgezeichnet.", info=info))
        else:
            warning = "" if info.certified else t("\n\nNICHT ZERTIFIZIERT: nur für Entwicklung und Vorführung.")
            self.module.setText(t("{description}\nSeriennummer: {serial}\nSignaturalgorithmus: {signature_algorithm}\nZeitformat: {time_format}{warning}", description=info.description, serial=info.serial, signature_algorithm=info.signature_algorithm, time_format=info.time_format, warning=warning))


def tse_label(kind: str) -> QLabel:
    """The status bar's permanent note of which TSE signs (the development TSE in red letters:
    it is not certified)."""
    text = {"dev": t("TSE: NICHT ZERTIFIZIERT"), "fiskaly": "TSE: fiskaly",
            "none": t("TSE: keine (Verkäufe unsigniert)")}.get(kind, f"TSE: {kind}")
    label = QLabel(text)
    label.setObjectName("tseStatus")
    label.setToolTip(t("Entwicklungs-TSE, nicht zulässig zum Verkaufen. Ctrl+Shift+T: TSE-Status") if kind == "dev"
                     else "Ctrl+Shift+T: TSE-Status")
    if kind != "fiskaly":
        label.setProperty("warning", True)  # red in the theme (resources/till.qss)
    return label
