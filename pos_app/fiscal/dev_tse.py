"""The development TSE: signs with ECDSA P-256 (`cryptography`) and keeps its key and counters in
the local store. NOT CERTIFIED: a till in Germany must not sell with it; every receipt it signs
says so, and so does the TSE status screen.

Why it exists: a till, its tests and a demo must be able to go through the whole fiscal path
(counting, signing, receipt fields, QR code, DSFinV-K export) without a vendor's cloud.

What it does like a real TSE: the transaction number and the signature counter only ever go up
(each step is its own committed write; a database trigger refuses any update that would lower
them), they survive a restart, and the signature can be checked with the public key printed on
the receipt. What it does differently: it signs a plain text message (see `signed_message`)
rather than the ASN.1 log message of BSI TR-03151, and its "serial" is the SHA-256 of its public
key (which is what TR-03153 asks of a real one too).

Thread: any; each call is one short write transaction (BEGIN IMMEDIATE serialises them).
"""
from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import replace
from datetime import datetime, timezone

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from pos_app.clock import Clock, iso, utc_now
from pos_app.fiscal.tse import FiscalAmounts, ProcessType, TseInfo, TseResult, TxHandle
from pos_app.store.db import Database
from pos_app.store.fiscal_models import TseDevState

ALGORITHM = "ecdsa-plain-SHA256"
TIME_FORMAT = "unixTime"
NOT_CERTIFIED = "NICHT ZERTIFIZIERT: Entwicklungs-TSE"

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

# `cryptography` is imported where it is used (~40 ms): the till's start-up never pays for it,
# the first sale's TSE start does, on the TSE thread.


def _whole_seconds(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def signed_message(result: TseResult) -> bytes:
    """What the development TSE signs for a finished transaction. Everything in it is in the
    receipt's QR code, so anyone can rebuild it from the QR code alone and check the signature
    with the public key printed next to it (see pos_app.fiscal.tse.parse_qr_payload)."""
    parts = ["omnipos-dev-tse-v1", "FinishTransaction", result.client_id, result.process_type,
             result.process_data, str(result.transaction_number), str(result.signature_counter),
             str(int(result.start.timestamp())), str(int(result.end.timestamp()))]
    return "|".join(parts).encode("utf-8")


def verify(result: TseResult) -> bool:
    """Check a development TSE signature (plain r||s, 64 bytes) against the result's public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    point = base64.b64decode(result.public_key)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    raw = base64.b64decode(result.signature)
    if len(raw) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, signed_message(result), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


class DevelopmentTse:
    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()
        self._key: "ec.EllipticCurvePrivateKey | None" = None
        self._serial = ""
        self._public_key = ""

    # ---- the key, made once and kept in the store ------------------------------------------

    def _load(self) -> "tuple[ec.EllipticCurvePrivateKey, str, str]":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        with self._lock:
            if self._key is None:
                with self._db.writing() as s:
                    row = s.execute(select(TseDevState).order_by(TseDevState.created_at)).scalars().first()
                    if row is None:
                        key = ec.generate_private_key(ec.SECP256R1())
                        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                                              serialization.PublicFormat.UncompressedPoint)
                        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()).decode("ascii")
                        row = TseDevState(serial=hashlib.sha256(point).hexdigest(), private_key_pem=pem,
                                          public_key=base64.b64encode(point).decode("ascii"),
                                          created_at=iso(self._clock()), last_tx_number=0,
                                          last_signature_counter=0)
                        s.add(row)
                    serial, public_key, pem = row.serial, row.public_key, row.private_key_pem
                loaded = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
                assert isinstance(loaded, ec.EllipticCurvePrivateKey)
                self._key, self._serial, self._public_key = loaded, serial, public_key
            return self._key, self._serial, self._public_key

    def _count(self, transaction: bool) -> tuple[int, int]:
        """Take the next signature counter (and, at a start, the next transaction number) in
        its own committed transaction: once handed out, a number is gone, as in a real TSE."""
        _key, serial, _pub = self._load()
        values = {TseDevState.last_signature_counter: TseDevState.last_signature_counter + 1}
        if transaction:
            values[TseDevState.last_tx_number] = TseDevState.last_tx_number + 1
        with self._db.writing() as s:
            tx_number, counter = s.execute(
                update(TseDevState).where(TseDevState.serial == serial).values(values)
                .returning(TseDevState.last_tx_number, TseDevState.last_signature_counter)).one()
        return int(tx_number), int(counter)

    # ---- the Tse protocol ------------------------------------------------------------------

    def info(self, deadline: float | None = None) -> TseInfo:
        _key, serial, public_key = self._load()
        return TseInfo(serial, public_key, ALGORITHM, TIME_FORMAT, False,
                       f"Entwicklungs-TSE ({NOT_CERTIFIED}), Seriennr. {serial[:16]}…")

    def counters(self) -> tuple[int, int]:
        """(last transaction number, last signature counter), for tests and the status screen."""
        _key, serial, _pub = self._load()
        with self._db.reading() as s:
            row = s.get(TseDevState, serial)
            assert row is not None
            return row.last_tx_number, row.last_signature_counter

    def start_transaction(self, client_id: str, deadline: float | None = None) -> TxHandle:
        number, _counter = self._count(transaction=True)
        return TxHandle(number, _whole_seconds(self._clock()), client_id)

    def update_transaction(self, handle: TxHandle, process_type: ProcessType, process_data: str,
                           deadline: float | None = None) -> TxHandle:
        self._count(transaction=False)
        return replace(handle, revision=handle.revision + 1)

    def finish_transaction(self, handle: TxHandle, process_type: ProcessType,
                           amounts: FiscalAmounts | None, process_data: str,
                           deadline: float | None = None) -> TseResult:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        key, serial, public_key = self._load()
        _number, counter = self._count(transaction=False)
        unsigned = TseResult(
            transaction_number=handle.transaction_number, start=handle.start,
            end=_whole_seconds(self._clock()), signature_counter=counter, signature="",
            tse_serial=serial, client_id=handle.client_id, time_format=TIME_FORMAT,
            signature_algorithm=ALGORITHM, public_key=public_key, process_type=process_type.value,
            process_data=process_data, certified=False)
        r, s = decode_dss_signature(key.sign(signed_message(unsigned), ec.ECDSA(hashes.SHA256())))
        plain = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return replace(unsigned, signature=base64.b64encode(plain).decode("ascii"))
