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
CODEPAGES = {0: "cp437", 16: "cp1252", 19: "cp858", 53: "cp858"}  # 53: CP858 on POS-5890 printers
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
    qrcodes: list[str] = field(default_factory=list)  # payloads of QR codes printed (GS ( k)
    images: list[tuple[int, int, bytes]] = field(default_factory=list)  # GS v 0: (width px, height, rows)
    cuts: int = 0
    drawer_kicks: list[int] = field(default_factory=list)  # pins (2 or 5)
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
        elif c == "(":
            self.two_d_code()
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


    def two_d_code(self) -> None:
        """GS ( k pL pH cn fn [m] data: only QR code (cn = '1') functions 65 (model), 67 (module
        size), 69 (error correction), 80 (store data, m = '0') and 81 (print, m = '0')."""
        if self.take(1, "GS (")[0] != ord("k"):
            raise DecodeError(f"GS ( other than GS ( k at byte {self.pos - 3}")
        low, high = self.take(2, "GS ( k length")
        body = self.take(low + 256 * high, "GS ( k data")
        if len(body) < 2 or body[0] != ord("1"):
            raise DecodeError(f"GS ( k: not a QR code function: {body[:4]!r}")
        fn, rest = body[1], body[2:]
        if fn == 65:
            if rest not in (b"1\x00", b"2\x00"):
                raise DecodeError(f"GS ( k QR model {rest!r}")
        elif fn == 67:
            if len(rest) != 1 or not 1 <= rest[0] <= 16:
                raise DecodeError(f"GS ( k QR module size {rest!r}")
        elif fn == 69:
            if rest not in (b"0", b"1", b"2", b"3"):
                raise DecodeError(f"GS ( k QR error correction {rest!r}")
        elif fn == 80:
            if rest[:1] != b"0":
                raise DecodeError("GS ( k QR store: m must be '0'")
            self.qr_pending = rest[1:].decode("utf-8")
        elif fn == 81:
            self.require_line_start("GS ( k print QR")
            payload = getattr(self, "qr_pending", None)
            if payload is None:
                raise DecodeError("GS ( k print QR without stored data")
            self.out.qrcodes.append(payload)
            self.out.events.append(("qr", payload))
            self.qr_pending = None
        else:
            raise DecodeError(f"GS ( k QR function {fn}")


    def raster_image(self) -> None:
        """GS v 0 m xL xH yL yH d...: a raster bit image, (xL + 256 xH) bytes per row, 1 = black."""
        if self.take(1, "GS v")[0] != ord("0"):
            raise DecodeError("GS v other than GS v 0")
        self.require_line_start("GS v 0")
        mode, xl, xh, yl, yh = self.take(5, "GS v 0 header")
        if mode not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise DecodeError(f"GS v 0 mode {mode}")
        width_bytes, height = xl + 256 * xh, yl + 256 * yh
        rows = self.take(width_bytes * height, "GS v 0 image data")
        self.out.images.append((width_bytes * 8, height, rows))
        self.out.events.append(("image", (width_bytes * 8, height)))


def image_of(width: int, height: int, rows: bytes):  # type: ignore[no-untyped-def]
    """A decoded raster image as a PIL image (black on white), e.g. to read a QR code from it."""
    from PIL import Image

    picture = Image.frombytes("1", (width, height), rows)  # PIL mode 1: bit 1 = white
    return Image.eval(picture.convert("L"), lambda v: 255 - v)


def decode(data: bytes) -> Decoded:
    """Decode a whole print job; raises DecodeError on anything it does not know."""
    return _Decoder(data).run()
