"""A yes/no question before a step that cannot be taken back (voiding the whole cart).

The "no" answer is the default (Enter or Esc keeps everything), both buttons are big enough to
tap. Tests answer it without a person: `ANSWER_FOR_TESTS` set to True or False makes `confirm`
return that at once; None (the default) shows the question.

Thread: the UI thread.
"""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ui.dialog_release import release

ANSWER_FOR_TESTS: bool | None = None
TOUCH_MIN_PX = 44


def confirm(parent: QWidget, title: str, question: str, yes: str, no: str = "") -> bool:
    """Ask `question`; True only when the person chose `yes`."""
    if ANSWER_FOR_TESTS is not None:
        return ANSWER_FOR_TESTS
    from pos_app.i18n import t

    box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    no_button = box.addButton(no or t("Abbrechen"), QMessageBox.ButtonRole.RejectRole)
    for button in (yes_button, no_button):
        button.setMinimumHeight(TOUCH_MIN_PX)
        button.setMinimumWidth(120)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    chosen = box.clickedButton() is yes_button
    release(box)
    return chosen
