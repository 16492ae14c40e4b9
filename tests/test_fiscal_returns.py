"""Returns, exchanges and cash movements are TSE transactions of their own (Kassenbeleg-V1,
"Beleg"): a return with negative amounts, an exchange's sale as one more, a paid in/out or drop
with its amount in the 0 % field, paid in cash. Signed by the development TSE (NOT certified),
and recorded unsigned with the error when the TSE is down (a fiskaly client aimed at a port where
nothing listens), never refused. The return receipt carries the TSE block and a QR code that
decodes and verifies."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hardware.receipt_printer import render_escpos
from pos_app.fiscal.dev_tse import DevelopmentTse, verify
from pos_app.fiscal.fiskaly import FiskalyTse
from pos_app.fiscal.signing import FiscalSigner
from pos_app.fiscal.tse import parse_qr_payload
from pos_app.receipt import QrRow
from pos_app.refunds import RefundTender
from pos_app.return_receipt import layout_return, preview_lines
from pos_app.returns import Choice, ReturnsService
from pos_app.shift import BusinessCase, MovementKind, ShiftError
from pos_app.store.fiscal_models import TseTransaction
from pos_app.store.models import OutboxEvent
from pos_app.till import TillSession
from sync.protocol import ReturnCompletedV1
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.sync_helpers import LENA, sell
from tests.test_fiscal_tse import qr_image_payload
from tests.test_returns_in_shift import JONAS


def tse_rows(store) -> dict[str, TseTransaction]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        rows = s.execute(select(TseTransaction).order_by(TseTransaction.id)).scalars().all()
        s.expunge_all()
    return {row.sale_id or row.reference: row for row in rows}


def return_event(store) -> dict:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        return json.loads(s.execute(select(OutboxEvent.payload).where(OutboxEvent.type == "return.completed")
                                    .order_by(OutboxEvent.seq.desc()).limit(1)).scalar_one())


def test_a_return_is_signed_with_negative_amounts_and_its_receipt_has_a_qr_code_that_verifies(store) -> None:
    sale = sell(store, EAN_DECKE, EAN_KAFFEE)  # 39,99 (19 %) + 12,99 (7 %), cash; no TSE for the sale
    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    returns = ReturnsService(store, LENA, signer=signer)
    purchase = returns.find(sale.receipt_number).purchase
    items = returns.items(purchase, [Choice(1, 1), Choice(2, 1)])
    done = returns.complete(purchase, items, [RefundTender("cash", 40_00), RefundTender("voucher", 12_98)])
    row = tse_rows(store)[f"return:{done.return_id}"]
    assert row.status == "signed" and row.process_type == "Kassenbeleg-V1"
    assert row.process_data == "Beleg^-39.99_-12.99_0.00_0.00_0.00^-40.00:Bar_-12.98:Unbar"
    event = ReturnCompletedV1.model_validate(return_event(store))  # the center's model takes the optional field
    assert event.tse is not None and event.tse.status == "signed" and event.tse.signature == row.signature

    receipt = returns.book.receipt(done.return_id)
    assert receipt.tse is not None and not receipt.tse.failure
    rows = layout_return(receipt)
    assert sum(isinstance(r, QrRow) for r in rows) == 1
    text = preview_lines(rows)
    for label in ("TSE-Transaktion", "Signaturzähler", "Kassen-Seriennr.", "NICHT ZERTIFIZIERTE TSE", "[QR-Code]"):
        assert label in text, label
    printed = decode(render_escpos(rows))
    [on_paper] = printed.qrcodes
    assert qr_image_payload(on_paper) == on_paper
    from_paper = parse_qr_payload(on_paper)
    assert from_paper.process_data == row.process_data and from_paper.transaction_number == row.tx_number
    assert verify(from_paper)
    signer.close()


def test_an_exchange_signs_its_return_and_its_sale_each_as_their_own_transaction(store) -> None:
    sale = sell(store, EAN_KAFFEE)
    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    returns = ReturnsService(store, LENA, signer=signer)
    purchase = returns.find(sale.receipt_number).purchase
    new_items = TillSession(store, LENA, signer=signer)
    new_items.scan(EAN_DECKE)
    done = returns.complete_exchange(purchase, returns.items(purchase, [Choice(1, 1)]), new_items,
                                     difference=("cash", 27_00))
    assert done.exchange_sale is not None
    rows = tse_rows(store)
    ret, new_sale = rows[f"return:{done.return_id}"], rows[done.exchange_sale.sale_id]
    assert ret.process_data == "Beleg^0.00_-12.99_0.00_0.00_0.00^-12.99:Unbar"  # the credit passes on, no cash
    assert new_sale.process_data == "Beleg^39.99_0.00_0.00_0.00_0.00^27.00:Bar_12.99:Unbar"
    assert ret.status == new_sale.status == "signed" and new_sale.tx_number == ret.tx_number + 1
    receipt = store.sales.receipt(done.exchange_sale.sale_id)  # the new items' receipt is signed too
    assert receipt.tse is not None and receipt.tse.transaction_number == str(new_sale.tx_number)
    signer.close()


def test_cash_movements_are_signed_as_receipts_outside_the_turnover(store) -> None:
    sell(store, EAN_DECKE)
    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    out = store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 5_00, "Porto", JONAS, signer=signer)
    into = store.cashbook.move(MovementKind.PAID_IN, BusinessCase.EINZAHLUNG, 20_00, "Wechselgeld", JONAS,
                               signer=signer)
    drop = store.cashbook.move(MovementKind.DROP, BusinessCase.GELDTRANSIT, 30_00, "", JONAS, signer=signer)
    rows = tse_rows(store)
    assert [rows[f"cash:{m.movement_id}"].process_data for m in (out, into, drop)] == [
        "Beleg^0.00_0.00_0.00_0.00_-5.00^-5.00:Bar", "Beleg^0.00_0.00_0.00_0.00_20.00^20.00:Bar",
        "Beleg^0.00_0.00_0.00_0.00_-30.00^-30.00:Bar"]
    assert all(rows[f"cash:{m.movement_id}"].status == "signed" for m in (out, into, drop))
    # refused before signing: nothing signed for a paid out the drawer cannot pay
    before = len(tse_rows(store))
    with pytest.raises(ShiftError, match="können nicht entnommen werden"):
        store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 1_000_00, "zu viel", JONAS, signer=signer)
    assert len(tse_rows(store)) == before
    signer.close()


def test_a_tse_that_is_down_never_blocks_a_return_an_exchange_or_a_paid_out(store) -> None:
    first, second = sell(store, EAN_KAFFEE), sell(store, EAN_KAFFEE)
    dead = FiskalyTse("http://127.0.0.1:9/api/v2", "k", "s", "tss", "client")  # nothing listens on port 9
    signer = FiscalSigner(dead, "BER-K1", budget_s=0.5)
    returns = ReturnsService(store, LENA, signer=signer)
    purchase = returns.find(first.receipt_number).purchase
    done = returns.complete(purchase, returns.items(purchase, [Choice(1, 1)]), [RefundTender("cash", 12_99)])
    purchase = returns.find(second.receipt_number).purchase
    new_items = TillSession(store, LENA, signer=signer)
    new_items.scan(EAN_DECKE)
    swapped = returns.complete_exchange(purchase, returns.items(purchase, [Choice(1, 1)]), new_items,
                                        difference=("card", 27_00))
    moved = store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 1_00, "Porto", JONAS, signer=signer)
    assert "TSE ausgefallen" in moved.tse_failure
    rows = tse_rows(store)
    assert swapped.exchange_sale is not None
    for key in (f"return:{done.return_id}", f"return:{swapped.return_id}", swapped.exchange_sale.sale_id,
                f"cash:{moved.movement_id}"):
        assert rows[key].status == "failed" and "TSE ausgefallen" in rows[key].error, key
        assert rows[key].signature == "" and rows[key].process_data.startswith("Beleg^")
    assert rows[f"return:{done.return_id}"].process_data == "Beleg^0.00_-12.99_0.00_0.00_0.00^-12.99:Bar"
    assert "TSE ausgefallen" in done.tse_failure and swapped.exchange_sale.tse_failure
    assert return_event(store)["tse"]["status"] == "failed"
    text = preview_lines(layout_return(returns.book.receipt(done.return_id)))
    assert "TSE ausgefallen" in text and "Beleg ohne Signatur" in text and "[QR-Code]" not in text
    assert store.cashbook.x_report().returns.count == 2  # all recorded
    signer.close()


def test_without_a_tse_a_return_has_no_fiscal_block(store) -> None:
    sale = sell(store, EAN_KAFFEE)
    returns = ReturnsService(store, LENA)
    assert returns.signer is None
    purchase = returns.find(sale.receipt_number).purchase
    done = returns.complete(purchase, returns.items(purchase, [Choice(1, 1)]), [RefundTender("cash", 12_99)])
    assert returns.book.receipt(done.return_id).tse is None and "tse" not in return_event(store)
    assert tse_rows(store) == {}


def test_a_drawer_opened_without_a_sale_is_a_sonstiger_vorgang(store) -> None:
    from pos_app.drawer import record_no_sale

    store.fiscal = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    done = record_no_sale(store, JONAS, "Wechselgeld tauschen")
    row = tse_rows(store)["nosale:Wechselgeld tauschen"]
    assert done.tse_failure == "" and row.status == "signed" and row.process_type == "SonstigerVorgang"
    assert row.process_data == "Kassenlade ohne Verkauf: Wechselgeld tauschen"
    store.fiscal.close()
    store.fiscal = FiscalSigner(FiskalyTse("http://127.0.0.1:9/api/v2", "k", "s", "tss", "c"), "BER-K1", budget_s=0.5)
    down = record_no_sale(store, JONAS, "Kassensturz / Zählung")
    assert "TSE ausgefallen" in down.tse_failure
    assert tse_rows(store)["nosale:Kassensturz / Zählung"].status == "failed"
    store.fiscal.close()
    store.fiscal = None
