"""The till's check of a gift card before it takes it as a tender: a drop-in for
pos_app.vouchers.VoucherCheck (the till's `vouchers` callable), which it still uses for store
credit (codes that are not gift card numbers).

Online: the center's balance less this till's redemptions still in the outbox, and the answer
is remembered (pos_app.store.gift_card_models). Offline: the documented rule of
pos_app.gift_cards.rules.offline_allowance, from the remembered balance; a card this till never
saw is refused offline (it cannot tell a real one from a typo or a fake). The day of the daily
limit is the store's local day by the center-corrected clock (pos_app.store.clock_offset),
never the till's raw clock.

Thread: a worker thread (asking the center); the store file's reads and writes are short.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import text

from pos_app.clock import STORE_TZ, iso, utc_now
from pos_app.gift_cards.rules import OFFLINE_DAILY_LIMIT_CENTS, is_gift_card_code, offline_allowance
from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.refunds import CenterUnavailable
from pos_app.store import clock_offset
from pos_app.store.db import Database
from pos_app.store.gift_card_models import GiftCardBalance
from pos_app.trusted_time import corrected
from pos_app.vouchers import CenterBalance, VoucherCheck, VoucherError, normalise_code


class GiftCardCheck:
    def __init__(self, db: Database, center: CenterBalance | None = None, clock: Callable[[], datetime] = utc_now,
                 daily_limit_cents: int = OFFLINE_DAILY_LIMIT_CENTS) -> None:
        self._db, self._center, self._clock, self._limit = db, center, clock, daily_limit_cents
        self._vouchers = VoucherCheck(db, center)

    def __call__(self, code: str) -> int:
        """What may be paid with `code` now (cents, > 0); VoucherError with the reason otherwise."""
        code = normalise_code(code)
        if not is_gift_card_code(code):
            return self._vouchers(code)  # store credit from a return: its own rule
        if self._center is not None:
            try:
                balance = self._center(code)
            except LookupError:
                if self._known(code):  # sold here, the center has not heard of it yet
                    return self._offline(code, t("an der Zentrale noch nicht angekommen"))
                raise VoucherError(t("Geschenkgutschein {code} ist unbekannt.", code=code)) from None
            except CenterUnavailable as exc:
                return self._offline(code, str(exc))
            pending = self._vouchers._pending(code)
            self.remember(code, balance, pending)
            available = balance - pending
            if available <= 0:
                raise VoucherError(t("Geschenkgutschein {code} ist aufgebraucht (Restwert {rest}).", code=code,
                                     rest=format_euro(max(available, 0))))
            return available
        return self._offline(code, t("keine Verbindung zur Zentrale eingerichtet"))

    def remember(self, code: str, balance_cents: int, pending_cents: int) -> None:
        """Keep the center's answer for the offline rule (also called when this till sells a card)."""
        with self._db.writing() as s:
            row = s.get(GiftCardBalance, code) or GiftCardBalance(code=code)
            row.balance_cents, row.pending_cents = int(balance_cents), int(pending_cents)
            # the till's own clock, like sales.created_at: only compared with it
            row.taken_here_cents, row.checked_at = self._taken_here(s, code, None), iso(self._clock())
            s.merge(row)

    def _known(self, code: str) -> bool:
        with self._db.reading() as s:
            return s.get(GiftCardBalance, code) is not None

    def _day_start(self) -> str:
        """The start of today (the store's day by the center-corrected clock), on the till's
        own clock (the basis of sales.created_at), as UTC ISO text."""
        raw = self._clock()
        now = corrected(raw, clock_offset.read(self._db))
        day_start = datetime.combine(now.astimezone(STORE_TZ).date(), datetime.min.time(), STORE_TZ)
        return iso((day_start + (raw - now)).astimezone(timezone.utc))

    def _offline(self, code: str, why: str) -> int:
        with self._db.reading() as s:
            row = s.get(GiftCardBalance, code)
            if row is None:
                raise VoucherError(t("Geschenkgutschein {code} kann offline nicht geprüft werden ({why}); offline "
                                     "gehen nur Gutscheine, die diese Kasse schon einmal geprüft hat.",
                                     code=code, why=why))
            since = max(row.checked_at, self._day_start())
            taken_since = self._taken_here(s, code, None) - row.taken_here_cents
            taken_today = self._taken_here(s, code, since)
        allowed = offline_allowance(row.balance_cents - row.pending_cents, taken_since, taken_today, self._limit)
        if allowed <= 0:
            raise VoucherError(t("Geschenkgutschein {code}: offline heute nichts mehr möglich (Grenze {limit} je "
                                 "Tag ohne Zentrale, zuletzt bekannter Restwert {rest}).", code=code,
                                 limit=format_euro(self._limit),
                                 rest=format_euro(max(row.balance_cents - row.pending_cents - taken_since, 0))))
        return allowed

    @staticmethod
    def _taken_here(s, code: str, since: str | None) -> int:  # type: ignore[no-untyped-def]
        """What this store's sales took from `code` (since `since`, UTC ISO, when given)."""
        sql = ("SELECT COALESCE(SUM(t.amount_cents), 0) FROM sale_tenders t JOIN sales s ON s.id = t.sale_id "
               "WHERE t.kind = 'voucher' AND t.reference = :c")
        params: dict[str, object] = {"c": code}
        if since is not None:
            sql += " AND s.created_at > :since"
            params["since"] = since
        return int(s.execute(text(sql), params).scalar() or 0)
