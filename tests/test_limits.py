"""One set of limits (pos_app.limits): the store checks its inputs at entry against the numbers
the wire protocol and the center use, with a clear message and nothing recorded; whatever the
store does record at the limits is an event the protocol (and so the center) accepts."""
from __future__ import annotations

import ast
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pos_app import limits
from pos_app.cart import CartError, Discount, DiscountKind, ProductSnapshot
from pos_app.clienteling import Clienteling, ClientelingError
from pos_app.payment import Payment, TenderError
from pos_app.shift import BusinessCase, MovementKind, ShiftError, check_movement
from pos_app.store.local import LocalStore
from pos_app.till import TillSession
from pos_app.vat import VatRate
from sync.protocol import Event
from tests.sync_helpers import LENA, outbox_rows
from tests.store_fixture import EAN_DECKE

JONAS = type(LENA)(2, "Jonas Weber", "manager")


def _events_are_valid(store: LocalStore) -> int:
    """Every outbox event as the worker would send it passes the protocol; how many there are."""
    rows = outbox_rows(store)
    for row in rows:
        Event(id=row.id, device_id=row.device_id, seq=row.seq, type=row.type, schema_version=row.schema_version,
              created_at=row.created_at, payload=json.loads(row.payload))
    return len(rows)


def test_the_limits_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(limits.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_faults_in_text_dates_and_free_form_json() -> None:
    assert limits.text_fault("Samtsofa grün ✓ 🛋") is None
    assert "NUL" in limits.text_fault("a\x00b")
    assert "U+DC00" in limits.text_fault("a\udc00")
    assert limits.moment_fault(datetime(2026, 12, 6, tzinfo=timezone.utc)) is None
    assert "year 1 " in limits.moment_fault(datetime(1, 1, 1))
    assert dict(limits.json_faults({"a": [1, {"b": "x\x00"}], "c\ud800": 2, "n": 2**60, "ok": True})) == {
        "a[1].b": "contains a NUL character", "c\ud800": "key contains a lone surrogate (U+D800)",
        "n": f"integer outside -{limits.MAX_JSON_INT}..{limits.MAX_JSON_INT}"}


def test_a_product_the_center_would_refuse_never_gets_into_a_sale(store: LocalStore) -> None:
    session = TillSession(store, LENA)
    for name in ("S" * (limits.PRODUCT_NAME + 1), "Sofa\x00", ""):
        with pytest.raises(CartError, match="Artikelname"):
            session.add(ProductSnapshot(1, "T-1", name, 1000, VatRate.STANDARD))
    with pytest.raises(CartError, match="Preis"):
        session.add(ProductSnapshot(1, "T-1", "Sofa", limits.MAX_CENTS + 1, VatRate.STANDARD))
    assert session.cart.is_empty() and outbox_rows(store) == []
    session.add(ProductSnapshot(1, "T-1", "S" * limits.PRODUCT_NAME, 1000, VatRate.STANDARD))  # at the limit
    session.pay_cash(1000)
    session.complete()
    assert _events_are_valid(store) >= 1


def test_amounts_reasons_and_quantities_are_checked_at_entry(store: LocalStore) -> None:
    session = TillSession(store, LENA)
    line = session.scan(EAN_DECKE).line_id
    with pytest.raises(CartError, match="9999"):
        session.set_quantity(line, limits.MAX_QUANTITY + 1)
    with pytest.raises(CartError, match="Grund ist zu lang"):
        Discount.parse(DiscountKind.PERCENT, "5", "x" * (limits.REASON_TEXT + 1))
    with pytest.raises(CartError, match="Grund enthält"):
        Discount.parse(DiscountKind.PERCENT, "5", "Kulanz\x00")
    with pytest.raises(CartError, match="Rabatt über"):
        Discount.parse(DiscountKind.AMOUNT, str(limits.MAX_CENTS + 1), "Kulanz")
    with pytest.raises(CartError, match="neue Preis"):
        session.override_price(line, limits.MAX_CENTS + 1, "Kulanz")
    with pytest.raises(CartError, match="Grund ist zu lang"):
        session.override_price(line, 100, "x" * (limits.REASON_TEXT + 1))
    with pytest.raises(TenderError, match="höchstens"):
        Payment(100).add_cash(limits.MAX_CENTS + 1)
    with pytest.raises(ShiftError, match="Bemerkung ist zu lang"):
        check_movement(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 100, "x" * (limits.REASON_TEXT + 1))
    with pytest.raises(ShiftError, match="Betrag ist höher"):
        check_movement(MovementKind.PAID_IN, BusinessCase.EINZAHLUNG, limits.MAX_CENTS + 1, "Wechselgeld")
    assert outbox_rows(store) == []
    session.set_quantity(line, limits.MAX_QUANTITY)
    assert session.cart.line(line).quantity == limits.MAX_QUANTITY


def test_a_till_total_over_the_limit_is_refused_before_payment(store: LocalStore) -> None:
    session = TillSession(store, LENA)
    session.add(ProductSnapshot(1, "T-1", "Flügel", limits.MAX_CENTS // 2 + 1, VatRate.STANDARD), quantity=2)
    with pytest.raises(CartError, match="mehrere Bons"):
        session.start_payment()
    assert outbox_rows(store) == []


def test_customer_fields_notes_and_case_steps_are_held_to_the_protocol(store: LocalStore) -> None:
    desk = Clienteling(store)
    for key, limit in limits.CUSTOMER_FIELDS.items():
        value = {"phone": "+49 30 " + "1" * limit, "email": "a@" + "b" * limit}.get(key, "x" * (limit + 1))
        too_long = {"first_name": "Ada", "last_name": "Lovelace", key: value}
        with pytest.raises(ClientelingError, match="zu lang"):
            desk.create(JONAS, too_long)
    with pytest.raises(ClientelingError, match="nicht gespeichert"):
        desk.create(JONAS, {"first_name": "Ada\x00", "last_name": "Lovelace"})
    assert outbox_rows(store) == []
    at_limit = {"first_name": "A" * 60, "last_name": "L" * 60, "street": "S" * 120, "zip_code": "1" * 10,
                "city": "C" * 80, "phone": "+49 30 " + "1" * 33, "email": "a@" + "b" * 118}
    created = desk.create(JONAS, at_limit, allow_duplicate=True).customer
    assert created is not None
    with pytest.raises(ClientelingError, match="Notiz ist zu lang"):
        desk.add_note(JONAS, created.id, "n" * (limits.NOTE + 1))
    with pytest.raises(ClientelingError, match="Fallschritt ist zu lang"):
        desk.add_case_step(JONAS, "C-1", "s" * (limits.NOTE + 1), close=False)
    with pytest.raises(ClientelingError, match="nicht gespeichert"):
        desk.add_note(JONAS, created.id, "ruft an\udc00")
    desk.add_note(JONAS, created.id, "n" * limits.NOTE)
    desk.add_case_step(JONAS, "C-1", "s" * limits.NOTE, close=False)
    types = [r.type for r in outbox_rows(store)]
    assert types.count("customer.note_added") == 1 and types.count("case.step_added") == 1
    assert _events_are_valid(store) == len(types)
