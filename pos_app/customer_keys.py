"""Search keys for customers: what a cashier types or scans, turned into something an index can
answer. Pure functions (no I/O, no Qt), used by the store's search (pos_app.store.customers),
the center's search (backend.clienteling) and the demo generator alike, so both sides fold the
same way.

- Names: umlauts folded (ä -> a, and the spelled-out ae -> a as a second variant), and the
  Kölner Phonetik code (a German phonetic key: Meier, Meyer, Mayer share "67"; Müller, Mueller,
  Muller share "657"; Schmidt/Schmitt "862"), which catches many typos and spelling variants.
- Phones: digits only, E.164-ish without the plus, +49 by default ("030 123 45-6",
  "+49 (30) 123456" and "0049 30 123456" all become "4930123456").
- Customer numbers: "K-0000042"; "k42", "K 42" and "K-42" mean the same.
- The customer card / QR code carries "CUST:<number>" (CARD_PREFIX).

Thread: any.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

CARD_PREFIX = "CUST:"
DEFAULT_COUNTRY = "49"
_NUMBER = re.compile(r"^\s*[kK][\s-]*(\d{1,10})\s*$")
_PHONE_CHARS = re.compile(r"^[\d\s+()/.-]+$")
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "s", "é": "e", "è": "e", "á": "a", "à": "a"})


def customer_number(n: int) -> str:
    """The printed customer number for customer id-like counter `n`."""
    return f"K-{n:07d}"


def card_payload(number: str) -> str:
    """What the customer card's barcode / QR code carries."""
    return f"{CARD_PREFIX}{number}"


def normal_number(typed: str) -> str | None:
    """"k42" -> "K-0000042"; None when it is no customer number."""
    m = _NUMBER.match(typed)
    return customer_number(int(m.group(1))) if m else None


def phone_key(raw: str) -> str:
    """Digits with the country code, no plus: the form both sides index. Empty for no phone."""
    digits = re.sub(r"\D", "", raw or "")
    if not digits:
        return ""
    if (raw or "").strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return DEFAULT_COUNTRY + digits[1:]
    return digits


def fold(word: str) -> str:
    """Lower case with umlauts and accents folded to the plain vowel."""
    return word.lower().translate(_UMLAUTS)


def spelled_variants(token: str) -> set[str]:
    """A typed token and its spellings: "mueller" -> {"mueller", "muller"}; "müller" -> {"muller", "mueller"}."""
    low = token.lower()
    out = {fold(low)}
    unspelled = low
    for spelled, plain in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        unspelled = unspelled.replace(spelled, plain)
    out.add(fold(unspelled))
    out.add(low.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss"))
    return {v for v in out if v}


@lru_cache(maxsize=65536)  # names repeat a lot: a million customers share a few thousand
def cologne(word: str) -> str:
    """Kölner Phonetik code of `word` ("" for no letters). Spelled-out umlauts are folded
    first so that "Mueller" and "Müller" agree."""
    w = fold(word)
    for spelled, plain in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        w = w.replace(spelled, plain)
    w = re.sub(r"[^a-z]", "", w)
    codes: list[str] = []
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if ch in "aeijouy":
            code = "0"
        elif ch == "h":
            code = "-"
        elif ch == "b":
            code = "1"
        elif ch == "p":
            code = "3" if nxt == "h" else "1"
        elif ch in "dt":
            code = "8" if nxt in ("c", "s", "z") and nxt else "2"
        elif ch in "fvw":
            code = "3"
        elif ch in "gkq":
            code = "4"
        elif ch == "c":
            if i == 0:
                code = "4" if nxt and nxt in "ahkloqrux" else "8"
            else:
                code = "4" if (nxt and nxt in "ahkoqux") and prev not in ("s", "z") else "8"
        elif ch == "x":
            code = "8" if prev in ("c", "k", "q") and prev else "48"
        elif ch == "l":
            code = "5"
        elif ch in "mn":
            code = "6"
        elif ch == "r":
            code = "7"
        else:  # s z
            code = "8"
        codes.append(code)
    raw = "".join(c for c in codes if c != "-")
    collapsed = "".join(c for i, c in enumerate(raw) if i == 0 or c != raw[i - 1])
    return collapsed[:1] + collapsed[1:].replace("0", "") if collapsed else ""


Kind = Literal["card", "number", "email", "phone", "name", "empty"]


@dataclass(frozen=True)
class Query:
    """What the cashier typed, classified: `key` is the normalised form for the index."""

    kind: Kind
    key: str
    tokens: tuple[str, ...] = ()


def classify(typed: str) -> Query:
    text = (typed or "").strip()
    if not text:
        return Query("empty", "")
    if text.upper().startswith(CARD_PREFIX):
        number = normal_number(text[len(CARD_PREFIX):]) or text[len(CARD_PREFIX):].strip()
        return Query("card", number)
    if (number := normal_number(text)) is not None:
        return Query("number", number)
    if "@" in text:
        return Query("email", text.lower())
    if _PHONE_CHARS.match(text) and sum(c.isdigit() for c in text) >= 5:
        return Query("phone", phone_key(text))
    tokens = tuple(t for t in re.findall(r"\w+", text.lower()) if not t.isdigit())[:4]
    return Query("name", text, tokens) if tokens else Query("empty", "")
