"""The center's side of clienteling at the till: customer search and the unified profile over
HTTP, handed to pos_app.clienteling in its own terms (CenterUnavailable when offline), so
pos_app never sees the wire.

Thread: a worker thread (ui.tasks.run_in_background); one CenterClient per call, as requests
sessions are not shared between threads.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pos_app.refunds import CenterUnavailable
from sync.client import CenterClient, NotFound, SyncError


class CenterCustomers:
    def __init__(self, make_client: Callable[[], CenterClient]) -> None:
        self._make_client = make_client

    def search(self, typed: str) -> list[dict[str, Any]]:
        client = self._make_client()
        try:
            return client.customer_search(typed)
        except SyncError as exc:
            raise CenterUnavailable(str(exc)) from exc
        finally:
            client.close()

    def profile(self, customer_id: int) -> dict[str, Any]:
        client = self._make_client()
        try:
            return client.customer_profile(customer_id)
        except NotFound as exc:  # created here offline and not at the center yet
            raise CenterUnavailable(f"Die Zentrale kennt den Kunden noch nicht ({exc}).") from exc
        except SyncError as exc:
            raise CenterUnavailable(str(exc)) from exc
        finally:
            client.close()
