"""The device's settings file (TOML), with sane defaults for everything.

Read at start-up on the UI thread (it is tiny). A missing file is created with the defaults and
comments, so a store can see what there is to set. A bad value stops start-up with a message
that names the key, rather than running with a guess.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pos_app.fiscal.settings import DEFAULT_SECTION as TSE_SECTION
from pos_app.fiscal.settings import TseSettings, TseSettingsError
from pos_app.i18n import available_languages

PRINTER_KINDS = ("network", "usb", "serial", "file", "none")
MAX_SYNC_BATCH = 500  # the center takes at most this many events per request (sync.protocol)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class PrinterSettings:
    kind: str = "none"  # network | usb | serial | file | none
    host: str = "127.0.0.1"
    port: int = 9100
    usb_vendor: int = 0x04B8  # Epson
    usb_product: int = 0x0202
    serial_device: str = "/dev/ttyUSB0"
    baudrate: int = 9600
    file_path: str = ""
    profile: str = "TM-T88V"  # python-escpos capability profile
    paper: str = "80mm"  # 80mm | 58mm
    timeout_s: float = 5.0
    open_drawer_on_cash: bool = True
    columns: int = 0  # characters per line; 0 = what the profile says (hardware.printer_models)
    logo: bool = False  # print resources/receipt_logo.png at the top of each receipt
    status_interval_s: float = 10.0  # how often to ask the printer for its status (network)


@dataclass(frozen=True)
class TerminalSettings:
    """The card terminal ([terminal]): "zvt" over TCP, or "none" (the cashier confirms by hand)."""

    kind: str = "none"  # zvt | none
    host: str = ""
    port: int = 20007
    password: int = 0  # the terminal's six-digit password
    answer_timeout_s: float = 180.0  # longest pause between two terminal messages


TERMINAL_KINDS = ("none", "zvt")


@dataclass(frozen=True)
class WedgeSettings:
    max_key_gap_ms: int = 35  # keys closer than this belong to one scanner burst
    min_length: int = 4  # shortest code a scanner sends
    duplicate_window_ms: int = 200  # the same code again within this counts once


@dataclass(frozen=True)
class CameraSettings:
    source: str = ""  # camera index ("0"), a video file or an image folder; "" = no camera
    duplicate_window_ms: int = 800  # a code out of view this long counts again
    decoder: str = "zbar"  # zbar (pyzbar, libzbar0) | zxing (zxing-cpp: faster, see the README)
    decode_width: int = 640  # decode frames wider than this shrunk to it (the 150 ms target at 1280x720); 0 = full resolution


@dataclass(frozen=True)
class SyncSettings:
    backend_url: str = ""  # the center, e.g. "https://zentrale.example.de"; "" = sync off
    interval_s: float = 15.0  # between two rounds while online
    batch_size: int = 200  # events per push request
    clock_skew_warn_s: float = 120.0  # warn (status bar, audit for the manager) when the till's clock is off by more

    @property
    def enabled(self) -> bool:
        return bool(self.backend_url)


@dataclass(frozen=True)
class UiSettings:
    # till: keyboard and scanner at a counter; tablet: touch layout (big targets, on-screen
    # number pad); auto: tablet on a small or portrait screen (ui.tablet.resolve_layout)
    layout: str = "auto"


UI_LAYOUTS = ("auto", "till", "tablet")


@dataclass(frozen=True)
class DisplaySettings:
    """The till's own screen: the main window opens maximised; `fullscreen` makes it a kiosk
    (no title bar, no task bar; ui.screen_fit)."""

    fullscreen: bool = False


@dataclass(frozen=True)
class CustomerDisplaySettings:
    """The second screen facing the customer (ui.customer_display)."""

    enabled: bool = False
    screen: int = 1  # which screen (0 = the first); with one screen only, a window of its own
    idle_message: str = "Herzlich willkommen!"


@dataclass(frozen=True)
class ReceiptSettings:
    """Digital receipts (pos_app.digital_receipt): where their short links point. "" = the
    center's own address ([sync] backend_url + "/r/")."""

    link_base: str = ""

    def base_for(self, sync: "SyncSettings") -> str:
        if self.link_base:
            return self.link_base
        return sync.backend_url.rstrip("/") + "/r/" if sync.backend_url else ""


@dataclass(frozen=True)
class Settings:
    device_id: str = "BER-K1"
    language: str = "de"
    idle_lock_minutes: int = 5
    max_discount_percent: Decimal = Decimal(10)
    pickup_sla_minutes: int = 120  # click and collect: a pickup order should be ready this soon
    pickup_retention_days: int = 30  # closed pickup orders are kept this long on the device
    adjustment_pin_limit_cents: int = 5000  # a stock adjustment worth more needs a manager (pos_app.stock)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    wedge: WedgeSettings = field(default_factory=WedgeSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    tse: TseSettings = field(default_factory=TseSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    customer_display: CustomerDisplaySettings = field(default_factory=CustomerDisplaySettings)
    receipts: ReceiptSettings = field(default_factory=ReceiptSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)


DEFAULT_FILE = """\
# Einstellungen dieser Kasse / settings of this till
device_id = "BER-K1"          # which till this is (BER-K1, HAM-K1, MUC-K1 in the demo data)
language = "de"               # de | en: the screens' default (each person can choose at log-in)
idle_lock_minutes = 5         # lock the till after this many idle minutes (0 = never)
max_discount_percent = 10     # above this a discount needs a manager's PIN
pickup_sla_minutes = 120      # pickup orders should be ready this many minutes after ordering
pickup_retention_days = 30    # closed pickup orders are deleted from this device after this many days
adjustment_pin_limit_cents = 5000  # a stock write-off worth more than this (in cents) needs a manager's PIN

[printer]
kind = "none"                 # network | usb | serial | file | none
host = "127.0.0.1"            # kind = "network": the printer's address, port 9100
port = 9100
# usb_vendor = 0x04B8         # kind = "usb"
# usb_product = 0x0202
# serial_device = "/dev/ttyUSB0"   # kind = "serial"
# baudrate = 9600
# file_path = "/dev/usb/lp0"  # kind = "file"
profile = "TM-T88V"           # python-escpos printer profile: TM-T88V (80 mm, 42 Zeichen),
                              # TM-T20II (80 mm, 48), POS-5890 / ZJ-5870 (58 mm, 32)
paper = "80mm"                # 80mm | 58mm
columns = 0                   # characters per line; 0 = from the profile
logo = true                   # the logo (resources/receipt_logo.png) at the top of each receipt
open_drawer_on_cash = true

[wedge]
max_key_gap_ms = 35           # keyboard-wedge scanner: keys closer than this are one scan
min_length = 4
duplicate_window_ms = 200

[camera]
source = ""                   # camera scanning (Strg+B): "0" = first camera, or a video file / image folder
duplicate_window_ms = 800     # the same code counts again after it was out of view this long
decoder = "zbar"              # zbar | zxing (pip package zxing-cpp)
decode_width = 640            # decode frames shrunk to this width (faster at 720p and up); 0 = full size

[sync]
backend_url = ""              # the central backend, e.g. "https://zentrale.example.de" ("" = no sync)
                              # the device's token goes into device.token next to this file
interval_s = 15               # seconds between two sync rounds while online
batch_size = 200              # events per request (1-500)
clock_skew_warn_s = 120       # warn when this till's clock is off the center's by more seconds

[ui]
layout = "auto"               # till | tablet (touch: big buttons, number pad) | auto (tablet on small/portrait screens)

[display]
fullscreen = false            # true: the till fills the screen as a kiosk (no title bar); false: maximised

[terminal]
kind = "none"                 # zvt (card terminal over the network, ZVT) | none (the cashier confirms by hand)
# host = "192.168.1.50"      # kind = "zvt": the terminal's address
# port = 20007
# password = 0                # the terminal's six-digit password (000000 on many terminals)

[customer_display]
enabled = false               # a second window facing the customer: lines, total, change, receipt QR
screen = 1                    # full screen on this screen (0 = first) when there is one, else a window
idle_message = "Herzlich willkommen!"

[receipts]
link_base = ""                # digital receipt links, e.g. "https://bon.example.de/r/" ("" = the center's /r/)
""" + TSE_SECTION


def _build(cls: type, data: dict, section: str):  # type: ignore[no-untyped-def]
    known = {f.name: f for f in cls.__dataclass_fields__.values()}  # type: ignore[attr-defined]
    values = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"Unbekannte Einstellung „{section}{key}“.")
        default = getattr(cls(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, Decimal):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = Decimal(str(value))
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value)
        else:
            ok = isinstance(value, type(default)) and not isinstance(value, bool)
        if not ok:
            raise ConfigError(f"Einstellung „{section}{key}“ hat den falschen Typ: {value!r}.")
        values[key] = value
    return cls(**values)


def parse_settings(text: str) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Die Einstellungsdatei ist fehlerhaft: {exc}") from None
    printer = _build(PrinterSettings, data.pop("printer", {}), "printer.")
    wedge = _build(WedgeSettings, data.pop("wedge", {}), "wedge.")
    camera = _build(CameraSettings, data.pop("camera", {}), "camera.")
    sync = _build(SyncSettings, data.pop("sync", {}), "sync.")
    tse = _build(TseSettings, data.pop("tse", {}), "tse.")
    ui = _build(UiSettings, data.pop("ui", {}), "ui.")
    terminal = _build(TerminalSettings, data.pop("terminal", {}), "terminal.")
    if terminal.kind not in TERMINAL_KINDS:
        raise ConfigError(f"terminal.kind muss eines von {', '.join(TERMINAL_KINDS)} sein, nicht „{terminal.kind}“.")
    if terminal.kind == "zvt" and not terminal.host:
        raise ConfigError("terminal.host fehlt: die Adresse des Kartenterminals.")
    if not 0 <= terminal.password <= 999999 or not 0 < terminal.port < 65536:
        raise ConfigError("terminal.password hat höchstens sechs Ziffern; terminal.port 1 bis 65535.")
    customer_display = _build(CustomerDisplaySettings, data.pop("customer_display", {}), "customer_display.")
    receipts = _build(ReceiptSettings, data.pop("receipts", {}), "receipts.")
    display = _build(DisplaySettings, data.pop("display", {}), "display.")
    if not 0 <= customer_display.screen <= 8:
        raise ConfigError("customer_display.screen muss zwischen 0 und 8 liegen.")
    if receipts.link_base and not receipts.link_base.startswith(("https://", "http://")):
        raise ConfigError("receipts.link_base muss mit https:// (oder http://) beginnen.")
    if ui.layout not in UI_LAYOUTS:
        raise ConfigError(f"ui.layout muss eines von {', '.join(UI_LAYOUTS)} sein, nicht „{ui.layout}“.")
    try:
        tse.check()
    except TseSettingsError as exc:
        raise ConfigError(str(exc)) from None
    settings = _build(Settings, data, "")
    if printer.kind not in PRINTER_KINDS:
        raise ConfigError(f"printer.kind muss eines von {', '.join(PRINTER_KINDS)} sein, nicht „{printer.kind}“.")
    if printer.paper not in ("80mm", "58mm"):
        raise ConfigError("printer.paper muss „80mm“ oder „58mm“ sein.")
    if camera.decoder not in ("zbar", "zxing"):
        raise ConfigError("camera.decoder muss „zbar“ oder „zxing“ sein.")
    if camera.decode_width != 0 and not 160 <= camera.decode_width <= 4096:
        raise ConfigError("camera.decode_width muss 0 (volle Größe) oder zwischen 160 und 4096 liegen.")
    if not 0 <= printer.columns <= 64 or 0 < printer.columns < 24:
        raise ConfigError("printer.columns muss 0 (vom Profil) oder zwischen 24 und 64 liegen.")
    if settings.pickup_sla_minutes <= 0:
        raise ConfigError("pickup_sla_minutes muss größer als 0 sein.")
    if settings.pickup_retention_days < 1:
        raise ConfigError("pickup_retention_days muss mindestens 1 sein.")
    if not 0 <= settings.adjustment_pin_limit_cents <= 10**10 - 1:
        raise ConfigError("adjustment_pin_limit_cents muss zwischen 0 und 9999999999 liegen.")
    if settings.language not in available_languages():
        raise ConfigError(f"language muss eine dieser Sprachen sein: {', '.join(available_languages())}.")
    if sync.backend_url and not sync.backend_url.startswith(("https://", "http://")):
        raise ConfigError("sync.backend_url muss mit https:// (oder http://) beginnen.")
    if not 1 <= sync.batch_size <= MAX_SYNC_BATCH:
        raise ConfigError(f"sync.batch_size muss zwischen 1 und {MAX_SYNC_BATCH} liegen.")
    if sync.interval_s <= 0:
        raise ConfigError("sync.interval_s muss größer als 0 sein.")
    if sync.clock_skew_warn_s <= 0:
        raise ConfigError("sync.clock_skew_warn_s muss größer als 0 sein.")
    from dataclasses import replace

    return replace(settings, printer=printer, wedge=wedge, camera=camera, sync=sync, tse=tse, ui=ui, terminal=terminal,
                   customer_display=customer_display, receipts=receipts, display=display)


def load_settings(path: Path) -> Settings:
    """Read the settings file, creating it with the defaults when it does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_FILE, encoding="utf-8")
    return parse_settings(path.read_text(encoding="utf-8"))


def _plain(value: object) -> object:
    """What tomlkit can write: a Decimal becomes an int (or a float when it has decimals)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _set_keeping_column(table: Any, key: str, value: object) -> None:
    """Set `key` in `table`; an existing key keeps its comment, at the column it was at (the
    default file lines its comments up), tomlkit keeps everything else as it was."""
    old = table.item(key) if key in table else None
    old_width = len(f"{key} = {old.as_string()}") if old is not None else 0
    table[key] = _plain(value)
    if old is None or not old.trivia.comment:
        return
    new = table.item(key)
    column = old_width + len(old.trivia.comment_ws)
    new.trivia.comment_ws = " " * max(1, column - len(f"{key} = {new.as_string()}"))


def update_settings_text(text: str, changes: dict[str, dict[str, object]]) -> str:
    """Set keys in a settings file's text with tomlkit, keeping its comments, order and layout
    (also comments on table headers, `[printer]   # Bondrucker`): a key is changed in place (its
    comment kept), a missing key is added to its table, a missing table at the end. `changes`
    maps a section ("" = top level) to {key: value}. Raises ConfigError on a file that is not
    valid TOML. tomlkit is imported here, not at start-up: only saving needs it (cold start)."""
    import tomlkit
    import tomlkit.exceptions
    import tomlkit.items

    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"Die Einstellungsdatei ist fehlerhaft: {exc}") from None
    for section, values in changes.items():
        if not values:
            continue
        if section and section not in document:
            document[section] = tomlkit.table()
        table = document[section] if section else document
        if not isinstance(table, (tomlkit.items.Table, tomlkit.TOMLDocument)):
            raise ConfigError(f"„{section}“ ist in der Einstellungsdatei keine Tabelle.")
        for key, value in values.items():
            _set_keeping_column(table, key, value)
    out = tomlkit.dumps(document)
    return out if out.endswith("\n") else out + "\n"


def save_settings(path: Path, changes: dict[str, dict[str, object]]) -> Settings:
    """Change keys in the settings file. The new text is checked first (ConfigError, file
    unchanged) and then replaces the file in one step."""
    import os

    old = path.read_text(encoding="utf-8") if path.exists() else DEFAULT_FILE
    new = update_settings_text(old, changes)
    settings = parse_settings(new)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
    return settings
