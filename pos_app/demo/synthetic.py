"""Synthetic products for big demo catalogs (benchmarks ask for a million).

Why this way: a synthetic product is a hand-written family's noun, spec and options combined
with a style word and a collection name from pos_app.demo.words ("Ohrensessel Skandi Visby
grau"), so search results look like a shop's range. Drawing those parts independently at random
repeats names (only ~40 % of a million were distinct); instead every possible name is a number
in one mixed-radix space and numbers are drawn without replacement, remembered in a bitmap of a
few hundred kilobytes. Names repeat only once nearly the whole space is used up.

Collection names that a hand-named family already uses are left out of the pools, so no
synthetic product ever takes the name of a hand-named one (the green Samtsofa stays unique).
"""
from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from math import prod

from pos_app.demo import catalog

MAX_TRIES = 32  # redraws for an unused name before a repeat is accepted


def price_point(cents: int, like: int) -> int:
    """The price point nearest to `cents` with the ending of `like`: ,99 stays ,99 and ,95 stays
    ,95; prices like 1.299,00 € keep euros ending in 9 (1.299,00 € + 5 % -> 1.359,00 €, not
    1.363,95 €). Integer cents only; never zero."""
    ending = like % 100
    if like >= 100_00 and ending == 0 and like // 100 % 10 == 9:
        step, offset = 10_00, 9_00
    else:
        step, offset = 100, ending
    low = (cents - offset) // step * step + offset
    high = low + step
    best = low if cents - low <= high - cents else high
    return best if best > 0 else high


@dataclass(frozen=True, slots=True)
class _Space:
    family: catalog.Family
    styles: tuple[str, ...]  # "" first: no style word
    lines: tuple[str, ...]
    size: int


def name_spaces() -> list[_Space]:
    """One space per family that may lend its words; families that would spell the same names
    (three "Kaffee Crema" origins, four "Zeitschrift" titles) share one."""
    hand_lines = {f.line for f in catalog.FAMILIES}
    seen: set[tuple] = set()
    spaces = []
    for fam in catalog.FAMILIES:
        signature = (fam.category.name, fam.noun, fam.spec, fam.tail, fam.axes)
        if not fam.synthetic or signature in seen:
            continue
        seen.add(signature)
        styles = ("",) + fam.category.styles
        lines = tuple(line for line in fam.synthetic_lines if line not in hand_lines)
        spaces.append(_Space(fam, styles, lines, len(styles) * len(lines) * prod(len(a) for a in fam.axes)))
    return spaces


def synthetic_products(rng: random.Random, count: int) -> Iterator[tuple[str, catalog.Category, int, int]]:
    """(name, category, gross cents, spare random bits) for `count` synthetic products."""
    spaces = name_spaces()
    offsets = []
    total = 0
    for space in spaces:
        offsets.append(total)
        total += space.size
    taken = bytearray((total + 7) // 8)
    used = 0
    bits, redraw = rng.getrandbits, rng.randrange
    for _ in range(count):
        x = bits(192)
        x, idx = divmod(x, total)
        if used < total:
            tries = 0
            while taken[idx >> 3] & (1 << (idx & 7)) and tries < MAX_TRIES:
                idx = redraw(total)
                tries += 1
            if not taken[idx >> 3] & (1 << (idx & 7)):
                taken[idx >> 3] |= 1 << (idx & 7)
                used += 1
        k = bisect_right(offsets, idx) - 1
        space = spaces[k]
        fam = space.family
        r, s = divmod(idx - offsets[k], len(space.styles))
        r, line = divmod(r, len(space.lines))
        labels = []
        price = fam.price_cents
        for axis in fam.axes:
            r, j = divmod(r, len(axis))
            label, delta = axis[j]
            labels.append(label)
            price += delta
        x, f = divmod(x, 11)  # 80 % .. 130 % of the family's price, in 5 % steps
        price = price_point(price * (80 + 5 * f) // 100, fam.price_cents)
        yield fam.name(tuple(labels), line=space.lines[line], style=space.styles[s]), fam.category, price, x
