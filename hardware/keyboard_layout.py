"""Spotting a keyboard-layout mismatch: a wedge scanner set to US layout on a till whose
keyboard is German. The scanner "presses" the keys where the US characters are; the computer
reads those keys as German: Y and Z swap, "-" comes out as "ß", "/" as "-", "=" as the dead
key "´" (often swallowed), ";" as "ö" and so on. Digits survive, so EAN codes still work and
the problem shows only on codes with letters or symbols (Code 128, QR): the worst kind of bug.

Pure functions, any thread.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pos_app.i18n import t

#: the character a German keyboard gives for the key a US-layout scanner means
US_TO_DE = {
    "y": "z", "z": "y", "Y": "Z", "Z": "Y",
    "-": "ß", "_": "?", "=": "´", "+": "`", "[": "ü", "{": "Ü", "]": "+", "}": "*",
    ";": "ö", ":": "Ö", "'": "ä", '"': "Ä", "`": "^", "~": "°", "\\": "#", "|": "'",
    "<": ";", ">": ":", "/": "-", "?": "_",
    "@": '"', "#": "§", "^": "&", "&": "/", "*": "(", "(": ")", ")": "=",
}
DE_TO_US = {de: us for us, de in US_TO_DE.items()}
#: characters no label in the shop carries, but a US scanner on a German keyboard types
GERMAN_ONLY = set("ßöäüÖÄÜ§°´")
#: printed (Code 128) on the test page and shown on the devices screen: scan it to check
LAYOUT_TEST_CODE = "ZY-42/7"

ADVICE = ("Der Scanner sendet US-Tastaturbelegung, die Kasse hat eine deutsche Tastatur: Y und Z "
          "sind vertauscht, Zeichen wie - / = kommen falsch an (ß, -, ´). EAN-Nummern gehen, "
          "Codes mit Buchstaben nicht. Abhilfe: im Handbuch des Scanners den Barcode "
          "„Tastatursprache Deutsch“ (Keyboard Country: Germany) scannen, dann hier erneut testen.")


def us_scanner_on_german_keyboard(code: str) -> str:
    """What arrives at a German till when a US-layout scanner sends `code`."""
    return "".join(US_TO_DE.get(ch, ch) for ch in code)


def undo_mismatch(scanned: str) -> str:
    """What the scanner meant, if the layouts were mismatched."""
    return "".join(DE_TO_US.get(ch, ch) for ch in scanned)


@dataclass(frozen=True)
class LayoutCheck:
    mismatch: bool
    message: str  # for the devices screen
    meant: str  # the code the scanner meant (== the scanned code when no mismatch)

    @property
    def advice(self) -> str:
        """What to do about it ("" when all is well)."""
        return ADVICE if self.mismatch else ""


def check_scan(scanned: str, expected: str | None = None,
               known: Callable[[str], bool] | None = None) -> LayoutCheck:
    """Is this scan mangled by a layout mismatch? `expected`: the code that was scanned (the
    test code); `known(code)`: whether the catalog knows a code."""
    meant = undo_mismatch(scanned)
    if expected is not None:
        if scanned == expected:
            return LayoutCheck(False, t("Tastaturbelegung stimmt: der Testcode kam richtig an."), scanned)
        if scanned in (us_scanner_on_german_keyboard(expected),
                       us_scanner_on_german_keyboard(expected).replace("´", "")):
            return LayoutCheck(True, t("Falsche Tastaturbelegung! Erwartet „{expected}“, angekommen „{scanned}“.", expected=expected, scanned=scanned), expected)
    if GERMAN_ONLY & set(scanned):
        return LayoutCheck(True, t("Falsche Tastaturbelegung vermutet: „{scanned}“ enthält Zeichen, die kein Etikett trägt (gemeint war wohl „{meant}“).", scanned=scanned, meant=meant), meant)
    if known is not None and meant != scanned and not known(scanned) and known(meant):
        return LayoutCheck(True, t("Falsche Tastaturbelegung: „{scanned}“ ist unbekannt, „{meant}“ ist ein Artikel.", scanned=scanned, meant=meant), meant)
    if expected is not None:
        return LayoutCheck(False, t("Erwartet „{expected}“, angekommen „{scanned}“: anderer Code gescannt?", expected=expected, scanned=scanned),
                           scanned)
    return LayoutCheck(False, t("Keine Auffälligkeit in der Tastaturbelegung."), scanned)
