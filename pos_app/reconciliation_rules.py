"""Reconciliations (exceptions): the rules both the store and the center apply.

A reconciliation is an open item of one store: something physically happened (goods left,
cash moved, stock went below zero) that the books cannot settle on their own. The center
books the physical fact as it happened and opens a reconciliation with the amount at stake;
a manager (in the store app, or an operator at the center) closes it with a resolution.
Nothing is ever erased: closing records who decided what, and when.

Pure data and checks, no I/O: the store app (pos_app.reconciliations) and the center
(backend.reconciliations) import it, so both refuse the same resolutions. Any thread.
"""
from __future__ import annotations
from pos_app.i18n import t

KINDS: dict[str, str] = {
    "pickup_handover_after_cancel": "Abholung nach Storno übergeben",
    "pickup_handed_over_twice": "Abholung zweimal übergeben",
    "negative_stock": "Negativer Bestand",
    "policy_breach": "Rückgabe gegen die Richtlinie",
    "over_return": "Mehr zurückgenommen als gekauft",
    "price_mismatch": "Preisabweichung",
    "unbooked_movement": "Abgelehnter Vorgang mit Warenbewegung",
    "transfer_difference": "Transfer: Differenz beim Wareneingang",  # issue 14 (backend.transfers)
    "transfer_shipped_after_cancel": "Transfer nach Storno versandt",
    "transfer_received_unshipped": "Transfer empfangen, Versand nicht gemeldet",
    "fulfilment_unavailable": "Bestellung aus anderer Filiale: Ware nicht verfügbar",
    "fulfilment_shipped_after_cancel": "Bestellung nach Storno versandt",
    "delivery_discrepancy": "Abweichung im Wareneingang",  # issue 14: short/over/damaged (backend.stock_receiving)
    "gift_card_overdrawn": "Geschenkgutschein überzogen",  # two offline tills spent one card (issue 15)
    "coupon_overused": "Gutschein öfter eingelöst als erlaubt",
    "voucher_overdrawn": "Gutschein überzogen",
    "unknown_product": "Unbekannter Artikel verkauft",
}

RESOLUTIONS: dict[str, str] = {
    "refund_issued": "Erstattung ausgezahlt",
    "payment_collected": "Zahlung nachgeholt",
    "goods_given": "Ware als überlassen gebucht",
    "goods_returned": "Ware zurückerhalten",
    "count_adjusted": "Bestand gezählt / korrigiert",
    "money_recovered": "Geld zurückerhalten",
    "written_off": "Abgeschrieben",
    "product_assigned": "Artikel zugeordnet",
    "accepted": "Akzeptiert",
}

# Which resolutions close which kind. A kind not listed takes any resolution.
ALLOWED: dict[str, tuple[str, ...]] = {
    "pickup_handover_after_cancel": ("refund_issued", "payment_collected", "goods_given", "goods_returned",
                                     "accepted"),
    "pickup_handed_over_twice": ("payment_collected", "goods_given", "goods_returned", "count_adjusted",
                                 "accepted"),
    "negative_stock": ("count_adjusted", "accepted"),
    "unbooked_movement": ("count_adjusted", "goods_given", "accepted"),
    "transfer_difference": ("count_adjusted", "goods_returned", "accepted"),
    "delivery_discrepancy": ("goods_returned", "payment_collected", "count_adjusted", "accepted"),
    "gift_card_overdrawn": ("payment_collected", "goods_given", "accepted"),
    "coupon_overused": ("payment_collected", "accepted"),
    # the goods came back (or were damaged), the refund went out: get it back, or write it off
    "over_return": ("money_recovered", "goods_returned", "count_adjusted", "written_off", "accepted"),
    # the voucher's value was spent twice: the customer pays the rest, or it is written off
    "voucher_overdrawn": ("money_recovered", "payment_collected", "written_off", "accepted"),
    # a line sold under a product number the center does not know: name the article (count or
    # product assigned) or write the goods off
    "unknown_product": ("product_assigned", "count_adjusted", "written_off", "accepted"),
}

OPEN, CLOSED = "open", "closed"
MAX_NOTE = 200


class ResolutionRefused(ValueError):
    """A resolution that does not fit the item; the message says why (German, for the manager)."""


def allowed(kind: str) -> tuple[str, ...]:
    return ALLOWED.get(kind, tuple(RESOLUTIONS))


def check_resolution(kind: str, resolution: str, note: str = "") -> None:
    """Raise ResolutionRefused unless `resolution` may close an item of `kind`."""
    if resolution not in RESOLUTIONS:
        raise ResolutionRefused(t("Unbekannte Auflösung „{resolution}“.", resolution=resolution))
    if resolution not in allowed(kind):
        names = ", ".join(RESOLUTIONS[r] for r in allowed(kind))
        raise ResolutionRefused(t("{get}: „{RESOLUTIONS}“ passt nicht ({names}).", get=KINDS.get(kind, kind), RESOLUTIONS=RESOLUTIONS[resolution], names=names))
    if len(note) > MAX_NOTE:
        raise ResolutionRefused(t("Notiz höchstens {MAX_NOTE} Zeichen.", MAX_NOTE=MAX_NOTE))


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)


def resolution_label(resolution: str) -> str:
    return RESOLUTIONS.get(resolution, resolution)
