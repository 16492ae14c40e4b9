"""Who is calling: devices by their own bearer token, operators by the admin token.

A device token is 32 random bytes (secrets.token_urlsafe), shown once at registration and kept
at the center only as its SHA-256. A plain hash is enough here (unlike PINs, which get argon2):
the token has 256 bits of entropy, so there is nothing to brute-force, and a fast hash keeps
every request's lookup a single indexed read. Registering a known device id again issues a new
token and the old one stops working at once (rotation, or a replaced till).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from backend.db import BackendDatabase
from backend.models import Device, Store

LAST_SEEN_RESOLUTION = timedelta(seconds=60)  # write last_seen_at at most once a minute


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """The authenticated device: the only one its requests may write as."""

    device_id: str
    store_id: str
    name: str


class UnknownStore(LookupError):
    """Registration for a store the center does not know (seed the stores first)."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def admin_token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison, so response timing does not leak the token byte by byte."""
    return given is not None and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def register_device(db: BackendDatabase, device_id: str, store_id: str, name: str) -> str:
    """Create the device, or give an existing one a new token (and store and name); returns the
    token, which is not stored anywhere and cannot be shown again."""
    token = new_token()
    now = datetime.now(timezone.utc)
    table = Device.__table__
    with db.writing() as conn:
        if conn.execute(select(Store.id).where(Store.id == store_id)).first() is None:
            raise UnknownStore(f"unknown store {store_id!r}")
        stmt = db.insert(table).values(id=device_id, store_id=store_id, name=name, token_hash=hash_token(token),
                                       created_at=now, last_seen_at=None)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"store_id": store_id, "name": name, "token_hash": hash_token(token)}))
    return token


def suggest_device_id(db: BackendDatabase, store_id: str, name: str) -> str:
    """A free id in the demo's style: "Kasse 1" in BER -> BER-K1 (or BER-K2 if that is taken).
    Never an existing id: re-registering (which rotates a token) needs the id spelled out."""
    letters = [ch for ch in name if ch.isalpha()]
    initial = letters[0].upper() if letters else "D"
    digits = re.search(r"\d+", name)
    number = int(digits.group()) if digits else 1
    with db.reading() as conn:
        taken = set(conn.scalars(select(Device.id).where(Device.id.like(f"{store_id}-%"))))
    while f"{store_id}-{initial}{number}" in taken:
        number += 1
    return f"{store_id}-{initial}{number}"


def authenticate_device(db: BackendDatabase, token: str | None) -> DeviceIdentity | None:
    """The device holding `token`, or None. Notes when the device was last seen (at most once
    a minute, so that polling devices do not turn every read into a write)."""
    if not token:
        return None
    with db.reading() as conn:
        row = conn.execute(select(Device.id, Device.store_id, Device.name, Device.last_seen_at)
                           .where(Device.token_hash == hash_token(token))).first()
    if row is None:
        return None
    now = datetime.now(timezone.utc)
    if row.last_seen_at is None or now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        with db.writing() as conn:
            conn.execute(update(Device).where(Device.id == row.id).values(last_seen_at=now))
    return DeviceIdentity(row.id, row.store_id, row.name)
