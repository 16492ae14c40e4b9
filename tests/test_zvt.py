"""ZVT: framing and fields by the spec's rules, and every command against the simulator over TCP
on loopback, faults included."""
from __future__ import annotations

import threading

import pytest

from hardware.zvt import messages as m
from hardware.zvt.apdu import Apdu, ApduError, crc_ccitt, decode, frame, unframe
from hardware.zvt.client import ZvtClient, ZvtSettings
from hardware.zvt.fields import FieldError, Tlv, bcd, encode_bmp, from_bcd, parse_bmps, parse_tlv
from pos_app.card_terminal import CardOutcome, TerminalUnavailable
from tests.zvt_terminal import ZvtSimulator


@pytest.fixture
def sim():
    simulator = ZvtSimulator()
    yield simulator
    simulator.close()


def client(sim: ZvtSimulator, **kw: float) -> ZvtClient:
    return ZvtClient(ZvtSettings("127.0.0.1", sim.port, answer_timeout_s=kw.get("answer", 3.0),
                                 ack_timeout_s=kw.get("ack", 1.0)))


def test_length_rules_and_extended_length():
    assert Apdu(0x06, 0x01, b"\x01" * 254).encode()[:3] == bytes([0x06, 0x01, 0xFE])
    long = Apdu(0x06, 0xD3, b"\x01" * 300).encode()
    assert long[:5] == bytes([0x06, 0xD3, 0xFF, 300 & 0xFF, 300 >> 8])
    assert decode(long) == Apdu(0x06, 0xD3, b"\x01" * 300)
    with pytest.raises(ApduError):
        decode(bytes([0x06, 0x01, 0x05, 0x01]))


def test_serial_frame_stuffs_dle_and_checks_crc():
    apdu = Apdu(0x06, 0x01, bytes([0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00]))
    raw = frame(apdu)
    assert raw[:2] == b"\x10\x02" and raw[-4:-2] == b"\x10\x03"
    assert b"\x10\x10" in raw  # the amount's DLE byte is doubled
    assert unframe(raw) == apdu
    broken = raw[:-1] + bytes([raw[-1] ^ 0xFF])
    with pytest.raises(ApduError, match="CRC"):
        unframe(broken)
    # CRC-16/KERMIT check value of "123456789" (the CCITT polynomial, reflected, start 0)
    assert crc_ccitt(b"123456789") == 0x2189


def test_authorisation_bytes_follow_the_spec():
    assert m.authorisation(1234).encode() == bytes.fromhex("06 01 0a 04 000000001234 49 0978")
    assert m.reversal(0, 17).encode() == bytes.fromhex("06 30 06 000000 87 0017")
    assert m.refund(123456, 500).encode() == bytes.fromhex("06 31 0d 123456 04 000000000500 49 0978")
    assert m.end_of_day(0).encode() == bytes.fromhex("06 50 03 000000")
    assert m.repeat_receipt(0).encode() == bytes.fromhex("06 20 03 000000")
    assert m.abort_command().encode() == bytes.fromhex("06 b0 00")
    assert m.registration(0).encode() == bytes.fromhex("06 00 06 000000 8e 0978")


def test_bmp_and_tlv_parse_round_trip():
    data = (encode_bmp(0x27, b"\x00") + encode_bmp(0x04, bcd(199, 6)) + encode_bmp(0x8B, b"Visa")
            + encode_bmp(0x06, (Tlv(0x25, children=(Tlv(0x07, b"Zeile 1"), Tlv(0x07, b"Zeile 2"))),
                                Tlv(0x1F07, b"\x02"))))
    bmps = parse_bmps(data)
    assert bmps.byte(0x27) == 0 and bmps.number(0x04) == 199 and bmps.get(0x8B) == b"Visa"
    assert [t.value for t in bmps.tlv[0].find(0x07)] == [b"Zeile 1", b"Zeile 2"]
    assert parse_tlv(Tlv(0x1F07, b"\x01").encode())[0].tag == 0x1F07
    with pytest.raises(FieldError):
        parse_bmps(bytes([0x04, 0x00]))  # amount cut short
    with pytest.raises(FieldError):
        parse_bmps(bytes([0x7F, 0x00]))  # an unknown BMP stops the parse
    assert from_bcd(bcd(987654, 3)) == 987654


def test_payment_approved_with_status_texts_and_slip(sim):
    seen: list[str] = []
    reply = client(sim).pay(2599, seen.append)
    assert reply.outcome is CardOutcome.APPROVED and reply.amount_cents == 2599
    assert seen == ["Kunde: Karte einstecken", "Kunde: PIN eingeben", "Warte auf Antwort der Bank"]
    assert reply.receipt_no == 1 and reply.trace_no == 101 and reply.terminal_id == "52500038"
    assert "Betrag 25,99 EUR" in reply.slip and reply.card_name == "girocard"
    assert reply.pan.endswith("1234") and "x" in reply.pan
    assert sim.received[0] == bytes.fromhex("06 01 0a 04 000000002599 49 0978")
    assert sim.charged_cents == 2599


def test_decline_carries_the_reason_and_abort_is_aborted(sim):
    sim.fault = "decline"
    reply = client(sim).pay(1000)
    assert reply.outcome is CardOutcome.DECLINED and reply.message == "abgelehnt (Bank)"
    sim.fault = "abort"
    reply = client(sim).pay(1000)
    assert reply.outcome is CardOutcome.ABORTED and "Abbruch" in reply.message
    assert sim.charged_cents == 0


def test_busy_terminal_refuses_without_starting(sim):
    sim.fault = "busy"
    reply = client(sim).pay(1000)
    assert reply.outcome is CardOutcome.BUSY and not sim.bookings


@pytest.mark.parametrize("fault", ["no_answer", "no_ack", "lose_completion", "disconnect"])
def test_no_final_answer_raises_and_repeat_receipt_tells(sim, fault):
    sim.fault = fault
    with pytest.raises(TerminalUnavailable):
        client(sim, answer=1.0, ack=0.5).pay(4200)
    last = client(sim).last_transaction()
    if fault in ("no_answer", "no_ack"):
        assert not sim.bookings and last.outcome is CardOutcome.DECLINED  # nothing to repeat
    else:  # booked at the terminal: the repeat names the payment, amount and receipt number
        assert last.approved and last.amount_cents == 4200 and last.receipt_no == sim.bookings[-1].receipt_no


def test_reversal_refund_and_end_of_day_totals(sim):
    terminal = client(sim)
    first = terminal.pay(1000)
    terminal.pay(2500)
    undo = terminal.reverse(first.receipt_no or 0)
    assert undo.approved and sim.bookings[0].reversed
    again = terminal.reverse(first.receipt_no or 0)
    assert again.outcome is CardOutcome.DECLINED and again.message == "bereits storniert"
    assert terminal.refund(700).approved
    day = terminal.end_of_day()
    assert day.approved and day.total_cents == 1800 and day.total_count == 1
    assert [t.scheme for t in day.totals] == ["girocard"]
    assert "Kassenschnitt" in day.slip or "Kassenschnitt" in day.merchant_slip


def test_registration(sim):
    assert client(sim).register().approved
    assert sim.received[0] == bytes.fromhex("06 00 06 000000 8e 0978")


def test_one_thread_drives_a_terminal(sim):
    terminal = client(sim)
    terminal.pay(100)
    errors: list[BaseException] = []

    def other() -> None:
        try:
            terminal.pay(100)
        except AssertionError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors


def test_cashier_abort_while_the_terminal_waits_for_the_card(sim):
    sim.card_wait_s = 5.0
    terminal = client(sim, answer=6.0)
    seen: list[str] = []

    def cancel_when_asked_for_the_card(text: str) -> None:
        seen.append(text)
        if text == "Kunde: Karte einstecken":
            threading.Timer(0.1, terminal.request_abort).start()  # the cashier, from the UI thread

    reply = terminal.pay(1500, cancel_when_asked_for_the_card)
    assert reply.outcome is CardOutcome.ABORTED and not sim.bookings
    assert bytes.fromhex("06 b0 00") in sim.received
    assert terminal.request_abort() is False  # nothing runs any more
