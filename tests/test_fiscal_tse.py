"""The development TSE, the sale hook and the receipt's KassenSichV block: a real local store,
real ESC/POS bytes decoded by tests/escpos_decode.py, the QR code drawn and read back with
pyzbar."""
from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
import qrcode
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as zbar_decode

from hardware.receipt_printer import render_escpos
from pos_app.fiscal.dev_tse import DevelopmentTse, verify
from pos_app.fiscal.signing import FiscalSigner
from pos_app.fiscal.tse import FiscalAmounts, ProcessType, parse_qr_payload
from pos_app.receipt import QrRow, layout, preview_text
from pos_app.store.fiscal_models import TseTransaction
from pos_app.store.models import OutboxEvent
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from sync.protocol import SaleCompletedV1
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, open_store

LENA = StaffMember(1, "Lena Schmidt", "cashier")


def sell(session: TillSession, card_cents: int = 0):  # type: ignore[no-untyped-def]
    session.scan(EAN_DECKE)  # 39,99 at 19 %
    session.scan(EAN_KAFFEE)  # 12,99 at 7 %
    if card_cents:
        session.pay_card(card_cents, approved=True)
    session.pay_cash(6000)
    return session.complete()


def qr_image_payload(payload: str) -> str:
    """Draw the payload as a QR code image the way a printer would and read it back."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(payload)
    code.make(fit=True)
    image = code.make_image().get_image().convert("L")
    found = zbar_decode(image, symbols=[ZBarSymbol.QRCODE])
    assert len(found) == 1
    return found[0].data.decode("ascii")


def test_dev_tse_signature_verifies_and_counters_survive_a_restart(store_path):
    store = open_store(store_path)
    tse = DevelopmentTse(store.db)
    amounts = FiscalAmounts(vat_gross={19: 3999, 7: 1299}, cash_cents=5298)
    first = tse.finish_transaction(tse.start_transaction("BER-K1"), ProcessType.KASSENBELEG, amounts,
                                   amounts.process_data())
    assert first.process_data == "Beleg^39.99_12.99_0.00_0.00_0.00^52.98:Bar"
    assert verify(first)
    assert len(base64.b64decode(first.signature)) == 64 and not first.certified
    # a changed field breaks the signature
    assert not verify(replace(first, process_data="Beleg^0.01_12.99_0.00_0.00_0.00^13.00:Bar"))
    assert not verify(replace(first, signature_counter=first.signature_counter + 1))
    counters = tse.counters()
    store.close()

    again = open_store(store_path)  # a restart: new objects, same file
    tse2 = DevelopmentTse(again.db)
    assert tse2.counters() == counters
    second = tse2.finish_transaction(tse2.start_transaction("BER-K1"), ProcessType.SONSTIGER_VORGANG,
                                     None, "Schublade geöffnet")
    assert second.public_key == first.public_key and second.tse_serial == first.tse_serial
    assert second.transaction_number == first.transaction_number + 1
    assert second.signature_counter > first.signature_counter
    assert verify(second)
    # the counters never go back, not even by a direct UPDATE
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError, match="never go back"):
        with again.db.writing() as s:
            s.execute(text("UPDATE tse_dev_state SET last_signature_counter = 1"))
    assert tse2.counters()[1] == second.signature_counter
    again.close()


def test_a_sale_is_signed_stored_sent_and_printed_with_a_qr_code_that_decodes(store):
    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    done = sell(TillSession(store, LENA, signer=signer), card_cents=2000)
    assert done.tse_failure == ""
    with store.db.reading() as s:
        row = s.query(TseTransaction).filter_by(sale_id=done.sale_id).one()
        event = s.query(OutboxEvent).filter_by(type="sale.completed").one()
    assert row.status == "signed" and row.process_type == "Kassenbeleg-V1"
    assert row.process_data == "Beleg^39.99_12.99_0.00_0.00_0.00^32.98:Bar_20.00:Unbar"
    payload = json.loads(event.payload)
    parsed = SaleCompletedV1.model_validate(payload)  # the center's model takes the optional field
    assert parsed.tse is not None and parsed.tse.status == "signed"
    assert parsed.tse.signature == row.signature and parsed.tse.transaction_number == row.tx_number

    receipt = store.sales.receipt(done.sale_id)
    assert receipt.tse is not None and not receipt.tse.failure
    text = preview_text(receipt)
    for label in ("TSE-Transaktion", "TSE-Start", "TSE-Ende", "Signaturzähler", "Zeitformat", "unixTime",
                  "Hash-Algorithmus", "ecdsa-plain-SHA256", "Kassen-Seriennr.", "TSE-Seriennr.", "Signatur:",
                  "Öffentl. Schlüssel:", "NICHT ZERTIFIZIERTE TSE"):
        assert label in text, label
    assert row.signature[:42] in text  # printed in full, cut into lines

    printed = decode(render_escpos(layout(receipt)))
    assert len(printed.qrcodes) == 1
    payload_on_paper = printed.qrcodes[0]
    assert qr_image_payload(payload_on_paper) == payload_on_paper
    fields = payload_on_paper.split(";")
    assert fields == ["V0", "BER-K1", "Kassenbeleg-V1", row.process_data, str(row.tx_number),
                      str(row.signature_counter), row.start, row.end, "ecdsa-plain-SHA256", "unixTime",
                      row.signature, row.public_key]
    # and the signature on the paper checks out with the public key on the paper
    from_paper = parse_qr_payload(payload_on_paper)
    assert verify(from_paper)
    assert not verify(replace(from_paper, process_data=from_paper.process_data.replace("39.99", "29.99")))
    rows = layout(receipt)
    assert sum(isinstance(r, QrRow) for r in rows) == 1


def test_without_a_tse_the_sale_has_no_fiscal_block(store):
    done = sell(TillSession(store, LENA))
    assert store.sales.receipt(done.sale_id).tse is None
    with store.db.reading() as s:
        assert s.query(TseTransaction).count() == 0
        assert "tse" not in json.loads(s.query(OutboxEvent).one().payload)


def test_process_data_refuses_a_vat_rate_the_dsfinvk_does_not_know():
    with pytest.raises(ValueError, match="USt-Satz 16"):
        FiscalAmounts(vat_gross={16: 100})
    returned = FiscalAmounts(vat_gross={19: -1999}, cash_cents=-1999)
    assert returned.process_data() == "Beleg^-19.99_0.00_0.00_0.00_0.00^-19.99:Bar"


class StepClock:
    """A wall clock the test moves (the development TSE's time source)."""

    def __init__(self) -> None:
        from datetime import datetime, timezone
        self.now = datetime(2026, 11, 24, 13, 0, 0, tzinfo=timezone.utc)

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def advance(self, seconds: int) -> None:
        from datetime import timedelta
        self.now += timedelta(seconds=seconds)


def test_the_tse_transaction_starts_with_the_first_item_and_ends_at_payment(store):
    clock = StepClock()
    signer = FiscalSigner(DevelopmentTse(store.db, clock=clock), "BER-K1")
    session = TillSession(store, LENA, signer=signer)
    session.scan(EAN_DECKE)
    assert session.fiscal.pending is not None
    session.fiscal.pending.started.result(timeout=5)  # the TSE thread has started it (at 13:00:00)
    clock.advance(90)  # the cashier scans more and the customer pays, 90 s later
    session.scan(EAN_KAFFEE)
    session.pay_cash(6000)
    done = session.complete()
    tse = store.sales.receipt(done.sale_id).tse
    assert (tse.start, tse.end) == ("2026-11-24T13:00:00.000Z", "2026-11-24T13:01:30.000Z")
    assert verify(parse_qr_payload(tse.qr_payload)) and session.fiscal.pending is None


def test_a_voided_or_parked_sale_finishes_its_tse_transaction_as_aborted(store):
    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    session = TillSession(store, LENA, signer=signer)
    session.scan(EAN_DECKE)
    session.void_sale()
    session.scan(EAN_DECKE)
    session.remove_line(session.cart.lines[0].line_id)
    session.scan(EAN_KAFFEE)
    parked = session.park()
    session.recall(parked)  # a new transaction for the recalled sale
    session.pay_cash(2000)
    done = session.complete()
    signer.drain(timeout=5)
    with store.db.reading() as s:
        rows = s.query(TseTransaction).order_by(TseTransaction.id).all()
    aborted = [r for r in rows if r.sale_id is None]
    assert [r.reference for r in aborted] == ["abbruch:storniert", "abbruch:geleert", f"abbruch:geparkt {parked}"]
    assert all(r.status == "signed" and r.process_data == "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"
               for r in aborted)
    sale_row = next(r for r in rows if r.sale_id == done.sale_id)
    numbers = sorted(r.tx_number for r in rows)
    assert numbers == [1, 2, 3, 4] and sale_row.tx_number == 4
    assert verify(parse_qr_payload(store.sales.receipt(done.sale_id).tse.qr_payload))


def test_a_qr_code_with_an_umlaut_in_its_process_data_prints_unchanged(store):
    """SonstigerVorgang carries free text: the printed QR holds exactly the signed data."""
    from pos_app.fiscal.records import receipt_block
    from pos_app.receipt import Receipt

    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    outcome = signer.sign_other("Schublade geöffnet ohne Verkauf")
    block = receipt_block(outcome)
    receipt = Receipt("Filiale", (), "", "01.12.2026 10:00", "BER-K1-X", "BER-K1", "Lena", (), 0, (), (), tse=block)
    [payload] = decode(render_escpos(layout(receipt))).qrcodes
    assert payload == block.qr_payload and verify(parse_qr_payload(payload))
    assert parse_qr_payload(payload).process_type == "SonstigerVorgang"


def test_a_printer_without_native_qr_gets_an_image_that_reads_back(store):
    """Profiles without GS ( k (e.g. ZJ-5870) get the QR code as a raster image; decoded from
    the ESC/POS bytes into pixels, pyzbar reads the same payload. Without graphics at all
    (TM-U220, an impact printer) the QR code's text is printed."""
    from tests.escpos_decode import image_of

    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    done = sell(TillSession(store, LENA, signer=signer))
    receipt = store.sales.receipt(done.sale_id)
    printed = decode(render_escpos(layout(receipt), profile="ZJ-5870"))
    assert printed.qrcodes == [] and len(printed.images) == 1
    image = image_of(*printed.images[0]).resize((printed.images[0][0] * 2, printed.images[0][1] * 2))
    found = zbar_decode(image, symbols=[ZBarSymbol.QRCODE])
    assert [f.data.decode("utf-8") for f in found] == [receipt.tse.qr_payload]
    impact = decode(render_escpos(layout(receipt), profile="TM-U220"))
    assert impact.qrcodes == [] and impact.images == [] and "QR-Code-Daten:" in impact.text
    at = impact.text_lines.index("QR-Code-Daten:")
    assert "".join(impact.text_lines[at + 1:at + 12]).startswith(receipt.tse.qr_payload)
