"""A card terminal simulator that speaks ZVT byte for byte over TCP on loopback.

The terminal is outside the system, so a stand-in is right here; it is written independently of
hardware.zvt (its own BCD, BMP and TLV encoding, its own parser of what the till sends), so the
two cannot share a mistake. Every APDU the till sends is kept raw in `received` for the tests.

It books like a terminal: receipt numbers (BMP 87) and trace numbers (BMP 0B) count up, the
batch of the day sums payments and refunds (reversed payments drop out) until End-of-Day.

Faults, for the next command (`fault = ...`): "no_answer" (takes the command, says nothing),
"no_ack", "busy" (84 83), "abort" (06 1E 6C: customer pressed cancel), "decline" (status result
05 and an Abort), "lose_completion" (books and sends the status information, then drops the line
before the Completion), "disconnect" (books, then drops the line right after the intermediate
status, before any result). `card_wait_s` makes "insert card" wait that long for the customer,
during which the ECR may cancel with Abort 06 B0 (answered 80 00 00, then 06 1E 6C). `hold` pauses the payment after the status information was
acknowledged (a crash test kills the till there); `at_hold` is set when it gets there.
"""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

ACK = bytes([0x80, 0x00, 0x00])
PASSWORD = bytes([0x00, 0x00, 0x00])


def bcd(value: int, length: int) -> bytes:
    return bytes.fromhex(str(value).rjust(length * 2, "0"))


def apdu(cls: int, instr: int, data: bytes = b"") -> bytes:
    if len(data) < 255:
        return bytes([cls, instr, len(data)]) + data
    return bytes([cls, instr, 0xFF, len(data) & 0xFF, len(data) >> 8]) + data


def lll(n: int) -> bytes:
    return bytes(0xF0 | int(d) for d in f"{n:03d}")


def ll(n: int) -> bytes:
    return bytes(0xF0 | int(d) for d in f"{n:02d}")


def tlv(tag: bytes, value: bytes) -> bytes:
    n = len(value)
    length = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 0xFF]))
    return tag + length + value


@dataclass
class Booking:
    kind: str  # payment | refund | reversal
    amount_cents: int
    receipt_no: int
    trace_no: int
    result: int = 0
    reversed: bool = False


@dataclass
class ZvtSimulator:
    terminal_id: str = "52500038"
    fault: str = ""
    faults: list[str] = field(default_factory=list)  # for the next commands in turn, before `fault`
    decline_code: int = 0x05
    hold: threading.Event | None = None
    at_hold: threading.Event = field(default_factory=threading.Event)
    received: list[bytes] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    receipt_counter: int = 0
    trace_counter: int = 100
    batch_open_from: int = 0  # index into bookings where today's batch starts
    card_wait_s: float = 0.0  # how long "insert card" waits for the customer (an ECR abort may come)
    _abort_requested: bool = False

    def __post_init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self.port = self._server.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="zvt-simulator", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        self._server.close()
        self._thread.join(timeout=5)

    # ---- what the tests look at ----------------------------------------------------------

    @property
    def charged_cents(self) -> int:
        """Money taken from customers and not given back: payments not reversed minus refunds."""
        paid = sum(b.amount_cents for b in self.bookings if b.kind == "payment" and b.result == 0 and not b.reversed)
        return paid - sum(b.amount_cents for b in self.bookings if b.kind == "refund" and b.result == 0)

    def payments(self) -> list[Booking]:
        return [b for b in self.bookings if b.kind == "payment" and b.result == 0]

    # ---- the line ------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            if self._stop:
                conn.close()
                return
            try:
                conn.settimeout(30)
                self._session(conn)
            except (OSError, _Dropped):
                pass
            finally:
                conn.close()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise _Dropped()
            data += chunk
        return data

    def _read_apdu(self, conn: socket.socket) -> bytes:
        head = self._read(conn, 3)
        if head[2] == 0xFF:
            ext = self._read(conn, 2)
            return head + ext + self._read(conn, ext[0] | ext[1] << 8)
        return head + self._read(conn, head[2])

    def _send_wait_ack(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        answer = self._read_apdu(conn)
        if answer == bytes([0x06, 0xB0, 0x00]):  # the ECR cancels; its ACK to our message follows
            self.received.append(answer)
            self._abort_requested = True
            answer = self._read_apdu(conn)
        if answer != ACK:
            raise AssertionError(f"ECR must answer 80 00 00, sent {answer.hex(' ')}")

    def _wait_for_card(self, conn: socket.socket) -> bool:
        """While "insert card" shows: True if the ECR sent Abort 06 B0 (answered 80 00 00)."""
        if self._abort_requested:
            conn.sendall(ACK)
            return True
        if self.card_wait_s <= 0:
            return False
        conn.settimeout(self.card_wait_s)
        try:
            raw = self._read_apdu(conn)
        except socket.timeout:
            return False
        finally:
            conn.settimeout(30)
        self.received.append(raw)
        assert raw == bytes([0x06, 0xB0, 0x00]), raw.hex(" ")
        conn.sendall(ACK)
        return True

    def _session(self, conn: socket.socket) -> None:
        while True:
            try:
                raw = self._read_apdu(conn)
            except _Dropped:
                return
            self.received.append(raw)
            fault, self.fault = (self.faults.pop(0), self.fault) if self.faults else (self.fault, "")
            command, data = raw[:2], raw[3:] if raw[2] != 0xFF else raw[5:]
            if command == b"\x06\xb0":  # abort from the ECR: nothing is running in between
                conn.sendall(ACK)
                continue
            if fault == "no_answer":
                self._read_until_closed(conn)
                return
            if fault == "no_ack":
                return
            if fault == "busy":
                conn.sendall(bytes([0x84, 0x83, 0x00]))
                continue
            conn.sendall(ACK)
            handler = {b"\x06\x00": self._registration, b"\x06\x01": self._authorisation,
                       b"\x06\x20": self._repeat, b"\x06\x30": self._reversal, b"\x06\x31": self._refund,
                       b"\x06\x50": self._end_of_day}.get(command)
            if handler is None:
                self._send_wait_ack(conn, apdu(0x06, 0x1E, bytes([0x83])))
                continue
            handler(conn, data, fault)

    def _read_until_closed(self, conn: socket.socket) -> None:
        try:
            while conn.recv(64):
                pass
        except OSError:
            pass

    # ---- commands ------------------------------------------------------------------------

    def _registration(self, conn: socket.socket, data: bytes, fault: str) -> None:
        assert data[:3] == PASSWORD and len(data) in (4, 6), data.hex(" ")
        self._send_wait_ack(conn, apdu(0x06, 0x0F, bytes([0x19, 0x00]) + bytes([0x29]) + bytes.fromhex(self.terminal_id)
                                        + bytes([0x49]) + bcd(978, 2)))

    def _amount(self, bmps: bytes) -> int:
        """BMP 04 (6 BCD bytes) followed by BMP 49 09 78, exactly as the spec lays them out."""
        assert bmps[0] == 0x04 and bmps[7:10] == bytes([0x49, 0x09, 0x78]) and len(bmps) == 10, bmps.hex(" ")
        return int(bmps[1:7].hex())

    def _status(self, booking: Booking, extra: bytes = b"") -> bytes:
        body = (bytes([0x27, booking.result]) + bytes([0x04]) + bcd(booking.amount_cents, 6)
                + bytes([0x0B]) + bcd(booking.trace_no, 3) + bytes([0x0C]) + bytes.fromhex("142530")
                + bytes([0x0D]) + bytes.fromhex("1206") + bytes([0x29]) + bytes.fromhex(self.terminal_id)
                + bytes([0x49]) + bcd(978, 2) + bytes([0x87]) + bcd(booking.receipt_no, 2)
                + bytes([0x8A, 0x05]) + bytes([0x8B]) + ll(8) + b"girocard"
                + bytes([0x22]) + ll(10) + bytes.fromhex("6725eeeeeeeeeeee1234")
                + extra)
        return apdu(0x04, 0x0F, body)

    def _slip(self, booking: Booking, title: str) -> bytes:
        euros = f"{booking.amount_cents // 100},{booking.amount_cents % 100:02d} EUR"
        lines = ["Kundenbeleg", title, f"Terminal-ID {self.terminal_id}", f"Beleg-Nr. {booking.receipt_no:04d}",
                 f"Trace-Nr. {booking.trace_no:06d}", f"Betrag {euros}", "girocard  ############1234",
                 "Zahlung erfolgt" if booking.result == 0 else "Abgelehnt"]
        texts = b"".join(tlv(b"\x07", line.encode("cp437")) for line in lines)
        container = tlv(b"\x25", texts) + tlv(b"\x1f\x07", b"\x02")
        n = len(container)
        length = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 0xFF]))
        return apdu(0x06, 0xD3, bytes([0x06]) + length + container)

    def _book(self, kind: str, amount: int, result: int = 0) -> Booking:
        self.receipt_counter += 1
        self.trace_counter += 1
        booking = Booking(kind, amount, self.receipt_counter, self.trace_counter, result)
        self.bookings.append(booking)
        return booking

    def _authorisation(self, conn: socket.socket, data: bytes, fault: str) -> None:
        amount = self._amount(data)
        self._abort_requested = False
        self._send_wait_ack(conn, apdu(0x04, 0xFF, bytes([0x0A])))  # insert card
        if self._wait_for_card(conn):  # the cashier cancelled at the till
            self._send_wait_ack(conn, apdu(0x06, 0x1E, bytes([0x6C])))
            return
        self._send_wait_ack(conn, apdu(0x04, 0xFF, bytes([0x41])))  # enter PIN
        if fault == "abort":
            self._send_wait_ack(conn, apdu(0x06, 0x1E, bytes([0x6C])))
            return
        if fault == "decline":
            booking = self._book("payment", amount, self.decline_code)
            self._send_wait_ack(conn, self._status(booking))
            self._send_wait_ack(conn, apdu(0x06, 0x1E, bytes([self.decline_code])))
            return
        booking = self._book("payment", amount)
        self._send_wait_ack(conn, apdu(0x04, 0xFF, bytes([0x04])))  # waiting for the host
        if fault == "disconnect":
            raise _Dropped()
        self._send_wait_ack(conn, self._status(booking))
        if self.hold is not None:
            self.at_hold.set()
            self.hold.wait(60)
        self._send_wait_ack(conn, self._slip(booking, "Kartenzahlung"))
        if fault == "lose_completion":
            raise _Dropped()
        self._send_wait_ack(conn, apdu(0x06, 0x0F))

    def _repeat(self, conn: socket.socket, data: bytes, fault: str) -> None:
        assert data == PASSWORD, data.hex(" ")
        if not self.bookings:
            self._send_wait_ack(conn, apdu(0x06, 0x1E, bytes([0x83])))
            return
        last = self.bookings[-1]
        self._send_wait_ack(conn, self._status(last))
        self._send_wait_ack(conn, self._slip(last, "Kartenzahlung (Kopie)"))
        self._send_wait_ack(conn, apdu(0x06, 0x0F))

    def _reversal(self, conn: socket.socket, data: bytes, fault: str) -> None:
        assert data[:3] == PASSWORD and data[3] == 0x87 and len(data) == 6, data.hex(" ")
        receipt = int(data[4:6].hex())
        target = next((b for b in self.bookings if b.receipt_no == receipt and b.kind == "payment"), None)
        if target is None or target.reversed or target.result != 0:
            self._send_wait_ack(conn, apdu(0x06, 0x1E, bytes([0xB4 if target and target.reversed else 0xB5])))
            return
        target.reversed = True
        booking = self._book("reversal", target.amount_cents)
        self._send_wait_ack(conn, self._status(booking))
        self._send_wait_ack(conn, self._slip(booking, "Storno"))
        self._send_wait_ack(conn, apdu(0x06, 0x0F))

    def _refund(self, conn: socket.socket, data: bytes, fault: str) -> None:
        assert data[:3] == PASSWORD, data.hex(" ")
        amount = self._amount(data[3:])
        self._send_wait_ack(conn, apdu(0x04, 0xFF, bytes([0x0A])))
        booking = self._book("refund", amount)
        self._send_wait_ack(conn, self._status(booking))
        self._send_wait_ack(conn, self._slip(booking, "Gutschrift"))
        self._send_wait_ack(conn, apdu(0x06, 0x0F))

    def _end_of_day(self, conn: socket.socket, data: bytes, fault: str) -> None:
        assert data == PASSWORD, data.hex(" ")
        batch = self.bookings[self.batch_open_from:]
        paid = [b for b in batch if b.kind == "payment" and b.result == 0 and not b.reversed]
        refunds = [b for b in batch if b.kind == "refund" and b.result == 0]
        total = sum(b.amount_cents for b in paid) - sum(b.amount_cents for b in refunds)
        first = batch[0].receipt_no if batch else 0
        last = batch[-1].receipt_no if batch else 0
        totals = bcd(first, 2) + bcd(last, 2) + bytes([len(paid)]) + bcd(max(total, 0), 6)
        totals += (bytes([0]) + bcd(0, 6)) * 6
        self._send_wait_ack(conn, apdu(0x04, 0xFF, bytes([0x0E])))
        body = (bytes([0x27, 0x00, 0x04]) + bcd(max(total, 0), 6) + bytes([0x0C]) + bytes.fromhex("220000")
                + bytes([0x0D]) + bytes.fromhex("1206") + bytes([0x29]) + bytes.fromhex(self.terminal_id)
                + bytes([0x60]) + lll(len(totals)) + totals)
        self._send_wait_ack(conn, apdu(0x04, 0x0F, body))
        for line in ("Kassenschnitt", f"Terminal-ID {self.terminal_id}", f"girocard {len(paid)}",
                     f"Summe {total // 100},{total % 100:02d} EUR"):
            self._send_wait_ack(conn, apdu(0x06, 0xD1, b"\x00" + line.encode("cp437")))
        self._send_wait_ack(conn, apdu(0x06, 0xD1, b"\xff"))
        self.batch_open_from = len(self.bookings)
        self._send_wait_ack(conn, apdu(0x06, 0x0F))


class _Dropped(Exception):
    """The line went down (or the simulator drops it on purpose)."""
