"""ZVT data fields: BCD numbers, the bitmap fields (BMPs) with their fixed or LLVAR/LLLVAR
lengths, and the TLV container (BMP 06, BER-style tags and lengths).

Why a table of lengths: a BMP carries no length of its own unless it is a variable field, so a
parser that does not know a BMP's length cannot find the next one. Every BMP a terminal may send
in the messages we handle is listed here; an unknown one stops the parse with a clear error
instead of silently reading garbage.

Pure and thread-agnostic.
"""
from __future__ import annotations

from dataclasses import dataclass
from pos_app.i18n import t


class FieldError(ValueError):
    """Bytes that are not a valid ZVT field."""


# BMP -> fixed length in bytes, or "LL" / "LLL" for variable fields, or "TLV" for BMP 06.
BMP_LENGTHS: dict[int, int | str] = {
    0x01: 1,  # timeout
    0x02: 1,  # max. status infos
    0x03: 1,  # service byte
    0x04: 6,  # amount, BCD, in cents
    0x05: 1,  # pump number
    0x06: "TLV",
    0x0B: 3,  # trace number, BCD
    0x0C: 3,  # time HHMMSS, BCD
    0x0D: 2,  # date MMDD, BCD
    0x0E: 2,  # expiry YYMM, BCD
    0x17: 2,  # card sequence number, BCD
    0x19: 1,  # payment type / status byte
    0x22: "LL",  # PAN (BCD, F-padded; masked digits E)
    0x23: "LL",  # track 2
    0x24: "LLL",  # track 3
    0x27: 1,  # result code
    0x29: 4,  # terminal id, BCD
    0x2A: 15,  # VU number, ASCII
    0x2D: "LL",  # track 1
    0x2E: "LLL",  # sync chip data
    0x37: 3,  # trace number of the original transaction, BCD
    0x3A: 2,  # CVV/CVC
    0x3B: 8,  # AID
    0x3C: "LLL",  # additional data / text
    0x3D: 3,  # password
    0x49: 2,  # currency code, BCD (09 78 = EUR)
    0x4C: "LL",  # blocked goods groups
    0x60: "LLL",  # individual totals (end-of-day)
    0x87: 2,  # receipt number, BCD
    0x88: 3,  # turnover record number, BCD
    0x8A: 1,  # card type
    0x8B: "LL",  # card name, ASCII
    0x8C: 1,  # card type id
    0x92: "LLL",  # additional data ec-cash
    0x9A: "LLL",  # Geldkarte payment data
    0xA0: 1,  # result code AS
    0xA7: "LL",  # chip data, EF_ID
    0xAA: 3,  # date YYMMDD
    0xAF: "LLL",  # EF_Info
    0xBA: 5,  # AID parameter
    0xD0: 1,  # algorithm key
    0xD1: "LL",  # card offset / PIN data
    0xD2: 1,  # direct debit type
    0xD3: 1,  # number of resets
    0xE0: 1,  # min. length
    0xE9: 1,  # max. length
    0xEA: 1,  # echo input
    0xF0: 1,  # display duration
    0xF9: 1,  # number of beep tones
    0xFA: 1,  # status
    0xFB: 1,  # OK required
    0xFC: 1,  # duration
    0xFD: 1,  # mode
    0xFE: 1,  # text attribute
}
for _text_line in (0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8):
    BMP_LENGTHS[_text_line] = "LL"  # display text lines


def bcd(value: int, length: int) -> bytes:
    """`value` as packed BCD in `length` bytes, most significant digit first."""
    if value < 0:
        raise FieldError(t("BCD kann keine negativen Zahlen tragen"))
    digits = str(value).rjust(length * 2, "0")
    if len(digits) > length * 2:
        raise FieldError(t("{value} passt nicht in {length} BCD-Bytes", value=value, length=length))
    return bytes(int(digits[i:i + 2], 16) for i in range(0, len(digits), 2))


def from_bcd(data: bytes) -> int:
    """Packed BCD to an integer; a nibble above 9 is an error (a PAN's F/E nibbles go through
    bcd_digits instead)."""
    text = data.hex()
    if not text.isdigit():
        raise FieldError(t("keine BCD-Zahl: {hex}", hex=data.hex(' ')))
    return int(text) if text else 0


def bcd_digits(data: bytes) -> str:
    """Digits of a BCD string padded with F and masked with E (a PAN): "6725xxxx1234"."""
    out = []
    for nibble in data.hex().upper():
        if nibble == "F":
            continue
        out.append("x" if nibble == "E" else nibble)
    return "".join(out)


def _var_prefix(length: int, digits: int) -> bytes:
    """LLVAR/LLLVAR length: each decimal digit as a byte F0..F9."""
    text = str(length).rjust(digits, "0")
    if len(text) > digits:
        raise FieldError(t("Länge {length} zu groß für {digits} Stellen", length=length, digits=digits))
    return bytes(0xF0 | int(ch) for ch in text)


def _read_var_prefix(data: bytes, pos: int, digits: int) -> tuple[int, int]:
    raw = data[pos:pos + digits]
    if len(raw) < digits or any(b & 0xF0 != 0xF0 or b & 0x0F > 9 for b in raw):
        raise FieldError(t("ungültige Längenangabe {hex} an Stelle {pos}", hex=raw.hex(' '), pos=pos))
    return int("".join(str(b & 0x0F) for b in raw)), pos + digits


def ber_length(n: int) -> bytes:
    """TLV length: one byte below 128, else 81 nn or 82 nn nn."""
    if n < 0x80:
        return bytes([n])
    if n <= 0xFF:
        return bytes([0x81, n])
    if n <= 0xFFFF:
        return bytes([0x82, n >> 8, n & 0xFF])
    raise FieldError(t("TLV-Feld zu lang"))


def _read_ber_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise FieldError(t("TLV-Länge fehlt"))
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count not in (1, 2) or pos + 1 + count > len(data):
        raise FieldError(t("ungültige TLV-Länge an Stelle {pos}", pos=pos))
    return int.from_bytes(data[pos + 1:pos + 1 + count], "big"), pos + 1 + count


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """A BER tag: one byte, or more when the low five bits of the first are all set."""
    if pos >= len(data):
        raise FieldError(t("TLV-Tag fehlt"))
    tag, pos = data[pos], pos + 1
    if tag & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise FieldError(t("TLV-Tag abgeschnitten"))
            tag, pos = (tag << 8) | data[pos], pos + 1
            if not data[pos - 1] & 0x80:
                break
    return tag, pos


def tag_bytes(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes = b""
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        first = tag_bytes(self.tag)[0]
        return bool(first & 0x20)

    def encode(self) -> bytes:
        body = b"".join(c.encode() for c in self.children) if self.constructed else self.value
        return tag_bytes(self.tag) + ber_length(len(body)) + body

    def find(self, tag: int) -> list[Tlv]:
        """Every element with this tag, depth first (this element included)."""
        found = [self] if self.tag == tag else []
        for child in self.children:
            found += child.find(tag)
        return found


def parse_tlv(data: bytes) -> tuple[Tlv, ...]:
    items, pos = [], 0
    while pos < len(data):
        tag, pos = _read_tag(data, pos)
        length, pos = _read_ber_length(data, pos)
        if pos + length > len(data):
            raise FieldError(t("TLV-Tag {tag:X}: Wert abgeschnitten", tag=tag))
        value, pos = data[pos:pos + length], pos + length
        element = Tlv(tag, value)
        if element.constructed:
            element = Tlv(tag, value, parse_tlv(value))
        items.append(element)
    return tuple(items)


def encode_bmp(bmp: int, value: bytes | tuple[Tlv, ...]) -> bytes:
    """One BMP with its prefix; `value` is already in the field's format (BCD, ASCII, ...)."""
    kind = BMP_LENGTHS.get(bmp)
    if kind is None:
        raise FieldError(t("unbekanntes BMP {bmp:02X}", bmp=bmp))
    if kind == "TLV":
        assert isinstance(value, tuple)
        body = b"".join(item.encode() for item in value)
        return bytes([bmp]) + ber_length(len(body)) + body
    assert isinstance(value, bytes)
    if kind == "LL":
        return bytes([bmp]) + _var_prefix(len(value), 2) + value
    if kind == "LLL":
        return bytes([bmp]) + _var_prefix(len(value), 3) + value
    if len(value) != kind:
        raise FieldError(t("BMP {bmp:02X} braucht {kind} Bytes, nicht {count}", bmp=bmp, kind=kind, count=len(value)))
    return bytes([bmp]) + value


@dataclass(frozen=True)
class Bitmaps:
    """The BMPs of one APDU, in order (a BMP appears at most once in the messages we use)."""

    fields: dict[int, bytes]
    tlv: tuple[Tlv, ...] = ()

    def get(self, bmp: int) -> bytes | None:
        return self.fields.get(bmp)

    def number(self, bmp: int) -> int | None:
        raw = self.fields.get(bmp)
        return None if raw is None else from_bcd(raw)

    def byte(self, bmp: int) -> int | None:
        raw = self.fields.get(bmp)
        return None if raw is None else raw[0]


def parse_bmps(data: bytes) -> Bitmaps:
    fields: dict[int, bytes] = {}
    tlv: tuple[Tlv, ...] = ()
    pos = 0
    while pos < len(data):
        bmp = data[pos]
        pos += 1
        kind = BMP_LENGTHS.get(bmp)
        if kind is None:
            raise FieldError(t("unbekanntes BMP {bmp:02X} an Stelle {pos}", bmp=bmp, pos=pos - 1))
        if kind == "TLV":
            length, pos = _read_ber_length(data, pos)
            if pos + length > len(data):
                raise FieldError(t("TLV-Container abgeschnitten"))
            tlv = parse_tlv(data[pos:pos + length])
            pos += length
            continue
        if kind in ("LL", "LLL"):
            length, pos = _read_var_prefix(data, pos, 2 if kind == "LL" else 3)
        else:
            length = int(kind)
        if pos + length > len(data):
            raise FieldError(t("BMP {bmp:02X} abgeschnitten", bmp=bmp))
        fields[bmp] = data[pos:pos + length]
        pos += length
    return Bitmaps(fields, tlv)
