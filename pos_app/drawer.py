"""Opening the cash drawer without a sale ("no sale", Strg+D): only with a reason, and by a
manager or with a manager's PIN; every opening lands in the audit trail (which syncs).

The drawer itself hangs on the receipt printer and is kicked by the caller (ui.printing) after
the opening is recorded: an opening that is not recorded never happens, and a kick that fails
(printer off) is reported to the cashier, the record stays (someone asked to open it).

With a TSE (LocalStore.fiscal) the opening is a TSE transaction of processType
SonstigerVorgang (no business case, no amounts), signed before the write and recorded in it with
reference "nosale:<reason>"; a TSE that is down never keeps the drawer shut (recorded unsigned).

Thread: the UI thread (one small write transaction).
"""
from __future__ import annotations

from dataclasses import dataclass

from pos_app.cart import Approval, ApprovalAction, ApprovalRequired
from pos_app.fiscal import records as fiscal_records
from pos_app.fiscal.signing import SigningFailure
from pos_app.i18n import N_, t
from pos_app.store import audit
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember

NO_SALE_REASONS = (N_("Wechselgeld tauschen"), N_("Falsches Rückgeld korrigieren"), N_("Kassensturz / Zählung"),
                   N_("Bon nachträglich prüfen"))
MAX_REASON = 200


class NoSaleRefused(ValueError):
    """The opening was refused; the message says why (for the cashier)."""


@dataclass(frozen=True)
class NoSaleRecorded:
    """What changed: one audit entry (and its outbox event)."""

    reason: str
    opened_by: str
    approved_by: str | None  # the manager who gave their PIN; None when a manager opened it
    tse_failure: str = ""  # the TSE did not sign the opening (recorded unsigned): why


def clean_reason(reason: str) -> str:
    """The reason as recorded; NoSaleRefused when there is none (or it is far too long)."""
    reason = " ".join(reason.split())
    if not reason:
        raise NoSaleRefused(t("Bitte einen Grund angeben: Die Kassenlade öffnet ohne Verkauf nur mit Grund."))
    if len(reason) > MAX_REASON:
        raise NoSaleRefused(t("Der Grund ist zu lang (höchstens {MAX_REASON} Zeichen).", MAX_REASON=MAX_REASON))
    return reason


def record_no_sale(store: LocalStore, member: StaffMember, reason: str,
                   approval: Approval | None = None) -> NoSaleRecorded:
    """Check and record a no-sale opening. Raises NoSaleRefused (no reason) or ApprovalRequired
    (a cashier without a manager's approval); then nothing is written."""
    reason = clean_reason(reason)
    if not member.is_manager and approval is None:
        raise ApprovalRequired(ApprovalAction.NO_SALE, t("Kassenlade ohne Verkauf öffnen: {reason}", reason=reason))
    approved_by = approval.manager_name if approval is not None and not member.is_manager else None
    outcome = None if store.fiscal is None else store.fiscal.sign_other(f"Kassenlade ohne Verkauf: {reason}")
    with store.db.writing() as s:
        if outcome is not None:
            fiscal_records.record(s, store.device_id, outcome, reference=f"nosale:{reason}"[:60])
        if approved_by is not None and approval is not None:
            audit.record(s, store.device_id, approval.manager_id, approval.manager_name, "approval",
                         {"action": ApprovalAction.NO_SALE.value, "description": reason,
                          "cashier": member.name})
        audit.record(s, store.device_id, member.id, member.name, "drawer_no_sale",
                     {"reason": reason, "approved_by": approved_by})
    return NoSaleRecorded(reason, member.name, approved_by,
                          outcome.error if isinstance(outcome, SigningFailure) else "")
