"""Clienteling at the till, Qt-free: find a customer (here first, then the center), show the
profile (only to a logged-in user, every view in the audit trail), attach the customer to the
sale, add notes and in-store case steps, pull the web cart, create and edit customers.

Every change is written together with its outbox event in one local transaction, so all of it
works offline and reaches the center in order (merge rules: docs/clienteling.md).

Customers created here get an id from this device's own range (DEVICE_ID_BASE + a slot made
from the device id * 1,000 + a running number), so two offline tills never pick the same id;
the center refuses a clash (the conflict shows up for the manager).

Thread: any, except that `center` calls block on the network: the UI runs them through
ui.tasks.run_in_background.
"""
from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pos_app import limits
from pos_app.cart import CartChange
from pos_app.clock import Clock, iso, utc_now
from pos_app.customer_keys import phone_key
from pos_app.i18n import N_, t, t_marked
from pos_app.loyalty import points_for
from pos_app.refunds import CenterUnavailable
from pos_app.store import audit
from pos_app.store.customer_models import SaleCustomer
from pos_app.store.customers import CustomerDirectory, CustomerHit, index_rows
from pos_app.store.local import LocalStore
from pos_app.store.outbox import append_event
from pos_app.store.staff import StaffMember

DEVICE_ID_BASE = 2_000_000_000
CONTACT_FIELDS = ("first_name", "last_name", "street", "zip_code", "city", "phone", "email")
CONSENT_CHANNELS = {"email": N_("E-Mail"), "sms": "SMS", "phone": N_("Telefon"), "post": N_("Post")}
OFFLINE_NOTE = N_("Zentrale nicht erreichbar: Es werden nur die Daten dieser Filiale angezeigt.")
FAILED_NOTE = N_("Die Zentrale ist erreichbar, hat aber einen Fehler gemeldet ({why}): Es werden nur die Daten "
                 "dieser Filiale angezeigt. Bitte der IT melden.")

# the center's side, injected by the app (sync.customers): raise CenterUnavailable when offline,
# CenterFailed when the center answered with an error of its own (not the network)
CenterSearch = Callable[[str], list[dict[str, Any]]]
CenterProfile = Callable[[int], dict[str, Any]]


class CenterFailed(CenterUnavailable):
    """The center was reached but failed (HTTP 5xx, an unreadable answer): not "offline", and
    the person at the till should hear the difference (the network is fine; the IT must look)."""


def _center_note(exc: CenterUnavailable) -> str:
    return t_marked(FAILED_NOTE, why=str(exc) or t("ohne Angabe")) if isinstance(exc, CenterFailed) else t_marked(OFFLINE_NOTE)


class ClientelingError(Exception):
    """Refused: the message says why in the shop's language; nothing was changed."""


@dataclass(frozen=True)
class SearchResult:
    hits: list[CustomerHit]
    source: str  # "local" | "center" | "none"
    note: str = ""


@dataclass(frozen=True)
class Profile:
    customer: CustomerHit
    data: dict[str, Any]  # the center's profile (backend.customer_profile), or the local part
    online: bool
    note: str = ""
    local_sales: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CreatedCustomer:
    customer: CustomerHit | None  # None: not created, because of the duplicates (ask, then allow_duplicate)
    duplicates: list[CustomerHit]


def sale_points(session: Session, sale_id: str) -> tuple[int, int] | None:
    """(customer id, points) of a sale with a customer attached."""
    row = session.get(SaleCustomer, sale_id)
    return (row.customer_id, row.points) if row else None


def link_sale(session: Session, device_id: str, sale_id: str, total_cents: int, customer_id: int) -> int:
    """In the sale's own transaction: the customer on the sale, its points, the event."""
    points = points_for(total_cents)
    session.add(SaleCustomer(sale_id=sale_id, customer_id=customer_id, points=points))
    append_event(session, device_id, "customer.sale", {"sale_id": sale_id, "customer_id": customer_id,
                                                       "points": points})
    return points


def _hit(row: dict[str, Any]) -> CustomerHit:
    return CustomerHit(*(row.get(k) for k in ("id", "number", "first_name", "last_name", "street", "zip_code",
                                              "city", "phone", "email", "home_store_id")))


class Clienteling:
    def __init__(self, store: LocalStore, center_search: CenterSearch | None = None,
                 center_profile: CenterProfile | None = None, clock: Clock = utc_now) -> None:
        self.store = store
        self._clock = clock  # the device's clock; the center moves it onto its own (trusted time)
        self.directory = CustomerDirectory(store.db)
        self.center_search = center_search
        self.center_profile = center_profile

    # ---- finding and viewing ---------------------------------------------------------------

    def search(self, typed: str) -> SearchResult:
        """Here first; the center only when nothing is found here."""
        hits = self.directory.search(typed)
        if hits:
            return SearchResult(hits, "local")
        if self.center_search is None:
            return SearchResult([], "none", t_marked(OFFLINE_NOTE))
        try:
            return SearchResult([_hit(r) for r in self.center_search(typed)], "center")
        except CenterUnavailable as exc:
            return SearchResult([], "none", _center_note(exc))

    def view_profile(self, user: StaffMember | None, customer: CustomerHit) -> Profile:
        if user is None:
            raise ClientelingError(t("Kundenprofile sind nur nach der Anmeldung sichtbar."))
        self.store.record(user.id, user.name, "customer_profile_viewed", {"customer_id": customer.id})
        local_sales = self._local_sales(customer.id)
        note = t_marked(OFFLINE_NOTE)
        if self.center_profile is not None:
            try:
                return Profile(customer, self.center_profile(customer.id), True, local_sales=local_sales)
            except CenterUnavailable as exc:
                note = _center_note(exc)
        return Profile(customer, {"customer": customer.to_dict()}, False, note, local_sales)

    def export(self, user: StaffMember, profile: Profile) -> dict[str, Any]:
        """A manager's data export of one customer (the JSON the customer receives)."""
        if not user.is_manager:
            raise ClientelingError(t("Den Datenexport darf nur eine Marktleitung ausführen."))
        self.store.record(user.id, user.name, "customer_data_exported", {"customer_id": profile.customer.id})
        return {"exported_at": iso(self._clock()), "exported_by": user.name, "online": profile.online,
                "profile": profile.data, "store_sales": profile.local_sales}

    def erase(self, manager: StaffMember, customer_id: int) -> None:
        """The erase request, approved by a manager: anonymised here at once, at the center when
        the event arrives (sales stay, for the tax books)."""
        if not manager.is_manager:
            raise ClientelingError(t("Einen Löschantrag darf nur eine Marktleitung ausführen."))
        with self.store.db.writing() as s:
            here = s.execute(text("UPDATE customers SET first_name = 'Gelöscht', last_name = :n, street = '', zip_code = '', "
                                  "city = '', phone = '', email = '' WHERE id = :id"),
                             {"n": f"Kunde {customer_id}", "id": customer_id}).rowcount
            if here:  # a customer found only at the center has no row here
                index_rows(s.connection(), [(customer_id, "Gelöscht", f"Kunde {customer_id}", "", "")])
            append_event(s, self.store.device_id, "customer.erase_requested", {
                "customer_id": customer_id, "requested_at": iso(self._clock()), "approved_by": manager.id,
                "store_id": self.store.store_id})
            audit.record(s, self.store.device_id, manager.id, manager.name, "customer_erased",
                         {"customer_id": customer_id})

    def _local_sales(self, customer_id: int) -> list[dict[str, Any]]:
        with self.store.db.reading() as s:
            rows = s.execute(text(
                "SELECT s.id, s.receipt_number, s.created_at, s.total_cents, c.points FROM sale_customers c "
                "JOIN sales s ON s.id = c.sale_id WHERE c.customer_id = :c ORDER BY s.created_at DESC LIMIT 200"),
                {"c": customer_id}).mappings().all()
        return [dict(r) for r in rows]

    # ---- changes, each with its outbox event ---------------------------------------------

    def add_note(self, user: StaffMember, customer_id: int, note: str) -> str:
        note = note.strip()
        if not note:
            raise ClientelingError(t("Die Notiz ist leer."))
        _within(limits.check_text, note, N_("Die Notiz"), limits.NOTE)
        note_id = str(uuid.uuid4())
        with self.store.db.writing() as s:
            append_event(s, self.store.device_id, "customer.note_added", {
                "note_id": note_id, "customer_id": customer_id, "created_at": iso(self._clock()),
                "store_id": self.store.store_id, "author": user.name, "text": note})
        return note_id

    def add_case_step(self, user: StaffMember, case_id: str, step: str, close: bool) -> str:
        step = step.strip()
        if not step:
            raise ClientelingError(t("Bitte beschreiben Sie, was im Laden geschehen ist."))
        _within(limits.check_text, step, N_("Der Fallschritt"), limits.NOTE)
        _within(limits.check_text, case_id, N_("Die Fallnummer"), 36, required=True)
        step_id = str(uuid.uuid4())
        with self.store.db.writing() as s:
            append_event(s, self.store.device_id, "case.step_added", {
                "step_id": step_id, "case_id": case_id, "created_at": iso(self._clock()),
                "store_id": self.store.store_id, "author": user.name, "text": step, "close": close})
            audit.record(s, self.store.device_id, user.id, user.name, "service_case_step",
                         {"case_id": case_id, "closed": close})
        return step_id

    def pull_cart(self, till: Any, customer_id: int, items: list[dict[str, Any]]) -> tuple[list[CartChange], list[str]]:
        """The web cart into the till's cart; the center empties it (cart.pulled, through the
        outbox). Returns the cart changes and what could not be taken (no price here)."""
        if not items:
            raise ClientelingError(t("Der Online-Warenkorb ist leer."))
        changes, missing = [], []
        for item in items:
            product = self.store.catalog.product(int(item["product_id"])) if _priced(self.store, item) else None
            if product is None:
                missing.append(str(item.get("name") or item["product_id"]))
                continue
            changes.append(till.add(product, int(item["quantity"])))
        if not changes:
            raise ClientelingError(t("Keiner der Artikel ist in dieser Filiale verkäuflich: ") + ", ".join(missing))
        with self.store.db.writing() as s:
            append_event(s, self.store.device_id, "cart.pulled", {
                "customer_id": customer_id, "pulled_at": iso(self._clock()), "store_id": self.store.store_id})
        return changes, missing

    def create(self, user: StaffMember, fields: dict[str, str], consents: list[dict[str, Any]] | None = None,
               allow_duplicate: bool = False) -> CreatedCustomer:
        clean = _clean(fields)
        if not clean.get("first_name") or not clean.get("last_name"):
            raise ClientelingError(t("Vor- und Nachname sind Pflichtfelder."))
        duplicates = self.directory.duplicates(clean.get("phone", ""), clean.get("email", ""))
        if duplicates and not allow_duplicate:
            return CreatedCustomer(None, duplicates)
        now = iso(self._clock())
        with self.store.db.writing() as s:
            base = DEVICE_ID_BASE + (zlib.crc32(self.store.device_id.encode()) % 100_000) * 1000
            top = s.execute(text("SELECT max(id) FROM customers WHERE id > :lo AND id < :hi"),
                            {"lo": base, "hi": base + 1000}).scalar()
            cid = (top or base) + 1
            if cid >= base + 1000:
                raise ClientelingError(t("Diese Kasse hat ihren Nummernkreis für neue Kunden ausgeschöpft."))
            number = f"K-{cid}"
            s.execute(text("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, "
                           "email, home_store_id) VALUES (:id, :number, :first_name, :last_name, :street, :zip_code, "
                           ":city, :phone, :email, :store)"),
                      {"id": cid, "number": number, **{k: clean.get(k, "") for k in CONTACT_FIELDS},
                       "store": self.store.store_id})
            index_rows(s.connection(), [(cid, clean["first_name"], clean["last_name"], clean.get("phone", ""),
                                         clean.get("email", ""))])
            append_event(s, self.store.device_id, "customer.created", {
                "customer_id": cid, "number": number, "store_id": self.store.store_id, "created_at": now,
                "fields": clean, "consents": self._consents(user, consents, now)})
            audit.record(s, self.store.device_id, user.id, user.name, "customer_created", {"customer_id": cid})
        created = self.directory.get(cid)
        assert created is not None
        return CreatedCustomer(created, duplicates)

    def update(self, user: StaffMember, customer_id: int, fields: dict[str, str],
               consents: list[dict[str, Any]] | None = None) -> list[str]:
        """Contact data and consents; returns the fields that changed."""
        current = self.directory.get(customer_id)
        if current is None:
            raise ClientelingError(t("Kunde {customer_id} ist an dieser Kasse unbekannt.", customer_id=customer_id))
        clean = _clean(fields)
        changed = {k: v for k, v in clean.items() if getattr(current, k) != v}
        if ("first_name" in changed and not changed["first_name"]) or ("last_name" in changed and not changed["last_name"]):
            raise ClientelingError(t("Vor- und Nachname dürfen nicht leer sein."))
        now = iso(self._clock())
        recorded = self._consents(user, consents, now)
        if not changed and not recorded:
            return []
        with self.store.db.writing() as s:
            if changed:
                s.execute(text("UPDATE customers SET " + ", ".join(f"{k} = :{k}" for k in changed) + " WHERE id = :id"),
                          {**changed, "id": customer_id})
                after = {**current.to_dict(), **changed}
                index_rows(s.connection(), [(customer_id, after["first_name"], after["last_name"], after["phone"],
                                             after["email"])])
            append_event(s, self.store.device_id, "customer.updated", {
                "customer_id": customer_id, "changed_at": now, "fields": changed, "consents": recorded},
                created_at=now)
            audit.record(s, self.store.device_id, user.id, user.name, "customer_updated",
                         {"customer_id": customer_id, "fields": sorted(changed),
                          "consents": [c["channel"] for c in recorded]})
        return sorted(changed)

    def _consents(self, user: StaffMember, consents: list[dict[str, Any]] | None, now: str) -> list[dict[str, Any]]:
        out = []
        for c in consents or []:
            if c.get("channel") not in CONSENT_CHANNELS:
                raise ClientelingError(t("Unbekannter Kanal für eine Einwilligung: {channel!r}", channel=c.get('channel')))
            method = _within(limits.check_text, str(c.get("method") or "an der Kasse"), N_("Die Art der Einwilligung"), 80)
            out.append({"channel": c["channel"], "granted": bool(c["granted"]), "recorded_at": now,
                        "source": f"Filiale {self.store.store_id}", "method": method,
                        "recorded_by": user.name})
        return out


def _priced(store: LocalStore, item: dict[str, Any]) -> bool:
    from pos_app.store.catalog import NoPrice

    try:
        return store.catalog.product(int(item["product_id"])) is not None
    except NoPrice:
        return False


def _clean(fields: dict[str, str]) -> dict[str, str]:
    clean = {k: (fields.get(k) or "").strip() for k in CONTACT_FIELDS if k in fields}
    if clean.get("email") and ("@" not in clean["email"] or " " in clean["email"]):
        raise ClientelingError(t("„{email}“ ist keine E-Mail-Adresse.", email=clean['email']))
    if clean.get("phone") and len(phone_key(clean["phone"])) < 6:
        raise ClientelingError(t("„{phone}“ ist keine Telefonnummer.", phone=clean['phone']))
    for key, value in clean.items():  # the protocol's field limits (pos_app.limits), checked at entry
        _within(limits.check_text, value, FIELD_LABELS.get(key, key), limits.CUSTOMER_FIELDS[key])
    return clean


FIELD_LABELS = {"first_name": N_("Vorname"), "last_name": N_("Nachname"), "street": N_("Straße"), "zip_code": N_("PLZ"),
                "city": N_("Ort"), "phone": N_("Telefon"), "email": N_("E-Mail")}


def _within(check: Callable[..., Any], value: Any, *args: Any, **kwargs: Any) -> Any:
    """A pos_app.limits check, failing as the ClientelingError the customer screens show."""
    try:
        return check(value, *args, **kwargs)
    except limits.LimitError as exc:
        raise ClientelingError(str(exc)) from None
