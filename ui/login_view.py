"""Log-in at the till: pick your name, type your PIN, Enter.

The PIN check (argon2, ~50 ms) runs off the UI thread. Wrong PIN: a message; five wrong: that
person is locked for a while (the rule lives in pos_app.store.staff).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from pos_app.i18n import N_, active_language, available_languages, language_name, set_language, t, t_marked
from pos_app.store.local import LocalStore
from pos_app.store.staff import LoginError, StaffMember
from ui.tasks import run_in_background
from ui.till_actions_qt import bind

ROLE_NAMES = {"cashier": N_("Kasse"), "associate": N_("Verkauf"), "manager": N_("Marktleitung")}


class LoginView(QWidget):
    logged_in = Signal(object)  # StaffMember

    def __init__(self, store: LocalStore, hint: str = "", parent: QWidget | None = None,
                 default_language: str | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._busy = False
        self._default_language = default_language or active_language()
        self._languages: dict[int, str | None] = {}
        title = QLabel(f"{store.store_name}\n{store.device_name} ({store.device_id})")
        title.setObjectName("loginTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.people = QListWidget()
        self.people.setObjectName("people")
        # the keys always go to the PIN field (the list is chosen with the arrows or a tap): with
        # the list focused at start, the first PIN typed went into its type-ahead search, unseen
        self.people.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._members = store.staff.members()
        for member in self._members:
            item = QListWidgetItem(f"{member.name} · {t_marked(ROLE_NAMES.get(member.role, member.role))}")
            item.setData(Qt.ItemDataRole.UserRole, member.id)
            self._languages[member.id] = member.language
            self.people.addItem(item)
        # the language of the screens: the person's own (staff record), else the store's; a
        # choice here switches at once and is remembered for that person at log-in
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setMinimumHeight(44)
        for code in available_languages():
            self.language.addItem(language_name(code), code)
        self.language.setToolTip(t("Sprache / Language  [Strg+Umschalt+L]"))
        self.language.currentIndexChanged.connect(self._language_changed)
        bind("language", self, self._next_language, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.people.currentRowChanged.connect(self._person_changed)
        self.people.setCurrentRow(0)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(t("PIN eingeben, Enter"))
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
        self.who = QLabel(t("Wer meldet sich an? (Pfeiltasten)"))
        inner.addWidget(self.language)
        inner.addWidget(self.who)
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

    def chosen_language(self) -> str:
        return str(self.language.currentData() or self._default_language)

    def _person_changed(self, row: int) -> None:
        if 0 <= row < len(self._members):
            wanted = self._languages.get(self._members[row].id) or self._default_language
            index = self.language.findData(wanted)
            if index >= 0 and index != self.language.currentIndex():
                self.language.setCurrentIndex(index)

    def _next_language(self) -> None:
        self.language.setCurrentIndex((self.language.currentIndex() + 1) % max(1, self.language.count()))
        self.pin.setFocus()

    def _language_changed(self, _index: int) -> None:
        set_language(self.chosen_language())
        self.retranslate()

    def remember_language(self, member: StaffMember) -> None:
        """After a log-in: keep this person's choice in their staff record, if it changed."""
        chosen = self.chosen_language()
        if (member.language or self._default_language) != chosen:
            self._store.staff.set_language(member.id, chosen)
            self._languages[member.id] = chosen

    def retranslate(self) -> None:
        """The log-in screen's own texts in the active language (the till is rebuilt at log-in)."""
        if not hasattr(self, "who"):
            return  # still being built: the texts are set in the active language anyway
        self.who.setText(t("Wer meldet sich an? (Pfeiltasten)"))
        self.pin.setPlaceholderText(t("PIN eingeben, Enter"))
        for row, member in enumerate(self._members):
            self.people.item(row).setText(f"{member.name} · {t_marked(ROLE_NAMES.get(member.role, member.role))}")

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
        self.message.setText(t("Prüfe PIN …"))
        run_in_background(lambda: self._store.staff.log_in(staff_id, pin), self._done)

    def _done(self, member: StaffMember | None, error: BaseException | None) -> None:
        self._busy = False
        if error is not None:
            self.message.setText(str(error) if isinstance(error, LoginError) else t("Fehler: {error}", error=error))
            self.pin.setFocus()
            return
        self.message.setText("")
        self.logged_in.emit(member)
