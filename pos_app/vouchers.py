"""Store credit as a tender: how much of a voucher a till may accept.

The center holds the balance (vouchers are spent at every till and in the web shop), so a
till asks it first and subtracts its own redemptions still waiting in the outbox. Offline, a
till accepts only vouchers it issued itself, up to the balance it keeps for them (its own
redemptions already taken off): a voucher from another store cannot be checked without the
center, and taking it blind would let the same credit be spent twice.

Thread: a worker thread (asking the center); the store file's reads are short.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import text

from pos_app.i18n import t
from pos_app.money import format_euro
from pos_app.refunds import CenterUnavailable
from pos_app.store.db import Database

CenterBalance = Callable[[str], int]  # the center's balance; LookupError: unknown; CenterUnavailable


class VoucherError(ValueError):
    """The voucher cannot be taken; the message is for the cashier."""


def normalise_code(code: str) -> str:
    return code.strip().upper()


class VoucherCheck:
    def __init__(self, db: Database, center: CenterBalance | None = None) -> None:
        self._db = db
        self._center = center

    def __call__(self, code: str) -> int:
        """What may still be paid with `code` (cents, > 0); VoucherError otherwise."""
        code = normalise_code(code)
        if not code:
            raise VoucherError(t("Bitte den Gutscheincode eingeben."))
        local = self._local_balance(code)
        if self._center is not None:
            try:
                available = self._center(code) - self._pending(code)
            except LookupError:
                if local is None:
                    raise VoucherError(t("Gutschein {code} ist unbekannt.", code=code)) from None
                available = local  # issued here, not at the center yet
            except CenterUnavailable as exc:
                if local is None:
                    raise VoucherError(t("Gutschein {code} kann offline nicht geprüft werden ({exc}); nur Gutscheine dieser Kasse gehen offline.", code=code, exc=exc)) from exc
                available = local
        elif local is None:
            raise VoucherError(t("Gutschein {code} ist dieser Kasse unbekannt.", code=code))
        else:
            available = local
        if available <= 0:
            raise VoucherError(t("Gutschein {code} ist aufgebraucht (Restwert {available}).", code=code, available=format_euro(max(available, 0))))
        return available

    def _local_balance(self, code: str) -> int | None:
        with self._db.reading() as s:
            value = s.execute(text("SELECT balance_cents FROM vouchers WHERE code = :c"), {"c": code}).scalar()
        return None if value is None else int(value)

    def _pending(self, code: str) -> int:
        """This till's redemptions of `code` the center has not seen yet."""
        with self._db.reading() as s:
            payloads = s.execute(text("SELECT payload FROM outbox WHERE status = 'pending' AND type = 'sale.completed' "
                                      "AND payload LIKE :c"), {"c": f"%{code}%"}).scalars().all()
        return sum(t["amount_cents"] for p in payloads for t in json.loads(p)["tenders"]
                   if t["kind"] == "voucher" and normalise_code(t.get("reference", "")) == code)
