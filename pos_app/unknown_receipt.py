"""A receipt the till cannot find, and the ways forward it offers (issue 12): at another store
the receipt's till may not have synced yet, so "Kein Bon ..." is not the end of the story. The
receipt number tells where it came from (KOE-K1-000123: store KOE, till KOE-K1; our receipt
numbers are the device id and a running number), so the cashier can be told which store to wait
for; and a manager can always take the item back without the receipt (the blind return: store
credit at the lowest recent price).

Pure rules and texts; the returns screen (ui.returns_dialog) shows the message and offers
"Erneut suchen" and "Ohne Beleg zurücknehmen". Thread: any.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pos_app.i18n import N_, t, t_marked
from pos_app.refunds import RefundError

# store code, till, running number; our device ids are "<store>-<till>" (BER-K1)
_RECEIPT_NUMBER = re.compile(r"^([A-Z][A-Z0-9]{1,15})-([A-Z0-9]{1,16})-(\d{1,12})$")


@dataclass(frozen=True)
class ReceiptOrigin:
    """Where a receipt number says it was printed."""

    store_id: str
    device_id: str


def origin_of(number: str) -> ReceiptOrigin | None:
    """"KOE-K1-000123" -> store KOE, till KOE-K1; None for anything else (an order number)."""
    m = _RECEIPT_NUMBER.match((number or "").strip().upper())
    if m is None:
        return None
    return ReceiptOrigin(m.group(1), f"{m.group(1)}-{m.group(2)}")


class UnknownReceipt(RefundError):
    """Neither this till nor the center (or the center cannot be asked) knows the number.
    `origin` names the store when the number tells it; `offline` says the center could not be
    asked at all. The screen offers a new look-up and the blind return."""

    def __init__(self, number: str, origin: ReceiptOrigin | None, store_name: str = "", *,
                 offline: bool = False, own_store_id: str = "", why: str = "") -> None:
        self.number = number
        self.origin = origin
        self.offline = offline
        self.store_name = store_name
        super().__init__(unknown_receipt_text(number, origin, store_name, offline=offline,
                                              own_store_id=own_store_id, why=why))

    @property
    def wait_for_store(self) -> str | None:
        """The store whose sync would bring the receipt, when the number tells it."""
        return self.origin.store_id if self.origin is not None else None


BLIND_HINT = N_("Oder ohne Beleg zurücknehmen (Marktleitung, Gutschrift zum niedrigsten Preis der letzten Tage).")


def unknown_receipt_text(number: str, origin: ReceiptOrigin | None, store_name: str = "", *,
                         offline: bool = False, own_store_id: str = "", why: str = "") -> str:
    """The cashier's message (German) for an unknown receipt, with the ways forward."""
    if origin is None:
        where = ""
    elif origin.store_id == own_store_id:
        where = t(" Er stammt von der Kasse {device_id} dieser Filiale.", device_id=origin.device_id)
    else:
        label = f"{store_name} ({origin.store_id})" if store_name else origin.store_id
        where = t(" Er stammt aus der Filiale {label}, Kasse {device_id}.", label=label, device_id=origin.device_id)
    if offline:
        head = t("Bon {number} ist in dieser Kasse unbekannt, und die Zentrale ist nicht erreichbar", number=number) + \
               (f" ({why})." if why else ".") + \
               t(" Bons anderer Kassen und Filialen und Online-Bestellungen lassen sich nur online prüfen.")
        retry = t("Erneut suchen, sobald die Verbindung wieder steht.")
    elif origin is None:
        head = t("Kein Bon und keine Bestellung mit der Nummer {number} bekannt (auch nicht in der Zentrale).", number=number)
        retry = t("Nummer prüfen und erneut suchen.")
    else:
        head = t("Bon {number} ist der Zentrale noch nicht bekannt: Seine Kasse hat ihn noch nicht übertragen.", number=number)
        store = t("diese Filiale") if origin.store_id == own_store_id else t("die Filiale {store_id}", store_id=origin.store_id)
        retry = t("Erneut versuchen, wenn {store} synchronisiert hat (Kasse {device_id} online).", store=store, device_id=origin.device_id)
    return f"{head}{where} {retry} {t_marked(BLIND_HINT)}"
