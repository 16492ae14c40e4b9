"""A strict little ESC/POS decoder for tests: what would the printer print?

It knows exactly the commands our renderer (hardware.receipt_printer via python-escpos) emits and
raises DecodeError on anything else, so a test fails when the renderer starts sending something
nobody checked. Text is decoded with the code page selected by ESC t (0 = CP437, 19 = CP858);
ESC @ resets it to CP437 like the printer does.

It also checks two Epson rules that silently lose output on real printers: ESC a and GS k are
only honoured at the start of a line (nothing buffered).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, LF, NUL = 0x1B, 0x1D, 0x0A, 0x00
CODEPAGES = {0: "cp437", 19: "cp858", 53: "cp858"}  # 53: CP858 on POS-5890 printers
BARCODE_A = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "NW7"}
BARCODE_B = {65 + n: name for n, name in BARCODE_A.items()} | {
    72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1 DATABAR OMNIDIRECTIONAL",
    76: "GS1 DATABAR TRUNCATED", 77: "GS1 DATABAR LIMITED", 78: "GS1 DATABAR EXPANDED",
}
ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
ONE_BYTE_ESC = {ord("-"), ord("M")}  # underline, font: skipped (not used for checks)
ONE_BYTE_GS = {ord("h"), ord("w"), ord("H"), ord("f")}  # barcode height, width, HRI pos, HRI font


class DecodeError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    text: str
    align: str
    bold: bool
    double_width: bool
    double_height: bool


@dataclass
class Decoded:
    lines: list[Line] = field(default_factory=list)
    barcodes: list[tuple[str, str]] = field(default_factory=list)  # (type, data without "{B")
    cuts: int = 0
    drawer_kicks: list[int] = field(default_factory=list)  # pins (2 or 5)
    images: list[tuple[int, int]] = field(default_factory=list)  # raster images (width, height) in dots
    codepages: list[int] = field(default_factory=list)  # every ESC t n, in order
    events: list[tuple[str, object]] = field(default_factory=list)  # ("init"|"codepage"|...)

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def text(self) -> str:
        return "\n".join(self.text_lines)


def _code128(raw: bytes) -> str:
    """Payload of an ESC/POS Code 128 (GS k 73): "{A"/"{B"/"{C" pick the code set, "{{" is "{",
    in set C every byte is a pair of digits."""
    if len(raw) < 2 or raw[0] != ord("{") or raw[1] not in b"ABC":
        raise DecodeError(f"Code 128 data must start with {{A, {{B or {{C: {raw!r}")
    out, codeset, i = [], raw[1], 2
    while i < len(raw):
        byte = raw[i]
        if byte == ord("{"):
            if i + 1 >= len(raw):
                raise DecodeError(f"dangling '{{' in Code 128 data {raw!r}")
            nxt = raw[i + 1]
            if nxt in b"ABC":
                codeset = nxt
            elif nxt == ord("{"):
                out.append("{")
            elif nxt not in b"S1234":  # shift and FNC1-4 carry no payload
                raise DecodeError(f"unknown Code 128 escape {{{chr(nxt)} in {raw!r}")
            i += 2
            continue
        out.append(f"{byte:02d}" if codeset == ord("C") else chr(byte))
        i += 1
    return "".join(out)


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.out = data, 0, Decoded()
        self.pending: list[str] = []  # decoded pieces of the current line
        self.buffer = bytearray()  # undecoded bytes in the current code page
        self.line_style: Line | None = None
        self.reset()

    def reset(self) -> None:
        self.codepage, self.align, self.bold, self.dw, self.dh = 0, "left", False, False, False

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise DecodeError(f"{what} cut short at byte {self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def flush_buffer(self) -> None:
        if self.buffer:
            self.pending.append(bytes(self.buffer).decode(CODEPAGES[self.codepage]))
            self.buffer.clear()

    def has_text(self) -> bool:
        return bool(self.buffer or self.pending)

    def end_line(self) -> None:
        self.flush_buffer()
        style = self.line_style or Line("", self.align, self.bold, self.dw, self.dh)
        text = "".join(self.pending)
        self.out.lines.append(Line(text, style.align, style.bold, style.double_width, style.double_height))
        self.out.events.append(("text", text))
        self.pending, self.line_style = [], None

    def require_line_start(self, command: str) -> None:
        if self.has_text():
            raise DecodeError(f"{command} at byte {self.pos} in the middle of a line (ignored by the printer)")

    def run(self) -> Decoded:
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            self.pos += 1
            if byte == LF:
                self.end_line()
            elif byte == ESC:
                self.esc(self.take(1, "ESC")[0])
            elif byte == GS:
                self.gs(self.take(1, "GS")[0])
            elif byte < 0x20 or byte == 0x7F:
                raise DecodeError(f"unexpected control byte 0x{byte:02x} at {self.pos - 1}")
            else:
                if self.line_style is None and not self.has_text():
                    self.line_style = Line("", self.align, self.bold, self.dw, self.dh)
                self.buffer.append(byte)
        if self.has_text():
            self.end_line()  # unterminated last line: the printer would print it on the next LF
        return self.out

    def esc(self, cmd: int) -> None:
        c = chr(cmd)
        if c == "@":
            self.flush_buffer()
            self.pending, self.line_style = [], None  # ESC @ clears the print buffer
            self.reset()
            self.out.events.append(("init", None))
        elif c == "t":
            n = self.take(1, "ESC t")[0]
            if n not in CODEPAGES:
                raise DecodeError(f"ESC t {n}: code page unknown to the test decoder")
            self.flush_buffer()
            self.codepage = n
            self.out.codepages.append(n)
            self.out.events.append(("codepage", n))
        elif c == "a":
            n = self.take(1, "ESC a")[0]
            self.require_line_start("ESC a")
            if n not in ALIGN:
                raise DecodeError(f"ESC a {n}")
            self.align = ALIGN[n]
        elif c == "E":
            self.bold = bool(self.take(1, "ESC E")[0] & 1)
        elif c == "!":
            n = self.take(1, "ESC !")[0]
            self.bold, self.dh, self.dw = bool(n & 0x08), bool(n & 0x10), bool(n & 0x20)
        elif c == "d":
            self.take(1, "ESC d")
            if self.has_text():
                self.end_line()  # print and feed: the buffered text becomes a line
        elif c == "p":
            m, _t1, _t2 = self.take(3, "ESC p")
            if m not in (0, 1, 48, 49):
                raise DecodeError(f"ESC p {m}")
            pin = 2 if m in (0, 48) else 5
            self.out.drawer_kicks.append(pin)
            self.out.events.append(("drawer", pin))
        elif cmd in ONE_BYTE_ESC:
            self.take(1, f"ESC {c}")
        else:
            raise DecodeError(f"unknown ESC 0x{cmd:02x} ({c!r}) at byte {self.pos - 2}")

    def gs(self, cmd: int) -> None:
        c = chr(cmd)
        if c == "!":
            n = self.take(1, "GS !")[0]
            self.dw, self.dh = (n >> 4) > 0, (n & 0x0F) > 0
        elif c == "V":
            m = self.take(1, "GS V")[0]
            if m in (65, 66, 97, 98, 103, 104):
                self.take(1, "GS V m n")
            elif m not in (0, 1, 48, 49):
                raise DecodeError(f"GS V {m}")
            if self.has_text():
                self.end_line()
            self.out.cuts += 1
            self.out.events.append(("cut", None))
        elif c == "k":
            self.barcode()
        elif c == "v":
            self.raster_image()
        elif cmd in ONE_BYTE_GS:
            self.take(1, f"GS {c}")
        else:
            raise DecodeError(f"unknown GS 0x{cmd:02x} ({c!r}) at byte {self.pos - 2}")

    def barcode(self) -> None:
        self.require_line_start("GS k")
        m = self.take(1, "GS k")[0]
        if m in BARCODE_A:
            end = self.data.find(bytes([NUL]), self.pos)
            if end < 0:
                raise DecodeError("GS k (function A) without NUL")
            raw = self.take(end - self.pos, "GS k data")
            self.pos += 1
            kind, payload = BARCODE_A[m], raw.decode("ascii")
        elif m in BARCODE_B:
            n = self.take(1, "GS k length")[0]
            raw = self.take(n, "GS k data")
            kind = BARCODE_B[m]
            payload = _code128(raw) if kind in ("CODE128", "GS1-128") else raw.decode("ascii")
        else:
            raise DecodeError(f"GS k {m}: unknown barcode type")
        self.out.barcodes.append((kind, payload))
        self.out.events.append(("barcode", (kind, payload)))


    def raster_image(self) -> None:
        """GS v 0 m xL xH yL yH d1..dk: a raster bit image, (xL + xH * 256) bytes per row."""
        self.require_line_start("GS v 0")
        zero, m, xl, xh, yl, yh = self.take(6, "GS v 0")
        if zero != ord("0") or m not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise DecodeError(f"GS v {zero} {m}")
        width_bytes, height = xl + xh * 256, yl + yh * 256
        self.take(width_bytes * height, "GS v 0 image data")
        self.out.images.append((width_bytes * 8, height))
        self.out.events.append(("image", (width_bytes * 8, height)))


def decode(data: bytes) -> Decoded:
    """Decode a whole print job; raises DecodeError on anything it does not know."""
    return _Decoder(data).run()
