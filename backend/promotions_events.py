"""The store's coupon event, applied at the center (registered in backend.events._apply):
coupon.redeemed, a coupon a till accepted (online after the center's yes, then a replay of
that redemption id; or offline under the once-per-till rule). Booked in every case, beyond the
coupon's limit with a coupon_overused reconciliation (backend.promotions.redeem).

A refusal is a business rejection (the store's conflict list shows it), never an exception.

Thread: request threads, inside backend.events' per-event transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from backend import promotions
from backend.auth import DeviceIdentity
from backend.changelog import PendingChange
from sync.protocol_prices import CouponRedeemedV1

HANDLED = (CouponRedeemedV1,)


def apply(conn: Connection, device: DeviceIdentity, payload: CouponRedeemedV1, now: datetime,
          changes: list[PendingChange]) -> str | None:
    if payload.store_id != device.store_id:
        return f"event for store {payload.store_id!r} from a device of {device.store_id!r}"
    try:
        _, made = promotions.redeem(
            conn, redemption_id=str(payload.redemption_id), code=payload.code, store_id=device.store_id,
            reference=payload.reference, saving_cents=payload.saving_cents, offline=True,
            redeemed_at=payload.redeemed_at, promotion_id=payload.promotion_id, now=now)
    except promotions.Refused as exc:
        return str(exc)
    changes += made
    return None
