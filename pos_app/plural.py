"""One or many: "1 Bon" / "3 Bons", "1 Vorgang ist" / "2 Vorgänge sind".

German (like English) has one form for exactly one and one for every other count; the two forms
are whole texts (message ids for pos_app.i18n.t) so a catalog translates each as a sentence.
Receipts and fiscal documents call `count_text` with `translate=False`: they keep the store's
legal language. Qt-free; any thread.
"""
from __future__ import annotations

from pos_app.i18n import t


def count_text(count: int, one: str, many: str, *, translate: bool = True, **params: object) -> str:
    """`one` when `count` is 1, else `many`; both may use {count} and the other `params`."""
    source = one if count == 1 else many
    return t(source, count=count, **params) if translate else source.format(count=count, **params)
