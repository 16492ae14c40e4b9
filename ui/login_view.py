"""Log-in at the till: pick your name, type your PIN, Enter.

The PIN check (argon2, ~50 ms) runs off the UI thread. Wrong PIN: a message; five wrong: that
person is locked for a while (the rule lives in pos_app.store.staff).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from pos_app.store.local import LocalStore
from pos_app.store.staff import LoginError, StaffMember
from ui.tasks import run_in_background

ROLE_NAMES = {"cashier": "Kasse", "associate": "Verkauf", "manager": "Marktleitung"}


class LoginView(QWidget):
    logged_in = Signal(object)  # StaffMember

    def __init__(self, store: LocalStore, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._busy = False
        title = QLabel(f"{store.store_name}\n{store.device_name} ({store.device_id})")
        title.setObjectName("loginTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.people = QListWidget()
        self.people.setObjectName("people")
        # the keys always go to the PIN field (the list is chosen with the arrows or a tap): with
        # the list focused at start, the first PIN typed went into its type-ahead search, unseen
        self.people.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for member in store.staff.members():
            item = QListWidgetItem(f"{member.name} · {ROLE_NAMES.get(member.role, member.role)}")
            item.setData(Qt.ItemDataRole.UserRole, member.id)
            self.people.addItem(item)
        self.people.setCurrentRow(0)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN eingeben, Enter")
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.returnPressed.connect(self.submit)
        self.people.itemActivated.connect(lambda _item: self.pin.setFocus())
        self.people.itemClicked.connect(lambda _item: self.pin.setFocus())
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint_label = QLabel(hint)
        hint_label.setObjectName("hint")
        hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint_label.setWordWrap(True)

        box = QWidget()
        box.setMaximumWidth(420)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addWidget(QLabel("Wer meldet sich an? (Pfeiltasten)"))
        inner.addWidget(self.people)
        inner.addWidget(self.pin)
        inner.addWidget(self.message)
        inner.addWidget(hint_label)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.pin.installEventFilter(self)
        self.setFocusProxy(self.pin)

    def showEvent(self, event):  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        self.pin.setFocus()

    def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]  # noqa: N802
        """Up/Down in the PIN field choose the person, so the hands stay on the keyboard."""
        from PySide6.QtCore import QEvent

        if obj is self.pin and event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = min(max(self.people.currentRow() + step, 0), self.people.count() - 1)
            self.people.setCurrentRow(row)
            return True
        return super().eventFilter(obj, event)

    def reset(self, message: str = "") -> None:
        self.pin.clear()
        self.message.setText(message)
        self.pin.setFocus()

    def submit(self) -> None:
        item = self.people.currentItem()
        if item is None or self._busy:
            return
        staff_id, pin = int(item.data(Qt.ItemDataRole.UserRole)), self.pin.text()
        self.pin.clear()
        self._busy = True
        self.message.setText("Prüfe PIN …")
        run_in_background(lambda: self._store.staff.log_in(staff_id, pin), self._done)

    def _done(self, member: StaffMember | None, error: BaseException | None) -> None:
        self._busy = False
        if error is not None:
            self.message.setText(str(error) if isinstance(error, LoginError) else f"Fehler: {error}")
            self.pin.setFocus()
            return
        self.message.setText("")
        self.logged_in.emit(member)
