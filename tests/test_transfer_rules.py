"""The transfer and fulfilment rules both sides apply (pos_app.stock.transfer_rules), and that the
store app's event type names are the protocol's."""
from __future__ import annotations

import pytest

from pos_app.stock import transfer_rules as rules
from pos_app.stock.transfer_rules import StepRefused, check_step, received_state
from sync import protocol_transfers as pt
from sync.protocol import PAYLOADS


def test_the_store_names_the_protocols_event_types() -> None:
    for name in ("TRANSFER_REQUESTED", "TRANSFER_ACCEPTED", "TRANSFER_DECLINED", "TRANSFER_PICKED",
                 "TRANSFER_SHIPPED", "TRANSFER_RECEIVED", "TRANSFER_CANCELLED", "FULFILMENT_ORDERED",
                 "FULFILMENT_PICKED", "FULFILMENT_SHIPPED", "FULFILMENT_CANCELLED"):
        assert getattr(rules, name) == getattr(pt, name)
        assert (getattr(pt, name), 1) in PAYLOADS


@pytest.mark.parametrize(("state", "step", "side"), [
    ("requested", "accepted", "from"), ("requested", "declined", "from"), ("accepted", "picked", "from"),
    ("picked", "picked", "from"), ("picked", "shipped", "from"), ("shipped", "received", "to"),
    ("requested", "cancelled", "to"), ("accepted", "cancelled", "to"), ("accepted", "cancelled", "from"),
    ("picked", "cancelled", "from")])
def test_allowed_steps(state: str, step: str, side: str) -> None:
    check_step(state, step, side)


@pytest.mark.parametrize(("state", "step", "side"), [
    ("requested", "accepted", "to"),  # the requester cannot accept its own request
    ("requested", "shipped", "from"),  # not accepted, not picked
    ("accepted", "received", "to"),  # not shipped yet
    ("shipped", "cancelled", "to"), ("shipped", "cancelled", "from"),  # on the road: nobody cancels
    ("picked", "cancelled", "to"),  # picked: only the sender
    ("requested", "cancelled", "from"),  # the sender declines instead
    ("declined", "accepted", "from"), ("cancelled", "picked", "from"), ("closed", "received", "to"),
    ("received", "received", "to")])
def test_refused_steps(state: str, step: str, side: str) -> None:
    with pytest.raises(StepRefused):
        check_step(state, step, side)


def test_every_state_is_named_and_final_states_lead_nowhere() -> None:
    assert set(rules.TRANSFER_TRANSITIONS) == set(rules.TRANSFER_STATE_NAMES)
    for final in ("declined", "cancelled", "closed"):
        assert rules.TRANSFER_TRANSITIONS[final] == frozenset()
    assert rules.FULFILMENT_TRANSITIONS["shipped"] == frozenset()


def test_received_with_a_difference_either_way() -> None:
    assert received_state({1: 3, 2: 1}, {1: 3, 2: 1}) == "received"
    assert received_state({1: 3}, {1: 2}) == "received_with_difference"
    assert received_state({1: 3}, {1: 4}) == "received_with_difference"  # a surplus too


def test_the_protocol_refuses_a_transfer_to_the_own_store_and_an_unsound_order() -> None:
    from pydantic import ValidationError

    line = {"product_id": 30, "quantity": 1}
    base = {"transfer_id": "0b6f4f8e-4f5c-4a57-9d0c-1d2f3a4b5c6d", "number": "T-1", "requested_at": "2026-12-07T10:00:00Z",
            "requested_by": "Jonas", "lines": [line]}
    with pytest.raises(ValidationError, match="two different stores"):
        pt.TransferRequestedV1.model_validate({**base, "from_store_id": "HAM", "to_store_id": "HAM"})
    with pytest.raises(ValidationError, match="each product once"):
        pt.TransferRequestedV1.model_validate({**base, "from_store_id": "BER", "to_store_id": "HAM",
                                               "lines": [line, line]})
    order = {"order_id": "0b6f4f8e-4f5c-4a57-9d0c-1d2f3a4b5c6d", "number": "F-1", "store_id": "HAM",
             "fulfil_from": "MUC", "delivery": "ship", "ordered_at": "2026-12-07T10:00:00Z", "ordered_by": "Lena",
             "total_cents": 100, "paid_cents": 100,
             "lines": [{"product_id": 2, "sku": "S", "name": "Sofa", "quantity": 1, "unit_price_cents": 100}]}
    with pytest.raises(ValidationError, match="address"):
        pt.FulfilmentOrderedV1.model_validate(order)
    with pytest.raises(ValidationError, match="add up"):
        pt.FulfilmentOrderedV1.model_validate({**order, "delivery": "pickup", "total_cents": 99, "paid_cents": 99})
    with pytest.raises(ValidationError, match="exceeds"):
        pt.FulfilmentOrderedV1.model_validate({**order, "delivery": "pickup", "paid_cents": 101})
    assert pt.FulfilmentOrderedV1.model_validate({**order, "delivery": "pickup"}).fulfil_from == "MUC"
