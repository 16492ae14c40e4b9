"""A local stand-in for fiskaly SIGN DE v2 (their cloud is out of reach here), written from their
public API reference: POST /auth (api key or refresh token -> bearer token with expiry),
GET /tss/{id}, PUT /tss/{id}/tx/{tx_id}?tx_revision=N (ACTIVE, then FINISHED with a
standard_v1 receipt or a raw schema), errors as {status_code, error, code, message}.

It signs for real (ECDSA P-256, plain r||s) and builds the processData and QR code data itself
from the schema, so a test can compare them with what the till computed on its own. Faults on
demand: every transaction call answers `fail_status`, or waits `delay_s` first; tokens can be
revoked; the clock (for token expiry) can be moved.

Runs a ThreadingHTTPServer on loopback in a daemon thread.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

AMOUNT = re.compile(r"^-?\d{1,14}\.\d{2}$")
VAT_COLUMNS = ["NORMAL", "REDUCED_1", "SPECIAL_RATE_1", "SPECIAL_RATE_2", "NULL"]
RECEIPT_TYPES = {"RECEIPT", "TRAINING", "TRANSFER", "ORDER", "CANCELLATION", "ABORT", "BENEFIT_IN_KIND",
                 "INVOICE", "OTHER"}


class Problem(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FiskalyStandIn:
    API_KEY = "test_key_standin"
    API_SECRET = "test_secret_standin"

    def __init__(self, token_lifetime_s: int = 3600, client_registered: bool = True) -> None:
        self.token_lifetime_s = token_lifetime_s
        self.clock_offset = 0.0  # seconds added to the wall clock (token expiry tests)
        self.fail_status: int | None = None  # every tx call answers this
        self.delay_s = 0.0  # every tx call waits this long first
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self.key = ec.generate_private_key(ec.SECP256R1())
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        self.public_key = base64.b64encode(point).decode()
        self.tss_id = str(uuid.uuid4())
        self.tss_serial = hashlib.sha256(point).hexdigest()
        self.client_uuid = str(uuid.uuid4())
        self.client_serial = "BER-K1"
        self.clients: dict[str, str] = {self.client_uuid: self.client_serial} if client_registered else {}
        self.tx: dict[str, dict[str, Any]] = {}
        self.tx_number = 0
        self.signature_counter = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def now(self) -> float:
        return time.time() + self.clock_offset

    def start(self) -> "FiskalyStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop answering (idempotent: a test may stop it early to take the TSE offline)."""
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # ---- the API ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any,
               auth: str) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, body))
        if method == "POST" and path == "/api/v2/auth":
            return 200, self._auth(body)
        self._check_token(auth)
        parts = path.strip("/").split("/")
        if method == "GET" and parts[:3] == ["api", "v2", "tss"] and len(parts) == 4:
            self._tss(parts[3])
            return 200, {"_id": self.tss_id, "state": "INITIALIZED", "serial_number": self.tss_serial,
                         "public_key": self.public_key, "signature_algorithm": "ecdsa-plain-SHA256",
                         "signature_timestamp_format": "unixTime", "_type": "TSS"}
        if parts[:3] == ["api", "v2", "tss"] and len(parts) == 6 and parts[4] == "client":
            self._tss(parts[3])
            return 200, self._client(method, parts[5], body)
        if method == "PUT" and parts[:3] == ["api", "v2", "tss"] and len(parts) == 6 and parts[4] == "tx":
            self._tss(parts[3])
            if self.delay_s:
                time.sleep(self.delay_s)
            if self.fail_status:
                raise Problem(self.fail_status, "E_INTERNAL", "The stand-in was told to fail.")
            try:
                revision = int(query["tx_revision"][0])
            except (KeyError, ValueError):
                raise Problem(400, "E_TX_REVISION", "tx_revision is required") from None
            return 200, self._put_tx(parts[5], revision, body)
        raise Problem(404, "E_NOT_FOUND", f"{method} {path}")

    def _auth(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Problem(400, "E_BAD_REQUEST", "JSON body required")
        with self.lock:
            if "refresh_token" in body:
                if body["refresh_token"] not in self.refresh_tokens:
                    raise Problem(401, "E_UNAUTHORIZED", "refresh token unknown")
                self.refresh_tokens.discard(body["refresh_token"])
            elif (body.get("api_key"), body.get("api_secret")) != (self.API_KEY, self.API_SECRET):
                raise Problem(401, "E_UNAUTHORIZED", "invalid api key or secret")
            token, refresh = secrets.token_hex(16), secrets.token_hex(16)
            expires_at = self.now() + self.token_lifetime_s
            self.tokens[token] = expires_at
            self.refresh_tokens.add(refresh)
        return {"access_token": token, "access_token_expires_in": self.token_lifetime_s,
                "access_token_expires_at": int(expires_at), "refresh_token": refresh,
                "refresh_token_expires_in": 2 * self.token_lifetime_s,
                "refresh_token_expires_at": int(expires_at + self.token_lifetime_s)}

    def _check_token(self, auth: str) -> None:
        token = auth.removeprefix("Bearer ").strip()
        with self.lock:
            expires = self.tokens.get(token)
        if expires is None or expires <= self.now():
            raise Problem(401, "E_UNAUTHORIZED", "token missing, invalid or expired")

    def _tss(self, tss_id: str) -> None:
        if tss_id != self.tss_id:
            raise Problem(404, "E_TSS_NOT_FOUND", f"TSS {tss_id} not found")

    def _client(self, method: str, client_id: str, body: Any) -> dict[str, Any]:
        """PUT registers a client (a till) with its serial number (idempotent); GET reads it."""
        with self.lock:
            if method == "PUT":
                serial = body.get("serial_number") if isinstance(body, dict) else None
                if not isinstance(serial, str) or not serial:
                    raise Problem(400, "E_BAD_REQUEST", "serial_number required")
                if self.clients.get(client_id, serial) != serial:
                    raise Problem(409, "E_CLIENT_CONFLICT", "client exists with another serial_number")
                self.clients[client_id] = serial
            elif client_id not in self.clients:
                raise Problem(404, "E_CLIENT_NOT_FOUND", f"client {client_id} not found")
            return {"_id": client_id, "_type": "CLIENT", "serial_number": self.clients[client_id],
                    "tss_id": self.tss_id, "state": "REGISTERED"}

    def _put_tx(self, tx_id: str, revision: int, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("state") not in ("ACTIVE", "FINISHED", "CANCELLED"):
            raise Problem(400, "E_BAD_REQUEST", "state must be ACTIVE, FINISHED or CANCELLED")
        if body.get("client_id") not in self.clients:
            raise Problem(400, "E_CLIENT_NOT_FOUND", "client_id unknown to this TSS")
        with self.lock:
            tx = self.tx.get(tx_id)
            if tx is None:
                if revision != 1 or body["state"] != "ACTIVE":
                    raise Problem(400, "E_TX_NOT_FOUND", "a transaction starts with revision 1, state ACTIVE")
                self.tx_number += 1
                self.signature_counter += 1
                tx = {"number": self.tx_number, "time_start": int(self.now()), "revision": 1, "state": "ACTIVE"}
                self.tx[tx_id] = tx
                return self._answer(tx_id, tx)
            if revision != tx["revision"] + 1:
                raise Problem(409, "E_TX_REVISION_CONFLICT", f"expected revision {tx['revision'] + 1}")
            if tx["state"] != "ACTIVE":
                raise Problem(400, "E_TX_ILLEGAL_STATE", f"transaction is {tx['state']}")
            process_type, process_data = self._process(body.get("schema"), body["state"] == "FINISHED")
            self.signature_counter += 1
            tx.update(revision=revision, state=body["state"])
            if body["state"] == "FINISHED":
                tx["time_end"] = int(self.now())
                tx["signature_counter"] = self.signature_counter
                message = "|".join([self.client_serial, process_type, process_data, str(tx["number"]),
                                    str(self.signature_counter), str(tx["time_start"]), str(tx["time_end"])])
                r, s = decode_dss_signature(self.key.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
                tx["signature"] = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
                tx["process_type"], tx["process_data"] = process_type, process_data
            return self._answer(tx_id, tx)

    def _process(self, schema: Any, required: bool) -> tuple[str, str]:
        if schema is None and not required:
            return "", ""
        if not isinstance(schema, dict) or len(schema) != 1:
            raise Problem(400, "E_SCHEMA", "schema must hold exactly one of standard_v1, raw")
        if "raw" in schema:
            raw = schema["raw"]
            return raw["process_type"], base64.b64decode(raw["process_data"]).decode("utf-8")
        receipt = schema.get("standard_v1", {}).get("receipt")
        if not isinstance(receipt, dict) or receipt.get("receipt_type") not in RECEIPT_TYPES:
            raise Problem(400, "E_SCHEMA", "standard_v1.receipt with a receipt_type required")
        per_rate = dict.fromkeys(VAT_COLUMNS, 0)
        for row in receipt.get("amounts_per_vat_rate", []):
            if row.get("vat_rate") not in per_rate or not AMOUNT.match(str(row.get("amount"))):
                raise Problem(400, "E_SCHEMA", f"bad amounts_per_vat_rate entry {row!r}")
            per_rate[row["vat_rate"]] += round(float(row["amount"]) * 100)
        payments = []
        for row in receipt.get("amounts_per_payment_type", []):
            if row.get("payment_type") not in ("CASH", "NON_CASH") or not AMOUNT.match(str(row.get("amount"))):
                raise Problem(400, "E_SCHEMA", f"bad amounts_per_payment_type entry {row!r}")
            payments.append(f"{row['amount']}:{'Bar' if row['payment_type'] == 'CASH' else 'Unbar'}")

        def money(cents: int) -> str:
            return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"

        kind = {"RECEIPT": "Beleg", "CANCELLATION": "Beleg", "TRANSFER": "AVTransfer", "ABORT": "AVBelegabbruch"}
        data = f"{kind.get(receipt['receipt_type'], 'AVSonstiger')}^" + \
            "_".join(money(per_rate[c]) for c in VAT_COLUMNS) + "^" + "_".join(payments)
        return "Kassenbeleg-V1", data

    def _answer(self, tx_id: str, tx: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "_id": tx_id, "_type": "TRANSACTION", "number": tx["number"], "state": tx["state"],
            "revision": tx["revision"], "latest_revision": tx["revision"], "time_start": tx["time_start"],
            "client_id": self.client_uuid, "client_serial_number": self.client_serial, "tss_id": self.tss_id,
            "tss_serial_number": self.tss_serial,
        }
        if tx["state"] == "FINISHED":
            from datetime import datetime, timezone

            def iso(t: int) -> str:
                return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            answer.update(
                time_end=tx["time_end"],
                signature={"value": tx["signature"], "algorithm": "ecdsa-plain-SHA256",
                           "counter": tx["signature_counter"], "public_key": self.public_key},
                log={"operation": "FinishTransaction", "timestamp": tx["time_end"], "timestamp_format": "unixTime"},
                qr_code_data=";".join(["V0", self.client_serial, tx["process_type"], tx["process_data"],
                                       str(tx["number"]), str(tx["signature_counter"]), iso(tx["time_start"]),
                                       iso(tx["time_end"]), "ecdsa-plain-SHA256", "unixTime", tx["signature"],
                                       self.public_key]))
        return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length)) if length else None
                    status, answer = standin.handle(method, url.path, parse_qs(url.query), body,
                                                    self.headers.get("Authorization", ""))
                except Problem as p:
                    status, answer = p.status, {"status_code": p.status, "error": "Error", "code": p.code,
                                                "message": p.message}
                except (ValueError, KeyError, TypeError) as exc:
                    status, answer = 400, {"status_code": 400, "error": "Bad Request", "code": "E_BAD_REQUEST",
                                           "message": str(exc)}
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

        return Handler
