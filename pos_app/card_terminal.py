"""What the till needs from a card terminal, whatever its protocol: the answer of one terminal
command as a plain value, and the interface a terminal driver implements (hardware.zvt is the
ZVT one). No I/O here.

Outcomes: APPROVED (money moved), DECLINED (with the terminal's reason), ABORTED (customer,
cashier or terminal timeout cancelled), BUSY (the terminal refused the command, 84 xx: nothing
started). A dialogue that ends without any final answer is not an outcome: the driver raises
TerminalUnavailable and pos_app.card_payments asks the terminal about its last transaction.

Thread: any (pure values); a CardTerminal itself is driven by one worker thread.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class CardOutcome(str, Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    ABORTED = "aborted"
    BUSY = "busy"


class TerminalUnavailable(ConnectionError):
    """No final answer from the terminal (no ACK, timeout, connection lost): the result of the
    command is unknown until the terminal is asked about its last transaction."""


class TerminalNotReached(TerminalUnavailable):
    """Not even connected: the command never left the till, so nothing can have been booked."""


@dataclass(frozen=True)
class SchemeTotal:
    scheme: str  # "girocard", "Visa", ...
    count: int
    cents: int


@dataclass(frozen=True)
class TerminalReply:
    outcome: CardOutcome
    amount_cents: int
    result_code: int
    message: str  # the reason in the cashier's words ("abgelehnt (Bank)")
    receipt_no: int | None = None  # the terminal's receipt number (BMP 87): what a reversal names
    trace_no: int | None = None
    terminal_id: str = ""
    card_name: str = ""
    pan: str = ""  # masked
    slip: tuple[str, ...] = ()  # the customer's receipt lines, printed with the till's receipt
    merchant_slip: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()  # intermediate status texts the cashier saw
    totals: tuple[SchemeTotal, ...] = ()  # end-of-day: per scheme

    @property
    def approved(self) -> bool:
        return self.outcome is CardOutcome.APPROVED

    @property
    def reference(self) -> str:
        """Stored with the card tender: how the payment is found again (reversal, recovery)."""
        if self.receipt_no is None:
            return ""
        return f"TID {self.terminal_id} Beleg {self.receipt_no:04d} Trace {self.trace_no or 0:06d}"

    @property
    def total_cents(self) -> int:
        return sum(t.cents for t in self.totals)

    @property
    def total_count(self) -> int:
        return sum(t.count for t in self.totals)


@dataclass(frozen=True)
class TerminalDay:
    """The terminal's end-of-day (Kassenschnitt) as it goes into the Z report."""

    taken_at: str
    total_cents: int
    schemes: tuple[tuple[str, int, int], ...]  # (scheme, count, cents)
    ok: bool
    message: str


StatusCallback = Callable[[str], None]


class CardTerminal(Protocol):
    """A card terminal driver. Every call blocks until the terminal's final answer (or raises
    TerminalUnavailable); `on_status` receives the texts to show the cashier, on the caller's
    thread (the terminal's worker)."""

    def pay(self, amount_cents: int, on_status: StatusCallback | None = None) -> TerminalReply: ...

    def refund(self, amount_cents: int, on_status: StatusCallback | None = None) -> TerminalReply: ...

    def reverse(self, receipt_no: int, on_status: StatusCallback | None = None) -> TerminalReply: ...

    def last_transaction(self, on_status: StatusCallback | None = None) -> TerminalReply: ...

    def end_of_day(self, on_status: StatusCallback | None = None) -> TerminalReply: ...
