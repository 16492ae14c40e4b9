"""The card recovery rule against the simulator and a real store: pending first, never sent
twice, a timeout asks the terminal, a crash between authorisation and completion is given back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hardware.zvt.client import ZvtClient, ZvtSettings
from pos_app import card_payments
from pos_app.card_payments import CardLedger, CardStateUnclear
from pos_app.card_terminal import CardOutcome
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, open_store
from tests.zvt_terminal import ZvtSimulator

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sim():
    simulator = ZvtSimulator()
    yield simulator
    if simulator.hold is not None:
        simulator.hold.set()
    simulator.close()


def terminal(sim: ZvtSimulator, answer: float = 3.0) -> ZvtClient:
    return ZvtClient(ZvtSettings("127.0.0.1", sim.port, answer_timeout_s=answer, ack_timeout_s=0.5))


def authorisations(sim: ZvtSimulator) -> int:
    return sum(1 for raw in sim.received if raw[:2] == b"\x06\x01")


def sell_by_card(store, sim: ZvtSimulator, ean: str = EAN_DECKE):
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    session.scan(ean)
    payment = session.start_payment()
    reply = card_payments.pay(CardLedger(store.db), terminal(sim), payment.total_cents)
    change = session.pay_card_reply(reply)
    return session, reply, change


def test_approved_payment_completes_the_sale_with_the_terminal_reference(store, sim):
    session, reply, change = sell_by_card(store, sim)
    assert change.complete and reply.approved
    done = session.complete()
    receipt = store.sales.receipt(done.sale_id)
    assert receipt.tenders[0].amount_cents == 3999
    assert CardLedger(store.db).slip_for(reply.reference)[0] == "Kundenbeleg"
    assert sim.charged_cents == 3999 and not CardLedger(store.db).pending()


def test_decline_changes_nothing_and_leaves_the_sale_open(store, sim):
    sim.fault = "decline"
    session, reply, change = sell_by_card(store, sim)
    assert not reply.approved and change.tender is None and not change.complete
    assert session.payment is not None and session.payment.remaining_cents == 3999
    assert sim.charged_cents == 0


@pytest.mark.parametrize("fault", ["lose_completion", "disconnect"])
def test_lost_answer_is_asked_not_sent_again(store, sim, fault):
    sim.fault = fault
    session, reply, change = sell_by_card(store, sim)
    assert reply.approved and change.complete  # the terminal had booked it: it counts, once
    assert authorisations(sim) == 1 and sim.charged_cents == 3999
    assert any(raw[:2] == b"\x06\x20" for raw in sim.received)
    session.complete()
    assert CardLedger(store.db).unused_payments() == []


def test_no_answer_then_nothing_booked_means_not_charged(store, sim):
    sim.fault = "no_answer"
    session, reply, change = sell_by_card(store, sim)
    assert not reply.approved and change.tender is None
    assert authorisations(sim) == 1 and sim.charged_cents == 0
    ledger = CardLedger(store.db)
    assert ledger.is_clear()


def test_terminal_off_means_nothing_sent_and_nothing_charged(store):
    ledger = CardLedger(store.db)
    gone = ZvtClient(ZvtSettings("127.0.0.1", 9, connect_timeout_s=0.5))  # nothing listens on port 9
    reply = card_payments.pay(ledger, gone, 500)
    assert reply.outcome is CardOutcome.BUSY and "nicht erreichbar" in reply.message
    assert ledger.is_clear()  # another tender may be taken at once


def test_no_answer_and_no_way_to_ask_keeps_it_pending_and_blocks_the_next_card_payment(store, sim):
    ledger = CardLedger(store.db)
    sim.faults = ["no_ack", "no_ack"]  # the payment, then the question about it: both unanswered
    with pytest.raises(CardStateUnclear):
        card_payments.pay(ledger, terminal(sim), 500)
    assert len(ledger.pending()) == 1
    with pytest.raises(CardStateUnclear):
        card_payments.pay(ledger, terminal(sim), 500)
    assert authorisations(sim) == 1  # the second payment was refused before anything was sent
    assert card_payments.recover(ledger, terminal(sim)) and ledger.is_clear()
    assert sim.charged_cents == 0


def test_an_older_known_payment_of_the_same_amount_is_not_taken_for_ours(store, sim):
    sell_by_card(store, sim)[0].complete()
    sim.fault = "no_ack"  # the second payment never reaches the terminal's books
    session, reply, change = sell_by_card(store, sim)
    assert not reply.approved and sim.charged_cents == 3999


def test_crash_between_authorisation_and_completion_is_recovered_without_a_second_charge(store_path, sim):
    sim.hold = threading.Event()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "tests.crash_card_payer", str(store_path), str(sim.port)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert sim.at_hold.wait(60), "the till never reached the terminal"
        child.send_signal(signal.SIGKILL)  # the till dies: the terminal has booked, the sale is not saved
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    sim.hold.set()
    assert sim.charged_cents == 3999
    store = open_store(store_path)
    try:
        ledger = CardLedger(store.db)
        assert len(ledger.pending()) == 1 and store.sales.recent() == []
        done = card_payments.recover(ledger, terminal(sim))
        assert [(r.charged, r.reversed) for r in done] == [(True, True)]
        assert sim.charged_cents == 0 and sim.bookings[0].reversed
        assert card_payments.recover(ledger, terminal(sim)) == []  # once is enough
        # the cashier rings it up again: charged once
        session, reply, change = sell_by_card(store, sim)
        session.complete()
        assert sim.charged_cents == 3999 and len(sim.payments()) == 2 and len(store.sales.recent()) == 1
    finally:
        store.close()


def test_refund_is_recorded_like_a_payment(store, sim):
    ledger = CardLedger(store.db)
    reply = card_payments.refund(ledger, terminal(sim), 1299)
    assert reply.approved and sim.charged_cents == -1299
    assert reply.receipt_no in ledger.known_receipts()


def test_terminal_settings_are_checked() -> None:
    from pos_app.config import ConfigError, parse_settings

    assert parse_settings("").terminal.kind == "none"  # confirm by hand unless a terminal is set
    good = parse_settings('[terminal]\nkind = "zvt"\nhost = "10.0.0.7"\npassword = 123456\n').terminal
    assert (good.kind, good.host, good.port, good.password) == ("zvt", "10.0.0.7", 20007, 123456)
    for bad, word in (('kind = "girocard"', "terminal.kind"), ('kind = "zvt"', "terminal.host"),
                      ('kind = "zvt"\nhost = "x"\npassword = 1234567', "sechs Ziffern")):
        with pytest.raises(ConfigError, match=word):
            parse_settings(f"[terminal]\n{bad}\n")
