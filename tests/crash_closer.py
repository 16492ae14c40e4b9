"""Opens, sells, pays out and closes the till in a loop until killed (the Z-number crash test):
python -m tests.crash_closer DB. Picks up whatever state the last run left (open or closed)."""
from __future__ import annotations

import sys

from pos_app.shift import BusinessCase, MovementKind
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_KAFFEE

JONAS = StaffMember(2, "Jonas Weber", "manager")


def main(path: str) -> None:
    store = LocalStore.open(path, "BER-K1")
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    print("ready", flush=True)
    while True:
        if store.cashbook.current() is None:
            store.cashbook.open(5000, JONAS)
        session.scan(EAN_KAFFEE)
        session.pay_cash(2000)
        session.complete()
        store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 100, "Porto", JONAS)
        expected = store.cashbook.x_report().cash.expected_cents
        store.cashbook.close(expected - 1, JONAS)


if __name__ == "__main__":
    main(sys.argv[1])
