"""A cash closing (Z report) as the DSFinV-K export needs it. Pure data: the export takes plain
values so that it does not depend on how a till is closed. The till's own Z reports become these
values in pos_app.fiscal.dsfinvk.from_store; a JSON file still works (closings_from_json)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from pos_app.clock import STORE_TZ


@dataclass(frozen=True)
class CashClosing:
    """One Z closing of one till.

    `opened_at`: where its period starts (None: right after this till's previous closing in the
    list, or the beginning of time if there is none). Sales with opened_at < created_at <=
    closed_at belong to it. Totals are what the Z report printed: gross cents per tender
    kind ("cash", "card", "voucher", ...) and per VAT percent (19, 7, 0), returns netted in;
    cash counted and expected at the close. `cash_movements`: cash moved outside a sale per
    DSFinV-K business case (GV_TYP: "Auszahlung", "Geldtransit", ...), positive into the drawer.
    """

    z_number: int
    device_id: str
    closed_at: datetime  # timezone-aware
    totals_by_tender: Mapping[str, int] = field(default_factory=dict)
    totals_by_vat: Mapping[int, int] = field(default_factory=dict)
    cash_expected_cents: int = 0
    cash_counted_cents: int = 0
    opened_at: datetime | None = None
    business_day: date | None = None  # the booking day when it differs from the closing's date
    cash_movements: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.closed_at.utcoffset() is None:
            raise ValueError("CashClosing.closed_at braucht eine Zeitzone.")
        if self.z_number < 1:
            raise ValueError("Die Z-Nummer beginnt bei 1.")

    @property
    def local_day(self) -> date:
        return self.business_day or self.closed_at.astimezone(STORE_TZ).date()

    @property
    def difference_cents(self) -> int:
        """Over (+) or short (-): counted minus expected (DSFinV-K GV_TYP DifferenzSollIst)."""
        return self.cash_counted_cents - self.cash_expected_cents


def closings_from_json(data: object) -> list[CashClosing]:
    """Closings from JSON (the CLI's --closings file until the Z reports are in the store):
    a list of {"z_number", "device_id", "closed_at" (ISO 8601 with offset), "opened_at"?,
    "totals_by_tender": {"cash": cents, "card": cents}, "totals_by_vat": {"19": cents, "7": cents},
    "cash_expected_cents", "cash_counted_cents", "cash_movements"?: {"Auszahlung": -500}}."""
    if not isinstance(data, list):
        raise ValueError("Die Abschlussdatei muss eine Liste von Kassenabschlüssen enthalten.")
    out = []
    for n, item in enumerate(data, start=1):
        try:
            opened = item.get("opened_at")
            out.append(CashClosing(
                z_number=int(item["z_number"]), device_id=str(item["device_id"]),
                closed_at=datetime.fromisoformat(item["closed_at"]),
                totals_by_tender={str(k): int(v) for k, v in item.get("totals_by_tender", {}).items()},
                totals_by_vat={int(k): int(v) for k, v in item.get("totals_by_vat", {}).items()},
                cash_expected_cents=int(item.get("cash_expected_cents", 0)),
                cash_counted_cents=int(item.get("cash_counted_cents", 0)),
                opened_at=datetime.fromisoformat(opened) if opened else None,
                cash_movements={str(k): int(v) for k, v in item.get("cash_movements", {}).items()}))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"Kassenabschluss Nr. {n} in der Abschlussdatei ist unbrauchbar: {exc}") from None
    return out
