"""Sells the blue sofa from München through the endless aisle as fast as it can until killed
(used by tests/test_endless_aisle.py): python -m tests.crash_aisle_seller DB DEVICE"""
from __future__ import annotations

import sys

from pos_app.stock.fulfilment import Address, EndlessAisle
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.transfer_helpers import BLUE_SOFA


def main(path: str, device_id: str) -> None:
    store = LocalStore.open(path, device_id)
    aisle = EndlessAisle(store)  # offline: the availability this till kept from the center
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    session.endless_aisle = aisle
    print("ready", flush=True)
    while True:
        aisle.sell_from(session, BLUE_SOFA, 1, "MUC", "ship", Address("Anna Becker", "Hofweg 5", "22085", "Hamburg"))
        session.pay_cash(session.cart.totals().total_cents)
        session.complete()
        aisle.intents.clear()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
