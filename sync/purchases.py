"""The center's side of a return at the till: look a purchase up over HTTP and hand it to the
returns service (pos_app.returns) in its own terms, so pos_app never sees the wire.

Thread: a worker thread (ui.tasks.run_in_background); one CenterClient per call, as
requests sessions are not shared between threads.
"""
from __future__ import annotations

from collections.abc import Callable

from pos_app.refunds import CenterUnavailable, Purchase, PurchaseLine, PurchaseNotFound, PurchaseTender
from sync.client import CenterClient, NotFound, SyncError
from sync.protocol import PurchaseResponse


def to_purchase(data: PurchaseResponse) -> Purchase:
    return Purchase(
        kind=data.kind, id=data.id, number=data.number, store_id=data.store_id, channel=data.channel,
        created_at=data.created_at, customer_id=data.customer_id,
        lines=tuple(PurchaseLine(line.line_no, line.product_id, line.sku, line.name, line.category, line.quantity,
                                 line.returned_quantity, line.total_cents, line.refunded_cents, line.vat_percent,
                                 line.list_price_cents, line.promotable)
                    for line in data.lines),
        tenders=tuple(PurchaseTender(t.kind, t.amount_cents, t.refunded_cents) for t in data.tenders),
        source="center", pricing=data.pricing)


class CenterPurchases:
    """A pos_app.returns.CenterLookup backed by the center's GET /v1/purchases/{number}."""

    def __init__(self, make_client: Callable[[], CenterClient]) -> None:
        self._make_client = make_client

    def __call__(self, number: str) -> Purchase:
        client = self._make_client()
        try:
            return to_purchase(client.purchase(number))
        except NotFound as exc:
            raise PurchaseNotFound(str(exc)) from exc
        except SyncError as exc:
            raise CenterUnavailable(str(exc)) from exc
        finally:
            client.close()


class CenterVouchers:
    """A pos_app.vouchers.CenterBalance backed by GET /v1/vouchers/{code}."""

    def __init__(self, make_client: Callable[[], CenterClient]) -> None:
        self._make_client = make_client

    def __call__(self, code: str) -> int:
        client = self._make_client()
        try:
            return client.voucher(code).balance_cents
        except NotFound as exc:
            raise LookupError(str(exc)) from exc
        except SyncError as exc:
            raise CenterUnavailable(str(exc)) from exc
        finally:
            client.close()
