"""Pushing events: applied once, replays change nothing, business rejections are per event."""
from __future__ import annotations

import uuid

from backend.db import BackendDatabase
from tests.backend.helpers import (ADMIN, BLUE_SOFA, GREEN_SOFA, audit_event, counts, quantity, register,
                                   sale_event, stock_up)


def push(client, headers, *events):  # type: ignore[no-untyped-def]
    response = client.post("/v1/events", headers=headers, json={"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_sale_is_applied_with_lines_tenders_and_stock(client, db: BackendDatabase) -> None:
    headers = register(client)
    stock_up(db)  # enough on the shelf: below zero would add a negative-stock alert to the feed
    before, changes_before = quantity(db, BLUE_SOFA, "BER"), counts(db)["changes"]
    event = sale_event(lines=((BLUE_SOFA, 2, 1299_00), (GREEN_SOFA, 1, 1299_00), (BLUE_SOFA, 1, 1299_00)))
    [result] = push(client, headers, event)
    assert result["outcome"] == "applied" and result["reason"] is None
    assert result["id"] == event["id"]
    assert quantity(db, BLUE_SOFA, "BER") == before - 3  # both lines of the blue sofa: one stock row
    after = counts(db)
    assert (after["sales"], after["sale_lines"], after["sale_tenders"], after["processed_events"]) == (1, 3, 1, 1)
    assert after["changes"] - changes_before == 2  # one change per touched stock row
    sales = client.get("/v1/admin/sales", params={"device_id": "BER-K1"}, headers=ADMIN).json()
    assert [(s["sale_id"], s["total_cents"]) for s in sales] == [(event["payload"]["sale_id"], 4 * 1299_00)]
    [row] = client.get("/v1/admin/events", params={"device_id": "BER-K1"}, headers=ADMIN).json()
    assert (row["id"], row["seq"], row["outcome"], row["change_seq"]) == (event["id"], 1, "applied",
                                                                          result["change_seq"])


def test_replay_returns_the_first_outcome_and_changes_nothing(client, db: BackendDatabase) -> None:
    headers = register(client)
    event = sale_event(lines=((GREEN_SOFA, 1, 1299_00),))
    [first] = push(client, headers, event)
    before = counts(db)
    [again] = push(client, headers, event)
    assert again == {"id": event["id"], "outcome": "duplicate", "reason": None, "change_seq": first["change_seq"]}
    assert counts(db) == before
    # In a batch with new events too, the replay is recognised and the new event applied.
    other = sale_event(seq=2)
    results = push(client, headers, event, other)
    assert [r["outcome"] for r in results] == ["duplicate", "applied"]


def test_same_key_with_a_different_payload_is_rejected(client, db: BackendDatabase) -> None:
    headers = register(client)
    event = sale_event()
    push(client, headers, event)
    before = counts(db)
    changed = sale_event(event_id=event["id"], lines=((BLUE_SOFA, 5, 1299_00),))
    [result] = push(client, headers, changed)
    assert result["outcome"] == "rejected"
    assert result["reason"] == "idempotency key reused with a different payload"
    assert counts(db) == before
    [again] = push(client, headers, event)  # the original still replays as what it was
    assert again["outcome"] == "duplicate"


def test_business_rejections_do_not_stop_the_events_behind_them(client, db: BackendDatabase) -> None:
    headers = register(client)
    unknown = sale_event(seq=1, lines=((GREEN_SOFA, 1, 100), (GREEN_SOFA, 1, 100)))
    unknown["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": unknown["payload"]["total_cents"],
                                      "given_cents": unknown["payload"]["total_cents"], "reference": "GS-NOPE"}]
    good = sale_event(seq=2)
    twice = sale_event(seq=3, sale_id=good["payload"]["sale_id"])  # same sale, another key
    audit = audit_event(seq=4)
    before = counts(db)
    results = push(client, headers, unknown, good, twice, audit)
    assert [r["outcome"] for r in results] == ["rejected", "applied", "rejected", "applied"]
    assert [r["id"] for r in results] == [e["id"] for e in (unknown, good, twice, audit)]
    assert results[0]["reason"] == "unbekannter Gutschein GS-NOPE"
    assert "already recorded under another idempotency key" in results[2]["reason"]
    assert good["id"] in results[2]["reason"]
    after = counts(db)
    assert after["sales"] - before["sales"] == 1  # the rejected sale left nothing behind
    assert after["sale_lines"] - before["sale_lines"] == 1
    assert after["audit_entries"] - before["audit_entries"] == 1
    assert after["processed_events"] - before["processed_events"] == 4
    assert results[3]["change_seq"] is None  # an audit entry is not in the change feed


def test_a_rejected_event_replays_as_rejected_with_the_same_reason(client, db: BackendDatabase) -> None:
    headers = register(client)
    event = sale_event(lines=((GREEN_SOFA, 1, 100),))
    event["payload"]["tenders"] = [{"kind": "voucher", "amount_cents": event["payload"]["total_cents"],
                                    "given_cents": event["payload"]["total_cents"], "reference": "GS-424242"}]
    [first] = push(client, headers, event)
    before = counts(db)
    [again] = push(client, headers, event)
    assert first["outcome"] == again["outcome"] == "rejected"
    assert again["reason"] == first["reason"] == "unbekannter Gutschein GS-424242"
    assert again["change_seq"] is None
    assert counts(db) == before


def test_stock_row_is_created_when_missing(client, db: BackendDatabase) -> None:
    from sqlalchemy import delete

    from backend.models import Stock

    with db.writing() as conn:
        conn.execute(delete(Stock).where(Stock.product_id == GREEN_SOFA, Stock.store_id == "BER"))
    headers = register(client)
    [result] = push(client, headers, sale_event(lines=((GREEN_SOFA, 2, 1299_00),)))
    assert result["outcome"] == "applied"
    assert quantity(db, GREEN_SOFA, "BER") == -2  # sold offline what the center thought was gone


def test_audit_entries_are_stored(client, db: BackendDatabase) -> None:
    from sqlalchemy import select

    from backend.models import AuditEntry

    headers = register(client)
    event = audit_event()
    [result] = push(client, headers, event)
    assert result == {"id": event["id"], "outcome": "applied", "reason": None, "change_seq": None}
    with db.reading() as conn:
        row = conn.execute(select(AuditEntry.device_id, AuditEntry.store_id, AuditEntry.action,
                                  AuditEntry.details)).one()
    assert (row.device_id, row.store_id, row.action, row.details["new_cents"]) == ("BER-K1", "BER",
                                                                                   "price_override", 999_00)


def test_a_key_used_by_another_device_is_rejected(client, db: BackendDatabase) -> None:
    ber = register(client, "BER-K1", "BER")
    ber2 = register(client, "BER-T1", "BER", "Tablet 1")
    event = audit_event("BER-K1")
    push(client, ber, event)
    stolen = dict(event, device_id="BER-T1")
    [result] = push(client, ber2, stolen)
    assert result["outcome"] == "rejected" and "another device" in result["reason"]


def test_event_ids_are_uuids_and_results_keep_the_order(client) -> None:
    headers = register(client)
    events = [sale_event(seq=n) if n % 2 else audit_event(seq=n) for n in range(1, 21)]
    results = push(client, headers, *events)
    assert [r["id"] for r in results] == [e["id"] for e in events]
    assert all(uuid.UUID(r["id"]) for r in results)
    sale_seqs = [r["change_seq"] for r in results if r["change_seq"] is not None]
    assert sale_seqs == sorted(sale_seqs) and len(sale_seqs) == 10


def test_concurrent_sends_of_one_batch_apply_it_once(db: BackendDatabase) -> None:
    """A retry racing its own original (a timeout, then a resend on another connection): every
    event is applied exactly once and every other send gets "duplicate", never an error."""
    import threading

    from backend.auth import DeviceIdentity, register_device
    from backend.events import apply_batch
    from sync.protocol import Event

    register_device(db, "BER-K1", "BER", "Kasse 1")
    device = DeviceIdentity("BER-K1", "BER", "Kasse 1")
    events = [Event.model_validate(sale_event(seq=n, lines=((GREEN_SOFA, 1, 100), (BLUE_SOFA, 1, 100))))
              for n in range(1, 9)]
    stock_up(db)
    before = counts(db)
    start = threading.Barrier(4)
    outcomes: list[list[str]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            start.wait()
            outcomes.append([r.outcome.value for r in apply_batch(db, device, events)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    for n in range(len(events)):
        assert sorted(o[n] for o in outcomes) == ["applied", "duplicate", "duplicate", "duplicate"]
    after = counts(db)
    assert after["sales"] - before["sales"] == len(events)
    assert after["changes"] - before["changes"] == 2 * len(events)
    assert before["stock_total"] - after["stock_total"] == 2 * len(events)


def test_the_same_key_twice_in_one_batch(client, db: BackendDatabase) -> None:
    headers = register(client)
    sale, audit = sale_event(seq=1), audit_event(seq=2)
    changed = sale_event(seq=1, event_id=sale["id"], lines=((BLUE_SOFA, 9, 100),))
    before = counts(db)
    results = push(client, headers, sale, audit, sale, audit, changed)
    assert [r["outcome"] for r in results] == ["applied", "applied", "duplicate", "duplicate", "rejected"]
    assert results[2]["change_seq"] == results[0]["change_seq"]
    assert results[4]["reason"] == "idempotency key reused with a different payload"
    after = counts(db)
    assert (after["sales"] - before["sales"], after["audit_entries"] - before["audit_entries"],
            after["processed_events"] - before["processed_events"]) == (1, 1, 2)


def test_a_sale_of_an_unknown_product_is_booked_under_a_placeholder(client, db: BackendDatabase) -> None:
    """Issue 12: never refused, never dropped. Also inside a run of ordinary sales (the fast
    path hands it to the per-event path), and again for a second sale of the same product."""
    from sqlalchemy import text

    headers = register(client)
    before = counts(db)
    results = push(client, headers, sale_event(seq=1), sale_event(seq=2, lines=((99_999_999, 2, 150),)),
                   sale_event(seq=3), sale_event(seq=4, lines=((99_999_999, 1, 150), (GREEN_SOFA, 1, 100))))
    assert [r["outcome"] for r in results] == ["applied"] * 4, results
    after = counts(db)
    assert after["sales"] - before["sales"] == 4 and after["sale_lines"] - before["sale_lines"] == 5
    with db.connect() as conn:
        product = conn.execute(text("SELECT sku, name, category, active FROM products WHERE id = 99999999")).one()
        stock = conn.execute(text("SELECT quantity FROM stock WHERE product_id = 99999999 AND store_id = 'BER'"))
        stock = stock.scalar_one()
        kinds = conn.execute(text("SELECT kind, amount_cents FROM reconciliations WHERE kind <> 'negative_stock' ORDER BY amount_cents")).all()
    assert (product.sku, product.name, product.category, bool(product.active)) == (
        "UNBEKANNT-99999999", "Artikel 99999999", "Unbekannt (Kasse)", False)
    assert stock == -3
    assert [tuple(k) for k in kinds] == [("unknown_product", 150), ("unknown_product", 300)]
    again = push(client, headers, sale_event(seq=2, lines=((99_999_999, 2, 150),)) | {"id": results[1]["id"]})
    assert again[0]["outcome"] in ("duplicate", "rejected")  # a replayed key opens nothing new
