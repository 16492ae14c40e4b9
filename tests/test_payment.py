"""Tenders: cash with change, card confirmed by the cashier, split payments."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.payment import Payment, Tender, TenderError, TenderKind, quick_cash_amounts

SETTINGS = settings(max_examples=200, deadline=None)


def state(payment: Payment):
    return (payment.total_cents, copy.deepcopy(payment.tenders))


def test_new_payment():
    payment = Payment(1730)
    assert payment.paid_cents == 0
    assert payment.remaining_cents == 1730
    assert payment.change_cents == 0
    assert not payment.is_complete
    assert not payment.has_cash


def test_tender_error_is_a_value_error():
    assert issubclass(TenderError, ValueError)


# ---- cash ------------------------------------------------------------------------------------

def test_exact_cash():
    payment = Payment(1730)
    tender = payment.add_cash(1730)
    assert tender == Tender(TenderKind.CASH, 1730, 1730)
    assert tender.change_cents == 0
    assert payment.is_complete
    assert payment.remaining_cents == 0
    assert payment.change_cents == 0
    assert payment.has_cash
    assert payment.tenders == [tender]


def test_cash_with_change():
    payment = Payment(1730)
    tender = payment.add_cash(2000)
    assert tender.amount_cents == 1730
    assert tender.given_cents == 2000
    assert tender.change_cents == 270  # 2,70 €
    assert payment.change_cents == 270
    assert payment.paid_cents == 1730
    assert payment.is_complete


@pytest.mark.parametrize("given_cents", [1729, 1000, 1])
def test_cash_below_due_refused_and_nothing_recorded(given_cents):
    payment = Payment(1730)
    before = state(payment)
    with pytest.raises(TenderError) as info:
        payment.add_cash(given_cents)
    assert "17,30 €" in str(info.value)
    assert state(payment) == before
    assert not payment.has_cash


@pytest.mark.parametrize("given_cents", [0, -1, -2000])
@pytest.mark.parametrize("partial", [False, True])
def test_cash_not_positive_refused(given_cents, partial):
    payment = Payment(1730)
    before = state(payment)
    with pytest.raises(TenderError):
        payment.add_cash(given_cents, partial=partial)
    assert state(payment) == before


def test_partial_cash_then_card_for_the_rest():
    payment = Payment(5000)
    cash = payment.add_cash(2000, partial=True)
    assert cash == Tender(TenderKind.CASH, 2000, 2000)
    assert payment.remaining_cents == 3000
    assert not payment.is_complete
    card = payment.add_card(3000, approved=True, reference="TID 4711")
    assert card == Tender(TenderKind.CARD, 3000, 3000, "TID 4711")
    assert card.change_cents == 0
    assert payment.is_complete
    assert payment.paid_cents == 5000
    assert payment.change_cents == 0
    assert [t.kind for t in payment.tenders] == [TenderKind.CASH, TenderKind.CARD]


def test_partial_flag_with_enough_cash_gives_change():
    payment = Payment(1730)
    tender = payment.add_cash(5000, partial=True)
    assert tender.amount_cents == 1730
    assert tender.change_cents == 3270
    assert payment.is_complete


def test_card_then_cash_with_change_for_the_rest():
    payment = Payment(4599)
    payment.add_card(4000, approved=True)
    with pytest.raises(TenderError):
        payment.add_cash(500)  # 5,00 < 5,99
    tender = payment.add_cash(1000)
    assert tender.amount_cents == 599
    assert tender.change_cents == 401
    assert payment.change_cents == 401
    assert payment.is_complete


def test_several_partial_cash_tenders():
    payment = Payment(1000)
    payment.add_cash(300, partial=True)
    payment.add_cash(300, partial=True)
    assert payment.remaining_cents == 400
    payment.add_cash(500)
    assert payment.is_complete
    assert payment.paid_cents == 1000
    assert payment.change_cents == 100


# ---- card ------------------------------------------------------------------------------------

def test_card_exact_approved():
    payment = Payment(1730)
    tender = payment.add_card(1730, approved=True, reference="123")
    assert tender == Tender(TenderKind.CARD, 1730, 1730, "123")
    assert payment.is_complete
    assert not payment.has_cash
    assert payment.change_cents == 0


def test_declined_card_changes_nothing():
    payment = Payment(1730)
    payment.add_cash(730, partial=True)
    before = state(payment)
    assert payment.add_card(1000, approved=False) is None
    assert state(payment) == before
    assert payment.remaining_cents == 1000
    # and the card can be tried again
    assert payment.add_card(1000, approved=True) is not None
    assert payment.is_complete


@pytest.mark.parametrize("approved", [True, False])
def test_card_above_remaining_refused(approved):
    payment = Payment(1730)
    payment.add_cash(1000, partial=True)
    before = state(payment)
    with pytest.raises(TenderError) as info:
        payment.add_card(731, approved=approved)
    assert "7,30 €" in str(info.value)
    assert state(payment) == before


@pytest.mark.parametrize("amount", [0, -1])
def test_card_not_positive_refused(amount):
    payment = Payment(1730)
    before = state(payment)
    with pytest.raises(TenderError):
        payment.add_card(amount, approved=True)
    assert state(payment) == before


def test_partial_card():
    payment = Payment(1730)
    payment.add_card(1000, approved=True)
    assert payment.remaining_cents == 730
    assert not payment.is_complete


# ---- complete payments -----------------------------------------------------------------------

@pytest.mark.parametrize("first", ["cash_exact", "cash_change", "card"])
def test_paying_a_complete_payment_refused(first):
    payment = Payment(1730)
    if first == "cash_exact":
        payment.add_cash(1730)
    elif first == "cash_change":
        payment.add_cash(5000)
    else:
        payment.add_card(1730, approved=True)
    assert payment.is_complete
    before = state(payment)
    with pytest.raises(TenderError, match="vollständig"):
        payment.add_cash(100)
    with pytest.raises(TenderError, match="vollständig"):
        payment.add_cash(100, partial=True)
    with pytest.raises(TenderError, match="vollständig"):
        payment.add_card(100, approved=True)
    with pytest.raises(TenderError, match="vollständig"):
        payment.add_card(100, approved=False)
    assert state(payment) == before


def test_zero_total_is_complete_at_once():
    payment = Payment(0)
    assert payment.is_complete
    with pytest.raises(TenderError):
        payment.add_cash(100)


# ---- quick cash ------------------------------------------------------------------------------

def test_quick_cash_amounts_known():
    assert quick_cash_amounts(1730) == [1730, 2000, 5000, 10000]
    assert quick_cash_amounts(2000) == [2000, 5000, 10000, 20000]
    assert quick_cash_amounts(399) == [399, 500, 1000, 2000]
    assert quick_cash_amounts(4001) == [4001, 4500, 5000, 6000]


@SETTINGS
@given(st.integers(min_value=1, max_value=10_000_000))
def test_quick_cash_amounts_properties(due):
    amounts = quick_cash_amounts(due)
    assert amounts[0] == due
    assert 1 <= len(amounts) <= 4
    assert all(b > a for a, b in zip(amounts, amounts[1:]))  # strictly increasing, no duplicates
    for amount in amounts[1:]:
        assert amount > due
        assert amount % 500 == 0  # round note amounts
    # each suggestion is enough to pay, so it is accepted as cash
    for amount in amounts:
        payment = Payment(due)
        tender = payment.add_cash(amount)
        assert payment.is_complete
        assert tender.change_cents == amount - due


@SETTINGS
@given(st.integers(min_value=1, max_value=10_000_000))
def test_quick_cash_first_round_amount_is_next_five_euro_step(due):
    amounts = quick_cash_amounts(due)
    if due % 500:
        assert amounts[1] == (due // 500 + 1) * 500


# ---- properties ------------------------------------------------------------------------------

tender_ops = st.lists(
    st.one_of(
        st.tuples(st.just("cash"), st.integers(min_value=-100, max_value=30_000), st.booleans()),
        st.tuples(st.just("card"), st.integers(min_value=-100, max_value=30_000), st.booleans()),
    ),
    max_size=12,
)


@SETTINGS
@given(st.integers(min_value=1, max_value=20_000), tender_ops)
def test_payment_invariants_under_any_tenders(total, ops):
    payment = Payment(total)
    for kind, amount, flag in ops:
        before = state(payment)
        was_complete = payment.is_complete
        remaining = payment.remaining_cents
        try:
            if kind == "cash":
                tender = payment.add_cash(amount, partial=flag)
            else:
                tender = payment.add_card(amount, approved=flag)
        except TenderError:
            assert state(payment) == before
            assert was_complete or amount <= 0 or (kind == "cash" and amount < remaining and not flag) \
                or (kind == "card" and amount > remaining)
            continue
        assert not was_complete and amount > 0
        if tender is None:
            assert kind == "card" and not flag
            assert state(payment) == before
            continue
        assert payment.tenders[-1] is tender
        assert tender.amount_cents == min(amount, remaining)
        assert tender.given_cents == amount
        if kind == "card":
            assert tender.change_cents == 0
            assert amount <= remaining
        # never pays more than the total; change only comes from cash
        assert 0 <= payment.paid_cents <= total
        assert payment.remaining_cents == total - payment.paid_cents >= 0
        assert payment.change_cents == sum(t.change_cents for t in payment.tenders if t.kind is TenderKind.CASH)
        assert all(t.change_cents >= 0 for t in payment.tenders)
        assert all(t.amount_cents > 0 for t in payment.tenders)
    assert payment.is_complete == (payment.paid_cents == total)


@SETTINGS
@given(st.integers(min_value=1, max_value=100_000), st.integers(min_value=0, max_value=100_000))
def test_cash_change_is_given_minus_total(total, extra):
    payment = Payment(total)
    tender = payment.add_cash(total + extra)
    assert tender.change_cents == extra
    assert payment.change_cents == extra
    assert payment.paid_cents == total
    assert payment.is_complete


@SETTINGS
@given(st.integers(min_value=2, max_value=100_000), st.data())
def test_split_cash_and_card_pays_exactly(total, data):
    cash = data.draw(st.integers(min_value=1, max_value=total - 1))
    payment = Payment(total)
    payment.add_cash(cash, partial=True)
    assert not payment.is_complete
    payment.add_card(total - cash, approved=True)
    assert payment.is_complete
    assert payment.paid_cents == total
    assert payment.change_cents == 0
