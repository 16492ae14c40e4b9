"""The center's side of digital receipts (issue 16), in process: the receipt rows are written
with their sales in the push fast path and in the per-event path, exactly once; a broken
document or a token that is taken costs the sale nothing (it is applied without a digital
receipt); a sale without the optional field (an older till) is applied as before."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.auth import register_device
from backend.db import BackendDatabase
from backend.events import apply_batch
from backend.receipts_models import DigitalReceipt
from pos_app.digital_receipt import new_token, to_document
from pos_app.receipt import Receipt, ReceiptLine, ReceiptTender, ReceiptVatRow
from sync.protocol import Event, Outcome
from tests.backend.helpers import GREEN_SOFA, sale_event
from tests.backend.test_batch_push import DEVICE


def with_receipt(event: dict[str, Any], token: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = event["payload"]
    if document is None:
        total = payload["total_cents"]
        document = to_document(Receipt(
            "Wohnen & Mode Berlin", ("Torstraße 12",), "DE1", "06.12.2026 10:00", payload["receipt_number"], "BER-K1",
            "Lena", (ReceiptLine(1, "Samtsofa grün", total, total, "A"),), total,
            (ReceiptVatRow("A", 19, total - round(total * 19 / 119), round(total * 19 / 119), total),),
            (ReceiptTender("Karte", total),), digital_link=f"https://bon.example/r/{token}"))
    payload["receipt"] = {"token": token, "link": f"https://bon.example/r/{token}", "document": document}
    return event


def receipts_of(db: BackendDatabase) -> dict[str, str]:
    with db.reading() as conn:
        return {r.token: r.number for r in conn.execute(select(DigitalReceipt.token, DigitalReceipt.number))}


def test_receipts_come_with_their_sales_once_and_a_bad_one_costs_the_sale_nothing(db: BackendDatabase) -> None:
    register_device(db, DEVICE.device_id, DEVICE.store_id, DEVICE.name)
    good, taken = new_token(), new_token()
    raw = [
        with_receipt(sale_event(seq=1, lines=((GREEN_SOFA, 1, 100_00),)), good),
        with_receipt(sale_event(seq=2, lines=((GREEN_SOFA, 1, 200_00),)), good),  # the same token again
        with_receipt(sale_event(seq=3, lines=((GREEN_SOFA, 1, 300_00),)), taken, {"kind": "sale", "receipt": {}}),
        sale_event(seq=4, lines=((GREEN_SOFA, 1, 400_00),)),  # an older till: no receipt field
    ]
    events = [Event.model_validate(e) for e in raw]
    results = apply_batch(db, DEVICE, events)
    assert [r.outcome for r in results] == [Outcome.APPLIED] * 4  # every sale stands
    assert receipts_of(db) == {good: "BER-K1-000001"}  # only the first, valid, untaken one
    again = apply_batch(db, DEVICE, events)
    assert [r.outcome for r in again] == [Outcome.DUPLICATE] * 4
    with db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(DigitalReceipt)).scalar() == 1


def test_a_sale_on_the_per_event_path_keeps_its_receipt(db: BackendDatabase, monkeypatch) -> None:
    from backend import batch_push

    register_device(db, DEVICE.device_id, DEVICE.store_id, DEVICE.name)
    monkeypatch.setattr(batch_push, "handles", lambda _item, _known=None: False)  # as a voucher sale would go
    token = new_token()
    [result] = apply_batch(db, DEVICE, [Event.model_validate(with_receipt(sale_event(seq=1), token))])
    assert result.outcome == Outcome.APPLIED and receipts_of(db) == {token: "BER-K1-000001"}
