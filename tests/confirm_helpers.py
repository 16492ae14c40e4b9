"""Answer the till's yes/no questions (ui.confirm) the way a person would: by clicking a button
of the real message box once it is open."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

POLL_MS = 20


def answer_next_question(yes: bool, tries: int = 250) -> list[str]:
    """Click "yes" (the destructive button) or "no" on the next message box; returns, once it
    was answered, the question's text in a list (empty until then)."""
    seen: list[str] = []

    def attempt(left: int) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if left:
                QTimer.singleShot(POLL_MS, lambda: attempt(left - 1))
            return
        role = QMessageBox.ButtonRole.DestructiveRole if yes else QMessageBox.ButtonRole.RejectRole
        button = next(b for b in box.buttons() if box.buttonRole(b) == role)
        seen.append(box.text())
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(POLL_MS, lambda: attempt(tries))
    return seen
