"""A fiskaly SIGN DE (API v2) client: the certified cloud TSE, over HTTP with requests.

The calls follow fiskaly's public API reference for KassenSichV v2:
- `POST {base}/auth` with api_key/api_secret answers a bearer token with its expiry and a
  refresh token; the client renews it shortly before it runs out (with the refresh token, or
  the key again if that fails) and once more when a call answers 401.
- `GET {base}/tss/{tss_id}`: the TSS (serial_number, public_key, signature_algorithm,
  signature_timestamp_format). The TSS itself is created and initialised in fiskaly's
  dashboard (admin PIN and PUK stay with the operator, not in the till).
- `PUT {base}/tss/{tss_id}/client/{client_id}` with the till's serial_number registers the
  till as a client, once (`omnipos-fiscal fiskaly-register`).
- `PUT {base}/tss/{tss_id}/tx/{tx_id}?tx_revision=N`: a transaction. Revision 1 with state
  ACTIVE starts it; further revisions update it; state FINISHED with a `schema` finishes it.
  A Kassenbeleg uses `standard_v1.receipt` (receipt_type, amounts_per_vat_rate,
  amounts_per_payment_type, amounts as strings with two decimals); anything else `raw`
  (process_type, base64 process_data). The answer carries number, time_start/time_end (unix
  seconds), signature {value, algorithm, counter, public_key}, tss_serial_number,
  client_serial_number and log.timestamp_format.
Ids are UUIDs chosen here, so a PUT may be repeated after a lost answer.

Their cloud cannot be reached from where this was built: the client is tested against a
stand-in (tests/fiskaly_standin.py) written from the same documentation.

Thread: the caller's; every request has a timeout bounded by the caller's deadline, so a TSE
that is down costs at most the signer's budget.
"""
from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import requests

from pos_app.fiscal.tse import (
    FISKALY_VAT_NAMES, VAT_ORDER, FiscalAmounts, ProcessType, ReceiptKind, TseError, TseInfo, TseResult, TxHandle,
    amount,
)

from pos_app.fiscal.settings import DEFAULT_BASE_URL  # noqa: F401  (re-exported)
RENEW_BEFORE_S = 60  # renew the token this long before fiskaly says it expires
PER_CALL_TIMEOUT_S = 2.0
RECEIPT_TYPES = {ReceiptKind.BELEG: "RECEIPT", ReceiptKind.AV_BELEGABBRUCH: "ABORT",
                 ReceiptKind.AV_TRANSFER: "TRANSFER", ReceiptKind.AV_SONSTIGER: "OTHER"}


def _unix(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), timezone.utc)


class FiskalyTse:
    def __init__(self, base_url: str, api_key: str, api_secret: str, tss_id: str, client_uuid: str,
                 *, session: requests.Session | None = None, wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """`wall_clock` decides when the token is due for renewal (fiskaly gives its expiry in
        unix seconds); `monotonic` measures the caller's deadline."""
        self.base_url = base_url.rstrip("/")
        self.tss_id = tss_id
        self.client_uuid = client_uuid
        self._key, self._secret = api_key, api_secret
        self._http = session or requests.Session()
        self._wall_clock = wall_clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token = ""
        self._refresh = ""
        self._expires_at = 0.0  # unix seconds
        self.auth_calls = 0  # how often a token was fetched (tests and the status screen)

    # ---- HTTP with a deadline --------------------------------------------------------------

    def _timeout(self, deadline: float | None) -> float:
        if deadline is None:
            return PER_CALL_TIMEOUT_S
        left = deadline - self._monotonic()
        if left <= 0.05:
            raise TseError("TSE nicht erreichbar (Zeitüberschreitung: Zeitbudget aufgebraucht).")
        return min(left, PER_CALL_TIMEOUT_S)

    def _send(self, method: str, path: str, deadline: float | None, *, json: Any = None,
              params: dict[str, Any] | None = None, auth: bool = True) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._bearer(deadline)}"} if auth else {}
        try:
            return self._http.request(method, f"{self.base_url}{path}", json=json, params=params,
                                      headers=headers, timeout=self._timeout(deadline))
        except requests.Timeout:
            raise TseError("TSE nicht erreichbar (Zeitüberschreitung).") from None
        except requests.RequestException as exc:
            raise TseError(f"TSE nicht erreichbar ({type(exc).__name__}).") from None

    def _call(self, method: str, path: str, deadline: float | None, **kwargs: Any) -> dict[str, Any]:
        response = self._send(method, path, deadline, **kwargs)
        if response.status_code == 401:  # token revoked or expired early: once more, freshly signed in
            with self._lock:
                self._expires_at = 0.0
            response = self._send(method, path, deadline, **kwargs)
        return self._json(response)

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            message = body.get("message") or body.get("error") or response.reason
            code = body.get("code", "")
            raise TseError(f"TSE meldet Fehler {response.status_code}"
                           f"{' ' + code if code else ''}: {message}")
        if not isinstance(body, dict):
            raise TseError("TSE-Antwort unverständlich.")
        return body

    # ---- authentication --------------------------------------------------------------------

    def _bearer(self, deadline: float | None) -> str:
        with self._lock:
            if self._token and self._wall_clock() < self._expires_at - RENEW_BEFORE_S:
                return self._token
            refresh = self._refresh
        body = None
        if refresh:
            try:
                body = self._json(self._send("POST", "/auth", deadline, json={"refresh_token": refresh},
                                             auth=False))
            except TseError:
                body = None  # the refresh token ran out too: sign in with the key
        if body is None:
            body = self._json(self._send("POST", "/auth", deadline,
                                         json={"api_key": self._key, "api_secret": self._secret}, auth=False))
        try:
            token = str(body["access_token"])
            expires_at = float(body.get("access_token_expires_at")
                               or self._wall_clock() + float(body["access_token_expires_in"]))
        except (KeyError, TypeError, ValueError):
            raise TseError("TSE-Anmeldung: Antwort ohne gültiges Token.") from None
        with self._lock:
            self._token, self._expires_at = token, expires_at
            self._refresh = str(body.get("refresh_token", ""))
            self.auth_calls += 1
        return token

    # ---- the Tse protocol ------------------------------------------------------------------

    def info(self, deadline: float | None = None) -> TseInfo:
        tss = self._call("GET", f"/tss/{self.tss_id}", deadline)
        return TseInfo(str(tss.get("serial_number", "")), str(tss.get("public_key", "")),
                       str(tss.get("signature_algorithm", "")),
                       str(tss.get("signature_timestamp_format", "unixTime")), True,
                       f"fiskaly SIGN DE, TSS {self.tss_id} ({tss.get('state', '?')})")

    def register_client(self, serial_number: str, deadline: float | None = None) -> str:
        """Register this till as a client of the TSS (`PUT /tss/{id}/client/{client_id}`,
        idempotent): once, when a till is set up. Returns the serial number fiskaly holds."""
        answer = self._call("PUT", f"/tss/{self.tss_id}/client/{self.client_uuid}", deadline,
                            json={"serial_number": serial_number})
        return str(answer.get("serial_number", ""))

    def _put_tx(self, tx_id: str, revision: int, body: dict[str, Any], deadline: float | None) -> dict[str, Any]:
        return self._call("PUT", f"/tss/{self.tss_id}/tx/{tx_id}", deadline, json=body,
                          params={"tx_revision": revision})

    def start_transaction(self, client_id: str, deadline: float | None = None) -> TxHandle:
        tx_id = str(uuid.uuid4())
        answer = self._put_tx(tx_id, 1, {"state": "ACTIVE", "client_id": self.client_uuid}, deadline)
        return TxHandle(int(answer["number"]), _unix(answer["time_start"]),
                        str(answer.get("client_serial_number") or client_id), tx_id, 1)

    def update_transaction(self, handle: TxHandle, process_type: ProcessType, process_data: str,
                           deadline: float | None = None) -> TxHandle:
        revision = handle.revision + 1
        self._put_tx(handle.vendor_id, revision, {"state": "ACTIVE", "client_id": self.client_uuid,
                                                  "schema": self._raw(process_type, process_data)}, deadline)
        return replace(handle, revision=revision)

    def finish_transaction(self, handle: TxHandle, process_type: ProcessType,
                           amounts: FiscalAmounts | None, process_data: str,
                           deadline: float | None = None) -> TseResult:
        schema = (self._standard(amounts) if process_type is ProcessType.KASSENBELEG and amounts is not None
                  else self._raw(process_type, process_data))
        answer = self._put_tx(handle.vendor_id, handle.revision + 1,
                              {"state": "FINISHED", "client_id": self.client_uuid, "schema": schema}, deadline)
        try:
            signature = answer["signature"]
            return TseResult(
                transaction_number=int(answer["number"]), start=_unix(answer["time_start"]),
                end=_unix(answer["time_end"]), signature_counter=int(signature["counter"]),
                signature=str(signature["value"]), tse_serial=str(answer["tss_serial_number"]),
                client_id=str(answer.get("client_serial_number") or handle.client_id),
                time_format=str(answer.get("log", {}).get("timestamp_format", "unixTime")),
                signature_algorithm=str(signature["algorithm"]), public_key=str(signature["public_key"]),
                process_type=process_type.value, process_data=process_data, certified=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise TseError(f"TSE-Antwort unvollständig ({exc}).") from None

    # ---- schemas ---------------------------------------------------------------------------

    @staticmethod
    def _standard(amounts: FiscalAmounts) -> dict[str, Any]:
        payments = []
        if amounts.cash_cents:
            payments.append({"payment_type": "CASH", "amount": amount(amounts.cash_cents)})
        if amounts.non_cash_cents:
            payments.append({"payment_type": "NON_CASH", "amount": amount(amounts.non_cash_cents)})
        return {"standard_v1": {"receipt": {
            "receipt_type": RECEIPT_TYPES[amounts.kind],
            "amounts_per_vat_rate": [{"vat_rate": FISKALY_VAT_NAMES[rate], "amount": amount(amounts.vat_gross[rate])}
                                     for rate in VAT_ORDER if amounts.vat_gross.get(rate)],
            "amounts_per_payment_type": payments,
        }}}

    @staticmethod
    def _raw(process_type: ProcessType, process_data: str) -> dict[str, Any]:
        return {"raw": {"process_type": process_type.value,
                        "process_data": base64.b64encode(process_data.encode("utf-8")).decode("ascii")}}
