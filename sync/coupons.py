"""The till's online coupon check (pos_app.till_promotions.OnlineCheck) over HTTP: the center
takes one use now, or says why not; when it cannot be reached, the till's offline rule applies.

Thread: the caller's (the till's UI thread, with the client's short timeout: a coupon is asked
for once per sale); one CenterClient per call, as requests sessions are not shared between threads.
"""
from __future__ import annotations

from collections.abc import Callable

from pos_app.i18n import t
from pos_app.till_promotions import CenterUnreachable, CouponRefused
from sync.client import CenterClient, NotFound, ServerError, SyncError


class CenterCoupons:
    def __init__(self, make_client: Callable[[], CenterClient | None]) -> None:
        self._make_client = make_client

    def __call__(self, code: str, redemption_id: str) -> None:
        client = self._make_client()
        if client is None:
            raise CenterUnreachable(t("Keine Zentrale eingerichtet."))
        try:
            client.redeem_coupon(code, redemption_id, t("Kasse"))
        except NotFound as exc:
            raise CouponRefused(t("unbekannt oder abgelaufen")) from exc
        except ServerError as exc:
            if exc.status == 409:
                raise CouponRefused(t("schon eingelöst")) from exc
            raise CenterUnreachable(str(exc)) from exc
        except SyncError as exc:
            raise CenterUnreachable(str(exc)) from exc
        finally:
            if client is not None:
                client.close()
