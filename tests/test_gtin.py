"""GTIN check digits and normalisation of scanned codes for catalog look-up."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.gtin import (
    BarcodeError,
    ScannedCode,
    Symbology,
    check_digit,
    classify,
    has_valid_check_digit,
    with_check_digit,
)

SETTINGS = settings(max_examples=200, deadline=None)

ASCII_DIGITS = "0123456789"


def digit_strings(length: int):
    return st.text(alphabet=ASCII_DIGITS, min_size=length, max_size=length)


# ---- check digits ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("400638133393", 1),
        ("590123412345", 7),
        ("9638507", 4),
        ("7351353", 7),
        ("03600029145", 2),
        ("01234567890", 5),
        ("000000000000", 0),
    ],
)
def test_check_digit_known(body, digit):
    assert check_digit(body) == digit
    assert with_check_digit(body) == body + str(digit)


@pytest.mark.parametrize(
    "code",
    ["4006381333931", "5901234123457", "4003994155486", "96385074", "73513537", "036000291452",
     "012345678905", "04006381333931"],
)
def test_has_valid_check_digit_known_good(code):
    assert has_valid_check_digit(code)


@pytest.mark.parametrize("code", ["4006381333932", "96385075", "036000291453", "", "7", "12a4", "abc"])
def test_has_valid_check_digit_known_bad(code):
    assert not has_valid_check_digit(code)


# ---- classify: GTINs -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "symbology", "key"),
    [
        ("4006381333931", Symbology.EAN13, "4006381333931"),
        ("5901234123457", Symbology.EAN13, "5901234123457"),
        ("96385074", Symbology.EAN8, "96385074"),
        ("73513537", Symbology.EAN8, "73513537"),
        ("036000291452", Symbology.UPCA, "0036000291452"),
        ("012345678905", Symbology.UPCA, "0012345678905"),
        ("04006381333931", Symbology.EAN13, "4006381333931"),  # GTIN-14, indicator 0
    ],
)
def test_classify_valid_gtins(raw, symbology, key):
    code = classify(raw)
    assert code == ScannedCode(raw, symbology, key)


def test_upc_a_and_its_ean13_share_the_lookup_key():
    assert classify("036000291452").lookup_key == classify("0036000291452").lookup_key
    assert classify("0036000291452").symbology is Symbology.EAN13


@pytest.mark.parametrize("raw", [" 4006381333931", "4006381333931\n", "\t4006381333931\r\n"])
def test_classify_strips_surrounding_whitespace(raw):
    code = classify(raw)
    assert code.lookup_key == "4006381333931"
    assert code.raw == "4006381333931"


@pytest.mark.parametrize("raw", ["4006381333932", "4006381333930", "96385075", "036000291453", "036000291450"])
def test_classify_wrong_check_digit_refused(raw):
    with pytest.raises(BarcodeError, match="Prüfziffer"):
        classify(raw)


def test_barcode_error_is_a_value_error():
    assert issubclass(BarcodeError, ValueError)


# ---- classify: internal codes and refusals ---------------------------------------------------

@pytest.mark.parametrize(
    "raw",
    ["ABC-123", "SKU42", "12345", "1234567", "123456789", "12345678901", "12345678901234567",
     "4006381333931X", "A" * 48, "ÄÖÜ-ß", "14006381333938"],
)
def test_internal_codes_pass_through(raw):
    code = classify(raw)
    assert code.symbology is Symbology.CODE128
    assert code.lookup_key == raw
    assert code.raw == raw


def test_internal_code_too_long_refused():
    with pytest.raises(BarcodeError, match="zu lang"):
        classify("A" * 49)


@pytest.mark.parametrize("raw", ["", " ", "   ", "\n", "\t\r\n"])
def test_empty_code_refused(raw):
    with pytest.raises(BarcodeError, match="Leer"):
        classify(raw)


@pytest.mark.parametrize("raw", ["AB\x00C", "AB\x1dC", "40063\x0781333931", "A\tB", "A\nB", "\x1b[2J"])
def test_control_characters_refused(raw):
    with pytest.raises(BarcodeError, match="Steuerzeichen"):
        classify(raw)


def test_superscript_digits_do_not_crash():
    raw = "²" * 8
    try:
        code = classify(raw)
    except BarcodeError:
        return
    assert code.symbology is Symbology.CODE128


@pytest.mark.parametrize("raw", ["٠" * 8, "０" * 8])
def test_non_ascii_digits_are_not_gtins(raw):
    try:
        code = classify(raw)
    except BarcodeError:
        return
    assert code.symbology is Symbology.CODE128


@pytest.mark.parametrize("raw", ["ABC\x7f", "AB\x85C"])
def test_del_and_c1_control_characters_refused(raw):
    with pytest.raises(BarcodeError):
        classify(raw)


# ---- properties ------------------------------------------------------------------------------

@SETTINGS
@given(st.sampled_from([7, 11, 12]).flatmap(digit_strings))
def test_with_check_digit_always_validates(body):
    code = with_check_digit(body)
    assert has_valid_check_digit(code)
    scanned = classify(code)
    assert scanned.symbology in (Symbology.EAN8, Symbology.UPCA, Symbology.EAN13)
    assert len(scanned.lookup_key) in (8, 13)
    assert scanned.lookup_key.endswith(code)


@SETTINGS
@given(st.sampled_from([7, 11, 12]).flatmap(digit_strings), st.data())
def test_changing_any_single_digit_breaks_the_check(body, data):
    code = with_check_digit(body)
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    new_digit = data.draw(st.sampled_from([d for d in ASCII_DIGITS if d != code[position]]))
    broken = code[:position] + new_digit + code[position + 1:]
    assert not has_valid_check_digit(broken)
    with pytest.raises(BarcodeError, match="Prüfziffer"):
        classify(broken)


@SETTINGS
@given(st.sampled_from([7, 11, 12]).flatmap(digit_strings))
def test_exactly_one_check_digit_is_valid(body):
    valid = [d for d in ASCII_DIGITS if has_valid_check_digit(body + d)]
    assert valid == [str(check_digit(body))]


@SETTINGS
@given(digit_strings(11))
def test_upc_a_lookup_key_is_ean13_with_leading_zero(body):
    upc = with_check_digit(body)
    scanned = classify(upc)
    assert scanned.symbology is Symbology.UPCA
    assert scanned.lookup_key == "0" + upc
    assert has_valid_check_digit(scanned.lookup_key)
    assert classify(scanned.lookup_key).lookup_key == scanned.lookup_key


@SETTINGS
@given(digit_strings(12))
def test_gtin14_with_indicator_zero_is_its_ean13(body):
    ean13 = with_check_digit(body)
    assert classify("0" + ean13) == ScannedCode("0" + ean13, Symbology.EAN13, ean13)


@SETTINGS
@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=48))
def test_printable_codes_either_gtin_or_pass_through(raw):
    is_gtin_length = raw.isdigit() and len(raw) in (8, 12, 13)
    try:
        scanned = classify(raw)
    except BarcodeError as exc:
        assert is_gtin_length and not has_valid_check_digit(raw)
        assert "Prüfziffer" in str(exc)
        return
    if is_gtin_length:
        assert has_valid_check_digit(raw)
    elif not (raw.isdigit() and len(raw) == 14 and raw[0] == "0" and has_valid_check_digit(raw)):
        assert scanned == ScannedCode(raw, Symbology.CODE128, raw)
