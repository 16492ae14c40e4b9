"""The till session without Qt: scanning rules, manager approvals recorded, payment rules."""
from __future__ import annotations

import json

import pytest

from pos_app.cart import Approval, ApprovalRequired, CartError, Discount, DiscountKind
from pos_app.gtin import BarcodeError, with_check_digit
from pos_app.payment import TenderError
from pos_app.store.models import AuditEntry, OutboxEvent, Sale
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession, UnknownCode
from tests.store_fixture import EAN8_KAFFEE, EAN_DECKE, EAN_KAFFEE, UPC_TEELICHT

LENA = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = Approval(2, "Jonas Weber")


@pytest.fixture
def session(store) -> TillSession:  # type: ignore[no-untyped-def]
    return TillSession(store, LENA)


def audit_actions(store) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return [(e.action, json.loads(e.details)) for e in s.query(AuditEntry).order_by(AuditEntry.id)]


def test_upc_a_finds_its_ean13_product_and_ean8_and_internal_codes_work(session):
    session.scan(UPC_TEELICHT)
    session.scan(EAN8_KAFFEE)
    session.scan("WM-INT-00042")
    session.scan("t-5")  # a SKU typed by hand
    assert [ln.product.sku for ln in session.cart.lines] == ["T-3", "T-2", "T-4", "T-5"]


def test_bad_codes_change_nothing(session):
    session.scan(EAN_DECKE)
    before = session.cart.to_dict()
    with pytest.raises(BarcodeError, match="Prüfziffer"):
        session.scan(EAN_DECKE[:-1] + str((int(EAN_DECKE[-1]) + 1) % 10))
    with pytest.raises(UnknownCode, match="Suche"):
        session.scan(with_check_digit("400000000099"))
    with pytest.raises(UnknownCode):
        session.scan("NO-SUCH-CODE")
    assert session.cart.to_dict() == before


def test_approvals_are_recorded_in_the_audit_trail_and_outbox(session, store):
    session.scan(EAN_DECKE)
    with pytest.raises(ApprovalRequired):
        session.set_line_discount(1, Discount.parse(DiscountKind.PERCENT, "25", "Beschädigte Ware"))
    assert audit_actions(store) == []
    session.set_line_discount(1, Discount.parse(DiscountKind.PERCENT, "25", "Beschädigte Ware"), JONAS)
    session.override_price(1, 2999, "Preis am Regal abweichend", JONAS)
    actions = audit_actions(store)
    assert [a for a, _ in actions] == ["approval", "approval"]
    assert actions[0][1]["action"] == "discount_over_limit" and actions[1][1]["action"] == "price_override"
    with store.db.reading() as s:
        assert s.query(OutboxEvent).filter_by(type="audit.recorded").count() == 2


def test_void_after_payment_started_needs_a_manager(session, store):
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    session.pay_card(1000, approved=True)
    with pytest.raises(ApprovalRequired):
        session.remove_line(2)
    with pytest.raises(ApprovalRequired):
        session.void_sale()
    session.remove_line(2, JONAS)
    assert [ln.product.sku for ln in session.cart.lines] == ["T-1"]
    assert session.payment is not None and session.payment.total_cents == 3999
    [(_, details)] = [a for a in audit_actions(store) if a[0] == "approval"]
    assert {k: details[k] for k in ("action", "cashier", "description")} == {
        "action": "void_after_payment", "cashier": "Lena Schmidt", "description": "Storno Bio-Kaffee Äthiopien 500 g x1"}
    assert details["before"]["sku"] == "T-2" and details["after"] is None  # the line as it was, and gone


def test_total_cannot_fall_below_what_was_paid(session):
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    session.pay_card(5000, approved=True)
    before = session.cart.to_dict()
    with pytest.raises(CartError, match="Schon bezahlt"):
        session.remove_line(1, JONAS)
    assert session.cart.to_dict() == before
    assert session.payment.total_cents == 3999 + 1299


def test_split_payment_card_then_cash_with_change(session, store):
    session.scan(EAN_DECKE)  # 39,99
    assert session.pay_card(2000, approved=False).tender is None  # declined: nothing booked
    assert session.pay_card(2000, approved=True).remaining_cents == 1999
    with pytest.raises(TenderError, match="reicht nicht"):
        session.pay_cash(1000)
    change = session.pay_cash(2000)
    assert change.complete and change.change_cents == 1
    done = session.complete()
    with store.db.reading() as s:
        sale = s.get(Sale, done.sale_id)
        assert sale.change_cents == 1
    receipt = store.sales.receipt(done.sale_id)
    assert [(t.label, t.amount_cents) for t in receipt.tenders] == [("Karte", 2000), ("Bar", 2000)]
    assert receipt.change_cents == 1
    assert "card_declined" in [a for a, _ in audit_actions(store)]


def test_cannot_pay_or_park_an_empty_cart(session):
    with pytest.raises(CartError, match="leer"):
        session.pay_cash(100)
    with pytest.raises(CartError, match="leer"):
        session.park()


def test_cart_discount_spreads_and_receipt_vat_matches_total(session, store):
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    session.set_cart_discount(Discount.parse(DiscountKind.AMOUNT, 500, "Treuerabatt"))
    total = session.cart.totals().total_cents
    assert total == 3999 + 1299 - 500
    session.pay_cash(total)
    receipt = store.sales.receipt(session.complete().sale_id)
    assert sum(r.gross_cents for r in receipt.vat_rows) == receipt.total_cents == total
    assert receipt.cart_discount_cents == 500


@pytest.mark.parametrize("typed", ["samt grün", "SAMT GRUEN", "samtsofa gru", "milano grün"])
def test_search_finds_by_prefix_and_umlaut_spellings(store, typed):
    hits = store.catalog.search(typed)
    assert [h.name for h in hits] == ["Samtsofa Milano 3-Sitzer grün"]
    assert hits[0].price_cents == 129900 and hits[0].stock == 10


def test_search_ignores_punctuation_and_empty_input(store):
    assert store.catalog.search("") == []
    assert store.catalog.search('"*) OR (') == []
    assert len(store.catalog.search("samtsofa")) == 2
