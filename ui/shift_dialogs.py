"""The manager's cash dialogs: open the till with a float, paid in / paid out / drop, the X
report, and the day close with a BLIND count (the amount in the drawer is typed before the
expected amount is shown; the expected amount appears only with the finished Z report).

Each dialog runs its operation on the cash book when confirmed and shows the domain's message
inline on refusal (nothing changed). UI thread: every operation is one short local transaction.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton,
    QSpinBox, QStackedWidget, QVBoxLayout, QWidget,
)

from pos_app.fiscal.signing import FiscalSigner
from pos_app.i18n import t, t_marked, tn
from pos_app.i18n.formats import format_euro
from pos_app.money import parse_euro
from pos_app.receipt import PAPER_80MM, PaperWidth
from pos_app.shift import ALLOWED_CASES, DENOMINATIONS, BusinessCase, MovementKind, ShiftReport, count_cash
from pos_app.shift_print import report_rows, rows_text
from pos_app.store.cashbook import CashBook, CashMoved, DayClosed, OpenShift
from pos_app.store.staff import StaffMember
from ui.dialogs import _Form, _error_label
from ui.journal_dialog import ReceiptPreview
from ui.till_actions_qt import bind

PrintReport = Callable[[ShiftReport, bool], None]  # (report, is a copy)


class _CashForm(_Form):
    """A form whose inline error can take two lines: the dialog grows to show it."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self.setMinimumWidth(480)

    def _try_accept(self) -> None:
        super()._try_accept()
        self.adjustSize()


class OpenShiftDialog(_CashForm):
    """Kasse öffnen: the float counted into the drawer."""

    def __init__(self, cashbook: CashBook, manager: StaffMember, parent: QWidget | None = None) -> None:
        super().__init__(t("Kasse öffnen"), parent)
        self._cashbook = cashbook
        self._manager = manager
        self.opened: OpenShift | None = None
        intro = QLabel(t("Nächster Tagesabschluss: Z-Bon Nr. {last_z_number}.\nBitte das Wechselgeld in der Schublade zählen.", last_z_number=cashbook.last_z_number() + 1))
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.amount = QLineEdit()
        self.amount.setObjectName("float")
        self.amount.setPlaceholderText(t("z. B. 150,00"))
        self.form.addRow(t("Anfangsbestand"), self.amount)
        self.form.addRow(t("Marktleitung"), QLabel(manager.name))
        self.amount.setFocus()

    def validate(self) -> None:
        self.opened = self._cashbook.open(parse_euro(self.amount.text()), self._manager)


class CashMovementDialog(_CashForm):
    """Einlage, Entnahme oder Abschöpfung in den Tresor, each with its business case."""

    def __init__(self, cashbook: CashBook, manager: StaffMember, parent: QWidget | None = None,
                 signer: FiscalSigner | None = None) -> None:
        """`signer`: the till's TSE; the movement is signed like a sale (within its budget)."""
        super().__init__(t("Ein- und Auszahlung"), parent)
        self._signer = signer
        self._cashbook = cashbook
        self._manager = manager
        self.moved: CashMoved | None = None
        self.kinds: dict[MovementKind, QRadioButton] = {}
        group = QButtonGroup(self)
        box = QWidget()
        row = QVBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for kind in MovementKind:
            button = QRadioButton(t_marked(kind.label))
            group.addButton(button)
            row.addWidget(button)
            button.toggled.connect(self._fill_cases)
            self.kinds[kind] = button
        self.case = QComboBox()
        self.case.setObjectName("businessCase")
        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        self.amount.setPlaceholderText(t("z. B. 20,00"))
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText(t("wofür, Beleg-Nr. (bei Entnahmen Pflicht)"))
        self.form.addRow(t("Art"), box)
        self.form.addRow(t("Geschäftsvorfall"), self.case)
        self.form.addRow(t("Betrag"), self.amount)
        self.form.addRow(t("Bemerkung"), self.note)
        self.form.addRow(t("Marktleitung"), QLabel(manager.name))
        self.kinds[MovementKind.PAID_OUT].setChecked(True)
        self.amount.setFocus()

    def kind(self) -> MovementKind:
        return next(k for k, b in self.kinds.items() if b.isChecked())

    def _fill_cases(self) -> None:
        self.case.clear()
        for case in ALLOWED_CASES[self.kind()]:
            self.case.addItem(t_marked(case.label), case)

    def validate(self) -> None:
        case = BusinessCase(self.case.currentData())  # Qt hands the enum back as its plain value
        self.moved = self._cashbook.move(self.kind(), case, parse_euro(self.amount.text()),
                                         self.note.text(), self._manager, signer=self._signer)


class ReportDialog(QDialog):
    """An X report (or a Z report read again) as it prints, with a print button."""

    def __init__(self, report: ShiftReport, print_report: PrintReport, paper: PaperWidth = PAPER_80MM,
                 parent: QWidget | None = None, *, copy: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Z-Bon Nr. {z_number}", z_number=report.z_number) if report.is_z else t("X-Bericht (Zwischenbericht)"))
        self.resize(560, 720)
        self.report = report
        self.preview = ReceiptPreview()
        self.preview.setPlainText(rows_text(report_rows(report, paper, copy=copy), paper))
        self.info = QLabel("")
        print_button = QPushButton(t("Drucken"))
        print_button.clicked.connect(lambda: (print_report(report, copy), self.info.setText(t("An den Drucker geschickt."))))
        close = QPushButton(t("Schließen"))
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(print_button)
        buttons.addWidget(self.info, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        bind("close_dialog", self, self.reject)


class CloseDayDialog(QDialog):
    """Tagesabschluss. Page 1, the blind count: only the counted amount is asked for (nothing
    on this page knows the expected amount). Page 2: the Z report, with the over/short."""

    def __init__(self, cashbook: CashBook, manager: StaffMember, *, pending_events: int, sale_in_progress: bool,
                 print_report: PrintReport, paper: PaperWidth = PAPER_80MM, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("Tagesabschluss (Z-Bon)"))
        self.resize(560, 760)
        self._cashbook = cashbook
        self._manager = manager
        self._sale_in_progress = sale_in_progress
        self._print = print_report
        self._paper = paper
        self.closed: DayClosed | None = None
        self.pages = QStackedWidget()

        count_page = QWidget()
        intro = QLabel(t("Z-Bon Nr. {last_z_number}. Bitte das gesamte Bargeld in der Schublade zählen und den Betrag eingeben.\nDer Soll-Bestand wird erst nach der Eingabe angezeigt.", last_z_number=cashbook.last_z_number() + 1))
        intro.setWordWrap(True)
        self.warning = QLabel("")
        self.warning.setObjectName("error")
        self.warning.setWordWrap(True)
        if pending_events:
            self.warning.setText(tn(
                "Achtung: {n} Vorgang ist noch nicht an die Zentrale übertragen. Der Abschluss wird trotzdem gebucht; das wird im Protokoll vermerkt.",
                "Achtung: {n} Vorgänge sind noch nicht an die Zentrale übertragen. Der Abschluss wird trotzdem gebucht; das wird im Protokoll vermerkt.",
                pending_events))
        self.counted = QLineEdit()
        self.counted.setObjectName("counted")
        self.counted.setPlaceholderText(t("gezählter Bargeldbestand, z. B. 412,30"))
        self.error = _error_label()
        self.pieces: dict[int, QSpinBox] = {}
        grid = QGridLayout()
        grid.addWidget(QLabel(t("Zählhilfe (Stück je Schein/Münze):")), 0, 0, 1, 8)
        for i, value in enumerate(DENOMINATIONS):
            spin = QSpinBox()
            spin.setRange(0, 9999)
            spin.setObjectName(f"pieces{value}")
            spin.valueChanged.connect(self._pieces_changed)
            self.pieces[value] = spin
            label = QLabel(format_euro(value).replace(",00", "").replace(".00", ""))
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, 1 + i % 7, 2 * (i // 7))
            grid.addWidget(spin, 1 + i % 7, 2 * (i // 7) + 1)
        confirm = QPushButton(t("Zählung bestätigen und Tag abschließen"))
        confirm.setObjectName("confirmCount")
        confirm.setAutoDefault(False)
        confirm.clicked.connect(self.confirm_count)
        cancel = QPushButton(t("Abbrechen"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        count_layout = QVBoxLayout(count_page)
        count_layout.addWidget(intro)
        count_layout.addWidget(self.warning)
        count_layout.addWidget(QLabel(t("Marktleitung: {name}", name=manager.name)))
        count_layout.addLayout(grid)
        count_layout.addWidget(QLabel(t("Gezählter Bargeldbestand:")))
        count_layout.addWidget(self.counted)
        count_layout.addWidget(self.error)
        count_layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(confirm)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        count_layout.addLayout(buttons)

        result_page = QWidget()
        self.result = QLabel("")
        self.result.setObjectName("closeResult")
        self.result.setWordWrap(True)
        self.preview = ReceiptPreview()
        reprint = QPushButton(t("Kopie drucken"))
        reprint.setAutoDefault(False)
        reprint.clicked.connect(lambda: self.closed and self._print(self.closed.report, True))
        self.done_button = done = QPushButton(t("Fertig"))
        done.setAutoDefault(False)
        done.clicked.connect(self.accept)
        result_layout = QVBoxLayout(result_page)
        result_layout.addWidget(self.result)
        result_layout.addWidget(self.preview, 1)
        row = QHBoxLayout()
        row.addWidget(reprint)
        row.addStretch(1)
        row.addWidget(done)
        result_layout.addLayout(row)

        self.pages.addWidget(count_page)
        self.pages.addWidget(result_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.counted.setFocus()

    def _pieces_changed(self) -> None:
        """The counting aid fills in the amount; the amount field stays what is booked."""
        total = count_cash({value: spin.value() for value, spin in self.pieces.items()})
        self.counted.setText(format_euro(total, symbol=False))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter on the counting page confirms the count, and only that (the Z is final)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.pages.currentIndex() == 0:
            self.confirm_count()
            return
        super().keyPressEvent(event)

    def confirm_count(self) -> None:
        if self.closed is not None:
            return
        try:
            counted = parse_euro(self.counted.text())
            self.closed = self._cashbook.close(counted, self._manager, sale_in_progress=self._sale_in_progress)
        except ValueError as exc:  # MoneyError, ShiftError: nothing was written
            self.error.setText(str(exc))
            return
        report = self.closed.report
        cash = report.cash
        diff = cash.difference_cents or 0
        verdict = (t("Kasse stimmt.") if diff == 0 else
                   t("Überschuss {diff}.", diff=format_euro(diff)) if diff > 0 else t("Fehlbetrag {diff}.", diff=format_euro(-diff)))
        self.result.setText(t("Z-Bon Nr. {z_number} gebucht. Gezählt {counted}, Soll {expected_cents}: {verdict}", z_number=report.z_number, counted=format_euro(counted), expected_cents=format_euro(cash.expected_cents), verdict=verdict))
        self.result.setProperty("error", diff != 0)
        self.preview.setPlainText(rows_text(report_rows(report, self._paper), self._paper))
        self.pages.setCurrentIndex(1)
        self.done_button.setDefault(True)
        self.done_button.setFocus()
        self._print(report, False)
