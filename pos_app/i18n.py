"""User-facing texts in the person's language.

Every text a person reads on a screen or in a message goes through `t`: the German source
text is the message id, parameters are named (`t("Lieferung {number} gebucht", number=n)`),
never glued together outside `t`. Receipts and fiscal documents keep the store's legal
language and do not go through `t`.

This first version returns the German source (the catalogs arrive with the translation
layer); the call sites already mark every text, so the catalogs can be complete.
"""
from __future__ import annotations


def t(source: str, /, **params: object) -> str:
    """The text `source` (German, the message id) in the active language, with `params` filled in."""
    return source.format(**params) if params else source
