"""F1: every till action with its key and where it works, as a searchable table, built from
the one registry (pos_app.till_actions) that the shortcuts and buttons are built from too, so
it shows exactly the keys that are bound.

Type to filter (any word of action, key, place or description: "kunde", "strg+u", "zahlung");
Esc or the Schließen button closes it, and the till's scan field has the focus again.

UI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from pos_app.i18n import N_, t, t_marked
from pos_app.till_actions import help_rows

COLUMNS = (N_("Aktion"), N_("Taste"), N_("Wo"), N_("Beschreibung"))


class HelpOverlay(QDialog):
    def __init__(self, parent: QWidget | None = None, manager: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setWindowTitle(t("Hilfe: Tasten und Aktionen"))
        self.manager = manager
        title = QLabel(t("Tasten und Aktionen"))
        title.setObjectName("dialogTitle")
        self.filter = QLineEdit()
        self.filter.setObjectName("helpFilter")
        self.filter.setPlaceholderText(t("Suchen: z. B. Kunde, Strg+U, Zahlung …"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.show_rows)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("helpTable")
        self.table.setHorizontalHeaderLabels([t_marked(c) for c in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.none = QLabel(t("Keine Aktion passt zur Suche."))
        self.none.setObjectName("emptyState")
        self.none.hide()
        self.close_button = QPushButton(t("Schließen (Esc)"))
        self.close_button.setObjectName("closeButton")
        self.close_button.setMinimumHeight(44)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        note = QLabel(t("Tasten gelten, wo „Wo“ es sagt; Aktionen der Marktleitung fragen nach "
                        "deren PIN."))
        note.setWordWrap(True)  # two lines on a portrait tablet instead of cut off
        bottom.addWidget(note, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.none)
        layout.addLayout(bottom)
        self.show_rows("")
        screen = parent.screen().availableGeometry() if parent is not None and parent.screen() else None
        width, height = (900, 640) if screen is None else (min(960, screen.width() - 40), min(680, screen.height() - 60))
        self.resize(width, height)
        self.filter.setFocus()

    def show_rows(self, query: str) -> None:
        rows = help_rows(query, manager=self.manager)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeRowsToContents()
        self.none.setVisible(not rows)

    def shown_actions(self) -> list[str]:
        """The action column as shown (tests)."""
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
