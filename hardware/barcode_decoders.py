"""Finding barcodes in a grey camera frame, restricted to the symbologies the shop uses
(EAN-13, EAN-8, UPC-A, Code 128, QR).

Two decoders: "zbar" (pyzbar over the system library libzbar0; the default) and "zxing"
(zxing-cpp, a pip package: in the benchmark about 4-5x faster per frame, but it missed dense
Code 128 at 640x480 that zbar read; see the README). Both are loaded late: a missing library
turns camera scanning off with a message, never the app. Pure functions, any thread.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pos_app.i18n import t

DECODERS = ("zbar", "zxing")
#: What the shop's labels carry; everything else is switched off (faster, fewer false reads).
SYMBOLOGIES = ("EAN13", "EAN8", "UPCA", "CODE128", "QRCODE")
_ZXING_NAMES = {"EAN-13": "EAN13", "EAN-8": "EAN8", "UPC-A": "UPCA", "Code 128": "CODE128", "QR Code": "QRCODE"}


class DecoderMissing(Exception):
    """The decoder's library is not there; str(exc) is the message for the cashier."""


@dataclass(frozen=True)
class Detection:
    code: str
    symbology: str  # EAN13 | EAN8 | UPCA | CODE128 | QRCODE
    polygon: tuple[tuple[int, int], ...]  # corners (a scan line for some 1-D reads), frame pixels


Decode = Callable[[np.ndarray], list[Detection]]
_loaded: dict[str, Decode] = {}


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _zbar() -> Decode:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:
        raise DecoderMissing(t("Kamera-Scannen nicht möglich: die Bibliothek zbar fehlt (Debian-Paket libzbar0). ({exc})", exc=exc)) from exc
    symbols = [getattr(pyzbar.ZBarSymbol, name) for name in SYMBOLOGIES]

    def decode(grey: np.ndarray) -> list[Detection]:
        return [Detection(_text(r.data), str(r.type), tuple((int(p.x), int(p.y)) for p in r.polygon))
                for r in pyzbar.decode(grey, symbols=symbols)]
    return decode


def _zxing() -> Decode:
    try:
        import zxingcpp
    except ImportError as exc:
        raise DecoderMissing(t("Kamera-Decoder „zxing“ nicht installiert (pip install zxing-cpp); "
                             "oder in pos.toml [camera] decoder = \"zbar\" setzen.")) from exc
    fmt = zxingcpp.BarcodeFormat
    formats = (fmt.EAN13, fmt.EAN8, fmt.UPCA, fmt.Code128, fmt.QRCode)

    def decode(grey: np.ndarray) -> list[Detection]:
        found = []
        for r in zxingcpp.read_barcodes(grey, formats=formats):
            p = r.position
            corners = tuple((int(c.x), int(c.y)) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            found.append(Detection(r.text, _ZXING_NAMES.get(str(r.format), str(r.format)), corners))
        return found
    return decode


def load_decoder(name: str = "zbar") -> Decode:
    """The decode function for "zbar" or "zxing"; DecoderMissing when its library is missing."""
    if name not in _loaded:
        if name == "zbar":
            _loaded[name] = _zbar()
        elif name == "zxing":
            _loaded[name] = _zxing()
        else:
            raise DecoderMissing(t("Unbekannter Kamera-Decoder „{name}“ (zbar oder zxing).", name=name))
    return _loaded[name]


def decoder_problem(name: str = "zbar") -> str | None:
    """None when decoding works, else the message why not (for the devices screen)."""
    try:
        load_decoder(name)
    except DecoderMissing as exc:
        return str(exc)
    return None


def decode_grey(grey: np.ndarray, decoder: str = "zbar") -> list[Detection]:
    """All codes of the shop's symbologies in a grey (2-D uint8) image."""
    return load_decoder(decoder)(grey)

