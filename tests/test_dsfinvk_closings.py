"""The DSFinV-K export of a real day: sales, a return with a cash refund, a web order taken back
as store credit, an exchange, a paid out, a Z close with a blind count; the closings come from
the till's own Z reports (the CLI without a JSON file, and the dialog's source), the files are
parsed back and reconciled with the Z report. The web order is the value the center's purchase
look-up answers (built here: the center itself is tested in test_returns_sync/test_scenario_6)."""
from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone

from pos_app.fiscal.dev_tse import DevelopmentTse
from pos_app.fiscal.dsfinvk import export
from pos_app.fiscal.dsfinvk.from_store import closing_of, closings_from_store
from pos_app.fiscal.signing import FiscalSigner
from pos_app.refunds import Purchase, PurchaseLine, PurchaseTender, RefundTender
from pos_app.returns import Choice, ReturnsService
from pos_app.shift import BusinessCase, MovementKind
from pos_app.store.cashbook import list_closings
from pos_app.till import TillSession
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE
from tests.test_dsfinvk import money, read_export
from tests.test_returns_in_shift import JONAS, LENA, closed_template, till  # noqa: F401 - fixtures

WEB_ORDER = Purchase("order", "W-1001", "W-1001", None, "web", datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc), None,
                     (PurchaseLine(1, 1, "T-1", "Kuscheldecke Größe XL grün", "Test", 1, 0, 39_99, 0, 19),),
                     (PurchaseTender("paypal", 39_99),), "center")


def the_day(store, signer):  # type: ignore[no-untyped-def]
    store.cashbook.open(50_00, JONAS)
    session = TillSession(store, LENA, signer=signer)
    for code in (EAN_DECKE, EAN_KAFFEE):
        session.scan(code)
    session.pay_cash(60_00)
    first = session.complete()  # 52,98 cash
    session.scan(EAN_KAFFEE)
    session.pay_card(12_99, approved=True)
    second = session.complete()  # 12,99 card
    returns = ReturnsService(store, LENA, signer=signer)
    purchase = returns.find(first.receipt_number).purchase
    cash_return = returns.complete(purchase, returns.items(purchase, [Choice(2, 1)]), [RefundTender("cash", 12_99)])
    web_return = returns.complete(WEB_ORDER, returns.items(WEB_ORDER, [Choice(1, 1)]), [RefundTender("voucher", 39_99)])
    purchase = returns.find(second.receipt_number).purchase
    new_items = TillSession(store, LENA, signer=signer)
    new_items.scan(EAN_DECKE)
    exchange = returns.complete_exchange(purchase, returns.items(purchase, [Choice(1, 1)]), new_items,
                                         difference=("card", 27_00))
    moved = store.cashbook.move(MovementKind.PAID_OUT, BusinessCase.AUSZAHLUNG, 5_00, "Porto", JONAS, signer=signer)
    expected = store.cashbook.x_report().cash.expected_cents
    closed = store.cashbook.close(expected - 10, JONAS)  # 0,10 short
    return first, cash_return, web_return, exchange, moved, closed


def test_a_day_with_returns_and_a_paid_out_exports_and_reconciles_with_its_z_report(till, tmp_path) -> None:
    signer = FiscalSigner(DevelopmentTse(till.db), "BER-K1")
    first, cash_return, web_return, exchange, moved, closed = the_day(till, signer)
    signer.close()
    z = closed.report
    assert z.cash.expected_cents == 50_00 + 52_98 - 12_99 - 5_00

    [closing] = closings_from_store(till)
    assert closing == closing_of(list_closings(till)[0])
    assert closing.totals_by_tender == {"cash": 52_98 - 12_99, "card": 12_99 + 27_00, "voucher": -39_99}
    assert closing.cash_movements == {"Auszahlung": -5_00} and closing.difference_cents == -10
    day = closing.local_day
    result = export(till, day, day, [closing], tmp_path / "api")
    assert result.mismatches == () and result.closings == 1
    assert result.receipts == 3 + 3 + 1  # sales (with the exchange's), returns, the paid out

    # the CLI, without a JSON file, exports the same bytes
    done = subprocess.run([sys.executable, "-m", "pos_app.fiscal.cli", "export", "--data-dir", str(tmp_path),
                           "--from", day.isoformat(), "--to", day.isoformat(), "--out", str(tmp_path / "cli")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 closings, 7 receipts" in done.stdout and "MISMATCH" not in done.stdout
    for name in result.files:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes(), name

    tables, _index = read_export(tmp_path / "api")
    heads = {row["BON_ID"]: row for row in tables["transactions.csv"]}
    assert len(heads) == 7 and {row["Z_NR"] for row in heads.values()} == {"1"}
    # every receipt's gross adds up to the Z total (returns negative), the paid out apart
    movement = heads.pop(f"BEWEGUNG-{moved.movement_id}")
    assert (movement["UMS_BRUTTO"], movement["BON_NR"], movement["BON_NOTIZ"]) == ("-5.00", "", "Porto")
    assert sum(money(row["UMS_BRUTTO"]) for row in heads.values()) == z.total_cents
    assert money(heads[cash_return.return_id]["UMS_BRUTTO"]) == -12_99
    assert heads[cash_return.return_id]["BON_NR"] == str(int(cash_return.return_number[-6:]))

    # per tender: the receipts' payments add up to Z_Zahlart, which is the Z report plus the paid out
    paid: dict[str, int] = defaultdict(int)
    for row in tables["datapayment.csv"]:
        paid[row["ZAHLART_NAME"]] += money(row["BASISWAEH_BETRAG"])
    zahlart = {row["ZAHLART_NAME"]: money(row["Z_ZAHLART_BETRAG"]) for row in tables["payment.csv"]}
    assert zahlart == {"Bar": 52_98 - 12_99 - 5_00, "Karte": 39_99, "Gutschein": -39_99}
    assert {k: v for k, v in paid.items() if v} == zahlart  # the exchange credit nets to 0
    by_name = {t.label: t.amount_cents for t in z.tenders}
    assert zahlart["Bar"] == by_name["Bar"] - z.cash.paid_out_cents and zahlart["Karte"] == by_name["Karte"]

    # per business case: Umsatz per VAT key is the Z report's VAT rows; the paid out; the shortfall
    cases = {(row["GV_TYP"], row["UST_SCHLUESSEL"]): money(row["Z_UMS_BRUTTO"]) for row in tables["businesscases.csv"]}
    umsatz = {("Umsatz", {19: "1", 7: "2"}[v.percent]): v.gross_cents for v in z.vat if v.gross_cents}
    assert umsatz == {("Umsatz", "1"): 39_99 + 39_99 - 39_99}  # 7 %: two coffees sold, both came back
    assert cases == {**umsatz, ("Auszahlung", "5"): -5_00, ("DifferenzSollIst", "5"): -10}
    line = [row for row in tables["lines.csv"] if row["BON_ID"] == f"BEWEGUNG-{moved.movement_id}"]
    assert [(row["GV_TYP"], row["STK_BR"]) for row in line] == [("Auszahlung", "-5.00000")]
    returned = [row for row in tables["lines.csv"] if row["BON_ID"] == cash_return.return_id]
    assert [(row["ARTIKELTEXT"], row["MENGE"], row["STK_BR"]) for row in returned] == [
        ("Bio-Kaffee Äthiopien 500 g", "-1.000", "12.99000")]

    # references: the return to its sale (its till, Z and BON_ID), the web order by number, the
    # exchange's sale to its return
    refs = {(row["BON_ID"], row["REF_TYP"]): row for row in tables["references.csv"]}
    to_sale = refs[(cash_return.return_id, "Transaktion")]
    assert (to_sale["REF_BON_ID"], to_sale["REF_Z_KASSE_ID"], to_sale["REF_Z_NR"]) == (first.sale_id, "BER-K1", "1")
    assert refs[(web_return.return_id, "ExterneSonstige")]["REF_NAME"] == "Online-Bestellung W-1001"
    assert exchange.exchange_sale is not None
    assert refs[(exchange.exchange_sale.sale_id, "Transaktion")]["REF_BON_ID"] == exchange.return_id

    # every receipt and the paid out has its TSE transaction, one TSE in the master data
    tse = {row["BON_ID"]: row for row in tables["transactions_tse.csv"]}
    assert set(heads) | {f"BEWEGUNG-{moved.movement_id}"} <= set(tse)
    assert tse[cash_return.return_id]["TSE_VORGANGSDATEN"] == "Beleg^0.00_-12.99_0.00_0.00_0.00^-12.99:Bar"
    assert tse[f"BEWEGUNG-{moved.movement_id}"]["TSE_VORGANGSDATEN"] == "Beleg^0.00_0.00_0.00_0.00_-5.00^-5.00:Bar"
    assert {row["TSE_ID"] for row in tse.values()} == {"1"} and len(tables["tse.csv"]) == 1
    assert {row["UST_SCHLUESSEL"] for row in tables["vat.csv"]} == {"1", "2", "5"}


def test_the_dialog_exports_the_tills_own_z_reports(qtbot, till, tmp_path) -> None:
    from pos_app.cart import Approval
    from ui.dsfinvk_dialog import DsfinvkExportDialog, store_closings

    the_day(till, None)
    dialog = DsfinvkExportDialog(till, Approval(2, "Jonas Weber"), closings=store_closings(till))
    qtbot.addWidget(dialog)
    dialog.out_dir.setText(str(tmp_path / "gui"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None or "nicht" in dialog.message.text(), timeout=10000)
    assert dialog.result is not None, dialog.message.text()
    assert dialog.result.closings == 1 and dialog.result.receipts == 7 and dialog.result.mismatches == ()
    assert "ABWEICHUNG" not in dialog.message.text()
