"""One folding of names (and phones) for search, shared by the till's local index
(pos_app.store.customers) and the center's key table (backend.customer_search), so that the
center finds what the till finds, on SQLite and on PostgreSQL alike. Pure functions.

A name becomes words of a search key in four steps, always in this order:
1. Unicode compatibility decomposition (NFKD) and case folding: "Ö" -> "o" + diaeresis,
   "ﬁ" -> "fi", "İ" -> "i" + dot, "ß" -> "ss"; the combining marks are dropped ("Şahin" ->
   "sahin", "Čapek" -> "capek", "Ńowak" -> "nowak").
2. Letters that have no decomposition are mapped by hand (ł -> l, ø -> o, đ -> d, æ -> ae,
   œ -> oe, þ -> th, ı -> i, ...), so "Łukasz", "Ølberg", "Đorđević" fold like their ASCII
   spellings.
3. The German spelled-out umlaut is collapsed: a vowel a/o/u followed by "e" loses the "e".
   "Müller" (-> "muller"), "Mueller" and "Muller" all become "muller"; the cost is a few extra
   hits ("Michael" also finds a "Michal"), which a person picks from at a glance. The collapse
   keeps prefixes: the key of a typed prefix is a prefix of the key of the whole name, so
   search-as-you-type works.
4. Anything that is not a letter or a digit separates words ("Anna-Lena", "O'Brien").

The phonetic key (Kölner Phonetik) is computed AFTER that folding, so letters such as ş ğ ł č
ń ø count instead of being dropped: "Sahn" and "Şahin" share "86".

Phones go through the `phonenumbers` library with Germany as the default region: "+49 (0)30
123456", "030 123456" and "0049 30 123456" all become "4930123456" (E.164 without the plus).

FOLDING_VERSION names this set of rules: whoever stores keys computed here records the
version, and a change of the rules comes with a rebuild of the stored keys (a store migration,
a center migration).

Thread: any.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

FOLDING_VERSION = 2
DEFAULT_REGION = "DE"

# Letters NFKD leaves alone (no decomposition), after case folding.
_UNDECOMPOSED = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i", "ħ": "h",
    "ŧ": "t", "ŀ": "l", "ĸ": "k", "ŋ": "n", "ſ": "s", "ɨ": "i", "ƒ": "f", "ə": "e", "ɛ": "e",
    "ɔ": "o", "ʉ": "u", "ß": "ss", "ẞ": "ss",
})
_SPELLED_UMLAUT = re.compile(r"([aou])e")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)  # names repeat a lot: a million customers share a few thousand
def fold_text(text: str) -> str:
    """The search form of a name (or of what was typed): folded words joined by one space.
    "Özdemir-Ølberg" -> "ozdemir olberg"; "Łukasz Müller" -> "lukasz muller"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_UNDECOMPOSED)
    plain = unicodedata.normalize("NFKD", plain)  # a mapped letter may decompose further
    words = _WORD.findall(plain)
    return " ".join(_SPELLED_UMLAUT.sub(r"\1", w) for w in words)


def fold_words(text: str) -> list[str]:
    """The folded words of a name, in order ("von der Heide" -> ["von", "der", "heide"])."""
    folded = fold_text(text)
    return folded.split(" ") if folded else []


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """[low, high) of the keys that start with `prefix`, by code point (which is byte order
    in UTF-8, so a B-tree over a binary or "C" collation answers it with a range scan)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


@lru_cache(maxsize=65536)
def phonetic(text: str) -> str:
    """Kölner Phonetik code of a name after folding ("" for no letters). The words of a name
    are taken together ("von der Heide" gives one code), as both sides store it."""
    w = re.sub(r"[^a-z]", "", fold_text(text))
    codes: list[str] = []
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        codes.append(_cologne_letter(ch, prev, nxt, i == 0))
    raw = "".join(c for c in codes if c != "-")
    collapsed = "".join(c for i, c in enumerate(raw) if i == 0 or c != raw[i - 1])
    return collapsed[:1] + collapsed[1:].replace("0", "") if collapsed else ""


def _cologne_letter(ch: str, prev: str, nxt: str, first: bool) -> str:
    """One letter's Kölner Phonetik digit(s), by its neighbours ("-" for a silent h)."""
    if ch in "aeijouy":
        return "0"
    if ch == "h":
        return "-"
    if ch == "b":
        return "1"
    if ch == "p":
        return "3" if nxt == "h" else "1"
    if ch in "dt":
        return "8" if nxt and nxt in "csz" else "2"
    if ch in "fvw":
        return "3"
    if ch in "gkq":
        return "4"
    if ch == "c":
        if first:
            return "4" if nxt and nxt in "ahkloqrux" else "8"
        return "4" if (nxt and nxt in "ahkoqux") and prev not in ("s", "z") else "8"
    if ch == "x":
        return "8" if prev and prev in "ckq" else "48"
    if ch == "l":
        return "5"
    if ch in "mn":
        return "6"
    if ch == "r":
        return "7"
    return "8"  # s z


# German numbers in the two everyday shapes, "030 1234567" and "+49 30 1234567" (no "(0)", no
# zero after the country code), with at least 6 digits: `phonenumbers` gives "49" and the
# national digits for these, and the fast path gives the same without its ~30 µs parse (a
# million customers are indexed at once by the demo generator and the migrations). A test
# compares the two over random numbers of both shapes.
_NON_DIGIT = re.compile(r"\D")
_PLAIN_NATIONAL = re.compile(r"^0[1-9][\d \-/.]{4,}$")
_PLAIN_GERMAN = re.compile(r"^\+49[ \-/.]*[1-9][\d \-/.]{3,}$")


def phone_key(raw: str) -> str:
    """Digits with the country code, no plus: the form both sides index ("" for no phone).
    Parsed by `phonenumbers` (default region DE; "(0)" after the country code is understood);
    what it cannot parse falls back to the digits with +49 for a leading 0."""
    text = (raw or "").strip()
    if not text:
        return ""
    digits = _NON_DIGIT.sub("", text)
    if not digits:
        return ""
    if _PLAIN_NATIONAL.match(text) and len(digits) >= 6:
        return "49" + digits[1:]
    if _PLAIN_GERMAN.match(text) and len(digits) >= 8:
        return digits
    return _parsed_key(text, digits)


def _parsed_key(text: str, digits: str) -> str:
    """phone_key through `phonenumbers` (every shape the fast path does not know)."""
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and number.country_code and number.national_number:
        national = str(number.national_number)
        if number.italian_leading_zero:
            national = "0" * max(number.number_of_leading_zeros or 1, 1) + national
        return f"{number.country_code}{national}"
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "49" + digits[1:]
    return digits


def email_key(raw: str) -> str:
    """E-mail addresses compare without case and surrounding blanks."""
    return (raw or "").strip().casefold()
