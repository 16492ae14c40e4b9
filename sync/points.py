"""The till's loyalty points (pos_app.till_points.Center) over HTTP: the center's balance and
its redemption; an unreachable center means points are not redeemable (the offline rule).

Thread: the caller's (the till's UI thread, the client's short timeout); one CenterClient per call.
"""
from __future__ import annotations

from collections.abc import Callable

from pos_app.i18n import t
from pos_app.till_points import PointsOffline, PointsRefused
from sync.client import CenterClient, NotFound, ServerError, SyncError


class CenterPoints:
    def __init__(self, make_client: Callable[[], CenterClient | None]) -> None:
        self._make_client = make_client

    def _call(self, work: Callable[[CenterClient], int]) -> int:
        client = self._make_client()
        if client is None:
            raise PointsOffline(t("Treuepunkte gibt es nur mit der Zentrale (keine Zentrale eingerichtet)."))
        try:
            return work(client)
        except NotFound as exc:
            raise PointsRefused(t("Kunde bei der Zentrale unbekannt.")) from exc
        except ServerError as exc:
            if exc.status == 409:
                raise PointsRefused(str(exc)) from exc
            raise PointsOffline(t("Zentrale nicht erreichbar: Treuepunkte gehen nur online ({why}).",
                                  why=str(exc))) from exc
        except SyncError as exc:
            raise PointsOffline(t("Zentrale nicht erreichbar: Treuepunkte gehen nur online ({why}).",
                                  why=str(exc))) from exc
        finally:
            client.close()

    def balance(self, customer_id: int) -> int:
        return self._call(lambda c: int(c.loyalty_balance(customer_id)["points"]))

    def redeem(self, customer_id: int, points: int, reference: str, cart_total_cents: int) -> int:
        return self._call(lambda c: int(c.redeem_points(customer_id, points, reference, cart_total_cents)["points"]))
