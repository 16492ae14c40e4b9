"""One or many in German: "1 Bon" / "3 Bons", "1 Vorgang ist" / "2 Vorgänge sind".

German (like English) has one form for exactly one and one for every other count. This helper
serves receipts and fiscal documents (the Z report), which always keep the store's legal
language, so it never translates; screens use `pos_app.i18n.tn`, whose catalogs carry the
forms of each language. Qt-free; any thread.
"""
from __future__ import annotations


def count_text(count: int, one: str, many: str, **params: object) -> str:
    """`one` when `count` is 1, else `many`; both may use {count} and the other `params`."""
    source = one if count == 1 else many
    return source.format(count=count, **params)
