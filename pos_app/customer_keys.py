"""Search keys for customers: what a cashier types or scans, turned into something an index can
answer. Pure functions (no I/O, no Qt), used by the store's search (pos_app.store.customers),
the center's search (backend.customer_search) and the demo generator alike, so both sides fold the
same way.

- Names and phones: folded by pos_app.customers.folding (Unicode decomposition, case folding,
  letters such as ł ø đ ß mapped, spelled-out umlauts collapsed, Kölner Phonetik after folding;
  phones through `phonenumbers`, +49 by default). Re-exported here as `fold`, `cologne` and
  `phone_key` for the callers that know this module.
- Customer numbers: "K-0000042"; "k42", "K 42" and "K-42" mean the same.
- The customer card / QR code carries "CUST:<number>" (CARD_PREFIX).

Thread: any.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pos_app.customers.folding import email_key, fold_text, fold_words, phone_key, phonetic

CARD_PREFIX = "CUST:"
_NUMBER = re.compile(r"^\s*[kK][\s-]*(\d{1,10})\s*$")
_PHONE_CHARS = re.compile(r"^[\d\s+()/.-]+$")
fold = fold_text
cologne = phonetic


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


Kind = Literal["card", "number", "email", "phone", "name", "empty"]


@dataclass(frozen=True)
class Query:
    """What the cashier typed, classified: `key` is the normalised form for the index; for a
    name, `tokens` are its folded words (pos_app.customers.folding), each a prefix to look for."""

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
        return Query("email", email_key(text))
    if _PHONE_CHARS.match(text) and sum(c.isdigit() for c in text) >= 5:
        return Query("phone", phone_key(text))
    tokens = tuple(w for w in fold_words(text) if not w.isdigit())[:4]
    return Query("name", text, tokens) if tokens else Query("empty", "")
