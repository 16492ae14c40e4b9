"""The fiskaly SIGN DE v2 client against the local stand-in (tests/fiskaly_standin.py; their
cloud is out of reach here), and the till when the TSE is down: the sale completes, the receipt
says "TSE ausgefallen", the transaction is recorded unsigned with the error."""
from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hardware.receipt_printer import render_escpos
from pos_app.fiscal.fiskaly import FiskalyTse
from pos_app.fiscal.signing import FiscalSigner
from pos_app.fiscal.tse import FiscalAmounts, ProcessType, TseError, TseResult
from pos_app.receipt import layout, preview_text
from pos_app.store.fiscal_models import TseTransaction
from pos_app.store.models import OutboxEvent, Sale
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from tests.escpos_decode import decode
from tests.fiskaly_standin import FiskalyStandIn
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE

LENA = StaffMember(1, "Lena Schmidt", "cashier")


@pytest.fixture
def standin():
    server = FiskalyStandIn(token_lifetime_s=600).start()
    yield server
    server.stop()


def client_for(standin: FiskalyStandIn) -> FiskalyTse:
    return FiskalyTse(standin.base_url, FiskalyStandIn.API_KEY, FiskalyStandIn.API_SECRET, standin.tss_id,
                      standin.client_uuid, wall_clock=standin.now)


def standin_signature_ok(standin: FiskalyStandIn, result: TseResult) -> bool:
    message = "|".join([result.client_id, result.process_type, result.process_data,
                        str(result.transaction_number), str(result.signature_counter),
                        str(int(result.start.timestamp())), str(int(result.end.timestamp()))]).encode()
    raw = base64.b64decode(result.signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64.b64decode(result.public_key))
    try:
        key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                   message, ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return True


def test_start_and_finish_a_receipt_transaction(standin):
    tse = client_for(standin)
    info = tse.info()
    assert info.serial == standin.tss_serial and info.certified
    amounts = FiscalAmounts(vat_gross={19: 3999, 7: 1299}, cash_cents=3298, non_cash_cents=2000)
    handle = tse.start_transaction("BER-K1")
    result = tse.finish_transaction(handle, ProcessType.KASSENBELEG, amounts, amounts.process_data())
    assert (result.transaction_number, result.signature_counter) == (1, 2)  # start and finish both sign
    assert result.tse_serial == standin.tss_serial and result.client_id == standin.client_serial
    assert (result.time_format, result.signature_algorithm) == ("unixTime", "ecdsa-plain-SHA256")
    assert result.certified and standin_signature_ok(standin, result)
    # the QR code the till prints is the one fiskaly computes from the standard_v1 receipt
    finished = standin.tx[handle.vendor_id]
    assert finished["process_data"] == amounts.process_data()
    put_bodies = [body for method, path, body in standin.requests if method == "PUT"]
    assert put_bodies[0] == {"state": "ACTIVE", "client_id": standin.client_uuid}
    receipt = put_bodies[1]["schema"]["standard_v1"]["receipt"]
    assert receipt["amounts_per_vat_rate"] == [{"vat_rate": "NORMAL", "amount": "39.99"},
                                               {"vat_rate": "REDUCED_1", "amount": "12.99"}]
    assert receipt["amounts_per_payment_type"] == [{"payment_type": "CASH", "amount": "32.98"},
                                                   {"payment_type": "NON_CASH", "amount": "20.00"}]
    answer_qr = standin._answer(handle.vendor_id, finished)["qr_code_data"]
    assert result.qr_payload() == answer_qr


def test_update_and_other_process_types_use_the_raw_schema_and_revisions_count_up(standin):
    tse = client_for(standin)
    handle = tse.start_transaction("BER-K1")
    handle = tse.update_transaction(handle, ProcessType.SONSTIGER_VORGANG, "Schublade")
    result = tse.finish_transaction(handle, ProcessType.SONSTIGER_VORGANG, None, "Schublade geöffnet")
    assert result.process_type == "SonstigerVorgang" and result.process_data == "Schublade geöffnet"
    assert standin_signature_ok(standin, result)
    revisions = [path for method, path, _ in standin.requests if method == "PUT"]
    assert len(revisions) == 3
    with pytest.raises(TseError, match="409"):  # a revision out of order is refused by fiskaly
        tse._put_tx(handle.vendor_id, 2, {"state": "FINISHED", "client_id": standin.client_uuid,
                                          "schema": tse._raw(ProcessType.SONSTIGER_VORGANG, "x")}, None)


def test_the_token_is_renewed_before_it_runs_out_and_after_a_401(standin):
    standin.token_lifetime_s = 120
    tse = client_for(standin)
    tse.finish_transaction(tse.start_transaction("BER-K1"), ProcessType.SONSTIGER_VORGANG, None, "a")
    assert tse.auth_calls == 1
    standin.clock_offset = 90  # 30 s left: less than the client's margin, so it renews first
    tse.finish_transaction(tse.start_transaction("BER-K1"), ProcessType.SONSTIGER_VORGANG, None, "b")
    assert tse.auth_calls == 2
    auth_bodies = [body for method, path, body in standin.requests if path.endswith("/auth")]
    assert "refresh_token" in auth_bodies[1]  # renewed with the refresh token, not the key
    standin.revoke_tokens()  # e.g. fiskaly revoked it: the call answers 401, the client signs in again
    result = tse.finish_transaction(tse.start_transaction("BER-K1"), ProcessType.SONSTIGER_VORGANG, None, "c")
    assert tse.auth_calls == 3 and result.transaction_number == 3
    with pytest.raises(TseError, match="401"):  # a wrong key is an error with fiskaly's message
        FiskalyTse(standin.base_url, "wrong", "wrong", standin.tss_id, standin.client_uuid).info()


def sell_with(store, signer: FiscalSigner):  # type: ignore[no-untyped-def]
    session = TillSession(store, LENA, signer=signer)
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    session.pay_cash(6000)
    return session.complete()


def assert_recorded_unsigned(store, done, error_part: str) -> None:  # type: ignore[no-untyped-def]
    assert "TSE ausgefallen" in done.tse_failure and error_part in done.tse_failure
    with store.db.reading() as s:
        assert s.get(Sale, done.sale_id) is not None  # the sale is there, completed
        row = s.query(TseTransaction).filter_by(sale_id=done.sale_id).one()
        event = json.loads(s.query(OutboxEvent).filter(OutboxEvent.payload.contains(done.sale_id)).one().payload)
    assert row.status == "failed" and error_part in row.error and row.signature == "" and row.tx_number is None
    assert row.process_data == "Beleg^39.99_12.99_0.00_0.00_0.00^52.98:Bar"  # what should have been signed
    assert event["tse"]["status"] == "failed" and error_part in event["tse"]["error"]
    receipt = store.sales.receipt(done.sale_id)
    text = preview_text(receipt)
    assert "TSE ausgefallen" in text and "Sicherheitseinrichtung nicht" in text
    printed = decode(render_escpos(layout(receipt)))
    assert printed.qrcodes == [] and "TSE ausgefallen" in printed.text


def test_tse_answering_500_never_blocks_the_sale(store, standin):
    standin.fail_status = 500
    done = sell_with(store, FiscalSigner(client_for(standin), "BER-K1"))
    assert_recorded_unsigned(store, done, "500")


def test_tse_timing_out_never_blocks_the_sale_and_the_next_sale_does_not_wait_again(store, standin):
    standin.delay_s = 1.5
    signer = FiscalSigner(client_for(standin), "BER-K1", budget_s=0.5)
    started = time.perf_counter()
    done = sell_with(store, signer)
    print(f"\nsale with a TSE that does not answer: {time.perf_counter() - started:.2f} s (budget 0.5 s)")
    assert_recorded_unsigned(store, done, "Zeitüberschreitung")
    calls = len(standin.requests)
    again = sell_with(store, signer)  # the signer stays quiet for a while: no second wait
    assert "Zeitüberschreitung" in again.tse_failure and len(standin.requests) == calls


def test_an_unreachable_tse_is_recorded_and_signing_resumes_when_it_is_back(store, standin):
    clock = [0.0]
    dead = FiskalyTse("http://127.0.0.1:9/api/v2", "k", "s", "tss", "client")  # nothing listens on port 9
    signer = FiscalSigner(dead, "BER-K1", monotonic=lambda: clock[0])
    done = sell_with(store, signer)
    assert_recorded_unsigned(store, done, "nicht erreichbar")
    signer.tse = client_for(standin)  # the network is back
    clock[0] += 16  # after the quiet period the signer tries again
    back = sell_with(store, signer)
    assert back.tse_failure == ""
    with store.db.reading() as s:
        assert s.query(TseTransaction).filter_by(sale_id=back.sale_id).one().status == "signed"


def test_a_till_registers_as_a_client_before_it_can_sign():
    standin = FiskalyStandIn(client_registered=False).start()
    try:
        tse = client_for(standin)
        with pytest.raises(TseError, match="E_CLIENT_NOT_FOUND"):
            tse.start_transaction("BER-K1")
        assert tse.register_client("BER-K1") == "BER-K1"
        assert tse.register_client("BER-K1") == "BER-K1"  # idempotent
        with pytest.raises(TseError, match="409"):
            tse.register_client("HAM-K1")  # the client already belongs to another till
        result = tse.finish_transaction(tse.start_transaction("BER-K1"), ProcessType.SONSTIGER_VORGANG, None, "x")
        assert result.client_id == "BER-K1"
    finally:
        standin.stop()


def test_the_cli_registers_the_till_and_shows_the_tse_status(store_path):
    import subprocess
    import sys

    standin = FiskalyStandIn(client_registered=False).start()
    try:
        (store_path.parent / "pos.toml").write_text(
            f'device_id = "BER-K1"\n[tse]\nkind = "fiskaly"\nfiskaly_url = "{standin.base_url}"\n'
            f'fiskaly_api_key = "{FiskalyStandIn.API_KEY}"\nfiskaly_api_secret = "{FiskalyStandIn.API_SECRET}"\n'
            f'fiskaly_tss_id = "{standin.tss_id}"\nfiskaly_client_id = "{standin.client_uuid}"\n', encoding="utf-8")
        base = [sys.executable, "-m", "pos_app.fiscal.cli"]
        registered = subprocess.run(base + ["fiskaly-register", "--data-dir", str(store_path.parent)],
                                    capture_output=True, text=True, timeout=60)
        assert registered.returncode == 0, registered.stderr
        assert standin.clients == {standin.client_uuid: "BER-K1"}
        status = subprocess.run(base + ["tse-status", "--data-dir", str(store_path.parent)],
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0 and standin.tss_serial in status.stdout and "Certified: yes" in status.stdout
        standin.stop()  # the TSE goes offline
        down = subprocess.run(base + ["tse-status", "--data-dir", str(store_path.parent)],
                              capture_output=True, text=True, timeout=60)
        assert down.returncode == 1 and "TSE not reachable" in down.stdout
    finally:
        standin.stop()
