"""The TSE side of cash moved outside a sale (paid in, paid out, drops to the safe) and of
returns: what their Kassenbeleg-V1 says.

DSFinV-K Anhang I: every Geschäftsvorfall with a receipt is a Kassenbeleg-V1 of Vorgangstyp
"Beleg"; processData lists gross per VAT rate (19, 7, 10.7, 5.5, 0 %) and payments (Bar/Unbar).
SonstigerVorgang is for what is no business case at all (a drawer opened without a sale). So:
- a paid in / paid out / drop is a Beleg whose amount is not taxable: it goes in the 0 % field,
  positive into the drawer, negative out of it, paid "Bar" (e.g. a 50,00 paid out:
  "Beleg^0.00_0.00_0.00_0.00_-50.00^-50.00:Bar"); its DSFinV-K business case (Geldtransit,
  Auszahlung, ...) is in the export's Bonpos/Z_GV_Typ, not in the TSE data;
- a return is a Beleg with negative amounts per VAT rate and negative payments (a refund to a
  voucher or the credit an exchange passes on is "Unbar": no cash moves);
- an exchange's sale is its own Beleg (pos_app.fiscal.records.amounts_for_sale).

Thread: the caller's; signing waits at most the signer's budget and never raises.
"""
from __future__ import annotations

from collections.abc import Iterable

from pos_app.fiscal.records import amounts_for_sale
from pos_app.fiscal.signing import FiscalOutcome, FiscalSigner
from pos_app.fiscal.tse import FiscalAmounts
from pos_app.shift import MovementKind


def movement_amounts(kind: MovementKind, amount_cents: int) -> FiscalAmounts:
    signed = kind.sign * amount_cents
    return FiscalAmounts(vat_gross={0: signed}, cash_cents=signed)


def sign_movement(signer: FiscalSigner, kind: MovementKind, amount_cents: int) -> FiscalOutcome:
    return signer.sign_receipt(movement_amounts(kind, amount_cents))


def return_amounts(lines: Iterable[tuple[int, int]], tenders: Iterable[tuple[str, int]]) -> FiscalAmounts:
    """A return's FiscalAmounts from its (vat percent, refund cents) lines and (kind, cents)
    refund tenders, all given as positive amounts: the TSE gets them negative."""
    gross: dict[int, int] = {}
    for percent, cents in lines:
        gross[percent] = gross.get(percent, 0) - cents
    return amounts_for_sale(gross, [(kind, -cents) for kind, cents in tenders])
