"""The limits of every value the store records and the center accepts: ONE definition.

Why one module: a value the store accepts but the center refuses makes an event that never
arrives (a product name of 201 characters once kept a sale, and the customer link behind it,
away from the center for good). The wire protocol (sync.protocol) builds its field bounds
from these numbers, the center's request models and path parameters use them, and the store's
services check their inputs against them at entry, with a clear message. The numbers follow
what both databases can hold: PostgreSQL's INTEGER is 32 bits (ids, quantities, counters), its
BIGINT and SQLite's INTEGER are 64 bits (amounts, sequences); PostgreSQL refuses NUL in text,
both refuse a lone surrogate (it cannot be encoded as UTF-8), and a date near year 1 or 9999
overflows when it is moved to UTC.

Pure and stdlib only (sync.protocol, which imports nothing else of ours, imports this module;
tests/test_limits.py checks that it stays so). Any thread.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

# The person's language for these messages. This module imports only the standard library (the
# protocol shares it), so pos_app.i18n installs its lookup here when it loads; until then, and
# at the center, the German source is used. The check command extracts these calls like
# pos_app.i18n's own t/N_.
_translate: Callable[..., str] | None = None


def t(source: str, /, **params: object) -> str:
    if _translate is not None:
        return _translate(source, **params)
    return source.format(**params) if params else source


def N_(source: str, /) -> str:  # noqa: N802  (the gettext name)
    return source


def t_marked(source: str, /) -> str:
    return _translate(source) if _translate is not None else source

MAX_INT32 = 2**31 - 1
MAX_ID = MAX_INT32  # product, customer, staff ids (INTEGER columns)
MAX_COUNT = MAX_INT32  # line numbers, counters, Z numbers, counts in a report
MAX_QUANTITY = 9999  # of one line: a till never sells 10,000 of one thing in one line
MAX_CENTS = 10**10 - 1  # any amount, totals included: 99,999,999.99 EUR (fits BIGINT many times over)
MAX_SEQ = 2**53 - 1  # sequence numbers and feed cursors (BIGINT; exact in a JavaScript client too)
MAX_JSON_INT = 2**53 - 1  # any integer in free-form JSON (audit details, policies)
# quick keys (pos_app.quick_keys): per store, the tiles of the till's product grid
QUICK_KEYS_MAX = 240  # 10 pages of 24 tiles
QUICK_KEYS_MAX_PAGES = 10
QUICK_KEY_MAX_POSITION = QUICK_KEYS_MAX - 1
QUICK_KEY_LABEL = 40
QUICK_KEY_PAGE_NAME = 30
QUICK_KEY_IMAGE = 500
EARLIEST_YEAR = 2000  # dates: a till's clock before this is broken, not history
LATEST_YEAR = 2099

# text lengths (the center's columns have the same sizes)
PRODUCT_NAME = 200
SKU = 64
CATEGORY = 60
NOTE = 2000  # customer notes, case steps
REASON_TEXT = 200  # return reasons, short reasons, cash movement notes, discount reasons
PERSON_NAME = 80  # staff names in events (actor, picked by, handed by)
COLLECTOR = 120  # who collected a pickup
REFERENCE = 60  # a tender's reference (voucher code, card slip)
NUMBER = 40  # receipt, return, order numbers
CUSTOMER_FIELDS: dict[str, int] = {"first_name": 60, "last_name": 60, "street": 120, "zip_code": 10,
                                   "city": 80, "phone": 40, "email": 120}
SEARCH_TEXT = 200  # what a person types into a search
PATH_TEXT = 64  # a number or code in a URL path


_SURROGATE = re.compile("[\ud800-\udfff]")


class LimitError(ValueError):
    """An input outside the limits; the message says which field and why (German: the store
    shows it as it is)."""


def text_fault(value: str) -> str | None:
    """Why `value` cannot be stored in both databases, in English (the protocol's words), or
    None. NUL: PostgreSQL refuses it, SQLite keeps it (the two centers would disagree); a lone
    surrogate cannot be written as UTF-8 anywhere."""
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii() and (found := _SURROGATE.search(value)) is not None:
        return f"contains a lone surrogate (U+{ord(found.group()):04X})"
    return None


def moment_fault(value: datetime) -> str | None:
    """Why a date cannot be stored, or None. Checked on the year as sent, before any move to UTC
    (year 1 with +14:00 overflowed in that move)."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return f"year {value.year} is outside {EARLIEST_YEAR}..{LATEST_YEAR}"
    return None


def json_faults(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, why) for every text and integer in a JSON value (dicts, lists, keys too) that
    cannot be stored; for free-form parts such as audit details. Runs for every pushed event, so
    the common case (nothing wrong) is one cheap pass; paths are built only on the way to a fault."""
    if not _has_fault(value):
        return
    if isinstance(value, str):
        yield path or "value", text_fault(value) or ""
    elif isinstance(value, int) and not isinstance(value, bool):
        yield path or "value", f"integer outside -{MAX_JSON_INT}..{MAX_JSON_INT}"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (fault := text_fault(key)):
                yield where, f"key {fault}"
            yield from json_faults(item, where)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from json_faults(item, f"{path}[{index}]")


def _has_fault(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return text_fault(value) is not None
    if kind is int:
        return not -MAX_JSON_INT <= value <= MAX_JSON_INT
    if kind is dict:
        return any((type(k) is str and text_fault(k) is not None) or _has_fault(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return any(_has_fault(item) for item in value)
    if isinstance(value, str):  # subclasses (enums)
        return text_fault(str(value)) is not None
    if isinstance(value, int) and not isinstance(value, bool):
        return not -MAX_JSON_INT <= int(value) <= MAX_JSON_INT
    return False


# ---- the store's checks at entry (German messages, shown as they are) ----------------------


def check_text(value: str, label: str, max_length: int, *, required: bool = False) -> str:
    """`value` as it may be recorded, or LimitError naming `label`."""
    if required and not value.strip():
        raise LimitError(t("{label}: bitte ausfüllen.", label=t_marked(label)))
    if len(value) > max_length:
        raise LimitError(t("{label} ist zu lang ({count} Zeichen, höchstens {max_length}).", label=t_marked(label), count=len(value), max_length=max_length))
    if text_fault(value):
        raise LimitError(t("{label} enthält ein Zeichen, das nicht gespeichert werden kann.", label=t_marked(label)))
    return value


def check_whole(value: int, label: str, low: int, high: int) -> int:
    """An integer within low..high, or LimitError naming `label` (bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise LimitError(t("{label} muss eine ganze Zahl sein.", label=t_marked(label)))
    if not low <= value <= high:
        raise LimitError(t("{label} muss zwischen {low} und {high} liegen.", label=t_marked(label), low=low, high=high))
    return value


def check_cents(value: int, label: str, *, allow_negative: bool = False) -> int:
    """An amount in cents the center accepts, or LimitError (the message shows euros)."""
    low = -MAX_CENTS if allow_negative else 0
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_CENTS:
        raise LimitError(t("{label}: der Betrag muss zwischen {euro} und {euro2} liegen.", label=t_marked(label), euro=_euro(low), euro2=_euro(MAX_CENTS)))
    return value


def check_quantity(value: int, label: str = N_("Menge")) -> int:
    return check_whole(value, label, 1, MAX_QUANTITY)


def _euro(cents: int) -> str:
    """German notation (99.999.999,99 €) without importing pos_app.money (stdlib only here)."""
    whole = f"{abs(cents) // 100:,}".replace(",", ".")
    return f"{'-' if cents < 0 else ''}{whole},{abs(cents) % 100:02d} €"
