"""Money, numbers and dates on screens, in the active language's conventions (Babel, CLDR).

German (de_DE): 1.234,50 € and 07.12.2026 - exactly what pos_app.money.format_euro prints,
so nothing changes for German users. English uses the en_IE locale: an English-speaking euro
country, so "€1,234.50", day-first dates "07/12/2026" and the 24-hour clock - no US month-first
dates in a European store. Receipts, the Z report and fiscal exports do NOT use this module:
they keep pos_app.money.format_euro (the store's legal language).
Thread: any.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from pos_app import money
from pos_app.i18n import SOURCE_LANGUAGE, active_language

LOCALES = {"de": "de_DE", "en": "en_IE"}


def babel_locale(language: str | None = None) -> str:
    language = language or active_language()
    return LOCALES.get(language, language)


def format_euro(cents: int, symbol: bool = True) -> str:
    """An amount in cents for a screen ("1.234,56 €" / "€1,234.56"); same call as
    pos_app.money.format_euro, so a screen switches by its import."""
    if active_language() == SOURCE_LANGUAGE:
        return money.format_euro(cents, symbol)
    from babel.numbers import format_currency, format_decimal

    amount = Decimal(cents) / 100
    if symbol:
        return format_currency(amount, "EUR", locale=babel_locale())
    return format_decimal(amount, format="#,##0.00", locale=babel_locale())


def format_number(value: int | float | Decimal, decimals: int | None = None) -> str:
    """A number with the locale's grouping and decimal sign (1.234,5 / 1,234.5)."""
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale()).replace("\u00a0", " ")


def format_percent(value: Decimal | float) -> str:
    """A percentage given as a number of percent (10 -> "10 %" / "10%")."""
    from babel.numbers import format_percent as babel_percent

    return babel_percent(Decimal(str(value)) / 100, locale=babel_locale()).replace("\u00a0", " ")


def format_date(value: date | datetime) -> str:
    """A day: 07.12.2026 / 07/12/2026."""
    from babel.dates import format_date as babel_date

    return babel_date(value, format="dd.MM.yyyy" if active_language() == SOURCE_LANGUAGE else "short",
                      locale=babel_locale())


def format_time(value: time | datetime) -> str:
    """A time of day, 24 hours: 14:05 (both languages)."""
    return value.strftime("%H:%M")


def format_datetime(value: datetime) -> str:
    """A day and a time: 07.12.2026 14:05 / 07/12/2026 14:05."""
    return f"{format_date(value)} {format_time(value)}"


def format_day_month_time(value: datetime) -> str:
    """A short stamp for lists of the last days: 07.12. 14:05 / 07/12 14:05."""
    if active_language() == SOURCE_LANGUAGE:
        return value.strftime("%d.%m. %H:%M")
    return value.strftime("%d/%m %H:%M")


def local_display(text_or_moment: str | datetime) -> str:
    """pos_app.clock.local_display for screens: the instant in the store's zone, in the
    active language's date format (German: exactly the receipts' 07.12.2026 14:05)."""
    from pos_app.clock import local_time

    return format_datetime(local_time(text_or_moment))


def local_date(text_or_moment: str | datetime) -> str:
    """pos_app.clock.local_date for screens (German: 07.12.2026)."""
    from pos_app.clock import local_time

    return format_date(local_time(text_or_moment))
