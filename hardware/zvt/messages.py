"""ZVT messages: the commands the till (ECR) sends and the messages a terminal (PT) sends back,
as typed values. Byte layouts follow the ZVT ECR interface (PA00P015, "Commands, Bitmaps, Error
Messages"); the simulator in the tests builds its answers from the same layouts, and an
independent parser checks what we send.

ECR -> PT: Registration 06 00, Authorisation 06 01, Repeat Receipt 06 20 (the last transaction's
status information and receipt again: our recovery question), Reversal 06 30, Refund 06 31,
End-of-Day 06 50, Abort 06 B0, Status Enquiry 05 01.
PT -> ECR: Intermediate Status 04 FF, Status Information 04 0F, Print Line 06 D1, Print Text
Block 06 D3, Completion 06 0F, Abort 06 1E, ACK 80 00 / NAK 84 xx.

Pure and thread-agnostic.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pos_app.i18n import t
from hardware.zvt.apdu import Apdu
from hardware.zvt.fields import Bitmaps, FieldError, bcd, bcd_digits, encode_bmp, from_bcd, parse_bmps

EUR = 978
# Registration config byte: the ECR prints payment receipts (02) and administration receipts
# (04), wants intermediate status information (08), and takes print text blocks (80).
CONFIG_BYTE = 0x02 | 0x04 | 0x08 | 0x80

REGISTRATION, AUTHORISATION, REPEAT_RECEIPT = (0x06, 0x00), (0x06, 0x01), (0x06, 0x20)
REVERSAL, REFUND, END_OF_DAY, ABORT_COMMAND = (0x06, 0x30), (0x06, 0x31), (0x06, 0x50), (0x06, 0xB0)
STATUS_ENQUIRY = (0x05, 0x01)
INTERMEDIATE, STATUS_INFO = (0x04, 0xFF), (0x04, 0x0F)
PRINT_LINE, PRINT_BLOCK = (0x06, 0xD1), (0x06, 0xD3)
COMPLETION, ABORT = (0x06, 0x0F), (0x06, 0x1E)

TLV_PRINT_TEXTS, TLV_TEXT_LINE, TLV_RECEIPT_TYPE = 0x25, 0x07, 0x1F07
RECEIPT_MERCHANT, RECEIPT_CUSTOMER, RECEIPT_ADMIN = 1, 2, 3

# Intermediate status (04 FF) codes and what the cashier reads.
INTERMEDIATE_TEXTS = {
    0x00: "Betrag bestätigen", 0x01: "Kunde: PIN-Pad beachten", 0x02: "Kunde: PIN-Pad beachten",
    0x03: "Vorgang nicht möglich", 0x04: "Warte auf Antwort der Bank", 0x05: "Automatischer Storno läuft",
    0x06: "Nachbuchungen werden gesendet", 0x07: "Karte nicht zugelassen", 0x08: "Karte unbekannt",
    0x09: "Karte abgelaufen", 0x0A: "Kunde: Karte einstecken", 0x0B: "Kunde: Karte entnehmen",
    0x0C: "Karte nicht lesbar", 0x0D: "Vorgang abgebrochen", 0x0E: "Vorgang läuft, bitte warten",
    0x0F: "Automatischer Kassenschnitt", 0x10: "Karte ungültig", 0x11: "Guthabenanzeige",
    0x12: "Systemfehler", 0x13: "Zahlung über Lastschrift", 0x14: "Guthaben nicht ausreichend",
    0x15: "PIN falsch", 0x16: "Limit nicht ausreichend", 0x17: "Bitte warten",
    0x18: "PIN-Versuche überschritten", 0x19: "Kartendaten falsch", 0x1A: "Servicemodus",
    0x1B: "Genehmigt, bitte tanken", 0x1C: "Zahlung genehmigt", 0x1D: "Zahlung abgelehnt",
    0x26: "Kunde: Karte vorhalten, stecken oder durchziehen", 0x27: "Karte erneut vorhalten",
    0x41: "Kunde: PIN eingeben", 0x43: "Kunde: Karte vorhalten",
}

# Result codes (BMP 27 and the Abort 06 1E): the ones a cashier meets, in German.
RESULT_TEXTS = {
    0x00: "erfolgreich", 0x05: "abgelehnt (Bank)", 0x33: "Karte abgelaufen (Bank)",
    0x37: "PIN falsch (Bank)", 0x51: "Deckung nicht ausreichend (Bank)",
    0x64: "Karte nicht lesbar", 0x65: "Kartendaten fehlen", 0x66: "Verarbeitungsfehler",
    0x67: "Funktion für girocard nicht erlaubt", 0x68: "Funktion für Kreditkarten nicht erlaubt",
    0x6A: "Umsatzspeicher voll", 0x6B: "Funktion deaktiviert (Terminal nicht angemeldet)",
    0x6C: "Abbruch (Zeitüberschreitung oder Abbruchtaste)", 0x6E: "Karte gesperrt",
    0x6F: "falsche Währung", 0x71: "Guthaben nicht ausreichend", 0x72: "Chipfehler",
    0x73: "Kartendaten falsch", 0x77: "Kassenschnitt nicht möglich", 0x78: "Karte abgelaufen",
    0x79: "Karte noch nicht gültig", 0x7A: "Karte unbekannt", 0x7D: "Kommunikationsfehler",
    0x83: "Funktion nicht möglich", 0x9A: "ZVT-Protokollfehler", 0x9C: "bitte warten",
    0xA0: "Empfänger nicht bereit", 0xA1: "Gegenstelle antwortet nicht", 0xA3: "keine Verbindung",
    0xB1: "Speicher voll", 0xB4: "bereits storniert", 0xB5: "Storno nicht möglich",
    0xC3: "Höchstbetrag überschritten", 0xCC: "Drucker nicht bereit", 0xDC: "Karte steckt noch",
    0xF0: "offener Kassenschnitt", 0xFF: "Systemfehler",
}
ABORTED_CODES = frozenset({0x6C})  # the customer or the cashier cancelled, or the terminal timed out


def result_text(code: int) -> str:
    return RESULT_TEXTS.get(code, f"Fehler {code:02X}")


def _password(password: int) -> bytes:
    return bcd(password, 3)


# ---- ECR -> PT -----------------------------------------------------------------------------

def registration(password: int, config_byte: int = CONFIG_BYTE, currency: int = EUR) -> Apdu:
    return Apdu(*REGISTRATION, _password(password) + bytes([config_byte]) + bcd(currency, 2))


def authorisation(amount_cents: int, currency: int = EUR) -> Apdu:
    """Pay `amount_cents`: 06 01 with BMP 04 (amount) and BMP 49 (currency); no password."""
    if not 0 < amount_cents <= 999_999_999_999:
        raise FieldError(t("Betrag außerhalb des Bereichs"))
    return Apdu(*AUTHORISATION, encode_bmp(0x04, bcd(amount_cents, 6)) + encode_bmp(0x49, bcd(currency, 2)))


def repeat_receipt(password: int) -> Apdu:
    return Apdu(*REPEAT_RECEIPT, _password(password))


def reversal(password: int, receipt_no: int) -> Apdu:
    """Cancel the payment with this terminal receipt number (BMP 87)."""
    return Apdu(*REVERSAL, _password(password) + encode_bmp(0x87, bcd(receipt_no, 2)))


def refund(password: int, amount_cents: int, currency: int = EUR) -> Apdu:
    if amount_cents <= 0:
        raise FieldError(t("Erstattungsbetrag muss größer als 0 sein"))
    return Apdu(*REFUND, _password(password) + encode_bmp(0x04, bcd(amount_cents, 6))
                + encode_bmp(0x49, bcd(currency, 2)))


def end_of_day(password: int) -> Apdu:
    return Apdu(*END_OF_DAY, _password(password))


def abort_command() -> Apdu:
    return Apdu(*ABORT_COMMAND)


def status_enquiry(password: int) -> Apdu:
    return Apdu(*STATUS_ENQUIRY, _password(password))


# ---- PT -> ECR -----------------------------------------------------------------------------

@dataclass(frozen=True)
class IntermediateStatus:
    code: int

    @property
    def text(self) -> str:
        return INTERMEDIATE_TEXTS.get(self.code, "Vorgang läuft")


@dataclass(frozen=True)
class CardTotals:
    """BMP 60 of the end-of-day status information: per card scheme, count and turnover."""

    first_receipt: int
    last_receipt: int
    schemes: tuple[tuple[str, int, int], ...]  # (name, count, cents)


SCHEMES = ("girocard", "JCB", "Mastercard", "American Express", "Visa", "Diners", "Sonstige")


def parse_totals(raw: bytes) -> CardTotals:
    """<receipt-no start 2 BCD> <receipt-no end 2 BCD> then for each of the seven schemes
    <count 1 byte binary> <turnover 6 BCD>."""
    if len(raw) != 4 + 7 * len(SCHEMES):
        raise FieldError(t("BMP 60: {count} Bytes statt {value}", count=len(raw), value=4 + 7 * len(SCHEMES)))
    schemes, pos = [], 4
    for name in SCHEMES:
        schemes.append((name, raw[pos], from_bcd(raw[pos + 1:pos + 7])))
        pos += 7
    return CardTotals(from_bcd(raw[0:2]), from_bcd(raw[2:4]), tuple(schemes))


def encode_totals(totals: CardTotals) -> bytes:
    out = bcd(totals.first_receipt, 2) + bcd(totals.last_receipt, 2)
    for _name, count, cents in totals.schemes:
        out += bytes([count]) + bcd(cents, 6)
    return out


@dataclass(frozen=True)
class StatusInformation:
    result_code: int
    amount_cents: int | None = None
    trace_no: int | None = None
    receipt_no: int | None = None
    turnover_no: int | None = None
    terminal_id: str = ""
    date: str = ""  # MMDD
    time: str = ""  # HHMMSS
    card_name: str = ""
    pan: str = ""  # masked
    totals: CardTotals | None = None


def parse_status(data: bytes) -> StatusInformation:
    bmps: Bitmaps = parse_bmps(data)
    code = bmps.byte(0x27)
    name = bmps.get(0x8B)
    raw_totals = bmps.get(0x60)
    return StatusInformation(
        result_code=0 if code is None else code,
        amount_cents=bmps.number(0x04), trace_no=bmps.number(0x0B), receipt_no=bmps.number(0x87),
        turnover_no=bmps.number(0x88),
        terminal_id=bmps.get(0x29).hex() if bmps.get(0x29) else "",  # type: ignore[union-attr]
        date=bmps.get(0x0D).hex() if bmps.get(0x0D) else "",  # type: ignore[union-attr]
        time=bmps.get(0x0C).hex() if bmps.get(0x0C) else "",  # type: ignore[union-attr]
        card_name=name.rstrip(b"\x00").decode("cp437") if name else "",
        pan=bcd_digits(bmps.get(0x22) or b""),
        totals=parse_totals(raw_totals) if raw_totals else None,
    )


@dataclass(frozen=True)
class PrintText:
    """Receipt lines the terminal wants printed (06 D1 one at a time, 06 D3 a whole block)."""

    lines: tuple[str, ...]
    receipt_type: int = RECEIPT_CUSTOMER
    last: bool = False  # the receipt is complete


def parse_print_line(data: bytes) -> PrintText:
    if not data:
        raise FieldError(t("Druckzeile ohne Attribut"))
    attribute = data[0]
    return PrintText((data[1:].decode("cp437").rstrip(),), RECEIPT_CUSTOMER, last=attribute == 0xFF)


def parse_print_block(data: bytes) -> PrintText:
    bmps = parse_bmps(data)
    lines: list[str] = []
    kind = RECEIPT_CUSTOMER
    for item in bmps.tlv:
        for block in item.find(TLV_PRINT_TEXTS):
            lines += [line.value.decode("cp437").rstrip() for line in block.find(TLV_TEXT_LINE)]
        for receipt_type in item.find(TLV_RECEIPT_TYPE):
            kind = receipt_type.value[0] if receipt_type.value else kind
    return PrintText(tuple(lines), kind, last=True)


@dataclass(frozen=True)
class Completion:
    status_byte: int | None = None


@dataclass(frozen=True)
class TerminalAbort:
    result_code: int

    @property
    def text(self) -> str:
        return result_text(self.result_code)


@dataclass(frozen=True)
class Nak:
    code: int


@dataclass(frozen=True)
class Unknown:
    apdu: Apdu


Message = IntermediateStatus | StatusInformation | PrintText | Completion | TerminalAbort | Nak | Unknown


def parse(apdu: Apdu) -> Message | None:
    """A PT message as a typed value; None for an ACK (80 00)."""
    if apdu.command == (0x80, 0x00):
        return None
    if apdu.cls == 0x84:
        return Nak(apdu.instr)
    if apdu.command == INTERMEDIATE:
        return IntermediateStatus(apdu.data[0] if apdu.data else 0xFF)
    if apdu.command == STATUS_INFO:
        return parse_status(apdu.data)
    if apdu.command == PRINT_LINE:
        return parse_print_line(apdu.data)
    if apdu.command == PRINT_BLOCK:
        return parse_print_block(apdu.data)
    if apdu.command == COMPLETION:
        return Completion(apdu.data[1] if len(apdu.data) >= 2 and apdu.data[0] == 0x19 else None)
    if apdu.command == ABORT:
        return TerminalAbort(apdu.data[0] if apdu.data else 0xFF)
    return Unknown(apdu)


@dataclass
class Dialogue:
    """What one command brought back, collected while it runs."""

    status: StatusInformation | None = None
    receipts: dict[int, list[str]] = field(default_factory=dict)  # receipt type -> lines
    texts: list[str] = field(default_factory=list)  # intermediate status texts, in order
    completed: bool = False
    aborted: TerminalAbort | None = None
