"""The HTTP client for the center's API (sync/protocol.py is the wire format).

Every failure becomes one of a few exceptions that say what the caller should do, not what
went wrong on the wire:

    Offline       no answer at all (refused, reset, DNS, timeout): retry with backoff
    ServerBusy    429, or 503 with Retry-After: retry after `retry_after` seconds
    ServerError   5xx or an answer we cannot read: retry with backoff
    AuthError     401/403: the device is not registered or not allowed; retrying will not help
    BatchRefused  400/413/422: the center refused this request as a whole (nothing stored);
                  `detail` has its words
    NotFound      404 on a read (e.g. an unknown product)

Every answer also tells the center's clock (`X-Center-Time`, or HTTP `Date` to the second):
the client keeps the reading of the quickest answer since `take_clock_reading()` was last
called, with the monotonic times the request went out and its answer came in; the sync worker
turns it into the clock offset (pos_app.trusted_time).

TLS certificates are always checked (requests' default; never verify=False). A certificate
that does not check out is a ServerError with that message, so the status bar shows it.

Thread: one client per thread (requests.Session is not promised to be thread-safe); the sync
worker owns one, and an online look-up from the UI (run off the UI thread) makes its own.
"""
from __future__ import annotations

import email.utils
import http.client
import json
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import requests.certs
import requests.utils
from pydantic import ValidationError

from pos_app.i18n import t
from sync.protocol import (ChangePage, DeviceInfo, Event, PurchaseResponse, PushRequest, PushResponse, StockResponse,
                           VoucherBalance)

DEFAULT_TIMEOUT = (3.05, 15.0)  # (connect, read) seconds
MAX_RETRY_AFTER = 600.0  # a bogus Retry-After must not silence sync for days


class SyncError(Exception):
    """Base of the client's failures; str() is a short German message for the status bar."""


class Offline(SyncError):
    pass


class ServerError(SyncError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ServerBusy(ServerError):
    def __init__(self, message: str, retry_after: float, status: int) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class AuthError(SyncError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class BatchRefused(SyncError):
    def __init__(self, message: str, status: int, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class NotFound(SyncError):
    pass


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def describe_detail(body: str) -> str:
    """FastAPI's error detail as one readable line: a string, or a list of {loc, msg}."""
    try:
        detail: Any = json.loads(body).get("detail", body)
    except (ValueError, AttributeError):
        return body.strip()[:500]
    if isinstance(detail, list):
        parts = []
        for item in detail[:5]:
            if isinstance(item, dict):
                loc = ".".join(str(x) for x in item.get("loc", []) if x != "body")
                parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
            else:
                parts.append(str(item))
        if len(detail) > 5:
            parts.append(f"(+{len(detail) - 5} weitere)")
        return "; ".join(parts)[:1000]
    return str(detail)[:1000]


@dataclass(frozen=True)
class WirePage:
    """A change-feed page as plain JSON data: what `changes_raw` returns for the feed.

    Same content as protocol.ChangePage, without building a pydantic object per change (half
    the parse time of a big first pull: ~5 vs ~10 µs per change). The envelope is checked
    here; each change is checked where it is read (sync/feed.py), which refuses the page with
    a FeedError on anything that is not what the protocol says.
    """

    changes: list[dict[str, Any]]
    next_cursor: int
    has_more: bool
    high_water: int

    @classmethod
    def from_json(cls, body: bytes) -> "WirePage":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("a change page must be a JSON object")
        changes, cursor, more, high = (data.get("changes"), data.get("next_cursor"), data.get("has_more"),
                                       data.get("high_water"))
        if (not isinstance(changes, list) or type(cursor) is not int or type(more) is not bool
                or type(high) is not int or set(data) != {"changes", "next_cursor", "has_more", "high_water"}):
            raise ValueError("not a change page: expected changes, next_cursor, has_more, high_water")
        return cls(changes, cursor, more, high)


CENTER_TIME_HEADER = "X-Center-Time"


@dataclass(frozen=True)
class ClockReading:
    """The center's clock in one answer, and when (time.monotonic) the request went out and
    the answer came in; the worker maps those onto the device's clock."""

    center_time: datetime
    sent_mono: float
    received_mono: float

    @property
    def round_trip_s(self) -> float:
        return self.received_mono - self.sent_mono


def center_time_of(headers: Any) -> datetime | None:
    """The center's clock from an answer's headers (None when it says nothing readable)."""
    value = headers.get(CENTER_TIME_HEADER)
    try:
        if value:
            moment = datetime.fromisoformat(value.strip())
        elif (date := headers.get("Date")):
            moment = email.utils.parsedate_to_datetime(date)
        else:
            return None
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


class CenterClient:
    """Talks to the center as one device (its bearer token)."""

    def __init__(self, base_url: str, token: str, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"the center's address must start with https:// or http://: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = session or requests.Session()
        self._http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json",
                                   "User-Agent": "omnipos-store"})
        self._clock_reading: ClockReading | None = None

    def note_clock(self, headers: Any, sent_mono: float, received_mono: float) -> None:
        """Keep the center's clock from an answer if it came quicker than the one kept."""
        center = center_time_of(headers)
        if center is None:
            return
        reading = ClockReading(center, sent_mono, received_mono)
        kept = self._clock_reading
        if kept is None or reading.round_trip_s <= kept.round_trip_s:
            self._clock_reading = reading

    def take_clock_reading(self) -> ClockReading | None:
        """The best reading since the last call (and forget it)."""
        reading, self._clock_reading = self._clock_reading, None
        return reading

    def close(self) -> None:
        self._http.close()

    # ---- the API ---------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/v1/health", None, None)  # type: ignore[return-value]

    def device(self) -> DeviceInfo:
        return self._request("GET", "/v1/device", None, DeviceInfo)

    def push(self, events: Sequence[Event]) -> PushResponse:
        """Send events (in the device's order). The answer has one result per event, in order;
        anything else is a ServerError (and nothing is marked)."""
        body = PushRequest(events=list(events)).model_dump_json().encode("utf-8")
        answer = self._request("POST", "/v1/events", body, PushResponse)
        sent = [e.id for e in events]
        if [r.id for r in answer.results] != sent:
            raise ServerError(t("Antwort der Zentrale passt nicht zu den gesendeten Vorgängen ({count} Ergebnisse für {count2} Vorgänge)", count=len(answer.results), count2=len(sent)))
        return answer

    def changes(self, after: int, limit: int) -> ChangePage:
        return self._request("GET", "/v1/changes", None, ChangePage,
                             params={"after": after, "limit": limit})

    def changes_raw(self, after: int, limit: int) -> WirePage:
        """changes() for the feed's hot path (see WirePage)."""
        return self._request("GET", "/v1/changes", None, WirePage, params={"after": after, "limit": limit})

    def feed_stream(self) -> "FeedStream | None":
        """A fetch-ahead reader of the change feed for long pulls, or None where it cannot be
        used (a proxy is configured: only requests knows how to go through it)."""
        if self._http.proxies or requests.utils.get_environ_proxies(self.base_url):
            return None
        return FeedStream(self)

    def stock(self, product_id: int) -> StockResponse:
        return self._request("GET", f"/v1/stock/{int(product_id)}", None, StockResponse)

    def availability(self, product_id: int) -> list[dict[str, Any]]:
        """GET /v1/availability/{id}: one product in every store and the web warehouse (issue 14)."""
        return list(self._request("GET", f"/v1/availability/{int(product_id)}", None, None)["places"])

    def count_report(self, count_id: str) -> dict[str, Any]:
        """GET /v1/stock/counts/{id}: a count of this store merged over all its devices (issue 14;
        NotFound while the center does not know the count yet)."""
        return dict(self._request("GET", f"/v1/stock/counts/{quote(count_id.strip(), safe='')}", None, None))

    def purchase(self, number: str) -> PurchaseResponse:
        """A sale of any store or a web order (returns; NotFound when there is none)."""
        return self._request("GET", f"/v1/purchases/{quote(number.strip(), safe='')}", None, PurchaseResponse)

    def redeem_coupon(self, code: str, redemption_id: str, reference: str) -> dict[str, Any]:
        """Take one use of a coupon now (issue 15; 404 unknown or ended, 409 used up)."""
        body = json.dumps({"redemption_id": redemption_id, "code": code, "reference": reference}).encode()
        return self._request("POST", "/v1/coupons/redeem", body, None)

    def loyalty_balance(self, customer_id: int) -> dict[str, Any]:
        """The points a customer may redeem now (issue 15; NotFound for an unknown customer)."""
        return self._request("GET", f"/v1/loyalty/{int(customer_id)}", None, None)

    def redeem_points(self, customer_id: int, points: int, sale_reference: str,
                      cart_total_cents: int) -> dict[str, Any]:
        """Redeem points for a sale's discount (409: not enough points, or the reference used otherwise)."""
        body = json.dumps({"points": points, "sale_reference": sale_reference,
                           "cart_total_cents": cart_total_cents}).encode()
        return self._request("POST", f"/v1/loyalty/{int(customer_id)}/redemptions", body, None)

    def voucher(self, code: str) -> VoucherBalance:
        return self._request("GET", f"/v1/vouchers/{quote(code.strip(), safe='')}", None, VoucherBalance)

    def customer_search(self, typed: str) -> list[dict[str, Any]]:
        """Customers of every channel (issue 4; the till asks when it finds nobody locally)."""
        return self._request("GET", "/v1/customers/search", None, None, params={"q": typed})

    def customer_profile(self, customer_id: int) -> dict[str, Any]:
        """The unified profile over every channel (NotFound when the center has no such customer)."""
        return self._request("GET", f"/v1/customers/{int(customer_id)}/profile", None, None)

    def copy(self) -> "CenterClient":
        """A new client with the same address, token and timeouts, for another thread."""
        twin = CenterClient(self.base_url, "-", self.timeout)
        twin._http.headers["Authorization"] = self._http.headers["Authorization"]
        return twin

    # ---- the plumbing ----------------------------------------------------------------------

    def _request(self, method: str, path: str, body: bytes | None, model: type[Any] | None,
                 params: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else None
        sent_mono = time.monotonic()
        try:
            response = self._http.request(method, self.base_url + path, data=body, params=params,
                                          headers=headers, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            raise ServerError(t("TLS-Zertifikat der Zentrale nicht gültig: {exc}", exc=exc)) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise Offline(t("Zentrale nicht erreichbar ({name})", name=type(exc).__name__)) from exc
        except requests.exceptions.RequestException as exc:
            raise ServerError(t("Anfrage an die Zentrale gescheitert: {exc}", exc=exc)) from exc
        try:
            content = response.content  # the body may still break off here
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise Offline(t("Verbindung zur Zentrale abgebrochen")) from exc
        self.note_clock(response.headers, sent_mono, time.monotonic())
        self._raise_for_status(response.status_code, response.headers, content)
        try:
            if model is None:
                return json.loads(content)
            if model is WirePage:
                return WirePage.from_json(content)
            return model.model_validate_json(content)
        except (ValidationError, ValueError) as exc:
            raise ServerError(t("Unlesbare Antwort der Zentrale auf {path}: {exc}", path=path, exc=str(exc)[:300]),
                              response.status_code) from exc

    @staticmethod
    def _raise_for_status(status: int, headers: Any, content: bytes) -> None:
        if status < 400:
            return
        text = content.decode("utf-8", "replace")
        detail = describe_detail(text)
        if status in (429, 503):
            wait = retry_after_seconds(headers.get("Retry-After"))
            if wait is not None or status == 429:
                raise ServerBusy(f"Zentrale ausgelastet (HTTP {status})", wait if wait is not None else 30.0,
                                 status)
        if status >= 500:
            raise ServerError(t("Fehler in der Zentrale (HTTP {status})", status=status) + (f": {detail}" if detail else ""),
                              status)
        if status in (401, 403):
            what = ("Gerät bei der Zentrale nicht registriert oder Token ungültig" if status == 401
                    else "Gerät hat dafür keine Berechtigung")
            raise AuthError(t("{what} (HTTP {status})", what=what, status=status) + (f": {detail}" if detail else ""), status)
        if status in (400, 413, 422):
            what = "zu groß" if status == 413 else "abgelehnt"
            raise BatchRefused(t("Anfrage von der Zentrale {what} (HTTP {status})", what=what, status=status), status, detail)
        if status == 404:
            raise NotFound(detail or "nicht gefunden")
        raise ServerError(t("Unerwartete Antwort der Zentrale (HTTP {status})", status=status) + (f": {detail}" if detail else ""),
                          status)


class FeedStream:
    """The change feed one page ahead, on ONE thread: `ahead(after)` sends the request for the
    next page before the current one is applied, so the center works on it meanwhile, and
    `fetch(after)` reads its answer afterwards (or asks now if nothing was sent ahead).

    requests cannot split a request from its response, so this speaks HTTP/1.1 over one
    keep-alive http.client connection, with the client's headers, its read timeout, TLS
    verified against the same CA bundle (certifi) and the same failure classification.
    A stream lives for one pull: `close()` drops an answer nobody will read.
    """

    def __init__(self, client: CenterClient) -> None:
        parts = urlsplit(client.base_url)
        self._client = client
        self._prefix = parts.path.rstrip("/")
        self._headers = {k: v for k, v in client._http.headers.items() if isinstance(v, str)}
        self._headers["Accept-Encoding"] = "identity"
        timeout = client.timeout[1]
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=requests.certs.where())
            self._conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=timeout, context=context)
        else:
            self._conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
        self._sent: tuple[int, int] | None = None  # (after, limit) of the request on the wire
        self._sent_mono = 0.0

    def ahead(self, after: int, limit: int) -> None:
        """Ask for the page after `after` now; read it with fetch(after, limit) later."""
        self._discard()
        try:
            self._send(after, limit)
        except SyncError:
            self.close()  # fetch() asks again and reports what goes wrong then

    def fetch(self, after: int, limit: int) -> WirePage:
        if self._sent != (after, limit):
            self._discard()
            self._send(after, limit)
        self._sent = None
        try:
            response = self._conn.getresponse()
            body = response.read()
        except ssl.SSLError as exc:
            self.close()
            raise ServerError(t("TLS-Zertifikat der Zentrale nicht gültig: {exc}", exc=exc)) from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Offline(t("Zentrale nicht erreichbar ({name})", name=type(exc).__name__)) from exc
        if response.will_close:
            self.close()
        self._client.note_clock(response.headers, self._sent_mono, time.monotonic())
        CenterClient._raise_for_status(response.status, response.headers, body)
        try:
            return WirePage.from_json(body)
        except ValueError as exc:
            raise ServerError(t("Unlesbare Antwort der Zentrale auf /v1/changes: {exc}", exc=str(exc)[:300]),
                              response.status) from exc

    def _send(self, after: int, limit: int) -> None:
        try:
            self._conn.request("GET", f"{self._prefix}/v1/changes?after={int(after)}&limit={int(limit)}",
                               headers=self._headers)
        except ssl.SSLError as exc:
            self.close()
            raise ServerError(t("TLS-Zertifikat der Zentrale nicht gültig: {exc}", exc=exc)) from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Offline(t("Zentrale nicht erreichbar ({name})", name=type(exc).__name__)) from exc
        self._sent = (after, limit)
        self._sent_mono = time.monotonic()

    def _discard(self) -> None:
        if self._sent is not None:  # an answer nobody will read: start afresh
            self.close()

    def close(self) -> None:
        self._sent = None
        self._conn.close()

    def __enter__(self) -> "FeedStream":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
