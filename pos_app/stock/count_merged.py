"""The merged variance list of a count for the manager's tablet before approving (issue 14):
the center's report (GET /v1/stock/counts/{id}, every device's figures against the center's
snapshots, backend.stock_counts) turned into the same VarianceList the device's own preview
uses (pos_app.stock.counts), names from the local catalog. When the center cannot be reached
(or does not know the count yet: started offline), it is this device's preview, and says so.

Products in the scope that nobody counted are not in the center's lines yet (they count as 0
at approval); the preview of this device includes them for its own view.

Qt-free. Thread: the caller's (the fetch is one HTTP request; the UI runs it off the UI thread
or accepts the client's short timeouts).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from pos_app.stock.counts import StockCounts, VarianceLine, VarianceList

# the center's report of a count; raises ConnectionError when there is no answer or the center
# does not know the count (the caller turns its client's errors into that)
Fetch = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class CountVariance:
    merged: bool  # True: the center's merged figures; False: this device's own only
    variance: VarianceList


def from_report(counts: StockCounts, report: dict[str, Any], limit: int = 200) -> VarianceList:
    """The center's report as a VarianceList, biggest differences at retail first."""
    items = report.get("line_items") or []
    ids = [int(i["product_id"]) for i in items]
    with counts.store.db.reading() as s:
        names = {int(p): str(n) for p, n in s.execute(
            text("SELECT id, name FROM products WHERE id IN (SELECT value FROM json_each(:ids))"),
            {"ids": "[" + ",".join(map(str, ids)) + "]"}).all()}
    lines = [VarianceLine(int(i["product_id"]), names.get(int(i["product_id"]), f"#{i['product_id']}"),
                          int(i["snapshot"]), int(i["counted"]), int(i.get("price_cents") or 0),
                          None if i.get("cost_cents") is None else int(i["cost_cents"])) for i in items]
    differing = [ln for ln in lines if ln.variance]
    differing.sort(key=lambda v: (-abs(v.value_cents), v.product_id))
    totals = report.get("totals") or {}
    return VarianceList(products=len(lines), differing=len(differing),
                        units=int(totals.get("variance_units", sum(ln.variance for ln in lines))),
                        value_cents=int(totals.get("value_retail_cents", sum(ln.value_cents for ln in lines))),
                        lines=tuple(differing[:limit]),
                        value_cost_cents=int(totals.get("value_cost_cents", 0)))


def count_variance(counts: StockCounts, count_id: str, fetch: Fetch | None, limit: int = 200) -> CountVariance:
    """The merged list when the center answers, else this device's own preview."""
    if fetch is not None:
        try:
            return CountVariance(True, from_report(counts, fetch(count_id), limit))
        except (ConnectionError, OSError):
            pass
    return CountVariance(False, counts.variance(count_id, limit))
