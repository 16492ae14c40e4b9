"""Takes cash (and maybe a card) for a sale, then waits to be killed before the sale completes
(used by the interrupted-payment test): python -m tests.crash_payer DB GIVEN_CENTS [CARD_CENTS]"""
from __future__ import annotations

import sys
import time

from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE


def main(path: str, given_cents: int, card_cents: int) -> None:
    store = LocalStore.open(path, "BER-K1")
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    session.pay_cash(given_cents, partial=True)
    if card_cents:
        session.pay_card(card_cents, approved=True, reference="4711")
    print("paid", flush=True)  # the customer is still looking for the rest: now the power goes
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
