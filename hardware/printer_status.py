"""Asking a receipt printer how it is: online, cover, paper (ESC/POS real-time status).

On a network printer we send DLE EOT 1 (printer status), DLE EOT 2 (offline cause) and
DLE EOT 4 (paper roll sensor) and read one byte for each; a printer that does not answer
DLE EOT 4 is asked GS r 1 (paper sensor) instead. A printer that answers nothing is reachable
but "meldet keinen Status": many cheap printers do not report. Other connections (USB, serial,
file) are only checked for being reachable (printer_connection.check).

Blocking I/O, bounded by the settings' timeout: call it on the print queue's worker thread
(PrintQueue.call), so status queries and print jobs never talk to the printer at once.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Literal

from hardware import printer_connection
from hardware.printer_connection import describe
from pos_app.config import PrinterSettings
from pos_app.i18n import t

DLE_EOT = b"\x10\x04"
GS_R = b"\x1dr"
ANSWER_S = 0.8  # how long to wait for one status byte

Paper = Literal["ok", "near_end", "out", "unknown"]


@dataclass(frozen=True)
class PrinterStatus:
    reachable: bool
    online: bool | None  # None: the printer does not say
    paper: Paper
    cover_open: bool | None
    message: str  # for the cashier's status bar

    @property
    def ready(self) -> bool:
        """Prints now: reachable, not offline, paper not out, cover not open."""
        return self.reachable and self.online is not False and self.paper != "out" and not self.cover_open


def _valid(byte: int) -> bool:
    """DLE EOT answers have bit 1 and bit 4 set, bit 0 and bit 7 clear."""
    return byte & 0x93 == 0x12


def _ask(sock: socket.socket, command: bytes, timeout: float) -> int | None:
    sock.settimeout(timeout)
    sock.sendall(command)
    try:
        answer = sock.recv(1)
    except (TimeoutError, socket.timeout):
        return None
    if not answer:
        raise ConnectionResetError(t("Drucker hat die Verbindung geschlossen"))
    return answer[0]


def interpret(printer: int | None, offline_cause: int | None, paper_sensor: int | None,
              gs_r_paper: int | None = None) -> tuple[bool | None, Paper, bool | None]:
    """The three DLE EOT answers (and GS r 1 as a fallback) to (online, paper, cover_open)."""
    online = None if printer is None or not _valid(printer) else not printer & 0x08
    cover = None if offline_cause is None or not _valid(offline_cause) else bool(offline_cause & 0x04)
    paper: Paper = "unknown"
    if paper_sensor is not None and _valid(paper_sensor):
        paper = "out" if paper_sensor & 0x60 else "near_end" if paper_sensor & 0x0C else "ok"
    elif gs_r_paper is not None:
        paper = "out" if gs_r_paper & 0x0C else "near_end" if gs_r_paper & 0x03 else "ok"
    if offline_cause is not None and _valid(offline_cause) and offline_cause & 0x20:
        paper = "out"  # "printing stopped: paper end"
    return online, paper, cover


def message_for(name: str, online: bool | None, paper: Paper, cover: bool | None) -> str:
    if cover:
        return f"{name}: Deckel offen."
    if paper == "out":
        return f"{name}: Papier leer! Neue Rolle einlegen."
    if online is False:
        return f"{name}: offline."
    if paper == "near_end":
        return f"{name}: bereit, Papier geht zur Neige."
    if online is None and paper == "unknown":
        return f"{name}: erreichbar (meldet keinen Status)."
    return f"{name}: bereit."


def query(settings: PrinterSettings) -> PrinterStatus:
    """The printer's status now. Blocking (print worker thread)."""
    name = describe(settings)
    if settings.kind == "none":
        return PrinterStatus(False, None, "unknown", None, t("Kein Bondrucker eingerichtet."))
    if settings.kind != "network":
        problem = printer_connection.check(settings)
        if problem:
            return PrinterStatus(False, False, "unknown", None, problem)
        return PrinterStatus(True, None, "unknown", None, t("{name}: erreichbar.", name=name))
    timeout = min(ANSWER_S, settings.timeout_s)
    try:
        sock = socket.create_connection((settings.host, settings.port), timeout=settings.timeout_s)
    except OSError as exc:
        reason = printer_connection._reason(exc, settings)
        return PrinterStatus(False, False, "unknown", None, t("{name} nicht erreichbar: {reason}", name=name, reason=reason))
    try:
        printer = _ask(sock, DLE_EOT + b"\x01", timeout)
        cause = paper = gs_r = None
        if printer is not None:  # a printer that ignores the first will ignore the rest
            cause = _ask(sock, DLE_EOT + b"\x02", timeout)
            paper = _ask(sock, DLE_EOT + b"\x04", timeout)
            if paper is None:
                gs_r = _ask(sock, GS_R + b"\x01", timeout)
    except OSError as exc:
        reason = printer_connection._reason(exc, settings)
        return PrinterStatus(False, False, "unknown", None, t("{name} nicht erreichbar: {reason}", name=name, reason=reason))
    finally:
        sock.close()
    online, paper_state, cover = interpret(printer, cause, paper, gs_r)
    return PrinterStatus(True, online, paper_state, cover, message_for(name, online, paper_state, cover))
