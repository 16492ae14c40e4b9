"""Parked sales: a cart put aside (the customer fetches a forgotten item) and recalled later,
kept in the store file so a restart does not lose it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from pos_app.clock import iso, utc_now
from pos_app.store.db import Database
from pos_app.store.models import ParkedSale


@dataclass(frozen=True)
class ParkedSummary:
    id: int
    label: str
    cashier_name: str
    created_at: str


class ParkedSales:
    def __init__(self, db: Database, device_id: str) -> None:
        self._db = db
        self._device_id = device_id

    def park(self, cart: dict[str, Any], cashier_name: str, label: str) -> int:
        with self._db.writing() as s:
            row = ParkedSale(device_id=self._device_id, cashier_name=cashier_name, created_at=iso(utc_now()),
                             label=label, cart_json=json.dumps(cart, ensure_ascii=False))
            s.add(row)
            s.flush()
            return row.id

    def list(self) -> list[ParkedSummary]:
        with self._db.reading() as s:
            rows = s.execute(select(ParkedSale).where(ParkedSale.device_id == self._device_id)
                             .order_by(ParkedSale.id)).scalars().all()
        return [ParkedSummary(r.id, r.label, r.cashier_name, r.created_at) for r in rows]

    def take(self, parked_id: int) -> dict[str, Any]:
        """Remove a parked cart and return it (in one transaction: it cannot be recalled twice)."""
        with self._db.writing() as s:
            row = s.get(ParkedSale, parked_id)
            if row is None:
                raise LookupError("Dieser geparkte Bon wurde bereits zurückgeholt.")
            data = json.loads(row.cart_json)
            s.delete(row)
        return data
