"""The count's variance list (pos_app.stock.counts.variance) against a plain computation over
the same store file, for a whole-store, a category and a list count: the fast three-query path
must give the same products, units, value and biggest differences."""
from __future__ import annotations

import pytest

from pos_app.stock.counts import StockCounts
from pos_app.stock.rules import StockRuleError
from pos_app.store.staff import StaffMember

LENA = StaffMember(1, "Lena Schmidt", "cashier")
JONAS = StaffMember(2, "Jonas Weber", "manager")


def plain(store, scope_ids: set[int], counted: dict[int, int]) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        conn = s.connection()
        stock = dict(conn.exec_driver_sql("SELECT product_id, quantity FROM stock WHERE store_id = ?",
                                          (store.store_id,)).all())
        price = dict(conn.exec_driver_sql("SELECT product_id, gross_cents FROM prices WHERE store_id = ?",
                                          (store.store_id,)).all())
    products = scope_ids | set(counted)
    diffs = {p: counted.get(p, 0) - stock.get(p, 0) for p in products}
    return (len(products), sum(1 for d in diffs.values() if d), sum(diffs.values()),
            sum(d * price.get(p, 0) for p, d in diffs.items()))


def codes(store, n: int) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return [(str(c), int(p), str(cat)) for c, p, cat in s.connection().exec_driver_sql(
            "SELECT MIN(b.code), b.product_id, p.category FROM barcodes b JOIN products p ON p.id = b.product_id "
            "JOIN stock st ON st.product_id = b.product_id AND st.store_id = ? GROUP BY b.product_id "
            "ORDER BY b.product_id LIMIT ?", (store.store_id, n)).all()]


@pytest.mark.parametrize("scope", ["store", "category", "products"])
def test_variance_equals_the_plain_computation(store, scope: str) -> None:  # type: ignore[no-untyped-def]
    picks = codes(store, 12)
    counts = StockCounts(store)
    category = picks[0][2]
    if scope == "store":
        count = counts.start("store", LENA, JONAS)
    elif scope == "category":
        count = counts.start("category", LENA, JONAS, categories=(category,))
        picks = [p for p in picks if p[2] == category]
    else:
        count = counts.start("products", LENA, JONAS, product_ids=tuple(p for _, p, _ in picks[:8]))
        picks = picks[:6]
    counted: dict[int, int] = {}
    for i, (code, pid, _) in enumerate(picks):
        counted[pid] = counts.scan(count.count_id, code, LENA, quantity=i + 1).quantity
    if picks:
        counted[picks[0][1]] = counts.recount(count.count_id, picks[0][1], 0, LENA).quantity
    with store.db.reading() as s:
        conn = s.connection()
        if scope == "store":
            ids = {int(p) for (p,) in conn.exec_driver_sql(
                "SELECT product_id FROM stock WHERE store_id = ? AND quantity != 0", (store.store_id,))}
        elif scope == "category":
            ids = {int(p) for (p,) in conn.exec_driver_sql(
                "SELECT st.product_id FROM stock st JOIN products p ON p.id = st.product_id "
                "WHERE st.store_id = ? AND st.quantity != 0 AND p.category = ?", (store.store_id, category))}
        else:
            ids = set(count.product_ids)
    got = counts.variance(count.count_id, limit=10_000)
    assert (got.products, got.differing, got.units, got.value_cents) == plain(store, ids, counted)
    assert len(got.lines) == got.differing
    values = [abs(line.value_cents) for line in got.lines]
    assert values == sorted(values, reverse=True)
    top = counts.variance(count.count_id, limit=3)
    assert [line.product_id for line in top.lines] == [line.product_id for line in got.lines[:3]]


def test_a_count_needs_a_manager_and_a_scope(store) -> None:  # type: ignore[no-untyped-def]
    counts = StockCounts(store)
    with pytest.raises(StockRuleError, match="Marktleitung"):
        counts.start("store", LENA, LENA)
    with pytest.raises(StockRuleError, match="Warengruppe"):
        counts.start("category", LENA, JONAS)
    with pytest.raises(StockRuleError, match="Artikel"):
        counts.start("products", LENA, JONAS)
    count = counts.start("store", LENA, JONAS)
    counts.approve(count.count_id, JONAS)
    with pytest.raises(StockRuleError, match="abgeschlossen"):
        counts.scan(count.count_id, codes(store, 1)[0][0], LENA)
