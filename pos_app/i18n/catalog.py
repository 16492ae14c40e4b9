"""The translation catalogs: one gettext PO file per language in `locales/`.

Why PO: it is the format every translator's tool reads (Poedit, Weblate, Lokalise), it has
plural forms with the language's own rule, and Babel (in the till's extra) reads it directly,
so there is no compiled MO file to forget. Qt-free, so core messages and UI texts share it.
Thread: any; a catalog is read once per switch and then only looked up.
"""
from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

SOURCE_LANGUAGE = "de"
LOCALES = Path(__file__).resolve().parent / "locales"


def _germanic_plural(n: int) -> int:
    return 0 if n == 1 else 1


@dataclass(frozen=True)
class Catalog:
    """One language's texts: `messages` German source -> text, `plurals` German singular ->
    forms in the order of the language's plural rule."""

    language: str
    messages: dict[str, str] = field(default_factory=dict)
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = _germanic_plural

    @classmethod
    def source(cls) -> Catalog:
        return cls(SOURCE_LANGUAGE)


def catalog_path(language: str) -> Path:
    return LOCALES / f"{language}.po"


def available_languages() -> tuple[str, ...]:
    """German (the source) and every language with a catalog file."""
    others = sorted(p.stem for p in LOCALES.glob("*.po")) if LOCALES.is_dir() else []
    return (SOURCE_LANGUAGE, *[lang for lang in others if lang != SOURCE_LANGUAGE])


def read_po(language: str):  # type: ignore[no-untyped-def]
    """The Babel catalog of `language` (for the check command and the loader)."""
    from babel.messages.pofile import read_po as babel_read_po

    with catalog_path(language).open("rb") as handle:
        return babel_read_po(handle, locale=language)


@lru_cache(maxsize=8)
def load_catalog(language: str) -> Catalog:
    """`language`'s catalog; German, or a language without a file, is the source itself.
    Empty translations are left out, so `t` shows the German source for them."""
    if language == SOURCE_LANGUAGE or not catalog_path(language).is_file():
        return Catalog.source()
    po = read_po(language)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, (list, tuple)):
            forms = tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)
            if any(forms):
                plurals[message.id[0]] = forms
        elif message.string:
            messages[message.id] = message.string
    return Catalog(language, messages, plurals, _plural_rule(po))


def _plural_rule(po) -> Callable[[int], int]:  # type: ignore[no-untyped-def]
    """The PO header's plural rule (the C expression of "Plural-Forms", as gettext evaluates it)."""
    try:
        return gettext.c2py(po.plural_expr or "(n != 1)")
    except (ValueError, SyntaxError):
        return _germanic_plural
