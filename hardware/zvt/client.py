"""A ZVT terminal over TCP: one command at a time, from the ECR's first byte to the terminal's
Completion or Abort, every terminal message acknowledged with 80 00 00.

The answer is a pos_app.card_terminal.TerminalReply. When the dialogue ends without a final
answer (no ACK, no completion in time, the connection drops) `TerminalUnavailable` is raised
and nothing is assumed: the caller (pos_app.card_payments) asks the terminal what happened to the
last transaction (Repeat Receipt 06 20) before anything else, so a payment is never taken twice.

Thread: NOT thread-safe; each terminal is driven by exactly one worker thread
(hardware.zvt.worker.TerminalWorker), like a printer by its print queue.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hardware.zvt import messages as m
from hardware.zvt.apdu import ACK, Apdu, ApduError, decode_prefix, header_length
from hardware.zvt.fields import FieldError
from pos_app.card_terminal import CardOutcome, SchemeTotal, TerminalNotReached, TerminalReply, TerminalUnavailable
from pos_app.i18n import t

log = logging.getLogger(__name__)
StatusCallback = Callable[[str], None]


@dataclass(frozen=True)
class ZvtSettings:
    host: str
    port: int = 20007
    password: int = 0  # the terminal's 6-digit password (BCD); 000000 on many test terminals
    ack_timeout_s: float = 5.0  # the ACK to a command must come at once (spec: T3 = 5 s)
    answer_timeout_s: float = 180.0  # the longest pause between two terminal messages
    connect_timeout_s: float = 5.0


class ZvtClient:
    """Talks to one terminal. Connects for each command and closes afterwards (a terminal
    serves one ECR at a time, and a half-open connection after a crash must not block it)."""

    def __init__(self, settings: ZvtSettings) -> None:
        self.settings = settings
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._owner: int | None = None  # the worker thread, asserted on every command
        self._send_lock = threading.Lock()  # request_abort may write from another thread

    # ---- the commands --------------------------------------------------------------------

    def register(self, on_status: StatusCallback | None = None) -> TerminalReply:
        return self._run(m.registration(self.settings.password), on_status, "registration")

    def pay(self, amount_cents: int, on_status: StatusCallback | None = None) -> TerminalReply:
        return self._run(m.authorisation(amount_cents), on_status, "payment", amount_cents)

    def refund(self, amount_cents: int, on_status: StatusCallback | None = None) -> TerminalReply:
        return self._run(m.refund(self.settings.password, amount_cents), on_status, "refund", amount_cents)

    def reverse(self, receipt_no: int, on_status: StatusCallback | None = None) -> TerminalReply:
        return self._run(m.reversal(self.settings.password, receipt_no), on_status, "reversal")

    def last_transaction(self, on_status: StatusCallback | None = None) -> TerminalReply:
        """Repeat Receipt 06 20: the status information and receipt of the last transaction."""
        return self._run(m.repeat_receipt(self.settings.password), on_status, "repeat")

    def end_of_day(self, on_status: StatusCallback | None = None) -> TerminalReply:
        return self._run(m.end_of_day(self.settings.password), on_status, "end_of_day")

    def request_abort(self) -> bool:
        """The cashier cancels the running command: 06 B0 00 on its connection. The one call
        allowed from another thread (the UI's); the terminal answers 80 00 and then ends the
        command with an Abort (06 1E), which the worker's dialogue reads as usual. False when
        no command is running."""
        sock = self._sock
        if sock is None:
            return False
        try:
            with self._send_lock:
                sock.sendall(m.abort_command().encode())
        except OSError:
            return False
        return True

    # ---- the dialogue --------------------------------------------------------------------

    def _run(self, command: Apdu, on_status: StatusCallback | None, kind: str,
             amount_cents: int | None = None) -> TerminalReply:
        me = threading.get_ident()
        if self._owner is None:
            self._owner = me
        assert self._owner == me, "a ZVT terminal is driven by one thread only"
        try:
            self._connect()
        except OSError as exc:  # nothing was sent: the terminal cannot have booked anything
            self._close()
            raise TerminalNotReached(f"Terminal {self.settings.host}:{self.settings.port} nicht erreichbar: {exc}") from exc
        try:
            self._send(command)
            first = self._receive(self.settings.ack_timeout_s)
            if first.cls == 0x84:
                return TerminalReply(CardOutcome.BUSY, amount_cents or 0, first.instr,
                                     t("Terminal lehnt ab: {result_text}", result_text=m.result_text(first.instr)))
            if first.command != (0x80, 0x00):
                raise TerminalUnavailable(t("Terminal antwortet unerwartet ({first}).", first=first))
            dialogue = m.Dialogue()
            while not dialogue.completed and dialogue.aborted is None:
                apdu = self._receive(self.settings.answer_timeout_s)
                message = m.parse(apdu)
                if message is None:  # the terminal's ACK to our abort request: nothing to answer
                    continue
                if isinstance(message, m.Unknown):
                    self._send(Apdu(0x84, 0x83))  # function not possible; the terminal goes on
                    continue
                self._send(ACK)
                self._take(message, dialogue, on_status)
            return _reply(kind, amount_cents, dialogue)
        except (OSError, ApduError, FieldError) as exc:
            raise TerminalUnavailable(t("Terminal {host}:{port}: {exc}", host=self.settings.host, port=self.settings.port, exc=exc)) from exc
        finally:
            self._close()

    @staticmethod
    def _take(message: m.Message | None, dialogue: m.Dialogue, on_status: StatusCallback | None) -> None:
        if isinstance(message, m.IntermediateStatus):
            dialogue.texts.append(message.text)
            if on_status is not None:
                on_status(message.text)
        elif isinstance(message, m.StatusInformation):
            dialogue.status = message
        elif isinstance(message, m.PrintText):
            dialogue.receipts.setdefault(message.receipt_type, []).extend(message.lines)
        elif isinstance(message, m.Completion):
            dialogue.completed = True
        elif isinstance(message, m.TerminalAbort):
            dialogue.aborted = message

    # ---- bytes on the wire ---------------------------------------------------------------

    def _connect(self) -> None:
        s = self.settings
        self._sock = socket.create_connection((s.host, s.port), timeout=s.connect_timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None

    def _send(self, apdu: Apdu) -> None:
        assert self._sock is not None
        log.debug("ECR -> PT %s", apdu)
        with self._send_lock:
            self._sock.sendall(apdu.encode())

    def _read(self, n: int, deadline: float) -> None:
        assert self._sock is not None
        while len(self._buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(t("keine Antwort in der Zeit"))
            self._sock.settimeout(left)
            chunk = self._sock.recv(4096)
            if not chunk:
                raise ConnectionError(t("Verbindung vom Terminal getrennt"))
            self._buffer += chunk

    def _receive(self, timeout_s: float) -> Apdu:
        deadline = time.monotonic() + timeout_s
        self._read(3, deadline)
        extra, length = header_length(self._buffer[:3])
        if extra:
            self._read(5, deadline)
            length = self._buffer[3] | (self._buffer[4] << 8)
        self._read(3 + extra + length, deadline)
        apdu, self._buffer = decode_prefix(self._buffer)
        log.debug("PT -> ECR %s", apdu)
        return apdu


def _reply(kind: str, amount_cents: int | None, dialogue: m.Dialogue) -> TerminalReply:
    """The final answer of a dialogue. A completion without a status information is an approval
    only for commands that carry no money (registration); for payments it is asked again."""
    slip = tuple(dialogue.receipts.get(m.RECEIPT_CUSTOMER, ()) or dialogue.receipts.get(m.RECEIPT_ADMIN, ()))
    merchant = tuple(dialogue.receipts.get(m.RECEIPT_MERCHANT, ()))
    status = dialogue.status
    if dialogue.aborted is not None:
        code = dialogue.aborted.result_code
        outcome = CardOutcome.ABORTED if code in m.ABORTED_CODES else CardOutcome.DECLINED
        return TerminalReply(outcome, amount_cents or 0, code, dialogue.aborted.text, slip=slip,
                             merchant_slip=merchant, texts=tuple(dialogue.texts))
    if status is None:
        if kind in ("registration",):
            return TerminalReply(CardOutcome.APPROVED, 0, 0, t("Terminal angemeldet"), texts=tuple(dialogue.texts))
        raise TerminalUnavailable(t("Abschluss ohne Statusinformation: Ergebnis unbekannt."))
    code = status.result_code
    outcome = CardOutcome.APPROVED if code == 0 else (
        CardOutcome.ABORTED if code in m.ABORTED_CODES else CardOutcome.DECLINED)
    totals: tuple[SchemeTotal, ...] = ()
    if status.totals is not None:
        totals = tuple(SchemeTotal(name, count, cents) for name, count, cents in status.totals.schemes if count)
    return TerminalReply(
        outcome, status.amount_cents if status.amount_cents is not None else (amount_cents or 0), code,
        m.result_text(code), receipt_no=status.receipt_no, trace_no=status.trace_no,
        terminal_id=status.terminal_id, card_name=status.card_name, pan=status.pan, slip=slip,
        merchant_slip=merchant, texts=tuple(dialogue.texts), totals=totals)
