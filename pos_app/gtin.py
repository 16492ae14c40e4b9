"""Barcode codes: GTIN check digits (EAN-13, EAN-8, UPC-A) and normalisation for look-up.

A code made only of digits and 8, 12 or 13 long is a GTIN and must carry a valid check digit.
UPC-A (12 digits) is the EAN-13 with a leading zero, so it is stored and looked up as EAN-13.
Anything else (letters, other lengths) is an internal Code 128 code, looked up as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pos_app.i18n import t


class Symbology(str, Enum):
    EAN13 = "EAN13"
    EAN8 = "EAN8"
    UPCA = "UPCA"
    CODE128 = "CODE128"


class BarcodeError(ValueError):
    """A scanned or typed code is not acceptable (the message is for the cashier)."""


@dataclass(frozen=True)
class ScannedCode:
    raw: str
    symbology: Symbology
    lookup_key: str  # what the catalog is keyed by


def check_digit(body: str) -> int:
    """GS1 check digit for the digits before it (weights 3,1,3,... from the right)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) >= 2 and check_digit(code[:-1]) == int(code[-1])


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def classify(raw: str) -> ScannedCode:
    """Validate a code and give its catalog key. Raises BarcodeError for a bad GTIN."""
    code = raw.strip()
    if not code:
        raise BarcodeError(t("Leerer Code."))
    if not code.isprintable():
        raise BarcodeError(t("Der Code enthält Steuerzeichen."))
    digits = code.isascii() and code.isdigit()
    if digits and len(code) in (8, 12, 13):
        if not has_valid_check_digit(code):
            raise BarcodeError(t("Prüfziffer falsch: {code}", code=code))
        if len(code) == 8:
            return ScannedCode(code, Symbology.EAN8, code)
        if len(code) == 12:
            return ScannedCode(code, Symbology.UPCA, "0" + code)
        return ScannedCode(code, Symbology.EAN13, code)
    if digits and len(code) == 14 and has_valid_check_digit(code) and code[0] == "0":
        # GTIN-14 with indicator 0 is the same trade item as its EAN-13.
        return ScannedCode(code, Symbology.EAN13, code[1:])
    if len(code) > 48:
        raise BarcodeError(t("Der Code ist zu lang."))
    return ScannedCode(code, Symbology.CODE128, code)
