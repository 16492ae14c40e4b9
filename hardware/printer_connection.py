"""Getting finished ESC/POS bytes to the printer: network (raw TCP, port 9100), USB, serial, a
device file, or nowhere (a till without printer).

Blocking I/O: call it on the print queue's worker thread (hardware.print_queue), never on the UI
thread. Every failure becomes PrinterUnavailable with a German sentence a cashier can act on;
the caller decides about retrying.

The network path uses a plain socket instead of escpos.printer.Network so that we control the
timeout (one deadline for the whole job, not per chunk) and notice partial writes and resets.
"""
from __future__ import annotations

import errno
import os
import socket
import time

from pos_app.config import PrinterSettings
from pos_app.i18n import t

DRAIN_S = 0.5  # after sending: how long to wait for the printer to close its side


class PrinterUnavailable(Exception):
    """The job did not reach the printer; str(exc) is the message for the cashier."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _reason(exc: BaseException, settings: PrinterSettings) -> str:
    """A short reason for an OS/socket error, in the person's language."""
    if isinstance(exc, socket.gaierror):
        return t("Adresse „{host}“ unbekannt", host=settings.host)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return t("Zeitüberschreitung nach {seconds} s", seconds=_seconds(settings.timeout_s))
    if isinstance(exc, ConnectionRefusedError):
        return t("Verbindung abgelehnt")
    if isinstance(exc, ConnectionResetError):
        return t("Verbindung vom Drucker zurückgesetzt")
    if isinstance(exc, (BrokenPipeError, ConnectionAbortedError)):
        return t("Verbindung vom Drucker getrennt")
    code = getattr(exc, "errno", None)
    if code == errno.EHOSTUNREACH:
        return t("Gerät im Netzwerk nicht erreichbar")
    if code == errno.ENETUNREACH:
        return t("Netzwerk nicht erreichbar")
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return t("Gerät nicht gefunden")
    if code in (errno.EACCES, errno.EPERM):
        return t("keine Berechtigung")
    if code == errno.EBUSY:
        return t("Gerät belegt")
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def describe(settings: PrinterSettings) -> str:
    """How the printer is named in messages: "Drucker 192.168.1.50:9100"."""
    if settings.kind == "network":
        return t("Drucker {host}:{port}", host=settings.host, port=settings.port)
    if settings.kind == "usb":
        return t("USB-Drucker {vendor}:{product}", vendor=f"{settings.usb_vendor:04x}", product=f"{settings.usb_product:04x}")
    if settings.kind == "serial":
        return t("Drucker an {device}", device=settings.serial_device)
    if settings.kind == "file":
        return t("Drucker {path}", path=settings.file_path or t("(kein Pfad)"))
    return t("Drucker")


def _send_network(settings: PrinterSettings, data: bytes) -> None:
    name = describe(settings)
    try:
        sock = socket.create_connection((settings.host, settings.port), timeout=settings.timeout_s)
    except OSError as exc:
        raise PrinterUnavailable(t("{name} nicht erreichbar: {reason}", name=name, reason=_reason(exc, settings))) from exc
    try:
        try:
            sock.sendall(data)  # since 3.5 the timeout is a deadline for all of the data
            sock.shutdown(socket.SHUT_WR)
            # Read (and discard) until the printer closes: closing with unread status bytes in
            # our receive buffer would send a reset that can throw away the tail of the job.
            deadline = time.monotonic() + min(DRAIN_S, settings.timeout_s)
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                try:
                    if not sock.recv(4096):
                        break
                except (TimeoutError, socket.timeout):
                    break  # the printer keeps the connection open: fine, all was sent
        except OSError as exc:
            raise PrinterUnavailable(t("{name}: Druck fehlgeschlagen: {reason}", name=name, reason=_reason(exc, settings))) from exc
    finally:
        sock.close()


def _send_usb(settings: PrinterSettings, data: bytes | None) -> None:
    """data None: only open and close the device (check())."""
    name = describe(settings)
    from escpos.printer import Usb  # lazy: pyusb is optional

    if not Usb.is_usable():
        raise PrinterUnavailable(t("{name}: USB-Druck nicht möglich, das Paket „pyusb“ fehlt.", name=name))
    printer = Usb(settings.usb_vendor, settings.usb_product,
                  timeout=int(settings.timeout_s * 1000), profile=settings.profile)
    try:
        printer.open()
        if data is not None:
            printer._raw(data)  # python-escpos' way to send raw bytes (pyusb writes them all)
    except Exception as exc:  # DeviceNotFoundError, usb.core.USBError/USBTimeoutError, ...
        raise PrinterUnavailable(t("{name} nicht erreichbar: {device_reason}", name=name, device_reason=_device_reason(exc, settings))) from exc
    finally:
        _close_quietly(printer)


def _device_reason(exc: BaseException, settings: PrinterSettings) -> str:
    if type(exc).__name__ == "DeviceNotFoundError":
        return "Gerät nicht gefunden oder Kabel nicht eingesteckt"
    if "timeout" in type(exc).__name__.lower():
        return f"Zeitüberschreitung nach {_seconds(settings.timeout_s)} s"
    return _reason(exc, settings)


def _send_serial(settings: PrinterSettings, data: bytes | None) -> None:
    name = describe(settings)
    from escpos.printer import Serial  # lazy: pyserial is optional

    if not Serial.is_usable():
        raise PrinterUnavailable(t("{name}: Druck nicht möglich, das Paket „pyserial“ fehlt.", name=name))
    printer = Serial(settings.serial_device, baudrate=settings.baudrate,
                     timeout=settings.timeout_s, profile=settings.profile)
    try:
        printer.open()
        printer.device.write_timeout = settings.timeout_s  # python-escpos sets no write timeout
        if data is not None:
            printer._raw(data)
            printer.device.flush()
    except Exception as exc:  # DeviceNotFoundError, serial.SerialException (timeouts too)
        reason = ("Gerät nicht gefunden" if type(exc).__name__ == "DeviceNotFoundError"
                  else _device_reason(exc, settings))
        raise PrinterUnavailable(t("{name} nicht erreichbar: {reason}", name=name, reason=reason)) from exc
    finally:
        _close_quietly(printer)


def _close_quietly(printer: object) -> None:
    try:
        printer.close()  # type: ignore[attr-defined]
    except Exception:  # closing a half-open device must not hide the real error
        pass


def _send_file(settings: PrinterSettings, data: bytes) -> None:
    """A device file (/dev/usb/lp0) or a plain file (tests, a spool). Note: a device file can
    block while the printer is off; that only holds up the print worker, not the UI."""
    name = describe(settings)
    if not settings.file_path:
        raise PrinterUnavailable(t("Für den Drucker ist kein Dateipfad eingestellt."))
    try:
        with open(settings.file_path, "ab") as handle:
            handle.write(data)
            handle.flush()
    except OSError as exc:
        raise PrinterUnavailable(t("{name} nicht erreichbar: {reason}", name=name, reason=_reason(exc, settings))) from exc


def send(settings: PrinterSettings, data: bytes) -> None:
    """Open the configured connection, write all of `data`, close. Blocking (worker thread).

    Raises PrinterUnavailable (message for the cashier) on any connection, OS or USB error and
    on timeout. kind "none" accepts and drops the data: a till without a printer.
    """
    if settings.kind == "none":
        return
    if settings.kind == "network":
        _send_network(settings, data)
    elif settings.kind == "usb":
        _send_usb(settings, data)
    elif settings.kind == "serial":
        _send_serial(settings, data)
    elif settings.kind == "file":
        _send_file(settings, data)
    else:
        raise PrinterUnavailable(t("Unbekannte Druckerart „{kind}“.", kind=settings.kind))


def check(settings: PrinterSettings) -> str | None:
    """None if the printer looks reachable, else the message why not. Prints nothing.
    Blocking up to settings.timeout_s: call it off the UI thread."""
    try:
        if settings.kind == "network":
            try:
                sock = socket.create_connection((settings.host, settings.port),
                                                timeout=settings.timeout_s)
            except OSError as exc:
                return f"{describe(settings)} nicht erreichbar: {_reason(exc, settings)}"
            sock.close()
        elif settings.kind == "usb":
            _send_usb(settings, None)  # opens and closes the device, writes nothing
        elif settings.kind == "serial":
            _send_serial(settings, None)
        elif settings.kind == "file":
            if not settings.file_path:
                return "Für den Drucker ist kein Dateipfad eingestellt."
            path = settings.file_path
            target = path if os.path.exists(path) else (os.path.dirname(path) or ".")
            if not os.access(target, os.W_OK):
                return f"{describe(settings)} nicht erreichbar: keine Berechtigung oder nicht vorhanden"
        elif settings.kind != "none":
            return f"Unbekannte Druckerart „{settings.kind}“."
    except PrinterUnavailable as exc:
        return exc.message
    return None
