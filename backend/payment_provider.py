"""The payment provider as the center sees it: it can send money back for a payment it took
(a web order paid by card or PayPal). The provider is outside this system; the center only
speaks to it through this interface and records every refund (backend.reconciliation_models
.PaymentRefund) before it asks, so a crash between asking and recording is repaired by asking
again with the same idempotency key, which the provider answers with the first refund.

    POS_PAYMENT_PROVIDER_URL   the provider's refund API (HttpRefunds); unset: ManualRefunds
    POS_PAYMENT_PROVIDER_TOKEN its bearer token

HttpRefunds speaks the common shape of such APIs: POST <url>/v1/refunds with an
`Idempotency-Key` header and a JSON body {payment, amount, currency, metadata}; the answer's
`id` is the refund id. tests/payment_standin.py is a stand-in that speaks it on loopback.

Thread: request threads; a call blocks for at most TIMEOUT_S and is made outside any database
transaction (backend.pickup_refunds).
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Protocol

TIMEOUT_S = 10.0


class RefundFailed(RuntimeError):
    """The provider did not confirm the refund (down, refused, an answer we cannot read).
    The refund stays pending and is asked for again with the same key."""


class PaymentProvider(Protocol):
    def refund(self, *, idempotency_key: str, payment_reference: str, tender_kind: str, amount_cents: int,
               order_number: str) -> str:
        """Send `amount_cents` back for the payment `payment_reference`; returns the refund id.
        The same `idempotency_key` must never refund twice."""
        ...


class ManualRefunds:
    """No provider configured: the refund is recorded for the back office to pay out; its id
    says so. (A development center, or a retailer that refunds by hand.)"""

    def refund(self, *, idempotency_key: str, payment_reference: str, tender_kind: str, amount_cents: int,
               order_number: str) -> str:
        return f"manual:{idempotency_key}"


class HttpRefunds:
    def __init__(self, url: str, token: str = "") -> None:
        self.url = url.rstrip("/")
        self.token = token

    def refund(self, *, idempotency_key: str, payment_reference: str, tender_kind: str, amount_cents: int,
               order_number: str) -> str:
        body = json.dumps({"payment": payment_reference, "amount": amount_cents, "currency": "eur",
                           "metadata": {"order_number": order_number, "tender": tender_kind}}).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(f"{self.url}/v1/refunds", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - configured URL
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise RefundFailed(f"payment provider: {exc}") from exc
        refund_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(refund_id, str) or not refund_id:
            raise RefundFailed("payment provider answered without a refund id")
        return refund_id[:80]


def provider_from_env() -> PaymentProvider:
    url = os.environ.get("POS_PAYMENT_PROVIDER_URL", "").strip()
    if not url:
        return ManualRefunds()
    return HttpRefunds(url, os.environ.get("POS_PAYMENT_PROVIDER_TOKEN", "").strip())
