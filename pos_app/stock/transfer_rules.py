"""The rules of transfers and fulfilment orders that the store and the center both apply: the
state machines, who may take which step, and what is in transit or reserved. Pure, no I/O (the
center's backend.transfers and the store's pos_app.stock.transfers import it). Any thread.

Transfer states (docs/stock.md, "Transfers between stores"):

    requested ─> accepted ─> picked ─> shipped ─> received ───────────────┐
        │           │           │                  └> received_with_difference ─> closed
        └> declined └───────────┴─> cancelled

Who: the receiving store requests and receives; the sending store accepts, declines, picks and
ships; before shipping the requesting store may cancel in requested or accepted, the sending
store in accepted or picked. Once shipped nobody cancels: the goods are on the road, and what
does not arrive is a discrepancy (a reconciliation of both stores), never an erased movement.

Fulfilment order states ("The endless aisle and ship-from-store"):

    new ─> picked ─> shipped          (delivery "ship": to the customer's address)
     │        └────> shipped          (delivery "pickup": carrier "pickup", then the selling
     └──> cancelled (before shipping)  store's pickup order takes over)
"""
from __future__ import annotations

from pos_app.i18n import N_, t, t_marked

# The event types (the wire protocol, sync.protocol_transfers, registers their payloads).
TRANSFER_REQUESTED = "transfer.requested"
TRANSFER_ACCEPTED = "transfer.accepted"
TRANSFER_DECLINED = "transfer.declined"
TRANSFER_PICKED = "transfer.picked"
TRANSFER_SHIPPED = "transfer.shipped"
TRANSFER_RECEIVED = "transfer.received"
TRANSFER_CANCELLED = "transfer.cancelled"
FULFILMENT_ORDERED = "fulfilment.ordered"
FULFILMENT_PICKED = "fulfilment.picked"
FULFILMENT_SHIPPED = "fulfilment.shipped"
FULFILMENT_CANCELLED = "fulfilment.cancelled"

TRANSFER_TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"accepted", "declined", "cancelled"}),
    "accepted": frozenset({"picked", "cancelled"}),
    "picked": frozenset({"picked", "shipped", "cancelled"}),
    "shipped": frozenset({"received", "received_with_difference"}),
    "received": frozenset({"closed"}),
    "received_with_difference": frozenset({"closed"}),
    "declined": frozenset(), "cancelled": frozenset(), "closed": frozenset(),
}
TRANSFER_STATE_NAMES: dict[str, str] = {
    "requested": N_("angefragt"), "accepted": N_("angenommen"), "declined": N_("abgelehnt"),
    "picked": N_("kommissioniert"), "shipped": N_("unterwegs"), "received": N_("empfangen"),
    "received_with_difference": N_("empfangen mit Differenz"), "cancelled": N_("storniert"),
    "closed": N_("abgeschlossen"),
}
OPEN_TRANSFER = ("requested", "accepted", "picked", "shipped")
# The side of a transfer that may take each step: "to" the receiving store, "from" the sender.
STEP_SIDE: dict[str, tuple[str, ...]] = {
    "requested": ("to",), "accepted": ("from",), "declined": ("from",), "picked": ("from",),
    "shipped": ("from",), "received": ("to",), "cancelled": ("to", "from"),
}
CANCEL_STATES: dict[str, tuple[str, ...]] = {"to": ("requested", "accepted"), "from": ("accepted", "picked")}

FULFILMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"picked", "cancelled"}),
    "picked": frozenset({"picked", "shipped", "cancelled"}),
    "shipped": frozenset(), "cancelled": frozenset(),
}
FULFILMENT_STATE_NAMES: dict[str, str] = {
    "new": N_("neu"), "picked": N_("kommissioniert"), "shipped": N_("versandt"), "cancelled": N_("storniert"),
}
RESERVING_FULFILMENT = ("new", "picked")  # these hold units off the fulfilling store's shelf
PICKUP_CARRIER = "pickup"  # "shipped" to the selling store, whose pickup flow takes over


class StepRefused(ValueError):
    """A step the state machine or the side does not allow (message for the person, German)."""


def state_name(state: str) -> str:
    return t_marked(TRANSFER_STATE_NAMES[state]) if state in TRANSFER_STATE_NAMES else state


def may_move(current: str, new: str) -> bool:
    return new in TRANSFER_TRANSITIONS.get(current, frozenset())


def check_step(state: str, step: str, side: str) -> None:
    """Raise StepRefused unless `side` ("to" or "from") may take `step` in `state`."""
    if side not in STEP_SIDE.get(step, ()):
        if side == "to":
            raise StepRefused(t("Die empfangende Filiale kann diesen Schritt nicht ausführen ({step}).", step=step))
        raise StepRefused(t("Die abgebende Filiale kann diesen Schritt nicht ausführen ({step}).", step=step))
    if step == "cancelled" and state not in CANCEL_STATES[side]:
        raise StepRefused(t("Transfer ist {state}: Storno nicht möglich.", state=state_name(state)))
    if step == "received":
        if state != "shipped":
            raise StepRefused(t("Transfer ist {state}, nicht unterwegs.", state=state_name(state)))
        return
    if not may_move(state, step):
        raise StepRefused(t("Transfer ist {state}: {step} nicht möglich.", state=state_name(state),
                            step=state_name(step)))


def received_state(shipped: dict[int, int], received: dict[int, int]) -> str:
    """received when every line arrived as shipped, else received_with_difference."""
    lines = set(shipped) | set(received)
    same = all(shipped.get(n, 0) == received.get(n, 0) for n in lines)
    return "received" if same else "received_with_difference"


def may_move_fulfilment(current: str, new: str) -> bool:
    return new in FULFILMENT_TRANSITIONS.get(current, frozenset())
