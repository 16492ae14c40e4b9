"""Click and collect tests: a Hamburg till (store file) synced with the real center."""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from pos_app.pickups import PickupDesk
from pos_app.store.local import LocalStore
from sync.client import CenterClient
from sync.worker import SyncWorker
from tests.backend_server import BackendServer

CUSHION, THROW, GREEN_SOFA = 30, 40, 1


def make_ham_store(template: Path, target: Path, device_id: str = "HAM-K1") -> Path:
    """A copy of the test store file that is a Hamburg till: no catalog (the center's comes
    with the first pull), the HAM store, the device, staff with the test PINs, an open shift."""
    if template != target:
        shutil.copy(template, target)
    with sqlite3.connect(target) as conn:
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
        conn.execute("INSERT OR IGNORE INTO stores (id, name, kind, street, zip_code, city, phone, vat_id) VALUES "
                     "('HAM', 'Wohnen & Mode Hamburg', 'store', 'Mönckebergstraße 7', '20095', 'Hamburg', "
                     "'040 30951230', 'DE123456789')")
        cols = [r[1] for r in conn.execute("PRAGMA table_info(devices)")]
        conn.execute(f"INSERT INTO devices ({', '.join(cols)}) SELECT "
                     + ", ".join("?" if c == "id" else "'HAM'" if c == "store_id" else c for c in cols)
                     + " FROM devices WHERE id = 'BER-K1'", (device_id,))
        conn.execute("UPDATE staff SET store_id = 'HAM'")
        cols = [r[1] for r in conn.execute("PRAGMA table_info(shifts)") if r[1] != "id"]
        conn.execute(f"INSERT INTO shifts ({', '.join(cols)}) SELECT "
                     + ", ".join("?" if c == "device_id" else "'HAM'" if c == "store_id" else c for c in cols)
                     + " FROM shifts WHERE device_id = 'BER-K1'", (device_id,))
    return target


@dataclass
class HamTill:
    store: LocalStore
    center: BackendServer
    token: str
    desk: PickupDesk

    def sync(self) -> None:
        client = CenterClient(self.center.url, self.token, timeout=(1, 5))
        seen: list[Any] = []
        worker = SyncWorker(self.store.db, client, on_status=seen.append, device_id=self.store.device_id)
        assert worker.run_cycle() == worker.interval_s, seen[-1].last_error if seen else "no status"

    def barcode(self, product_id: int) -> str:
        with self.store.db.reading() as s:
            return str(s.execute(text("SELECT MIN(code) FROM barcodes WHERE product_id = :p"),
                                 {"p": product_id}).scalar())

    def center_stock(self, product_id: int) -> tuple[int, int]:
        token = {"Authorization": f"Bearer {self.token}"}
        import requests
        rows = requests.get(f"{self.center.url}/v1/stock/{product_id}", headers=token, timeout=5).json()["stores"]
        row = next(r for r in rows if r["store_id"] == "HAM")
        return row["quantity"], row["reserved"]


def open_ham_till(center: BackendServer, template: Path, target: Path, device_id: str = "HAM-K1") -> HamTill:
    make_ham_store(template, target, device_id)
    store = LocalStore.open(target, device_id)
    till = HamTill(store, center, center.register_device(device_id, "HAM", f"Kasse {device_id[-1]}"),
                   PickupDesk(store))
    till.sync()
    return till


def web_pickup_order(center: BackendServer, *lines: tuple[int, int], customer_id: int = 1,
                     second_person: str = "") -> dict[str, Any]:
    """The web shop places an order for pickup in Hamburg, prepaid by card, at its prices."""
    body_lines = [{"product_id": p, "quantity": q, "unit_price_cents": 25_00} for p, q in lines]
    return center.admin("POST", "/v1/channel/orders", json={
        "channel": "web", "customer_id": customer_id, "store_id": "HAM", "fulfilment": "pickup",
        "pickup_contact": {"phone": "0170 1234567", "second_person": second_person},
        "lines": body_lines, "tenders": [{"kind": "card", "amount_cents": 25_00 * sum(q for _, q in lines)}]}).json()
