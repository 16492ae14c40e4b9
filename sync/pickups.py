"""Reservations made at a store device for any store (POST /v1/pickups/reservations): online
only, the center decides whether the item is still available there.

Thread: a worker thread (ui.tasks.run_in_background); one client per call (CenterClient.copy)."""
from __future__ import annotations

import json
from collections.abc import Callable

from sync.client import CenterClient
from sync.protocol import PickupOrderData


class CenterReservations:
    def __init__(self, client: Callable[[], CenterClient | None]) -> None:
        self._client = client

    def reserve(self, product_id: int, store_id: str, quantity: int = 1, customer_id: int | None = None,
                name: str = "", phone: str = "") -> PickupOrderData:
        """Raises sync.client errors (Offline; a 409 when the store has none available)."""
        client = self._client()
        if client is None:
            raise LookupError("Keine Verbindung zur Zentrale eingerichtet: Reservieren geht nur online.")
        body = {"kind": "reservation", "store_id": store_id, "customer_id": customer_id,
                "contact": {"name": name, "phone": phone},
                "lines": [{"product_id": product_id, "quantity": quantity}]}
        try:
            return client._request("POST", "/v1/pickups/reservations",  # noqa: SLF001 - the one plumbing
                                   json.dumps(body).encode("utf-8"), PickupOrderData)
        finally:
            client.close()
