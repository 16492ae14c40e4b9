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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class SaleLineV1(_Strict):
    line_no: int = Field(ge=1)
    product_id: int = Field(ge=1)
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=9999)
    unit_price_cents: int = Field(ge=0)
    list_price_cents: int = Field(ge=0)
    line_discount_cents: int = Field(ge=0)
    cart_discount_cents: int = Field(ge=0)
    total_cents: int = Field(ge=0)
    vat_percent: Literal[0, 7, 19]


class TenderV1(_Strict):
    # voucher: store credit redeemed (reference = the voucher code; the center takes it off the
    # balance); exchange: the credit of a return in the same transaction (reference = its number)
    kind: Literal["cash", "card", "voucher", "exchange"]
    amount_cents: int = Field(gt=0)
    given_cents: int = Field(gt=0)
    reference: str = Field(default="", max_length=60)


class VatRowV1(_Strict):
    percent: Literal[0, 7, 19]
    gross_cents: int
    vat_cents: int


class TseSignatureV1(_Strict):
    """The TSE's outcome for a sale (KassenSichV), optional and informative for the center:
    signed with its fields, or failed with the error (the sale was recorded unsigned)."""

    status: Literal["signed", "failed"]
    error: str = Field(default="", max_length=400)
    process_type: str = Field(max_length=30)
    process_data: str = Field(max_length=2000)
    client_id: str = Field(max_length=70)
    transaction_number: int | None = None
    start: str | None = None
    end: str | None = None
    signature_counter: int | None = None
    signature: str = Field(default="", max_length=512)
    tse_serial: str = Field(default="", max_length=68)
    time_format: str = Field(default="", max_length=40)
    signature_algorithm: str = Field(default="", max_length=40)
    public_key: str = Field(default="", max_length=512)
    certified: bool = False


class SaleCompletedV1(_Strict):
    sale_id: UUID
    receipt_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    cashier_id: int
    created_at: datetime
    total_cents: int = Field(ge=0)
    cart_discount_cents: int = Field(ge=0)
    lines: list[SaleLineV1] = Field(min_length=1, max_length=2000)
    tenders: list[TenderV1] = Field(min_length=1, max_length=20)
    vat: list[VatRowV1]
    tse: TseSignatureV1 | None = None  # added later to v1 as optional: older senders omit it

    @model_validator(mode="after")
    def _adds_up(self) -> "SaleCompletedV1":
        if sum(line.total_cents for line in self.lines) != self.total_cents:
            raise ValueError("the line totals do not add up to total_cents")
        if sum(t.amount_cents for t in self.tenders) != self.total_cents:
            raise ValueError("the tenders do not add up to total_cents")
        if sum(r.gross_cents for r in self.vat) != self.total_cents:
            raise ValueError("the VAT rows do not add up to total_cents")
        return self


class AuditRecordedV1(_Strict):
    created_at: datetime
    actor_id: int | None
    actor_name: str = Field(max_length=80)
    action: str = Field(min_length=1, max_length=40)
    details: dict[str, Any]
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class ReturnLineV1(_Strict):
    line_no: int = Field(ge=1)
    original_line_no: int | None = Field(default=None, ge=1)  # None: a blind return
    product_id: int = Field(ge=1)
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=9999)
    refund_cents: int = Field(ge=0)
    vat_percent: Literal[0, 7, 19]
    condition: Literal["resellable", "damaged"]  # resellable goes back into the store's stock
    reason_code: str = Field(min_length=1, max_length=40)
    reason_text: str = Field(default="", max_length=200)


class RefundTenderV1(_Strict):
    # cash from the drawer, card through the terminal, voucher: store credit issued (reference =
    # the new voucher's code), exchange: credited to the new items (reference = the sale id),
    # paypal: only from the web shop's own returns (POST /v1/channel/returns)
    kind: Literal["cash", "card", "voucher", "exchange", "paypal"]
    amount_cents: int = Field(gt=0)
    reference: str = Field(default="", max_length=60)


class OriginalPurchaseV1(_Strict):
    kind: Literal["sale", "order"]
    id: str = Field(min_length=1, max_length=40)  # the sale's UUID or the order's id
    number: str = Field(min_length=1, max_length=40)  # receipt or order number


class ReturnCompletedV1(_Strict):
    """Goods taken back at a till. The center checks that no line comes back more often than it
    was bought (over every channel) and no tender refunds more than was paid with it, restocks
    resellable items in `store_id`, records damaged ones and issues the vouchers."""

    return_id: UUID
    return_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    cashier_id: int
    created_at: datetime
    original: OriginalPurchaseV1 | None  # None: a blind return (no receipt)
    customer_id: int | None = None
    approved_by: int | None = None  # the manager who approved (blind returns)
    total_cents: int = Field(ge=0)
    lines: list[ReturnLineV1] = Field(min_length=1, max_length=2000)
    tenders: list[RefundTenderV1] = Field(max_length=20)
    tse: TseSignatureV1 | None = None  # added later to v1 as optional: older senders omit it

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


class CountAmountV1(_Strict):
    count: int = Field(ge=0)
    amount_cents: int


class TenderTotalV1(_Strict):
    kind: str = Field(min_length=1, max_length=12)
    count: int = Field(ge=0)
    amount_cents: int


class VatTotalV1(_Strict):
    percent: Literal[0, 7, 19]
    gross_cents: int
    net_cents: int
    vat_cents: int


class CashCountV1(_Strict):
    float_cents: int = Field(ge=0)
    cash_tenders_cents: int
    paid_in_cents: int = Field(ge=0)
    paid_out_cents: int = Field(ge=0)
    drops_cents: int = Field(ge=0)
    expected_cents: int
    counted_cents: int = Field(ge=0)


class CashMovementV1(_Strict):
    created_at: datetime
    kind: Literal["paid_in", "paid_out", "drop"]
    business_case: str = Field(min_length=1, max_length=32)  # DSFinV-K GV_TYP
    amount_cents: int = Field(gt=0)
    note: str = Field(max_length=200)
    actor_name: str = Field(max_length=80)


class DayClosedV1(_Strict):
    """A Z report: one till's shift closed with a blind cash count (pos_app.shift.ShiftReport)."""

    z_number: int = Field(ge=1)
    device_id: str = Field(min_length=1, max_length=32)
    store_id: str = Field(min_length=1, max_length=16)
    store_name: str = Field(max_length=120)
    opened_at: datetime
    opened_by: str = Field(max_length=80)
    as_of: datetime  # the closing time
    closed_by: str = Field(max_length=80)
    first_receipt: str = Field(max_length=40)
    last_receipt: str = Field(max_length=40)
    sales: CountAmountV1
    returns: CountAmountV1
    tenders: list[TenderTotalV1] = Field(max_length=20)
    vat: list[VatTotalV1] = Field(max_length=3)
    line_discounts: CountAmountV1
    cart_discounts: CountAmountV1
    price_overrides: int = Field(ge=0)
    voids: CountAmountV1
    cash: CashCountV1
    movements: list[CashMovementV1] = Field(max_length=5000)
    pending_events: int = Field(ge=0)
    # added later to v1 as optional (older senders omit them): store credit issued by returns and
    # vouchers redeemed by sales, both not cash
    vouchers_issued: CountAmountV1 = CountAmountV1(count=0, amount_cents=0)
    vouchers_redeemed: CountAmountV1 = CountAmountV1(count=0, amount_cents=0)

    @model_validator(mode="after")
    def _adds_up(self) -> "DayClosedV1":
        total = self.sales.amount_cents + self.returns.amount_cents
        if sum(t.amount_cents for t in self.tenders) != total:
            raise ValueError("the tenders do not add up to sales + returns")
        if sum(v.gross_cents for v in self.vat) != total:
            raise ValueError("the VAT rows do not add up to sales + returns")
        c = self.cash
        if c.float_cents + c.cash_tenders_cents + c.paid_in_cents - c.paid_out_cents - c.drops_cents != c.expected_cents:
            raise ValueError("the expected cash does not add up")
        return self


class PickedLineV1(_Strict):
    line_no: int = Field(ge=1)
    picked_quantity: int = Field(ge=0, le=9999)
    short_reason: str = Field(default="", max_length=200)  # why fewer than ordered were found


class PickupPickedV1(_Strict):
    """An associate picked a pickup order: it is ready (or partially ready when lines are short)."""

    order_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    picked_at: datetime
    picked_by: str = Field(max_length=80)
    lines: list[PickedLineV1] = Field(min_length=1, max_length=500)


class CollectedLineV1(_Strict):
    line_no: int = Field(ge=1)
    quantity: int = Field(ge=0, le=9999)  # less than picked: the customer refused the rest


class PickupHandedOverV1(_Strict):
    """The goods left the counter. `sale_id`: the till's sale that took the payment (pay in
    store); that sale moved the stock already, so the center does not move it again."""

    order_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    device_id: str = Field(min_length=1, max_length=32)
    handed_at: datetime
    handed_by: str = Field(max_length=80)
    collector: str = Field(min_length=1, max_length=120)
    verification: Literal["name_phone", "id_check"]
    lines: list[CollectedLineV1] = Field(min_length=1, max_length=500)
    sale_id: UUID | None = None


class PickupReturnedV1(_Strict):
    """Not collected by the pickup-by date: the goods go back on the shelf, the order is closed."""

    order_number: str = Field(min_length=1, max_length=40)
    store_id: str = Field(min_length=1, max_length=16)
    returned_at: datetime
    returned_by: str = Field(max_length=80)


PAYLOADS: dict[tuple[str, int], type[_Strict]] = {
    (EventType.SALE_COMPLETED.value, 1): SaleCompletedV1,
    (EventType.AUDIT_RECORDED.value, 1): AuditRecordedV1,
    (EventType.RETURN_COMPLETED.value, 1): ReturnCompletedV1,
    (EventType.DAY_CLOSED.value, 1): DayClosedV1,
    (EventType.PICKUP_PICKED.value, 1): PickupPickedV1,
    (EventType.PICKUP_HANDED_OVER.value, 1): PickupHandedOverV1,
    (EventType.PICKUP_RETURNED.value, 1): PickupReturnedV1,
}


# ---- push ----------------------------------------------------------------------------------


class Event(_Strict):
    id: UUID  # the idempotency key
    device_id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=1)
    type: str = Field(min_length=1, max_length=40)
    schema_version: int = Field(ge=1)
    created_at: datetime
    payload: dict[str, Any]

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


class PriceData(_Strict):
    product_id: int
    store_id: str
    gross_cents: int = Field(ge=0)


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


class VoucherBalance(_Strict):
    code: str
    balance_cents: int
    initial_cents: int
    issued_store_id: str
    issued_at: datetime


# ---- clienteling (issue 4): customer data edited at a till, through the outbox ---------------
# Merge rules at the center (docs/clienteling.md): contact fields last-writer-wins per field by
# `changed_at`; consents keep their whole history (the newest per channel counts); notes and case
# steps are appended once (their ids are the keys).

CONSENT_CHANNELS = ("email", "sms", "phone", "post")


class CustomerFieldsV1(_Strict):
    first_name: str | None = Field(default=None, min_length=1, max_length=60)
    last_name: str | None = Field(default=None, min_length=1, max_length=60)
    street: str | None = Field(default=None, max_length=120)
    zip_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=120)


class ConsentV1(_Strict):
    channel: Literal["email", "sms", "phone", "post"]
    granted: bool
    recorded_at: datetime
    source: str = Field(min_length=1, max_length=40)  # where: "store BER", "web", "contact center"
    method: str = Field(min_length=1, max_length=80)  # how: "mündlich an der Kasse", "Double-Opt-In"
    recorded_by: str = Field(default="", max_length=80)


class CustomerCreatedV1(_Strict):
    """A customer created at a till (maybe offline). The till proposes id and number from its
    own range (negative ids never reach the center: see docs/clienteling.md)."""

    customer_id: int = Field(ge=1)
    number: str = Field(min_length=1, max_length=20)
    store_id: str = Field(min_length=1, max_length=16)
    created_at: datetime
    fields: CustomerFieldsV1
    consents: list[ConsentV1] = Field(default_factory=list, max_length=20)


class CustomerUpdatedV1(_Strict):
    customer_id: int = Field(ge=1)
    changed_at: datetime
    fields: CustomerFieldsV1
    consents: list[ConsentV1] = Field(default_factory=list, max_length=20)


class CustomerNoteAddedV1(_Strict):
    note_id: UUID
    customer_id: int = Field(ge=1)
    created_at: datetime
    store_id: str = Field(min_length=1, max_length=16)
    author: str = Field(max_length=80)
    text: str = Field(min_length=1, max_length=2000)


class CaseStepAddedV1(_Strict):
    step_id: UUID
    case_id: str = Field(min_length=1, max_length=36)
    created_at: datetime
    store_id: str = Field(min_length=1, max_length=16)
    author: str = Field(max_length=80)
    text: str = Field(min_length=1, max_length=2000)
    close: bool = False


class CartPulledV1(_Strict):
    """The customer's web cart was taken into a till's cart: the center empties what was in the
    web cart at `pulled_at` (items the customer changed later stay)."""

    customer_id: int = Field(ge=1)
    pulled_at: datetime
    store_id: str = Field(min_length=1, max_length=16)


class CustomerSaleV1(_Strict):
    """A till sale with a customer attached (sent right after the sale's own event)."""

    sale_id: UUID
    customer_id: int = Field(ge=1)
    points: int = Field(ge=0)


class CustomerEraseRequestedV1(_Strict):
    """A manager at a till carried out the customer's erase request: the center anonymises the
    customer and keeps sales, orders and returns (tax law)."""

    customer_id: int = Field(ge=1)
    requested_at: datetime
    approved_by: int
    store_id: str = Field(min_length=1, max_length=16)


PAYLOADS.update({
    ("customer.erase_requested", 1): CustomerEraseRequestedV1,
    ("customer.created", 1): CustomerCreatedV1,
    ("customer.updated", 1): CustomerUpdatedV1,
    ("customer.note_added", 1): CustomerNoteAddedV1,
    ("case.step_added", 1): CaseStepAddedV1,
    ("cart.pulled", 1): CartPulledV1,
    ("customer.sale", 1): CustomerSaleV1,
})
