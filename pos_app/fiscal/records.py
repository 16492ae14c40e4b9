"""TSE outcomes in the local store: one `tse_transactions` row per signing attempt, written in
the same transaction as the business record it belongs to (a sale, a return, a cash movement),
read back for the receipt, the outbox event and the DSFinV-K export.

How another part signs its transaction (returns, paid in/out, drawer opened without a sale):

    outcome = signer.sign_receipt(FiscalAmounts(vat_gross={19: -1999}, cash_cents=-1999))
    # or, for a drawer opened without a sale:  signer.sign_other("Schublade geöffnet")
    with store.db.writing() as s:
        ...  # the business rows and their outbox event
        records.record(s, device_id, outcome, reference="return:<id>")

Sign before the write transaction (the TSE may take up to the signer's budget), record inside
it. A failed signature is recorded too, unsigned, with its error.
Thread: any; these functions run inside the caller's session.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_app.clock import iso, utc_now
from pos_app.fiscal.signing import FiscalOutcome, SigningFailure
from pos_app.fiscal.tse import FiscalAmounts, TseResult, parse_qr_time, qr_time
from pos_app.receipt import ReceiptTse
from pos_app.store.fiscal_models import TseTransaction

ABORTED = "abbruch"  # reference prefix of a sale given up after its TSE transaction started


def amounts_for_sale(vat_gross: dict[int, int], tenders: list[tuple[str, int]],
                     gift_cards_cents: int = 0) -> FiscalAmounts:
    """A sale's FiscalAmounts: gross per VAT percent and the tenders' (kind, amount) pairs.

    `gift_cards_cents`: what of the tenders redeemed gift cards (multi-purpose vouchers,
    pos_app.gift_cards.rules.redeems_gift_card). DSFinV-K books a redemption as a business case
    MehrzweckgutscheinEinloesung, not as a payment: the TSE signs it as a negative amount in the
    not-taxable field ("0 %") and only the money paid as payments, e.g. goods 40,00 at 19 %, 25,00
    by gift card, 15,00 cash: "Beleg^40.00_0.00_0.00_0.00_-25.00^15.00:Bar"."""
    cash = sum(cents for kind, cents in tenders if kind == "cash")
    gross = dict(vat_gross)
    if gift_cards_cents:
        gross[0] = gross.get(0, 0) - gift_cards_cents
    return FiscalAmounts(vat_gross={rate: cents for rate, cents in gross.items() if cents}, cash_cents=cash,
                         non_cash_cents=sum(c for _k, c in tenders) - cash - gift_cards_cents)


def record(session: Session, device_id: str, outcome: FiscalOutcome, *, sale_id: str | None = None,
           reference: str = "") -> TseTransaction:
    if isinstance(outcome, TseResult):
        row = TseTransaction(
            device_id=device_id, sale_id=sale_id, reference=reference, created_at=iso(utc_now()),
            status="signed", error="", process_type=outcome.process_type, process_data=outcome.process_data,
            client_id=outcome.client_id, tx_number=outcome.transaction_number, start=qr_time(outcome.start),
            end=qr_time(outcome.end), signature_counter=outcome.signature_counter, signature=outcome.signature,
            tse_serial=outcome.tse_serial, time_format=outcome.time_format,
            signature_algorithm=outcome.signature_algorithm, public_key=outcome.public_key,
            certified=outcome.certified)
    else:
        row = TseTransaction(
            device_id=device_id, sale_id=sale_id, reference=reference, created_at=iso(outcome.at),
            status="failed", error=outcome.error, process_type=outcome.process_type,
            process_data=outcome.process_data, client_id=outcome.client_id, signature="", tse_serial="",
            time_format="", signature_algorithm="", public_key="", certified=False)
    session.add(row)
    return row


def outcome_of(row: TseTransaction) -> FiscalOutcome:
    if row.status != "signed":
        return SigningFailure(row.error, row.process_type, row.process_data, row.client_id,
                              parse_qr_time(row.created_at))
    assert row.tx_number is not None and row.signature_counter is not None and row.start and row.end
    return TseResult(row.tx_number, parse_qr_time(row.start), parse_qr_time(row.end), row.signature_counter,
                     row.signature, row.tse_serial, row.client_id, row.time_format, row.signature_algorithm,
                     row.public_key, row.process_type, row.process_data, row.certified)


def event_payload(outcome: FiscalOutcome) -> dict[str, Any]:
    """The optional `tse` part of a sale's outbox event (sync.protocol.TseSignatureV1)."""
    if isinstance(outcome, TseResult):
        return {"status": "signed", **outcome.to_json()}
    return {"status": "failed", "error": outcome.error, "process_type": outcome.process_type,
            "process_data": outcome.process_data, "client_id": outcome.client_id}


def for_sale(session: Session, sale_id: str) -> TseTransaction | None:
    return session.execute(select(TseTransaction).where(TseTransaction.sale_id == sale_id)).scalar_one_or_none()


def receipt_block(outcome: FiscalOutcome) -> ReceiptTse:
    if isinstance(outcome, SigningFailure):
        return ReceiptTse(failure=outcome.error, certified=False)
    return ReceiptTse(
        failure="", certified=outcome.certified, transaction_number=str(outcome.transaction_number),
        start=qr_time(outcome.start), end=qr_time(outcome.end), signature_counter=str(outcome.signature_counter),
        signature=outcome.signature, tse_serial=outcome.tse_serial, client_id=outcome.client_id,
        time_format=outcome.time_format, signature_algorithm=outcome.signature_algorithm,
        public_key=outcome.public_key, qr_payload=outcome.qr_payload())


def receipt_tse(session: Session, sale_id: str) -> ReceiptTse | None:
    row = for_sale(session, sale_id)
    return None if row is None else receipt_block(outcome_of(row))


@dataclass(frozen=True)
class TseSummary:
    signed: int
    unsigned: int
    last_unsigned_at: str | None  # ISO UTC
    last_error: str


def summary(session: Session, device_id: str) -> TseSummary:
    """How many of this till's transactions were signed and how many not (the TSE status screen)."""
    counts = dict(session.execute(select(TseTransaction.status, func.count())
                                  .where(TseTransaction.device_id == device_id)
                                  .group_by(TseTransaction.status)).all())
    last = session.execute(select(TseTransaction).where(TseTransaction.device_id == device_id,
                                                        TseTransaction.status == "failed")
                           .order_by(TseTransaction.id.desc()).limit(1)).scalar_one_or_none()
    return TseSummary(int(counts.get("signed", 0)), int(counts.get("failed", 0)),
                      last.created_at if last else None, last.error if last else "")
