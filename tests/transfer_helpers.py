"""Transfers and endless-aisle tests: tills of different stores (BER, HAM, MUC) synced with the
real center, each its own store file and device."""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

from pos_app.demo.rows import store_rows
from pos_app.stock.transfers import TransferDesk
from pos_app.store.local import LocalStore
from sync.client import CenterClient
from sync.worker import SyncWorker
from tests.backend_server import BackendServer

CUSHION, THROW, GREEN_SOFA, BLUE_SOFA = 30, 40, 1, 2


def make_store_file(template: Path, target: Path, store_id: str, device_id: str) -> Path:
    """A copy of the test store file that is a till of `store_id`: no catalog (the center's comes
    with the first pull), the store rows, the device, staff with the test PINs, an open shift."""
    shutil.copy(template, target)
    with sqlite3.connect(target) as conn:
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
        conn.executemany("INSERT OR IGNORE INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", store_rows())
        if device_id != "BER-K1":
            cols = [r[1] for r in conn.execute("PRAGMA table_info(devices)")]
            conn.execute(f"INSERT INTO devices ({', '.join(cols)}) SELECT "
                         + ", ".join("?" if c == "id" else "?" if c == "store_id" else c for c in cols)
                         + " FROM devices WHERE id = 'BER-K1'", (device_id, store_id))
            cols = [r[1] for r in conn.execute("PRAGMA table_info(shifts)") if r[1] != "id"]
            conn.execute(f"INSERT INTO shifts ({', '.join(cols)}) SELECT "
                         + ", ".join("?" if c in ("device_id", "store_id") else c for c in cols)
                         + " FROM shifts WHERE device_id = 'BER-K1'",
                         tuple(device_id if c == "device_id" else store_id for c in cols if c in ("device_id", "store_id")))
        conn.execute("UPDATE staff SET store_id = ?", (store_id,))
    return target


@dataclass
class StoreTill:
    """One device of one store, with its transfer desk, talking to the real center."""

    store: LocalStore
    center: BackendServer
    token: str
    desk: TransferDesk

    @property
    def store_id(self) -> str:
        return self.store.store_id

    def sync(self) -> None:
        client = CenterClient(self.center.url, self.token, timeout=(2, 20))
        seen: list[Any] = []
        worker = SyncWorker(self.store.db, client, on_status=seen.append, device_id=self.store.device_id)
        assert worker.run_cycle() == worker.interval_s, seen[-1].last_error if seen else "no status"

    def barcode(self, product_id: int) -> str:
        with self.store.db.reading() as s:
            return str(s.execute(text("SELECT MIN(code) FROM barcodes WHERE product_id = :p"),
                                 {"p": product_id}).scalar())

    def on_hand(self, product_id: int) -> int:
        with self.store.db.reading() as s:
            return int(s.execute(text("SELECT coalesce(sum(quantity), 0) FROM stock WHERE product_id = :p "
                                      "AND store_id = :s"), {"p": product_id, "s": self.store_id}).scalar())

    def availability(self, product_id: int) -> dict[str, dict[str, Any]]:
        rows = requests.get(f"{self.center.url}/v1/availability/{product_id}",
                            headers={"Authorization": f"Bearer {self.token}"}, timeout=20).json()["places"]
        return {r["store_id"]: r for r in rows}

    def outbox(self) -> list[tuple[str, str, str | None]]:
        with self.store.db.reading() as s:
            return [(str(a), str(b), c) for a, b, c in s.execute(text(
                "SELECT type, status, reason FROM outbox ORDER BY seq")).all()]


def open_till(center: BackendServer, template: Path, target: Path, store_id: str, device_id: str) -> StoreTill:
    make_store_file(template, target, store_id, device_id)
    store = LocalStore.open(target, device_id)
    till = StoreTill(store, center, center.register_device(device_id, store_id, f"Kasse {device_id}"),
                     TransferDesk(store))
    till.sync()
    return till
