"""The translation layer: t/tn in German and English, the catalog check, locale formats.

The check runs over the real code and the real catalogs: a text marked in the code without an
English entry, an entry no code uses, a placeholder that differs, or a t() whose text is not a
literal fails it - so a branch that adds texts cannot be merged without their translations.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pos_app import money
from pos_app.i18n import N_, active_language, available_languages, on_language_changed, set_language, t, t_marked, tn
from pos_app.i18n import catalog
from pos_app.i18n.check import check_language, main
from pos_app.i18n.extract import Extraction, extract, extract_file, placeholders
from pos_app.i18n.formats import format_date, format_datetime, format_euro, format_number, format_percent


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("de")


def test_german_is_the_source_and_returns_it_unchanged():
    set_language("de")
    assert active_language() == "de"
    assert t("Der Warenkorb ist leer.") == "Der Warenkorb ist leer."
    assert t("Bon {receipt_number}", receipt_number="BER-K1-000007") == "Bon BER-K1-000007"
    assert tn("{n} Bon wird erneut gedruckt.", "{n} Bons werden erneut gedruckt.", 1) == "1 Bon wird erneut gedruckt."
    assert tn("{n} Bon wird erneut gedruckt.", "{n} Bons werden erneut gedruckt.", 2) == "2 Bons werden erneut gedruckt."


def test_english_texts_and_plural_forms(english):
    assert t("Der Warenkorb ist leer.") == "The cart is empty."
    assert t("Bon {receipt_number}", receipt_number="BER-K1-000007") == "Receipt BER-K1-000007"
    assert tn("{n} Bon wird erneut gedruckt.", "{n} Bons werden erneut gedruckt.", 1) == "1 receipt is being printed again."
    assert tn("{n} Bon wird erneut gedruckt.", "{n} Bons werden erneut gedruckt.", 0) == "0 receipts are being printed again."
    assert tn("{n} Eintrag", "{n} Einträge", 3) == "3 entries"
    assert t_marked(N_("Kasse")) == "Till"


def test_a_text_without_translation_shows_the_german_source(english):
    assert t("Ein Text, den es in keinem Katalog gibt: {x}", x=1) == "Ein Text, den es in keinem Katalog gibt: 1"
    assert tn("{n} Ding", "{n} Dinge", 2) == "2 Dinge"


def test_a_broken_translation_falls_back_instead_of_crashing(english, monkeypatch):
    broken = catalog.Catalog("en", {"Gegeben {paid_cents}": "Given {amount}"})
    monkeypatch.setattr("pos_app.i18n._catalog", broken)
    assert t("Gegeben {paid_cents}", paid_cents="5,00 €") == "Gegeben 5,00 €"


def test_an_unknown_language_falls_back_to_german_and_listeners_hear_switches():
    set_language("de")  # whatever an earlier test left
    heard: list[str] = []
    stop = on_language_changed(heard.append)
    try:
        set_language("en")
        set_language("xx")
        assert active_language() == "de" and heard == ["en", "de"]
    finally:
        stop()
        set_language("de")
    assert available_languages() == ("de", "en")


def test_the_catalogs_are_complete_for_the_code():
    found = extract()
    assert not found.not_literal, found.not_literal
    report = check_language("en", found)
    assert report.ok, (report.missing[:10], report.untranslated[:10], report.unused[:10], report.wrong_parameters[:10])
    assert len(found.texts) > 900  # ui, core messages, sync and hardware texts
    assert main(["check"]) == 0


def test_the_check_finds_missing_unused_and_non_literal_texts(tmp_path: Path):
    code = tmp_path / "pos_app" / "sample.py"
    code.parent.mkdir()
    code.write_text(
        "from pos_app.i18n import t, tn\n"
        "label = 'Kasse'\n"
        "a = t('Ein ganz neuer Text {x}', x=1)\n"
        "b = t(label)\n"
        "c = tn('{n} Apfel', '{n} Äpfel', 2)\n", encoding="utf-8")
    found = Extraction()
    extract_file(code, found, tmp_path)
    assert set(found.texts) == {"Ein ganz neuer Text {x}", "{n} Apfel"}
    assert found.texts["{n} Apfel"].plural == "{n} Äpfel"
    assert found.not_literal and "pos_app/sample.py:4" in found.not_literal[0]
    report = check_language("en", found)
    assert set(report.missing) == {"Ein ganz neuer Text {x}", "{n} Apfel"}
    assert "Der Warenkorb ist leer." in report.unused  # the real catalog's texts are unused by this code


def test_placeholders_are_compared():
    assert placeholders("Gegeben {paid_cents}, offen {due:>8}") == {"paid_cents", "due"}
    assert placeholders("kein Platzhalter") == set()


def test_money_numbers_and_dates_by_locale(english):
    assert format_euro(123450) == "€1,234.50"
    assert format_euro(-5) == "-€0.05"
    assert format_euro(123450, symbol=False) == "1,234.50"
    assert format_number(1234.5) == "1,234.5"
    assert format_percent(10) == "10%"
    assert format_datetime(datetime(2026, 12, 7, 14, 5)) == "07/12/2026 14:05"


def test_german_formats_are_those_of_the_receipts():
    set_language("de")
    for cents in (0, 5, 123450, -99, 100_000_000):
        assert format_euro(cents) == money.format_euro(cents)
        assert format_euro(cents, symbol=False) == money.format_euro(cents, symbol=False)
    assert format_number(1234.5) == "1.234,5"
    assert format_date(datetime(2026, 12, 7)) == "07.12.2026"


def test_receipts_stay_german_in_an_english_till(english):
    """The receipt's legal language: pos_app.money and the receipt layout do not follow the person."""
    assert money.format_euro(123450) == "1.234,50 €"


def test_text_tables_follow_the_language(english):
    """Tables built at import time (marked with N_) are translated where they are shown."""
    from pos_app.plural import count_text
    from pos_app.stock.transfer_rules import FULFILMENT_STATE_NAMES, state_name
    from pos_app.till_actions import ACTIONS, key_label, where_label

    help_action = next(a for a in ACTIONS if a.name == "help")
    assert (help_action.label_text(), where_label(help_action)) == ("Help", "Till")
    assert key_label("Ctrl+Shift+Del") == "Ctrl+Shift+Del"
    assert state_name("received_with_difference") == "received with discrepancy"
    assert t_marked(FULFILMENT_STATE_NAMES["shipped"]) == "shipped"
    assert state_name("no_such_state") == "no_such_state"  # an unknown state is shown as it is
    # the Z report's counts keep the store's legal language
    assert count_text(2, "1 Vorgang", "{count} Vorgänge") == "2 Vorgänge"
    set_language("de")
    assert (help_action.label_text(), state_name("shipped"), key_label("Ctrl+Del")) == ("Hilfe", "unterwegs", "Strg+Entf")
