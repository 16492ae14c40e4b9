"""Clienteling in the main window: the shortcuts and what they open.

    Ctrl+U        find a customer -> the profile (ui.customer_profile)
    Ctrl+Shift+U  new customer (warns on an existing e-mail or phone)
    Ctrl+Shift+W  pull the attached customer's web cart into the till cart
    Ctrl+I        stock of an item in every store (with "Reservieren" when the app offers it)

The work is pos_app.clienteling's; the center is asked through the sync process's client
(sync.customers), off the UI thread (ui.tasks.run_in_background). UI thread only.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QMessageBox

from pos_app.clienteling import Clienteling, ClientelingError, Profile
from pos_app.i18n import t
from pos_app.store.customers import CustomerHit
from pos_app.store.staff import StaffMember
from ui.customer_dialogs import CustomerEditDialog, CustomerSearchDialog, StockDialog
from ui.customer_profile import CustomerProfileDialog
from ui.tasks import run_in_background
from ui.till_actions_qt import bind

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class CustomerGlue:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.search_dialog: CustomerSearchDialog | None = None
        self.profile_dialog: CustomerProfileDialog | None = None
        self.edit_dialog: CustomerEditDialog | None = None
        self.stock_dialog: StockDialog | None = None
        self.attached: CustomerHit | None = None
        self.web_cart: list[dict[str, Any]] = []
        bind("customer_find", window, self.find_customer)  # keys: pos_app.till_actions
        bind("customer_new", window, self.new_customer)
        bind("web_cart", window, self.pull_web_cart)
        bind("stock", window, self.show_stock)

    # ---- plumbing ------------------------------------------------------------------------

    def _client(self):  # type: ignore[no-untyped-def]
        worker = self.window.sync.worker
        return worker.client.copy() if worker is not None else None

    def service(self) -> Clienteling:
        if self.window.sync.worker is None:
            return Clienteling(self.window.store)
        from sync.customers import CenterCustomers

        center = CenterCustomers(self._client)
        return Clienteling(self.window.store, center.search, center.profile)

    def user(self) -> StaffMember | None:
        """Who is logged in; None on the log-in screen (profiles stay closed)."""
        w = self.window
        return w.session.cashier if w.session is not None and w.stack.currentWidget() is w.till else None

    def say(self, text: str, error: bool = False) -> None:
        if self.window.till is not None:
            self.window.till.say(text, error)

    # ---- find and view ---------------------------------------------------------------------

    def find_customer(self) -> None:
        if self.user() is None:
            return
        service = self.service()
        self.search_dialog = CustomerSearchDialog(service.search, self.window)
        self.search_dialog.chosen.connect(self.open_profile)
        self.search_dialog.rejected.connect(self._back_to_till)
        self.search_dialog.open()
        self.search_dialog.query.setFocus()

    def open_profile(self, customer: CustomerHit) -> None:
        user = self.user()
        service = self.service()
        run_in_background(lambda: service.view_profile(user, customer), self._show_profile)

    def _show_profile(self, profile: Profile | None, error: BaseException | None) -> None:
        if error is not None or profile is None:
            self.say(str(error), error=True)
            return
        dialog = CustomerProfileDialog(profile, self.window)
        self.profile_dialog = dialog
        dialog.attach_button.clicked.connect(lambda: self.attach(profile))
        dialog.cart_button.clicked.connect(lambda: self.pull_web_cart(profile))
        dialog.note_button.clicked.connect(lambda: self._note(dialog))
        dialog.step_button.clicked.connect(lambda: self._step(dialog, close=False))
        dialog.close_case_button.clicked.connect(lambda: self._step(dialog, close=True))
        dialog.edit_button.clicked.connect(lambda: self.edit_customer(profile))
        dialog.export_button.clicked.connect(lambda: self.export(profile))
        dialog.erase_button.clicked.connect(lambda: self.erase(profile))
        dialog.return_button.clicked.connect(lambda: self._return_from_history(dialog))
        dialog.finished.connect(lambda _result: self._back_to_till())
        dialog.open()

    # ---- actions ---------------------------------------------------------------------------

    def _return_from_history(self, dialog: CustomerProfileDialog) -> None:
        """Close the profile and open the returns screen on the chosen purchase."""
        number = dialog.selected_purchase_number()
        if number is None:
            return
        dialog.accept()
        self.window.returns.show_returns(number)

    def attach(self, profile: Profile) -> None:
        session = self.window.session
        if session is None:
            return
        session.customer_id = profile.customer.id
        # member prices by the tier the profile shows (the center re-prices by its own tier)
        tier = (profile.data.get("loyalty") or {}).get("tier")
        session.promotions.tier = str(tier) if tier else None
        self.attached = profile.customer
        self.web_cart = list(profile.data.get("cart") or [])
        self.say(t("Kunde {name} ({number}) am Bon: Bonuspunkte werden gutgeschrieben.", name=profile.customer.name, number=profile.customer.number))
        if self.profile_dialog is not None:
            self.profile_dialog.accept()
        if self.window.till is not None:
            self.window.till.refresh()  # a member price may apply now
        self._back_to_till()

    def _back_to_till(self) -> None:
        if self.window.till is not None:
            self.window.activateWindow()
            self.window.till.focus_search()

    def pull_web_cart(self, profile: Profile | None = None) -> None:
        session, till = self.window.session, self.window.till
        if session is None or till is None or self.user() is None:
            return
        if profile is not None:
            self.attach(profile)
        if self.attached is None:
            self.say(t("Erst einen Kunden an den Bon hängen (Strg+U), dann seinen Web-Warenkorb übernehmen."), error=True)
            return
        try:
            changes, missing = self.service().pull_cart(session, self.attached.id, self.web_cart)
        except ClientelingError as exc:
            self.say(str(exc), error=True)
            return
        self.web_cart = []
        till.refresh(changes[-1])
        self.window.refresh_outbox()
        self.say(t("Web-Warenkorb übernommen ({count} Artikel)", count=len(changes))
                 + (t("; nicht verkäuflich hier: {join}", join=', '.join(missing)) if missing else "."))

    def _note(self, dialog: CustomerProfileDialog) -> None:
        user = self.user()
        if user is None:
            return
        text = dialog.note_edit.text()
        try:
            self.service().add_note(user, dialog.profile.customer.id, text)
        except ClientelingError as exc:
            dialog.note.setText(str(exc))
            dialog.note.setVisible(True)
            return
        dialog.add_note_row(user.name, text.strip())
        dialog.note_edit.clear()
        self.window.refresh_outbox()

    def _step(self, dialog: CustomerProfileDialog, close: bool) -> None:
        user = self.user()
        case_id = dialog.case_combo.currentData()
        if user is None or case_id is None:
            return
        try:
            self.service().add_case_step(user, case_id, dialog.step_edit.text(), close)
        except ClientelingError as exc:
            dialog.note.setText(str(exc))
            dialog.note.setVisible(True)
            return
        dialog.step_edit.clear()
        dialog.note.setText(t("Schritt gespeichert") + (t(", Fall abgeschlossen.") if close else "."))
        dialog.note.setVisible(True)
        if close:
            dialog.case_combo.removeItem(dialog.case_combo.currentIndex())
        self.window.refresh_outbox()

    def new_customer(self) -> None:
        if self.user() is None:
            return
        self._open_editor(None, {})

    def edit_customer(self, profile: Profile) -> None:
        self._open_editor(profile.customer, profile.data.get("consents") or {})

    def _open_editor(self, customer: CustomerHit | None, consents: dict[str, Any]) -> None:
        dialog = CustomerEditDialog(customer, consents, self.window)
        self.edit_dialog = dialog
        dialog.saved.connect(lambda fields, chosen: self._save(dialog, fields, chosen))
        dialog.finished.connect(lambda _result: self._back_to_till())
        dialog.open()

    def _save(self, dialog: CustomerEditDialog, fields: dict[str, str], consents: list[dict[str, Any]]) -> None:
        user = self.user()
        if user is None:
            return
        service = self.service()
        try:
            if dialog.customer is None:
                made = service.create(user, fields, consents, allow_duplicate=dialog.allow_duplicate)
                if made.customer is None:
                    names = ", ".join(f"{d.name} ({d.number})" for d in made.duplicates)
                    dialog.allow_duplicate = True
                    dialog.refuse(t("Achtung: E-Mail oder Telefon gibt es schon bei {names}. Trotzdem anlegen? Dann noch einmal „Speichern“.", names=names))
                    return
                self.say(t("Kunde {name} angelegt ({number}).", name=made.customer.name, number=made.customer.number))
            else:
                changed = service.update(user, dialog.customer.id, fields, consents)
                self.say(t("Kundendaten gespeichert.") if changed or consents else t("Nichts geändert."))
        except ClientelingError as exc:
            dialog.refuse(str(exc))
            return
        dialog.accept()
        self.window.refresh_outbox()

    def _manager(self, reason: str) -> StaffMember | None:
        user = self.user()
        if user is not None and user.is_manager:
            return user
        from ui.conflicts_dialog import ask_manager

        approval = ask_manager(self.window.store)(reason, self.window)
        if approval is None:
            return None
        return StaffMember(approval.manager_id, approval.manager_name, "manager")

    def export(self, profile: Profile) -> Path | None:
        manager = self._manager(t("Datenexport eines Kunden: nur durch die Marktleitung."))
        if manager is None:
            return None
        data = self.service().export(manager, profile)
        folder = self.window.store.db.path.parent / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"kunde-{profile.customer.number}-{data['exported_at'][:19].replace(':', '')}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        self.say(t("Datenexport gespeichert: {name} (Ordner exports neben der Kassendatei).", name=path.name))
        return path

    def erase(self, profile: Profile) -> None:
        manager = self._manager(t("Löschantrag für {name}: nur durch die Marktleitung.", name=profile.customer.name))
        if manager is None:
            return
        sure = QMessageBox.question(
            self.window, t("Löschantrag ausführen?"),
            t("{name} ({number}) wird anonymisiert. Einkäufe bleiben (steuerliche Aufbewahrung), Notizen, Einwilligungen und Servicefälle werden gelöscht.", name=profile.customer.name, number=profile.customer.number))
        if sure != QMessageBox.StandardButton.Yes:
            return
        self.service().erase(manager, profile.customer.id)
        if self.profile_dialog is not None:
            self.profile_dialog.accept()
        self.say(t("Löschantrag ausgeführt; die Zentrale folgt beim nächsten Abgleich."))
        self.window.refresh_outbox()

    # ---- stock everywhere --------------------------------------------------------------------

    def show_stock(self) -> None:
        if self.user() is None:
            return
        store = self.window.store

        def find(typed: str) -> list[tuple[int, str]]:
            from pos_app.gtin import BarcodeError, classify  # the same key the till scans with

            try:
                by_code = store.catalog.by_barcode(classify(typed).lookup_key) or store.catalog.by_sku(typed)
            except BarcodeError:
                by_code = None
            if by_code is not None:
                return [(by_code.product_id, by_code.name)]
            return [(h.product_id, h.name) for h in store.catalog.search(typed, 20)]

        def stock(product_id: int) -> list[tuple[str, str, int]]:
            client = self._client()
            if client is None:
                raise ClientelingError(t("Die Kasse ist nicht mit der Zentrale verbunden."))
            try:
                # available = on hand - reserved for pickups and reservations
                return [(s.store_id, s.store_name, s.quantity - s.reserved) for s in client.stock(product_id).stores]
            finally:
                client.close()

        reserve = None
        if hasattr(self.window, "reserve_item"):  # reservations (issue 5) wire this at merge
            def reserve(product_id: int, store_id: str) -> None:
                customer = self.attached.id if self.attached else None
                self.window.reserve_item(product_id, store_id, customer)  # type: ignore[attr-defined]
        request = getattr(self.window, "request_transfer", None)  # transfers (issue 14)
        self.stock_dialog = StockDialog(find, stock, reserve, self.window, request=request)
        self.stock_dialog.own_store = store.store_id
        self.stock_dialog.finished.connect(lambda _result: self._back_to_till())
        self.stock_dialog.open()
        self.stock_dialog.query.setFocus()


def accepted(dialog: QDialog) -> bool:
    return dialog.result() == QDialog.DialogCode.Accepted
