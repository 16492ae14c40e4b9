"""User-facing texts in the person's language.

Every text a person reads on a screen or in a message goes through `t`: the German source
text is the message id, parameters are named (`t("Lieferung {number} gebucht", number=n)`),
never glued together outside `t`. Where a count decides the form, `tn` picks it
(`tn("{n} Bon", "{n} Bons", n)`). Receipts, fiscal documents (TSE, DSFinV-K), the Z report and
receipt e-mails keep the store's legal language (German) and do not go through `t`.

The catalogs are gettext PO files next to this module (`locales/<language>.po`, read with
Babel, no compile step); German is the source and needs none. The active language is one
per process: the till sets it at log-in for the person who works now (`set_language`); the
center never sets it, so whatever it renders stays German. Thread: any; the language is
switched on the UI thread while no background text is being built, and a lookup is a dict read.
"""
from __future__ import annotations

from collections.abc import Callable

from pos_app.i18n.catalog import SOURCE_LANGUAGE, Catalog, available_languages, load_catalog

__all__ = ["t", "tn", "N_", "t_marked", "set_language", "active_language", "available_languages", "SOURCE_LANGUAGE",
           "on_language_changed", "language_name"]

_catalog: Catalog = Catalog.source()
_listeners: list[Callable[[str], None]] = []

# each language's own name, shown in the log-in's language toggle (never translated)
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


def _fill(text: str, params: dict[str, object]) -> str:
    """Fill the named parameters; a translation with a broken placeholder must not crash the
    till, so it falls back to the raw text (the check command reports such entries)."""
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def t(source: str, /, **params: object) -> str:
    """The text `source` (German, the message id) in the active language, with `params` filled in."""
    translated = _catalog.messages.get(source) or source
    if translated is not source and params:
        try:
            return translated.format(**params)
        except (KeyError, IndexError, ValueError):
            return _fill(source, params)
    return _fill(translated, params)


def tn(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form of `singular`/`plural` (German, the message id) that fits the count `n`, in
    the active language; `{n}` and the named `params` are filled in."""
    params = {"n": n, **params}
    forms = _catalog.plurals.get(singular)
    if forms:
        index = min(_catalog.plural_index(n), len(forms) - 1)
        if forms[index]:
            return _fill(forms[index], params)
    return _fill(singular if n == 1 else plural, params)


def N_(source: str, /) -> str:
    """Marks a text for the catalogs where it must stay the German id until shown (a table of
    role names at module level, built before anyone logs in); show it with `t_marked`."""
    return source


def t_marked(source: str, /, **params: object) -> str:
    """`t` for a text that was marked with `N_` elsewhere (so the id is not a literal here)."""
    return t(source, **params)


def active_language() -> str:
    return _catalog.language


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def set_language(language: str) -> None:
    """Make `language` the active one (an unknown language falls back to German, the source)
    and tell the listeners (the UI re-labels its screens)."""
    global _catalog
    if language not in available_languages():
        language = SOURCE_LANGUAGE
    if language != _catalog.language:
        _catalog = load_catalog(language)
        for listener in list(_listeners):
            listener(language)


def on_language_changed(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(language)` after every switch; returns the function that unsubscribes."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def _install_in_limits() -> None:
    """pos_app.limits (standard library only, shared with the protocol) builds its messages
    through this module's lookup once it is loaded."""
    from pos_app import limits

    limits._translate = t


_install_in_limits()
