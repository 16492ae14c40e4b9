"""Quick keys: the till's product grid for goods without a barcode (bread rolls, a coffee, a
carrier bag), set per store at the center and brought to the tills by the change feed.

The layout rules live here once, pure and Qt-free: the center checks an operator's layout with
them before it stores it (backend.quick_keys), the store checks what the feed brings with them
before it replaces its copy (pos_app.quick_keys.store). The grid itself is ui.product_grid.

A layout is a list of keys, each on a page (a tab of the grid: "Backwaren", "Kaffee") at a
position (0-based, row by row), naming a product of the catalog, with an optional label (else
the product's name), a colour (#RRGGBB) and an image (a path or URL; shown when it loads).

Pure data and checks: any thread.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pos_app import limits
from pos_app.i18n import t

# the bounds are the protocol's (pos_app.limits, which sync.protocol_quick_keys reads too)
MAX_KEYS = limits.QUICK_KEYS_MAX
MAX_PAGES = limits.QUICK_KEYS_MAX_PAGES
MAX_POSITION = limits.QUICK_KEY_MAX_POSITION
MAX_LABEL = limits.QUICK_KEY_LABEL
MAX_PAGE_NAME = limits.QUICK_KEY_PAGE_NAME
MAX_IMAGE = limits.QUICK_KEY_IMAGE
DEFAULT_PAGE = "Favoriten"
DEFAULT_COLOUR = "#2d6cdf"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# the palette the CLI offers by name (and the demo uses): calm, readable with white text
PALETTE = {"blau": "#2d6cdf", "grün": "#1e8e3e", "orange": "#e37400", "rot": "#c5221f", "lila": "#8430ce",
           "türkis": "#00838f", "braun": "#795548", "grau": "#5f6368"}


class LayoutError(ValueError):
    """A layout that breaks a rule; the message says which key and why (in the person's language)."""


@dataclass(frozen=True)
class QuickKey:
    product_id: int
    page: str = DEFAULT_PAGE
    position: int = 0
    label: str = ""
    colour: str = DEFAULT_COLOUR
    image: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any, what: str, n: int, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str):
        raise LayoutError(t("Schnelltaste {n}: {what} muss ein Text sein.", n=n, what=what))
    value = value.strip()
    if required and not value:
        raise LayoutError(t("Schnelltaste {n}: {what} fehlt.", n=n, what=what))
    if len(value) > max_length:
        raise LayoutError(t("Schnelltaste {n}: {what} ist länger als {max} Zeichen.", n=n, what=what,
                            max=max_length))
    if limits.text_fault(value):
        raise LayoutError(t("Schnelltaste {n}: {what} enthält unzulässige Zeichen.", n=n, what=what))
    return value


def parse_key(raw: Mapping[str, Any], n: int) -> QuickKey:
    """One key from JSON-like data (the admin API, the CLI's file, the feed); LayoutError names it."""
    if not isinstance(raw, Mapping):
        raise LayoutError(t("Schnelltaste {n}: kein Objekt.", n=n))
    unknown = set(raw) - {"product_id", "page", "position", "label", "colour", "image"}
    if unknown:
        raise LayoutError(t("Schnelltaste {n}: unbekanntes Feld {field}.", n=n, field=sorted(unknown)[0]))
    product_id = raw.get("product_id")
    if type(product_id) is not int or not 1 <= product_id <= limits.MAX_ID:
        raise LayoutError(t("Schnelltaste {n}: Artikel-Nr. fehlt oder ist ungültig.", n=n))
    position = raw.get("position", n - 1)
    if type(position) is not int or not 0 <= position <= MAX_POSITION:
        raise LayoutError(t("Schnelltaste {n}: Platz muss zwischen 0 und {max} liegen.", n=n, max=MAX_POSITION))
    colour = _text(raw.get("colour", DEFAULT_COLOUR) or DEFAULT_COLOUR, t("Farbe"), n, 7)
    colour = PALETTE.get(colour.casefold(), colour)
    if not COLOUR.match(colour):
        raise LayoutError(t("Schnelltaste {n}: Farbe {colour} ist kein #RRGGBB.", n=n, colour=colour))
    return QuickKey(product_id=product_id,
                    page=_text(raw.get("page", DEFAULT_PAGE) or DEFAULT_PAGE, t("Seite"), n, MAX_PAGE_NAME, True),
                    position=position, label=_text(raw.get("label", ""), t("Beschriftung"), n, MAX_LABEL),
                    colour=colour.lower(), image=_text(raw.get("image", ""), t("Bild"), n, MAX_IMAGE))


def check_layout(raw_keys: Iterable[Mapping[str, Any]]) -> list[QuickKey]:
    """The keys of a layout, checked: at most MAX_KEYS on at most MAX_PAGES pages, each place
    of a page taken once. Sorted by page (first appearance) and position."""
    keys = []
    for n, raw in enumerate(raw_keys, start=1):
        if n > MAX_KEYS:
            raise LayoutError(t("Höchstens {max} Schnelltasten je Filiale.", max=MAX_KEYS))
        keys.append(parse_key(raw, n))
    pages: dict[str, set[int]] = {}
    for n, key in enumerate(keys, start=1):
        taken = pages.setdefault(key.page, set())
        if key.position in taken:
            raise LayoutError(t("Schnelltaste {n}: Platz {position} auf Seite „{page}“ ist doppelt belegt.",
                                n=n, position=key.position, page=key.page))
        taken.add(key.position)
    if len(pages) > MAX_PAGES:
        raise LayoutError(t("Höchstens {max} Seiten mit Schnelltasten.", max=MAX_PAGES))
    order = {page: i for i, page in enumerate(pages)}
    return sorted(keys, key=lambda k: (order[k.page], k.position))


def pages_of(keys: Iterable[QuickKey]) -> list[str]:
    """The page names in the layout's order."""
    return list(dict.fromkeys(k.page for k in keys))
