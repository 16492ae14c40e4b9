"""Sells and syncs in turns until killed (the sync crash test): python -m tests.crash_syncer DB URL TOKEN CODE"""
from __future__ import annotations

import sys

from pos_app.store.local import LocalStore
from sync.client import CenterClient
from sync.worker import SyncWorker
from tests.sync_helpers import sell


def main(path: str, url: str, token: str, code: str) -> None:
    store = LocalStore.open(path, "BER-K1")
    worker = SyncWorker(store.db, CenterClient(url, token, timeout=(1, 5)), batch_size=5, device_id="BER-K1")
    print("ready", flush=True)
    while True:
        sell(store, code)
        worker.run_cycle()


if __name__ == "__main__":
    main(*sys.argv[1:5])
