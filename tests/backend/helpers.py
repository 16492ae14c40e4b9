"""Building events the way a till does, and registering devices, for the backend tests."""
from __future__ import annotations

import os
import uuid
import warnings
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from starlette.exceptions import StarletteDeprecationWarning

from backend.db import BackendDatabase
from backend.models import AuditEntry, Change, ProcessedEvent, Sale, SaleLine, SaleTender, Stock

with warnings.catch_warnings():  # Starlette 1.x would like httpx2; httpx works fine for tests
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient  # noqa: F401  (re-exported for the tests)

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TEMPLATE_CUSTOMERS = 50
GREEN_SOFA = 1  # the hand-named catalog's first products (pos_app.demo.catalog)
BLUE_SOFA = 2


def on_postgresql() -> bool:
    """Whether this run's databases are PostgreSQL ($POS_TEST_DATABASE_URL) or SQLite files."""
    return bool(os.environ.get("POS_TEST_DATABASE_URL", "").strip())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: Any, device_id: str = "BER-K1", store_id: str = "BER", name: str = "Kasse 1") -> dict[str, str]:
    """Register a device through the admin API; returns its Authorization header."""
    response = client.post("/v1/admin/devices", headers=ADMIN,
                           json={"device_id": device_id, "store_id": store_id, "name": name})
    assert response.status_code == 200, response.text
    return bearer(response.json()["token"])


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def sale_event(device_id: str = "BER-K1", store_id: str = "BER", seq: int = 1,
               lines: tuple[tuple[int, int, int], ...] = ((GREEN_SOFA, 1, 1299_00),),
               sale_id: str | None = None, event_id: str | None = None, receipt: str | None = None) -> dict[str, Any]:
    """A sale.completed event as the till sends it; lines are (product_id, quantity, unit cents)."""
    sale_lines = [
        {"line_no": n, "product_id": pid, "sku": f"WM-{pid:06d}", "name": f"Artikel {pid}", "quantity": qty,
         "unit_price_cents": cents, "list_price_cents": cents, "line_discount_cents": 0, "cart_discount_cents": 0,
         "total_cents": qty * cents, "vat_percent": 19}
        for n, (pid, qty, cents) in enumerate(lines, start=1)]
    total = sum(line["total_cents"] for line in sale_lines)
    payload = {
        "sale_id": sale_id or str(uuid.uuid4()), "receipt_number": receipt or f"{device_id}-{seq:06d}",
        "store_id": store_id, "device_id": device_id, "cashier_id": 1, "created_at": now_iso(),
        "total_cents": total, "cart_discount_cents": 0, "lines": sale_lines,
        "tenders": [{"kind": "card", "amount_cents": total, "given_cents": total, "reference": "4711"}],
        "vat": [{"percent": 19, "gross_cents": total, "vat_cents": round(total * 19 / 119)}],
    }
    return {"id": event_id or str(uuid.uuid4()), "device_id": device_id, "seq": seq, "type": "sale.completed",
            "schema_version": 1, "created_at": now_iso(), "payload": payload}


def audit_event(device_id: str = "BER-K1", seq: int = 1, action: str = "price_override") -> dict[str, Any]:
    payload = {"created_at": now_iso(), "actor_id": 3, "actor_name": "Jonas Weber", "action": action,
               "details": {"line": 1, "old_cents": 1299_00, "new_cents": 999_00}, "prev_hash": "0" * 64,
               "hash": "a" * 64}
    return {"id": str(uuid.uuid4()), "device_id": device_id, "seq": seq, "type": "audit.recorded",
            "schema_version": 1, "created_at": now_iso(), "payload": payload}


def counts(db: BackendDatabase) -> dict[str, int]:
    """How many rows the tables a push can touch hold (to show that nothing was stored)."""
    with db.reading() as conn:
        result = {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
                  for model in (Sale, SaleLine, SaleTender, AuditEntry, ProcessedEvent, Change)}
        result["stock_total"] = conn.execute(select(func.coalesce(func.sum(Stock.quantity), 0))).scalar_one()
    return result


def quantity(db: BackendDatabase, product_id: int, store_id: str) -> int | None:
    with db.reading() as conn:
        return conn.execute(select(Stock.quantity).where(Stock.product_id == product_id,
                                                         Stock.store_id == store_id)).scalar()


def stock_up(db: BackendDatabase, store_id: str = "BER", products: tuple[int, ...] = (1, 2, 3, 4),
             units: int = 100_000) -> None:
    """Put plenty of `products` on the shelf of `store_id`, for tests about the push mechanics
    that sell more than the demo retailer holds (stock below zero opens a negative-stock
    reconciliation, whose feed changes those tests do not count)."""
    from sqlalchemy import insert, update

    with db.writing() as conn:
        for pid in products:
            if not conn.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == store_id)
                                .values(quantity=units)).rowcount:
                conn.execute(insert(Stock).values(product_id=pid, store_id=store_id, quantity=units))
