"""The wire protocol between a store device and the central backend, shared by both sides.

Pure data (pydantic models), no I/O and no imports from the store app or the backend, so that
both can depend on it. Versioned: every event carries `type` and `schema_version`; a payload is
validated against the model registered for that pair, and an unknown pair is refused.

Push: POST /v1/events with a PushRequest (events in the device's order). Each event is applied
in one database transaction at the center and its id (the idempotency key, a UUID made once at
the store) recorded with the outcome; a replay gets the first outcome back (as `duplicate`) and
changes nothing; the same id with a different payload is `rejected`. A malformed batch (bad
JSON, wrong types, unknown types, too many events) is refused whole with 422 and nothing stored.

Pull: GET /v1/changes?after=N&limit=M gives a ChangePage: changes with a server-assigned
sequence greater than N, in order. Sequences become visible in order (the center serialises
appends to its change log), so a device that has applied everything up to N never misses N-1.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import Enum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from pos_app import limits
from sync.protocol_sale_pricing import SalePricingV1  # a sale's promotions (issue 15)
from sync.protocol_fields import (  # noqa: F401  (re-exported: the protocol's field types)
    Cents, Count, Id, Moment, PositiveCents, Quantity, Seq, SignedCents, StaffId, refuse_unstorable,
)

PROTOCOL_VERSION = 1
MAX_BATCH_EVENTS = 500
MAX_PAGE_CHANGES = 5000
MAX_BODY_BYTES = 8 * 1024 * 1024



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- event payloads ------------------------------------------------------------------------


class EventType(str, Enum):
    SALE_COMPLETED = "sale.completed"
    AUDIT_RECORDED = "audit.recorded"
    RETURN_COMPLETED = "return.completed"
    DAY_CLOSED = "day.closed"
    PICKUP_PICKED = "pickup.picked"  # click and collect (backend.pickup_events)
    PICKUP_HANDED_OVER = "pickup.handed_over"
    PICKUP_RETURNED = "pickup.returned_to_stock"
    GIFT_CARD_SOLD = "gift_card.sold"  # a till sold a gift card (sync.protocol_gift_cards, backend.gift_cards)


class SaleLineV1(_Strict):
    line_no: int = Field(ge=1, le=limits.MAX_COUNT)
    product_id: Id
    sku: str = Field(min_length=1, max_length=limits.SKU)
    name: str = Field(min_length=1, max_length=limits.PRODUCT_NAME)
    quantity: Quantity
    unit_price_cents: Cents
    list_price_cents: Cents
    line_discount_cents: Cents
    cart_discount_cents: Cents
    total_cents: Cents
    vat_percent: Literal[0, 7, 19]


class TenderV1(_Strict):
    # voucher: store credit redeemed (reference = the voucher code; the center takes it off the
    # balance); exchange: the credit of a return in the same transaction (reference = its number)
    kind: Literal["cash", "card", "voucher", "exchange"]
    amount_cents: PositiveCents
    given_cents: PositiveCents
    reference: str = Field(default="", max_length=limits.REFERENCE)


class VatRowV1(_Strict):
    percent: Literal[0, 7, 19]
    gross_cents: SignedCents
    vat_cents: SignedCents


class TseSignatureV1(_Strict):
    """The TSE's outcome for a sale (KassenSichV), optional and informative for the center:
    signed with its fields, or failed with the error (the sale was recorded unsigned)."""

    status: Literal["signed", "failed"]
    error: str = Field(default="", max_length=400)
    process_type: str = Field(max_length=30)
    process_data: str = Field(max_length=2000)
    client_id: str = Field(max_length=70)
    transaction_number: Count | None = None
    start: str | None = Field(default=None, max_length=40)
    end: str | None = Field(default=None, max_length=40)
    signature_counter: Count | None = None
    signature: str = Field(default="", max_length=512)
    tse_serial: str = Field(default="", max_length=68)
    time_format: str = Field(default="", max_length=40)
    signature_algorithm: str = Field(default="", max_length=40)
    public_key: str = Field(default="", max_length=512)
    certified: StrictBool = False


class DigitalReceiptV1(_Strict):
    """The digital receipt (issue 16): the token of its short link, made at the till so the link
    can be printed before the sale syncs, the link as printed, and the receipt model itself
    (pos_app.digital_receipt.to_document) for the center to lay out and show. Optional in the
    sale and return events: older tills omit it and their sales simply have no digital receipt."""

    token: str = Field(pattern=r"^[a-z2-7]{16,32}$")
    link: str = Field(default="", max_length=300)
    document: dict[str, Any]


class SaleCompletedV1(_Strict):
    sale_id: UUID
    receipt_number: str = Field(min_length=1, max_length=limits.NUMBER)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    cashier_id: StaffId
    created_at: Moment
    total_cents: Cents
    cart_discount_cents: Cents
    lines: list[SaleLineV1] = Field(min_length=1, max_length=2000)
    tenders: list[TenderV1] = Field(min_length=1, max_length=20)
    vat: list[VatRowV1] = Field(max_length=3)
    tse: TseSignatureV1 | None = None  # added later to v1 as optional: older senders omit it
    receipt: DigitalReceiptV1 | None = None  # added later to v1 as optional (issue 16)
    pricing: SalePricingV1 | None = None  # added later to v1 as optional (issue 15): promotions

    @model_validator(mode="after")
    def _adds_up(self) -> "SaleCompletedV1":
        if sum(line.total_cents for line in self.lines) != self.total_cents:
            raise ValueError("the line totals do not add up to total_cents")
        if sum(t.amount_cents for t in self.tenders) != self.total_cents:
            raise ValueError("the tenders do not add up to total_cents")
        if sum(r.gross_cents for r in self.vat) != self.total_cents:
            raise ValueError("the VAT rows do not add up to total_cents")
        if self.pricing is not None:
            line_nos = {line.line_no: line.line_discount_cents for line in self.lines}
            shared: dict[int, int] = {}
            for promo in self.pricing.applied:
                for share in promo.lines:
                    shared[share.line_no] = shared.get(share.line_no, 0) + share.cents
            if any(no not in line_nos or cents > line_nos[no] for no, cents in shared.items()):
                raise ValueError("a promotion's share is not within its line's discount")
        return self


class AuditRecordedV1(_Strict):
    created_at: Moment
    actor_id: StaffId | None
    actor_name: str = Field(max_length=limits.PERSON_NAME)
    action: str = Field(min_length=1, max_length=40)
    details: dict[str, Any]
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class ReturnLineV1(_Strict):
    line_no: int = Field(ge=1, le=limits.MAX_COUNT)
    original_line_no: int | None = Field(default=None, ge=1, le=limits.MAX_COUNT)  # None: a blind return
    product_id: Id
    sku: str = Field(min_length=1, max_length=limits.SKU)
    name: str = Field(min_length=1, max_length=limits.PRODUCT_NAME)
    quantity: Quantity
    refund_cents: Cents
    vat_percent: Literal[0, 7, 19]
    condition: Literal["resellable", "damaged"]  # resellable goes back into the store's stock
    reason_code: str = Field(min_length=1, max_length=40)
    reason_text: str = Field(default="", max_length=limits.REASON_TEXT)


class RefundTenderV1(_Strict):
    # cash from the drawer, card through the terminal, voucher: store credit issued (reference =
    # the new voucher's code), exchange: credited to the new items (reference = the sale id),
    # paypal: only from the web shop's own returns (POST /v1/channel/returns)
    kind: Literal["cash", "card", "voucher", "exchange", "paypal"]
    amount_cents: PositiveCents
    reference: str = Field(default="", max_length=limits.REFERENCE)


class OriginalPurchaseV1(_Strict):
    kind: Literal["sale", "order"]
    id: str = Field(min_length=1, max_length=40)  # the sale's UUID or the order's id
    number: str = Field(min_length=1, max_length=40)  # receipt or order number


class ReturnCompletedV1(_Strict):
    """Goods taken back at a till. The center checks that no line comes back more often than it
    was bought (over every channel) and no tender refunds more than was paid with it, restocks
    resellable items in `store_id`, records damaged ones and issues the vouchers."""

    return_id: UUID
    return_number: str = Field(min_length=1, max_length=limits.NUMBER)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    cashier_id: StaffId
    created_at: Moment
    original: OriginalPurchaseV1 | None  # None: a blind return (no receipt)
    customer_id: Id | None = None
    approved_by: StaffId | None = None  # the manager who approved (blind returns)
    total_cents: Cents
    lines: list[ReturnLineV1] = Field(min_length=1, max_length=2000)
    tenders: list[RefundTenderV1] = Field(max_length=20)
    tse: TseSignatureV1 | None = None  # added later to v1 as optional: older senders omit it
    receipt: DigitalReceiptV1 | None = None  # added later to v1 as optional (issue 16)

    @model_validator(mode="after")
    def _adds_up(self) -> "ReturnCompletedV1":
        if sum(line.refund_cents for line in self.lines) != self.total_cents:
            raise ValueError("the line refunds do not add up to total_cents")
        if sum(t.amount_cents for t in self.tenders) != self.total_cents:
            raise ValueError("the refund tenders do not add up to total_cents")
        if self.original is None:
            if any(line.original_line_no is not None for line in self.lines):
                raise ValueError("a blind return has no original lines")
            if any(t.kind in ("cash", "card") for t in self.tenders):
                raise ValueError("a blind return refunds as store credit only")
            if self.customer_id is None or self.approved_by is None:
                raise ValueError("a blind return needs a customer and a manager's approval")
        elif any(line.original_line_no is None for line in self.lines):
            raise ValueError("every line of a return with a receipt names its original line")
        return self


PAYLOADS: dict[tuple[str, int], type[_Strict]] = {
    (EventType.SALE_COMPLETED.value, 1): SaleCompletedV1,
    (EventType.AUDIT_RECORDED.value, 1): AuditRecordedV1,
    (EventType.RETURN_COMPLETED.value, 1): ReturnCompletedV1,
}  # + the day close and pickup events (sync.protocol_shifts, sync.protocol_pickups) and clienteling's


# ---- push ----------------------------------------------------------------------------------


class Event(_Strict):
    id: UUID  # the idempotency key
    device_id: str = Field(min_length=1, max_length=32)
    seq: Seq
    type: str = Field(min_length=1, max_length=40)
    schema_version: int = Field(ge=1, le=1000)
    created_at: Moment  # the device's clock
    payload: dict[str, Any]
    # trusted time (pos_app.trusted_time): created_at + the device's known offset to the center's
    # clock, and the center's time of that measurement; both absent when no offset was known
    corrected_at: Moment | None = None
    clock_synced_at: Moment | None = None

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return refuse_unstorable(data)  # the payload included: every event type gets it

    @model_validator(mode="after")
    def _known_and_valid(self) -> "Event":
        model = PAYLOADS.get((self.type, self.schema_version))
        if model is None:
            raise ValueError(f"unknown event type {self.type!r} version {self.schema_version}")
        model.model_validate(self.payload)
        return self

    def parsed(self) -> _Strict:
        return PAYLOADS[(self.type, self.schema_version)].model_validate(self.payload)

    def payload_hash(self) -> str:
        """What makes two sends of one key "the same event": type, version and payload."""
        body = json.dumps([self.type, self.schema_version, self.payload], sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


class PushRequest(_Strict):
    events: list[Event] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class Outcome(str, Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before (by an earlier send of the same key)
    REJECTED = "rejected"  # a business rule refused it; `reason` says why; never retried as is


class EventResult(_Strict):
    id: UUID
    outcome: Outcome
    reason: str | None = None
    change_seq: int | None = None  # the last change-log sequence this event produced, if any


class PushResponse(_Strict):
    results: list[EventResult]


# ---- pull ----------------------------------------------------------------------------------


class ChangeKind(str, Enum):
    PRODUCT = "product"
    PRICE = "price"
    STOCK = "stock"
    CUSTOMER = "customer"
    POLICY = "policy"  # key "returns": the return policy (pos_app.return_policy), for every store
    PICKUP_ORDER = "pickup_order"  # key: the order number; for the pickup store only
    RECONCILIATION = "reconcile"  # key: its id; for its store only (sync.protocol_reconciliations)
    QUICK_KEYS = "quick_keys"  # key "quick_keys": the store's product grid; its store only (sync.protocol_quick_keys)
    TRANSFER = "transfer"  # key: its number; for both of its stores (sync.protocol_transfers)
    FULFILMENT = "fulfilment"  # key: its number; for the selling and the fulfilling store
    DELIVERY = "delivery"  # key: its number; an expected delivery, for its store only (sync.protocol_stock)
    COUNT = "count"  # key: its id; a stock count, for its store only (sync.protocol_stock)
    PROMOTION = "promotion"  # key: its id; for every store (sync.protocol_prices)


class BarcodeData(_Strict):
    code: str
    symbology: Literal["EAN13", "EAN8", "UPCA", "CODE128"]


class ProductData(_Strict):
    id: int
    sku: str
    name: str
    category: str
    vat_percent: Literal[0, 7, 19]
    active: bool
    barcodes: list[BarcodeData]
    # the net content for the Grundpreis (issue 15, pos_app.prices.unit_price); older centers omit it
    content_amount: int | None = Field(default=None, ge=1)
    content_unit: Literal["g", "kg", "ml", "l", "mm", "cm", "m"] | None = None
    content_per_100: bool = False
    # the cost price per unit, net (issue 14, values a count's variance at cost); older centers omit it
    cost_cents: int | None = Field(default=None, ge=0, le=limits.MAX_CENTS)


class PriceData(_Strict):
    product_id: int
    store_id: str
    gross_cents: int = Field(ge=0)
    # § 11 PAngV (issue 15): set while the price is a reduction; older centers omit it
    lowest_30_days_cents: int | None = Field(default=None, ge=0)


class StockData(_Strict):
    product_id: int
    store_id: str
    quantity: int


class CustomerData(_Strict):
    id: int
    number: str
    first_name: str
    last_name: str
    street: str
    zip_code: str
    city: str
    phone: str
    email: str
    home_store_id: str | None


class PolicyData(_Strict):
    """The return policy as pos_app.return_policy.ReturnPolicy.to_dict() writes it."""

    model_config = ConfigDict(extra="allow", frozen=True)
    window_days: int = Field(ge=0)


class PickupLineData(_Strict):
    line_no: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    vat_percent: int
    short_quantity: int
    short_reason: str
    collected_quantity: int


class PickupOrderData(_Strict):
    """A pickup order (or reservation) as the center holds it (backend.pickups.order_doc)."""

    id: str
    order_number: str
    kind: Literal["order", "reservation"]
    store_id: str
    customer_id: int | None
    customer_name: str
    phone: str
    email: str
    second_person: str
    payment: Literal["prepaid", "in_store", "none"]
    state: str
    created_at: datetime
    pickup_by: datetime
    ready_at: datetime | None
    handed_over_by: str
    total_cents: int
    qr_payload: str
    lines: list[PickupLineData]


CHANGE_DATA: dict[ChangeKind, type[_Strict]] = {
    ChangeKind.PRODUCT: ProductData,
    ChangeKind.PRICE: PriceData,
    ChangeKind.STOCK: StockData,
    ChangeKind.CUSTOMER: CustomerData,
    ChangeKind.POLICY: PolicyData,
    ChangeKind.PICKUP_ORDER: PickupOrderData,
}


class Change(_Strict):
    seq: int
    kind: ChangeKind
    key: str  # "42" for a product, "42@BER" for a price or stock row
    data: dict[str, Any] | None  # None: deleted

    def parsed(self) -> _Strict | None:
        return None if self.data is None else CHANGE_DATA[self.kind].model_validate(self.data)


class ChangePage(_Strict):
    changes: list[Change]
    next_cursor: int  # pass as `after` next time (the last seq in this page, or `after` if empty)
    has_more: bool
    high_water: int  # the newest sequence at the center when the page was read (for progress)


# ---- reads that need the center ------------------------------------------------------------


class StoreStock(_Strict):
    store_id: str
    store_name: str
    quantity: int
    reserved: int = 0  # held for pickup orders and reservations; available = quantity - reserved
    in_transit: int = 0  # shipped to this store by a transfer, not yet received (not in quantity)


class StockResponse(_Strict):
    product_id: int
    stores: list[StoreStock]


class DeviceInfo(_Strict):
    device_id: str
    store_id: str
    name: str




# ---- returns: a purchase looked up at the center, vouchers --------------------------------


class PurchaseLineData(_Strict):
    line_no: int
    product_id: int
    sku: str
    name: str
    category: str
    quantity: int
    returned_quantity: int  # already taken back, in any store or the web shop
    total_cents: int
    refunded_cents: int
    vat_percent: int
    list_price_cents: int | None = None  # issue 15: the unit price before promotions
    promotable: bool = True  # False: a manual price or discount (outside the promotions)


class PurchaseTenderData(_Strict):
    kind: str  # cash | card | paypal | voucher | exchange
    amount_cents: int
    refunded_cents: int  # refunds to this kind so far, over every channel


class PurchaseResponse(_Strict):
    """GET /v1/purchases/{number}: a sale of any store, or a web order."""

    kind: Literal["sale", "order"]
    id: str
    number: str
    store_id: str | None
    channel: str  # store | web
    created_at: datetime
    customer_id: int | None
    lines: list[PurchaseLineData]
    tenders: list[PurchaseTenderData]
    pricing: dict[str, Any] | None = None  # issue 15: the sale's promotions (pos_app.prices.refunds)


class VoucherBalance(_Strict):
    code: str
    balance_cents: int
    initial_cents: int
    issued_store_id: str
    issued_at: datetime


# Payloads in modules of their own; importing them registers them in PAYLOADS. Import their
# classes from those modules.
import sync.protocol_clienteling  # noqa: E402,F401
import sync.protocol_pickups  # noqa: E402,F401
import sync.protocol_quick_keys  # noqa: E402,F401
import sync.protocol_prices  # noqa: E402,F401
import sync.protocol_reconciliations  # noqa: E402,F401
import sync.protocol_gift_cards  # noqa: E402,F401
import sync.protocol_shifts  # noqa: E402,F401
import sync.protocol_transfers  # noqa: E402,F401
import sync.protocol_stock  # noqa: E402,F401
