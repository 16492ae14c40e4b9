"""The TSE (technische Sicherheitseinrichtung) interface: start, update and finish a transaction.

KassenSichV (§ 146a AO) wants every till transaction logged by a certified security module that
counts and signs it; the receipt carries the result (transaction number, start and end time,
signature counter, signature, TSE serial, client id, time format, algorithm, public key) and
the DSFinV-K QR code. This module is the vendor-neutral part: the frozen result, the
processData strings of the DSFinV-K (Anhang I), and the Protocol an implementation fulfils.
Implementations: pos_app.fiscal.dev_tse (ECDSA, NOT certified) and pos_app.fiscal.fiskaly
(fiskaly SIGN DE v2 over HTTP).

Thread: anything here is pure and may run on any thread.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Protocol


class ProcessType(str, Enum):
    """The processType of a finished transaction (DSFinV-K Anhang I)."""

    KASSENBELEG = "Kassenbeleg-V1"  # a sale, a return, a cash movement with a receipt
    SONSTIGER_VORGANG = "SonstigerVorgang"  # e.g. a drawer opened without a sale


class ReceiptKind(str, Enum):
    """Vorgangstyp of a Kassenbeleg (first part of its processData)."""

    BELEG = "Beleg"  # sale, return (negative amounts), paid in/out
    AV_TRANSFER = "AVTransfer"
    AV_BELEGABBRUCH = "AVBelegabbruch"  # a sale given up after the TSE transaction started
    AV_SONSTIGER = "AVSonstiger"


class TseError(Exception):
    """The TSE could not do what was asked (down, offline, refused). The message is German and
    meant for the receipt and the log; the sale goes on unsigned."""


# The DSFinV-K fixes the order of the VAT rates in processData: 19 %, 7 %, 10.7 %, 5.5 %, 0 %.
VAT_ORDER = (19, 7, 10.7, 5.5, 0)
FISKALY_VAT_NAMES = {19: "NORMAL", 7: "REDUCED_1", 10.7: "SPECIAL_RATE_1", 5.5: "SPECIAL_RATE_2", 0: "NULL"}


def amount(cents: int) -> str:
    """Cents as the fiscal formats write them: '.' as decimal point, two places, '-' for minus."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class FiscalAmounts:
    """What the TSE must sign about a Kassenbeleg: gross per VAT rate and what was paid how.

    `vat_gross` maps a percent (19, 7, 0) to gross cents; `cash_cents`/`non_cash_cents` are the
    tender totals (change already taken off the cash). Negative for a return."""

    kind: ReceiptKind = ReceiptKind.BELEG
    vat_gross: Mapping[float, int] = field(default_factory=dict)
    cash_cents: int = 0
    non_cash_cents: int = 0

    def __post_init__(self) -> None:
        unknown = [rate for rate in self.vat_gross if rate not in VAT_ORDER]
        if unknown:
            raise ValueError(f"USt-Satz {unknown[0]} % ist in der DSFinV-K nicht vorgesehen.")

    @property
    def total_cents(self) -> int:
        return sum(self.vat_gross.values())

    def process_data(self) -> str:
        """"Beleg^19%;7%;10.7%;5.5%;0%^payments": e.g. "Beleg^10.00_5.00_0.00_0.00_0.00^15.00:Bar"."""
        rates = "_".join(amount(self.vat_gross.get(rate, 0)) for rate in VAT_ORDER)
        payments = []
        if self.cash_cents:
            payments.append(f"{amount(self.cash_cents)}:Bar")
        if self.non_cash_cents:
            payments.append(f"{amount(self.non_cash_cents)}:Unbar")
        return f"{self.kind.value}^{rates}^{'_'.join(payments)}"


@dataclass(frozen=True)
class TseResult:
    """A finished, signed TSE transaction: everything the receipt, the QR code and the
    DSFinV-K file TSE_Transaktionen need. Times are UTC."""

    transaction_number: int
    start: datetime
    end: datetime
    signature_counter: int
    signature: str  # base64
    tse_serial: str  # hex (the SHA-256 of the public key, TR-03153)
    client_id: str  # the till's serial number as registered with the TSE
    time_format: str  # "unixTime" | "utcTime" | ...
    signature_algorithm: str  # e.g. "ecdsa-plain-SHA256"
    public_key: str  # base64
    process_type: str
    process_data: str
    certified: bool = True  # False: the development TSE; the receipt says so

    def qr_payload(self) -> str:
        """The DSFinV-K receipt QR code (Anhang I):
        V0;kasse;processType;processData;txNr;sigCounter;start;end;sigAlg;timeFormat;sig;pubKey"""
        return ";".join([
            "V0", self.client_id, self.process_type, self.process_data, str(self.transaction_number),
            str(self.signature_counter), qr_time(self.start), qr_time(self.end), self.signature_algorithm,
            self.time_format, self.signature, self.public_key,
        ])

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = qr_time(self.start), qr_time(self.end)
        return data


def parse_qr_payload(payload: str) -> TseResult:
    """A receipt's QR code back into a TseResult (the TSE serial is not in the code: "")."""
    fields = payload.split(";")
    if len(fields) != 12 or fields[0] != "V0":
        raise ValueError("Kein DSFinV-K-QR-Code (V0 mit 12 Feldern erwartet).")
    (_v, client, ptype, pdata, number, counter, start, end, algorithm, time_format, signature,
     public_key) = fields
    return TseResult(int(number), parse_qr_time(start), parse_qr_time(end), int(counter), signature, "",
                     client, time_format, algorithm, public_key, ptype, pdata)


def qr_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the QR code wants it: 2026-11-24T13:03:04.000Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def parse_qr_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class TseInfo:
    serial: str
    public_key: str
    signature_algorithm: str
    time_format: str
    certified: bool
    description: str  # for the status screen: "fiskaly SIGN DE (TSS …)" / "Entwicklungs-TSE"


@dataclass(frozen=True)
class TxHandle:
    """A started transaction, as the implementation needs it to go on."""

    transaction_number: int
    start: datetime
    client_id: str
    vendor_id: str = ""  # e.g. fiskaly's tx UUID
    revision: int = 1


class Tse(Protocol):
    """What a TSE offers the till. Every call may raise TseError; none may block longer than
    `deadline` (a time.monotonic() value) allows."""

    def info(self, deadline: float | None = None) -> TseInfo: ...

    def start_transaction(self, client_id: str, deadline: float | None = None) -> TxHandle: ...

    def update_transaction(self, handle: TxHandle, process_type: ProcessType, process_data: str,
                           deadline: float | None = None) -> TxHandle: ...

    def finish_transaction(self, handle: TxHandle, process_type: ProcessType,
                           amounts: FiscalAmounts | None, process_data: str,
                           deadline: float | None = None) -> TseResult: ...
