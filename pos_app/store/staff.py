"""Staff log-in with a PIN, and manager approval by PIN.

Five wrong PINs in a row lock that person out for LOCK_MINUTES (stored, so a restart does not
unlock). Every log-in, failure and lock is written to the audit trail.
Thread: any; argon2 verification takes ~50 ms, run it off the UI thread where that matters.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, select

from pos_app.clock import Clock, iso, parse_iso, utc_now
from pos_app.i18n import available_languages, t
from pos_app.pins import verify_pin
from pos_app.store import audit
from pos_app.store.db import Database
from pos_app.store.models import Staff

MAX_FAILURES = 5
LOCK_MINUTES = 5


class LoginError(Exception):
    """Log-in refused; the message is for the person at the till."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: str  # cashier | associate | manager
    language: str | None = None  # the screens' language this person chose (None: the store's default)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


class StaffDirectory:
    def __init__(self, db: Database, device_id: str, store_id: str, clock: Clock = utc_now) -> None:
        self._db = db
        self._device_id = device_id
        self._store_id = store_id
        self._clock = clock

    def members(self, managers_only: bool = False) -> list[StaffMember]:
        with self._db.reading() as s:
            q = select(Staff).where(Staff.active, (Staff.store_id == self._store_id) | Staff.store_id.is_(None))
            if managers_only:
                q = q.where(Staff.role == "manager")
            # cashiers first: the log-in list at a till is mostly theirs
            role_order = case({"cashier": 0, "associate": 1, "manager": 2}, value=Staff.role, else_=3)
            rows = s.execute(q.order_by(role_order, Staff.name)).scalars().all()
        return [StaffMember(r.id, r.name, r.role, r.language) for r in rows]

    def set_language(self, staff_id: int, language: str | None) -> None:
        """Remember the language a person chose at log-in (a preference of this device's staff
        record, which is not synced; the center has no staff)."""
        if language is not None and language not in available_languages():
            raise LoginError(t("Unbekannte Sprache „{language}“.", language=language))
        with self._db.writing() as s:
            person = s.get(Staff, staff_id)
            if person is not None:
                person.language = language

    def log_in(self, staff_id: int, pin: str, purpose: str = "login") -> StaffMember:
        """Check a PIN. `purpose` is "login" or "approval" (a manager's consent)."""
        if not pin.strip():
            raise LoginError(t("Bitte die PIN eingeben."))
        now = self._clock()
        action = "login" if purpose == "login" else "manager_pin"
        with self._db.writing() as s:
            person = s.get(Staff, staff_id)
            if person is None or not person.active:
                raise LoginError(t("Unbekannter Benutzer."))
            if person.locked_until and parse_iso(person.locked_until) > now:
                minutes = max(1, int((parse_iso(person.locked_until) - now).total_seconds() // 60) + 1)
                raise LoginError(t("{name} ist nach {MAX_FAILURES} falschen PINs gesperrt. Bitte in {minutes} Minuten erneut versuchen.", name=person.name, MAX_FAILURES=MAX_FAILURES, minutes=minutes))
            if purpose == "approval" and person.role != "manager":
                raise LoginError(t("{name} ist keine Marktleitung und kann nicht freigeben.", name=person.name))
            if verify_pin(person.pin_hash, pin.strip()):
                person.failed_attempts = 0
                person.locked_until = None
                audit.record(s, self._device_id, person.id, person.name, action, {"ok": True})
                return StaffMember(person.id, person.name, person.role, person.language)
            person.failed_attempts += 1
            locked = person.failed_attempts >= MAX_FAILURES
            if locked:
                person.locked_until = iso(now + timedelta(minutes=LOCK_MINUTES))
                person.failed_attempts = 0
            audit.record(s, self._device_id, person.id, person.name, f"{action}_failed",
                         {"locked": locked})
            # The attempt counts against the person chosen, whoever typed it: not counting a PIN
            # that belongs to someone else would tell a guesser which PINs exist, with no lock
            # to stop the guessing. The message names the person, so a wrong name is noticed.
            left = MAX_FAILURES - person.failed_attempts
            message = (t("Falsche PIN für {name}. {name} ist jetzt für {minutes} Minuten gesperrt.",
                         name=person.name, minutes=LOCK_MINUTES)
                       if locked else
                       t("Falsche PIN für {name}. Noch {left} Versuche. Richtigen Namen gewählt?",
                         name=person.name, left=left) if left > 1 else
                       t("Falsche PIN für {name}. Noch 1 Versuch. Richtigen Namen gewählt?", name=person.name))
        raise LoginError(message)
