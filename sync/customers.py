"""The center's side of clienteling at the till: customer search and the unified profile over
HTTP, handed to pos_app.clienteling in its own terms, so pos_app never sees the wire:
CenterUnavailable when the center cannot be reached (offline, a timeout, busy), CenterFailed
when it was reached and failed (HTTP 500 and the like, an unreadable answer, a refusal it should
not make). 502/503/504 come from a gateway in front of the center whose center is down: that is
unreachable too.
The till once said "center unreachable" for a profile the center answered with HTTP 500.

Thread: a worker thread (ui.tasks.run_in_background); one CenterClient per call, as requests
sessions are not shared between threads.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pos_app.clienteling import CenterFailed
from pos_app.i18n import t
from pos_app.refunds import CenterUnavailable
from sync.client import BatchRefused, CenterClient, NotFound, Offline, ServerBusy, ServerError, SyncError

T = TypeVar("T")
GATEWAY_DOWN = (502, 503, 504)  # a proxy or load balancer in front says the center behind it is down


def _asked(make_client: Callable[[], CenterClient], call: Callable[[CenterClient], T]) -> T:
    client = make_client()
    try:
        return call(client)
    except (Offline, ServerBusy) as exc:
        raise CenterUnavailable(str(exc)) from exc
    except ServerError as exc:
        if exc.status in GATEWAY_DOWN:
            raise CenterUnavailable(str(exc)) from exc
        raise CenterFailed(str(exc)) from exc
    except BatchRefused as exc:
        raise CenterFailed(str(exc)) from exc
    except SyncError as exc:  # e.g. the token refused: the network is fine, the set-up is not
        raise CenterFailed(str(exc)) from exc
    finally:
        client.close()


class CenterCustomers:
    def __init__(self, make_client: Callable[[], CenterClient]) -> None:
        self._make_client = make_client

    def search(self, typed: str) -> list[dict[str, Any]]:
        return _asked(self._make_client, lambda client: client.customer_search(typed))

    def profile(self, customer_id: int) -> dict[str, Any]:
        def ask(client: CenterClient) -> dict[str, Any]:
            try:
                return client.customer_profile(customer_id)
            except NotFound as exc:  # created here offline and not at the center yet
                raise CenterUnavailable(t("Die Zentrale kennt den Kunden noch nicht ({exc}).", exc=exc)) from exc

        return _asked(self._make_client, ask)
