"""The demo retailer's quick keys: loose tea, chocolate bars, candles and biscuits, the things a
shop sells singly off a counter, on three pages. Named by product (the demo catalog's names,
pos_app.demo.catalog), so the center's seed (`pos-backend seed --demo`) and a store's own demo
file resolve them to the same ids.

Pure data: any thread.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

DEMO_LAYOUT: tuple[tuple[str, str, str, str], ...] = (  # page, product name, tile label, colour
    ("Favoriten", "Schwarztee Earl Grey lose 100 g", "Earl Grey lose", "türkis"),
    ("Favoriten", "Grüntee Sencha lose 100 g", "Sencha lose", "grün"),
    ("Favoriten", "Schokolade Manufaktur Edelbitter 70 % 100 g", "Schokolade Edelbitter", "braun"),
    ("Favoriten", "Schokolade Manufaktur Vollmilch Haselnuss 100 g", "Schokolade Haselnuss", "orange"),
    ("Favoriten", "Stumpenkerze Atelier 7 x 15 cm weiß", "Stumpenkerze weiß", "lila"),
    ("Favoriten", "Butterspekulatius Manufaktur 200 g", "Butterspekulatius", "orange"),
    ("Favoriten", "Elisenlebkuchen Nürnberg 200 g", "Elisenlebkuchen", "braun"),
    ("Favoriten", "Trüffelpralinen Manufaktur 200 g", "Trüffelpralinen", "rot"),
    ("Tee", "Rooibostee Vanille lose 100 g", "Rooibos Vanille", "rot"),
    ("Tee", "Kräutertee Pfefferminze lose 50 g", "Pfefferminze", "grün"),
    ("Tee", "Gewürztee Chai lose 100 g", "Chai", "orange"),
    ("Tee", "Schwarztee Earl Grey lose 100 g", "Earl Grey", "türkis"),
    ("Tee", "Grüntee Sencha lose 100 g", "Sencha", "grün"),
    ("Kerzen", "Stumpenkerze Atelier 7 x 15 cm weiß", "Stumpen weiß", "grau"),
    ("Kerzen", "Stumpenkerze Atelier 7 x 15 cm creme", "Stumpen creme", "braun"),
    ("Kerzen", "Stumpenkerze Atelier 7 x 15 cm salbei", "Stumpen salbei", "grün"),
    ("Kerzen", "Stumpenkerze Atelier 7 x 15 cm altrosa", "Stumpen altrosa", "rot"),
    ("Kerzen", "Duftkerze Atelier Feige", "Duftkerze Feige", "lila"),
    ("Kerzen", "Duftkerze Atelier Lavendel", "Duftkerze Lavendel", "lila"),
)


def demo_keys(product_id: Callable[[str], int | None]) -> list[dict[str, Any]]:
    """The demo layout as raw keys (pos_app.quick_keys.check_layout's input); names that the
    catalog does not have are left out."""
    keys: list[dict[str, Any]] = []
    positions: dict[str, int] = {}
    for page, name, label, colour in DEMO_LAYOUT:
        pid = product_id(name)
        if pid is None:
            continue
        position = positions.get(page, 0)
        positions[page] = position + 1
        keys.append({"product_id": pid, "page": page, "position": position, "label": label, "colour": colour})
    return keys
