"""ZVT APDUs and their two transports.

An APDU is CLASS, INSTR, a length and the data. The length is one byte for up to 254 data bytes;
from 255 on it is FF followed by the length in two bytes, low byte first (the "extended length").

Over TCP (the usual LAN terminal) APDUs go as they are, one after the other. Over RS232 each APDU
is framed: DLE STX, the APDU with every DLE doubled, DLE ETX, then a CRC-CCITT (polynomial
x^16 + x^12 + x^5 + 1, reflected, start value 0000) over the APDU bytes and the ETX, low byte
first; the receiver answers ACK (06) or NAK (15) for the frame. The serial framing is built and
checked here and unit-tested; the till talks TCP.

Pure and thread-agnostic; reading from a socket happens in hardware.zvt.link.
"""
from __future__ import annotations

from dataclasses import dataclass
from pos_app.i18n import t

DLE, STX, ETX, FRAME_ACK, FRAME_NAK = 0x10, 0x02, 0x03, 0x06, 0x15


class ApduError(ValueError):
    """Bytes that are not a valid APDU or frame."""


@dataclass(frozen=True)
class Apdu:
    cls: int
    instr: int
    data: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return self.cls, self.instr

    def encode(self) -> bytes:
        n = len(self.data)
        if n < 0xFF:
            return bytes([self.cls, self.instr, n]) + self.data
        if n > 0xFFFF:
            raise ApduError(t("APDU zu lang: {n} Bytes", n=n))
        return bytes([self.cls, self.instr, 0xFF, n & 0xFF, n >> 8]) + self.data

    def __str__(self) -> str:
        return f"{self.cls:02X} {self.instr:02X} [{len(self.data)}] {self.data.hex(' ')}".rstrip()


ACK = Apdu(0x80, 0x00)  # positive acknowledgement, both directions


def header_length(head: bytes) -> tuple[int, int]:
    """From the first 3 bytes: (how many more header bytes, data length if known else -1)."""
    if len(head) < 3:
        raise ApduError(t("APDU-Kopf unvollständig"))
    return (2, -1) if head[2] == 0xFF else (0, head[2])


def decode(raw: bytes) -> Apdu:
    """Exactly one APDU; trailing bytes are an error."""
    apdu, rest = decode_prefix(raw)
    if rest:
        raise ApduError(t("{count} Bytes nach dem APDU", count=len(rest)))
    return apdu


def decode_prefix(raw: bytes) -> tuple[Apdu, bytes]:
    """The first APDU in `raw` and the bytes after it."""
    extra, length = header_length(raw[:3])
    start = 3
    if extra:
        if len(raw) < 5:
            raise ApduError(t("erweiterte Länge unvollständig"))
        length = raw[3] | (raw[4] << 8)
        if length < 0xFF:
            raise ApduError(t("erweiterte Länge für weniger als 255 Bytes"))
        start = 5
    if len(raw) < start + length:
        raise ApduError(t("APDU {raw:02X} {raw2:02X}: {length} Datenbytes angekündigt, {count} da", raw=raw[0], raw2=raw[1], length=length, count=len(raw) - start))
    return Apdu(raw[0], raw[1], bytes(raw[start:start + length])), bytes(raw[start + length:])


def crc_ccitt(data: bytes) -> int:
    """CRC-CCITT as ZVT's RS232 transport uses it (reflected 0x8408, start 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def frame(apdu: Apdu) -> bytes:
    """The RS232 frame of an APDU: DLE STX, data with DLE doubled, DLE ETX, CRC low, high."""
    body = apdu.encode()
    crc = crc_ccitt(body + bytes([ETX]))
    stuffed = body.replace(bytes([DLE]), bytes([DLE, DLE]))
    return bytes([DLE, STX]) + stuffed + bytes([DLE, ETX, crc & 0xFF, crc >> 8])


def unframe(raw: bytes) -> Apdu:
    """Check and open one RS232 frame; a wrong CRC or a lone DLE raises ApduError (the caller
    answers NAK and the terminal sends the frame again)."""
    if raw[:2] != bytes([DLE, STX]):
        raise ApduError(t("Rahmen beginnt nicht mit DLE STX"))
    body, i = bytearray(), 2
    while True:
        if i >= len(raw):
            raise ApduError(t("Rahmen ohne DLE ETX"))
        byte = raw[i]
        if byte == DLE:
            nxt = raw[i + 1] if i + 1 < len(raw) else None
            if nxt == DLE:
                body.append(DLE)
                i += 2
                continue
            if nxt == ETX:
                i += 2
                break
            raise ApduError(t("einzelnes DLE an Stelle {i}", i=i))
        body.append(byte)
        i += 1
    if len(raw) != i + 2:
        raise ApduError(t("CRC fehlt oder Bytes nach dem Rahmen"))
    crc = raw[i] | (raw[i + 1] << 8)
    if crc != crc_ccitt(bytes(body) + bytes([ETX])):
        raise ApduError(t("CRC falsch"))
    return decode(bytes(body))
