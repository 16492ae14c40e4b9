"""Starts a card payment and waits for the terminal (used by the crash test, which kills this
process while the terminal holds the payment): python -m tests.crash_card_payer DB PORT"""
from __future__ import annotations

import sys

from hardware.zvt.client import ZvtClient, ZvtSettings
from pos_app import card_payments
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE


def main(path: str, port: int) -> None:
    store = LocalStore.open(path, "BER-K1")
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    session.scan(EAN_DECKE)
    payment = session.start_payment()
    terminal = ZvtClient(ZvtSettings("127.0.0.1", port))
    print("paying", flush=True)
    reply = card_payments.pay(card_payments.CardLedger(store.db), terminal, payment.total_cents)
    session.pay_card_reply(reply)
    session.complete()
    print("completed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
