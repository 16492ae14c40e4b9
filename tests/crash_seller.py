"""Sells as fast as it can until killed (used by the crash test): python -m tests.crash_seller DB"""
from __future__ import annotations

import sys

from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE


def main(path: str) -> None:
    store = LocalStore.open(path, "BER-K1")
    session = TillSession(store, StaffMember(1, "Lena Schmidt", "cashier"))
    print("ready", flush=True)
    while True:
        session.scan(EAN_DECKE)
        session.scan(EAN_KAFFEE)
        session.pay_cash(10000)
        session.complete()


if __name__ == "__main__":
    main(sys.argv[1])
