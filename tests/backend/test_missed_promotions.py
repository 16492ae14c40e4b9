"""A store sale without a `pricing` block that the center's promotions would have given a saving
(the till missed a promotion): booked as paid, a price_mismatch item for the saving
(backend.promotions_events.missed), on the fast path and on the per-event path. Cheap: no query
per sale when the store has no promotion live, one for the whole run when it has; the book is
built again when a promotion is added or ended (SQLite; PostgreSQL with $POS_TEST_DATABASE_URL)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from backend import promotions, promotions_events
from backend.models import Price
from backend.reconciliation_models import Reconciliation
from sync.protocol import Event
from tests.backend.helpers import ADMIN, BLUE_SOFA, GREEN_SOFA, TestClient, register, sale_event


def promote(client: TestClient, stores: list[str], product_id: int = GREEN_SOFA) -> int:
    answer = client.post("/v1/admin/promotions", headers=ADMIN, json={
        "name": "10 %", "kind": "percent_off", "percent": "10", "product_ids": [product_id], "stores": stores})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def mismatches(db: Any) -> list[Any]:
    with db.reading() as conn:
        return conn.execute(select(Reconciliation).where(Reconciliation.kind == "price_mismatch")
                            .order_by(Reconciliation.id)).all()


def price_of(db: Any, product_id: int, store_id: str = "BER") -> int:
    with db.reading() as conn:
        return int(conn.execute(select(Price.gross_cents).where(Price.product_id == product_id,
                                                                Price.store_id == store_id)).scalar_one())


def push(client: TestClient, headers: dict[str, str], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = client.post("/v1/events", headers=headers, json={"events": events})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def test_missed_promotions_on_the_fast_path_one_item_per_sale_and_the_book_follows_an_end(
        client: TestClient, db: Any) -> None:
    device = register(client)
    cents = price_of(db, GREEN_SOFA)
    promo = promote(client, ["BER"])
    sales = [sale_event(seq=n, lines=((GREEN_SOFA, 1, cents),)) for n in (1, 2)]
    sales.append(sale_event(seq=3, lines=((BLUE_SOFA, 1, price_of(db, BLUE_SOFA)),)))  # not promoted
    assert [r["outcome"] for r in push(client, device, sales)] == ["applied"] * 3
    items = mismatches(db)
    assert len(items) == 2 and all(i.amount_cents == (cents + 5) // 10 for i in items)
    assert {i.details["receipt_number"] for i in items} == {"BER-K1-000001", "BER-K1-000002"}
    assert all(i.details["reason"] == "missed_promotions" for i in items)
    assert all(i.details["center_promotions"] == [promo] for i in items)
    assert push(client, device, sales[:1])[0]["outcome"] == "duplicate" and len(mismatches(db)) == 2

    assert client.post(f"/v1/admin/promotions/{promo}/end", headers=ADMIN).status_code == 200
    later = sale_event(seq=4, lines=((GREEN_SOFA, 1, cents),))
    assert push(client, device, [later])[0]["outcome"] == "applied"
    assert len(mismatches(db)) == 2  # ended: the book was built again, nothing missed


def test_missed_promotions_on_the_per_event_path(client: TestClient, db: Any) -> None:
    device = register(client)
    cents = price_of(db, GREEN_SOFA)
    promote(client, ["BER"])
    # a product the center does not know takes the sale down the per-event path (a placeholder)
    odd = sale_event(seq=1, lines=((GREEN_SOFA, 2, cents), (987_654, 1, 500)))
    [result] = push(client, device, [odd])
    assert result["outcome"] == "applied", result
    [item] = mismatches(db)
    assert item.amount_cents == (2 * cents + 5) // 10 and item.details["reason"] == "missed_promotions"


def test_no_query_per_sale_when_the_store_has_no_promotion_live(client: TestClient, db: Any) -> None:
    cents = price_of(db, GREEN_SOFA)
    promote(client, ["HAM"])  # live, but elsewhere
    parsed = [Event.model_validate(sale_event(seq=n, lines=((GREEN_SOFA, 1, cents),))) for n in range(1, 201)]
    sales = [(str(e.id), e.parsed(), e.created_at) for e in parsed]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements.append(sql)

    with db.writing() as conn:
        book = promotions.sale_book(conn)
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert promotions_events.missed(conn, book, sales) == {}
            assert statements == []  # 200 sales, not one query
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
    promote(client, ["BER"])
    with db.writing() as conn:
        book = promotions.sale_book(conn)
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            made = promotions_events.missed(conn, book, sales)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
    assert len(made) == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "products" in s]
    assert len(selects) == 1  # the categories of the whole run, once
