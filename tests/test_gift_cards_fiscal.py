"""A day with gift cards at the till: one sold for cash (no VAT: a paid in of business case
MehrzweckgutscheinKauf, signed by the TSE, queued as gift_card.sold in the same transaction),
then spent on goods (VAT on the goods, the card a business case MehrzweckgutscheinEinloesung,
not a payment, in the export and in the TSE data). The Z report and the
DSFinV-K export of the day reconcile; the printed card is real ESC/POS."""
from __future__ import annotations

import json
from collections import defaultdict

import pytest
from sqlalchemy import text

from hardware.receipt_printer import render_escpos
from pos_app.fiscal.dev_tse import DevelopmentTse
from pos_app.fiscal.dsfinvk import export
from pos_app.fiscal.dsfinvk.from_store import closings_from_store
from pos_app.fiscal.signing import FiscalSigner
from pos_app.gift_cards.check import GiftCardCheck
from pos_app.gift_cards.rules import is_gift_card_code
from pos_app.gift_cards.sale import GiftCardSaleError, gift_card_rows, sell_gift_card
from pos_app.receipt import PAPER_80MM
from pos_app.till import TillSession
from pos_app.vouchers import VoucherError
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.test_dsfinvk import money, read_export
from tests.test_returns_in_shift import JONAS, LENA, closed_template, till  # noqa: F401 - fixtures


def test_a_day_with_a_gift_card_sold_and_spent_exports_and_reconciles_with_its_z_report(till, tmp_path) -> None:
    signer = FiscalSigner(DevelopmentTse(till.db), "BER-K1")
    till.fiscal = signer
    till.cashbook.open(50_00, JONAS)
    with pytest.raises(GiftCardSaleError, match="5 bis 500"):
        sell_gift_card(till, 2_00, LENA)
    card = sell_gift_card(till, 25_00, LENA)
    assert is_gift_card_code(card.code) and card.tse_error == ""
    with till.db.reading() as s:
        [(kind, payload)] = s.execute(text("SELECT type, payload FROM outbox WHERE type = 'gift_card.sold'")).all()
    assert json.loads(payload)["code"] == card.code and json.loads(payload)["amount_cents"] == 25_00

    slip = decode(render_escpos(gift_card_rows(card, till.store_name, PAPER_80MM), paper=PAPER_80MM))
    assert ("CODE128", card.code) in slip.barcodes and "25,00 €" in slip.text_lines
    assert "Mehrzweckgutschein: keine USt beim Kauf" in slip.text_lines

    check = GiftCardCheck(till.db)  # no center configured: the card this till sold is known here
    session = TillSession(till, LENA, signer=signer)
    session.vouchers = check
    for code in (EAN_DECKE, EAN_KAFFEE):
        session.scan(code)
    total = session.cart.totals().total_cents
    session.pay_voucher(card.code, 25_00, check(card.code))
    session.pay_cash(total - 25_00)
    sale = session.complete()
    with pytest.raises(VoucherError, match="offline heute nichts mehr"):
        check(card.code)  # spent: nothing left to take

    expected = till.cashbook.x_report().cash.expected_cents
    assert expected == 50_00 + 25_00 + (total - 25_00)  # the card's cash is in the drawer
    closed = till.cashbook.close(expected, JONAS)
    signer.close()
    z = closed.report
    [closing] = closings_from_store(till)
    assert closing.cash_movements == {"MehrzweckgutscheinKauf": 25_00}
    assert closing.totals_by_tender == {"cash": total - 25_00, "voucher": 25_00}
    result = export(till, closing.local_day, closing.local_day, [closing], tmp_path / "out")
    assert result.mismatches == () and result.receipts == 2  # the sale and the card's paid in

    tables, _ = read_export(tmp_path / "out")
    cases = {(r["GV_TYP"], r["UST_SCHLUESSEL"]): money(r["Z_UMS_BRUTTO"]) for r in tables["businesscases.csv"]}
    umsatz = {k: v for k, v in cases.items() if k[0] == "Umsatz"}
    assert sum(umsatz.values()) == total == sum(v.gross_cents for v in z.vat)  # VAT on the goods, at redemption
    assert cases[("MehrzweckgutscheinKauf", "5")] == 25_00  # the sale of the card: not taxable
    paid: dict[str, int] = defaultdict(int)
    for row in tables["datapayment.csv"]:
        paid[row["ZAHLART_NAME"]] += money(row["BASISWAEH_BETRAG"])
    zahlart = {r["ZAHLART_NAME"]: money(r["Z_ZAHLART_BETRAG"]) for r in tables["payment.csv"]}
    # the card spent is no Zahlart (DSFinV-K 4.1.3): only the money paid is; the card is the
    # business case MehrzweckgutscheinEinloesung, not taxable, negative, with its number
    assert zahlart == {"Bar": total - 25_00 + 25_00} == dict(paid)
    assert cases[("MehrzweckgutscheinEinloesung", "5")] == -25_00
    bon = [r for r in tables["lines.csv"] if r["BON_ID"] == sale.sale_id]
    assert [(r["GV_TYP"], r["GUTSCHEIN_NR"], money(r["STK_BR"])) for r in bon][-1] == (
        "MehrzweckgutscheinEinloesung", card.code, -25_00)
    assert {r["GV_TYP"] for r in bon[:-1]} == {"Umsatz"}
    head = next(r for r in tables["transactions.csv"] if r["BON_ID"] == sale.sale_id)
    head_vat = [r for r in tables["transactions_vat.csv"] if r["BON_ID"] == sale.sale_id]
    assert money(head["UMS_BRUTTO"]) == total - 25_00 == sum(money(r["BON_BRUTTO"]) for r in head_vat)
    assert sum(money(r["POS_BRUTTO"]) for r in tables["lines_vat.csv"] if r["BON_ID"] == sale.sale_id) == total - 25_00
    # the Z report still counts the card with the vouchers; the export reconciles with it
    assert sum(v for (k, _), v in cases.items() if k != "MehrzweckgutscheinKauf") + 25_00 == (
        closing.totals_by_tender["cash"] + closing.totals_by_tender["voucher"])
    line = [r for r in tables["lines.csv"] if r["BON_ID"] == f"BEWEGUNG-{card.movement_id}"]
    assert [(r["GV_TYP"], r["STK_BR"], r["ARTIKELTEXT"]) for r in line] == [
        ("MehrzweckgutscheinKauf", "25.00000", f"Geschenkgutschein {card.code}")]
    tse = {r["BON_ID"]: r for r in tables["transactions_tse.csv"]}
    assert tse[f"BEWEGUNG-{card.movement_id}"]["TSE_VORGANGSDATEN"] == "Beleg^0.00_0.00_0.00_0.00_25.00^25.00:Bar"
    assert sale.sale_id in tse
    # the TSE signed the same: the goods per rate, the card in the not-taxable field, cash paid
    rates, payments = tse[sale.sale_id]["TSE_VORGANGSDATEN"].split("^")[1:]
    assert rates.split("_")[-1] == "-25.00" and payments == f"{(total - 25_00) / 100:.2f}:Bar"


def test_a_gift_card_is_not_sold_while_the_till_is_closed_and_nothing_is_queued(till) -> None:
    with pytest.raises(GiftCardSaleError):
        sell_gift_card(till, 20_00, LENA)
    with till.db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM outbox WHERE type = 'gift_card.sold'")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM gift_card_balances")).scalar() == 0


def test_a_card_sold_here_is_taken_before_the_center_has_heard_of_it_within_the_offline_rule(till) -> None:
    till.cashbook.open(50_00, JONAS)
    card = sell_gift_card(till, 80_00, LENA)

    def center_not_yet(code: str) -> int:
        raise LookupError(code)  # the gift_card.sold event is still in the outbox

    check = GiftCardCheck(till.db, center_not_yet)
    assert check(card.code) == 50_00  # the daily offline limit, not the whole 80
    with pytest.raises(VoucherError, match="unbekannt"):
        check("GK-ZZZZZZZZZZZZ")  # neither the center nor this till knows it


def test_the_tse_signs_a_gift_card_spent_in_the_not_taxable_field_and_store_credit_as_a_payment() -> None:
    from pos_app.fiscal.records import amounts_for_sale
    from pos_app.gift_cards.rules import redeems_gift_card

    spent = amounts_for_sale({19: 40_00}, [("voucher", 25_00), ("cash", 15_00)], 25_00)
    assert spent.process_data() == "Beleg^40.00_0.00_0.00_0.00_-25.00^15.00:Bar"
    whole = amounts_for_sale({19: 30_00, 7: 10_00}, [("voucher", 40_00)], 40_00)
    assert whole.process_data() == "Beleg^30.00_10.00_0.00_0.00_-40.00^"  # nothing paid in money
    credit = amounts_for_sale({19: 40_00}, [("voucher", 25_00), ("cash", 15_00)])  # a return's credit
    assert credit.process_data() == "Beleg^40.00_0.00_0.00_0.00_0.00^15.00:Bar_25.00:Unbar"
    assert redeems_gift_card("voucher", "gk-abcdefghjkmn") and not redeems_gift_card("voucher", "GS-12345")
    assert not redeems_gift_card("card", "GK-ABCDEFGHJKMN")
