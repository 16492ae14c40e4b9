"""The DSFinV-K export read back: parsed with the csv module using only what index.xml
declares, reconciled with the sales in the store and with the cash closings the test builds
(the Z reports come from another part of the till; here they are constructed by hand)."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from pos_app.clock import parse_iso
from pos_app.fiscal.dev_tse import DevelopmentTse
from pos_app.fiscal.dsfinvk import CashClosing, ExportError, export
from pos_app.fiscal.dsfinvk.spec import TABLES
from pos_app.fiscal.signing import FiscalSigner
from pos_app.fiscal.tse import TseError, TseInfo, TseResult, TxHandle
from pos_app.store.models import Sale
from pos_app.store.staff import StaffMember
from pos_app.till import TillSession
from pos_app.store.models import SaleTender
from tests.store_fixture import EAN_DECKE, EAN_KAFFEE, UPC_TEELICHT

LENA = StaffMember(1, "Lena Schmidt", "cashier")


class BrokenTse:
    """A TSE that is down (for one unsigned sale in the export)."""

    def info(self, deadline: float | None = None) -> TseInfo:
        raise TseError("TSE nicht erreichbar (Zeitüberschreitung).")

    def start_transaction(self, client_id: str, deadline: float | None = None) -> TxHandle:
        raise TseError("TSE nicht erreichbar (Zeitüberschreitung).")

    def update_transaction(self, *args, **kwargs) -> TxHandle:  # type: ignore[no-untyped-def]
        raise TseError("down")

    def finish_transaction(self, *args, **kwargs) -> TseResult:  # type: ignore[no-untyped-def]
        raise TseError("down")


def sell(session: TillSession, codes: list[str], card: int = 0) -> str:
    for code in codes:
        session.scan(code)
    total = session.cart.totals().total_cents
    if card:
        session.pay_card(min(card, total), approved=True)
    if session.payment is None or not session.payment.is_complete:
        session.pay_cash(total + 1000)
    return session.complete().sale_id


def read_export(out) -> tuple[dict[str, list[dict[str, str]]], ET.Element]:  # type: ignore[no-untyped-def]
    index = ET.parse(out / "index.xml").getroot()
    tables = {}
    for table in index.iter("Table"):
        url = table.findtext("URL")
        assert table.findtext("DecimalSymbol") == "." and table.find("UTF8") is not None
        length = table.find("VariableLength")
        delimiter = length.findtext("ColumnDelimiter")
        assert length.findtext("RecordDelimiter") == "\r\n"
        declared = [c.findtext("Name") for c in length if c.tag in ("VariablePrimaryKey", "VariableColumn")]
        text = (out / url).read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                               quotechar=length.findtext("TextEncapsulator")))
        assert rows[0] == declared, url  # the header row is what index.xml says, in that order
        tables[url] = [dict(zip(declared, row)) for row in rows[1:]]
    return tables, index


def money(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.fixture
def day_of_sales(store):  # type: ignore[no-untyped-def]
    """Two closings: sales 1-3 (one unsigned: TSE down), then sales 4-5."""
    signer = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    session = TillSession(store, LENA, signer=signer)
    first = [sell(session, [EAN_DECKE, EAN_KAFFEE]), sell(session, [UPC_TEELICHT, UPC_TEELICHT], card=998)]
    session.scan(EAN_DECKE)
    session.void_sale()  # given up after its TSE transaction started: AVBelegabbruch
    signer.drain(timeout=5)
    session.fiscal.signer = FiscalSigner(BrokenTse(), "BER-K1")
    first.append(sell(session, [EAN_KAFFEE]))
    session.fiscal.signer = signer
    second = [sell(session, [EAN_DECKE], card=2000), sell(session, [EAN_KAFFEE, UPC_TEELICHT])]
    with store.db.reading() as s:
        sales = {sid: s.get(Sale, sid) for sid in first + second}
    return first, second, sales


def closing_from(store, z: int, sale_ids, closed_at, counted_delta: int = 0) -> CashClosing:  # type: ignore[no-untyped-def]
    """What a Z report of these sales says, computed here from the receipts independently."""
    by_tender: dict[str, int] = defaultdict(int)
    by_vat: dict[int, int] = defaultdict(int)
    with store.db.reading() as s:
        for sale_id in sale_ids:
            for tender in s.query(SaleTender).filter_by(sale_id=sale_id):
                by_tender[tender.kind] += tender.amount_cents
    for sale_id in sale_ids:
        for row in store.sales.receipt(sale_id).vat_rows:
            by_vat[row.percent] += row.gross_cents
    expected = by_tender.get("cash", 0)
    return CashClosing(z, "BER-K1", closed_at, dict(by_tender), dict(by_vat), expected, expected + counted_delta)


def two_closings(store, day_of_sales):  # type: ignore[no-untyped-def]
    first, second, sales = day_of_sales
    after = lambda sid: parse_iso(sales[sid].created_at) + timedelta(microseconds=500)  # noqa: E731
    z1 = closing_from(store, 1, first, after(first[-1]), counted_delta=-50)  # 50 cents short
    z2 = closing_from(store, 2, second, after(second[-1]))
    return z1, z2


def test_export_parses_back_and_reconciles_with_sales_and_closings(store, day_of_sales, tmp_path):
    first, second, sales = day_of_sales
    z1, z2 = two_closings(store, day_of_sales)
    result = export(store, z1.local_day, z2.local_day, [z2, z1], tmp_path / "out")
    assert result.mismatches == () and (result.closings, result.receipts, result.unclosed_receipts) == (2, 5, 0)
    tables, index = read_export(tmp_path / "out")
    assert {t.file for t in TABLES} == set(tables) and index.findtext("Media/Name") == "DSFinV-K"

    heads = [h for h in tables["transactions.csv"] if h["BON_TYP"] == "Beleg"]
    assert [h["BON_ID"] for h in heads] == first + second  # every sale once, in receipt order
    [abort] = [h for h in tables["transactions.csv"] if h["BON_TYP"] != "Beleg"]
    assert (abort["BON_TYP"], abort["Z_NR"], abort["UMS_BRUTTO"]) == ("AVBelegabbruch", "1", "0.00")
    assert [h["Z_NR"] for h in heads] == ["1", "1", "1", "2", "2"]
    for head in heads:
        sale = sales[head["BON_ID"]]
        assert money(head["UMS_BRUTTO"]) == sale.total_cents and int(head["BON_NR"]) == sale.receipt_no
        lines = [r for r in tables["lines_vat.csv"] if r["BON_ID"] == head["BON_ID"]]
        assert sum(money(r["POS_BRUTTO"]) for r in lines) == sale.total_cents
        vat = [r for r in tables["transactions_vat.csv"] if r["BON_ID"] == head["BON_ID"]]
        assert sum(money(r["BON_BRUTTO"]) for r in vat) == sale.total_cents
        assert all(money(r["BON_NETTO"]) + money(r["BON_UST"]) == money(r["BON_BRUTTO"]) for r in vat)
        paid = [r for r in tables["datapayment.csv"] if r["BON_ID"] == head["BON_ID"]]
        assert sum(money(r["BASISWAEH_BETRAG"]) for r in paid) == sale.total_cents
        # the printed receipt's VAT rows are the Bonkopf_USt rows
        printed = {(r.percent, r.gross_cents, r.vat_cents) for r in store.sales.receipt(head["BON_ID"]).vat_rows}
        assert printed == {({"1": 19, "2": 7}[r["UST_SCHLUESSEL"]], money(r["BON_BRUTTO"]), money(r["BON_UST"]))
                           for r in vat}

    for closing in (z1, z2):
        number = str(closing.z_number)
        mine = [h for h in heads if h["Z_NR"] == number]
        z_sales = [r for r in tables["businesscases.csv"] if r["Z_NR"] == number and r["GV_TYP"] == "Umsatz"]
        assert sum(money(r["Z_UMS_BRUTTO"]) for r in z_sales) == sum(money(h["UMS_BRUTTO"]) for h in mine)
        assert {({"1": 19, "2": 7}[r["UST_SCHLUESSEL"]]): money(r["Z_UMS_BRUTTO"]) for r in z_sales} == \
            dict(closing.totals_by_vat)
        payments = {r["ZAHLART_NAME"]: money(r["Z_ZAHLART_BETRAG"]) for r in tables["payment.csv"]
                    if r["Z_NR"] == number}
        assert payments == {{"cash": "Bar", "card": "Karte"}[k]: v for k, v in closing.totals_by_tender.items()}
        master = [r for r in tables["cashpointclosing.csv"] if r["Z_NR"] == number]
        assert len(master) == 1 and master[0]["Z_START_ID"] == mine[0]["BON_ID"]
        assert master[0]["Z_ENDE_ID"] == mine[-1]["BON_ID"] and master[0]["USTID"] == "DE123456789"
        assert money(master[0]["Z_SE_BARZAHLUNGEN"]) == closing.totals_by_tender.get("cash", 0)
        cash = [r for r in tables["cash_per_currency.csv"] if r["Z_NR"] == number]
        assert [(r["ZAHLART_WAEH"], money(r["ZAHLART_BETRAG_WAEH"])) for r in cash] == \
            [("EUR", closing.totals_by_tender.get("cash", 0))]
    short = [r for r in tables["businesscases.csv"] if r["GV_TYP"] == "DifferenzSollIst"]
    assert [(r["Z_NR"], r["Z_UMS_BRUTTO"], r["UST_SCHLUESSEL"]) for r in short] == [("1", "-0.50000", "5")]

    tse = {r["BON_ID"]: r for r in tables["transactions_tse.csv"]}
    assert tse.pop(abort["BON_ID"])["TSE_VORGANGSDATEN"] == "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"
    assert set(tse) == set(first + second)
    unsigned = tse[first[2]]
    assert unsigned["TSE_TA_SIG"] == "" and "TSE ausgefallen" in unsigned["TSE_TA_FEHLER"]
    signed = [r for bon, r in tse.items() if bon != first[2]]
    assert all(r["TSE_TA_FEHLER"] == "" and r["TSE_TA_VORGANGSART"] == "Kassenbeleg-V1" for r in signed)
    counters = [int(r["TSE_TA_SIGZ"]) for r in signed]
    assert counters == sorted(counters) and len(set(counters)) == len(counters)
    assert all(r["TSE_TA_START"].isdigit() for r in signed)  # unixTime, as the TSE logs it
    stamm_tse = tables["tse.csv"]
    assert {r["TSE_SERIAL"] for r in stamm_tse} == {r.tse_serial for r in [_any_signed(store)]}
    assert {r["UST_SCHLUESSEL"] for r in tables["vat.csv"]} >= {"1", "2"}
    assert {r["KASSE_SERIENNR"] for r in tables["cashregister.csv"]} == {"BER-K1"}  # as in the QR code


def _any_signed(store):  # type: ignore[no-untyped-def]
    from pos_app.store.fiscal_models import TseTransaction
    with store.db.reading() as s:
        return s.query(TseTransaction).filter_by(status="signed").first()


def test_export_is_deterministic_and_names_a_closing_that_does_not_match(store, day_of_sales, tmp_path):
    z1, z2 = two_closings(store, day_of_sales)
    export(store, z1.local_day, z2.local_day, [z1, z2], tmp_path / "a")
    export(store, z1.local_day, z2.local_day, [z2, z1], tmp_path / "b")
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    wrong = CashClosing(1, "BER-K1", z1.closed_at, {**z1.totals_by_tender, "cash": z1.totals_by_tender["cash"] + 100},
                        z1.totals_by_vat, 0, 0)
    result = export(store, z1.local_day, z1.local_day, [wrong], tmp_path / "c")
    assert len(result.mismatches) == 1 and "Zahlart cash" in result.mismatches[0]
    assert result.unclosed_receipts == 2  # the two sales after Z 1 are not in this export


def test_export_refuses_a_range_without_closings(store, tmp_path):
    with pytest.raises(ExportError, match="Keine Kassenabschlüsse"):
        export(store, date(2020, 1, 1), date(2020, 1, 31), [], tmp_path / "x")
    with pytest.raises(ExportError, match="Ende des Zeitraums"):
        export(store, date(2020, 2, 1), date(2020, 1, 1), [], tmp_path / "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match="Zeitzone"):
        CashClosing(1, "BER-K1", datetime(2026, 1, 1))


def test_the_cli_exports_and_verifies_a_receipt_qr(store, store_path, day_of_sales, tmp_path):
    import json
    import subprocess
    import sys

    first, second, _sales = day_of_sales
    z1, z2 = two_closings(store, day_of_sales)
    closings = [{"z_number": z.z_number, "device_id": z.device_id, "closed_at": z.closed_at.isoformat(),
                 "totals_by_tender": dict(z.totals_by_tender), "totals_by_vat": {str(k): v for k, v in
                                                                                  z.totals_by_vat.items()},
                 "cash_expected_cents": z.cash_expected_cents, "cash_counted_cents": z.cash_counted_cents}
                for z in (z1, z2)]
    (tmp_path / "z.json").write_text(json.dumps(closings), encoding="utf-8")
    command = [sys.executable, "-m", "pos_app.fiscal.cli", "export", "--data-dir", str(store_path.parent),
               "--from", z1.local_day.isoformat(), "--to", z2.local_day.isoformat(),
               "--closings", str(tmp_path / "z.json"), "--out", str(tmp_path / "cli")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 closings, 5 receipts" in done.stdout and "MISMATCH" not in done.stdout
    export(store, z1.local_day, z2.local_day, [z1, z2], tmp_path / "api")
    for name in ("transactions.csv", "businesscases.csv", "index.xml"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes()

    qr = store.sales.receipt(first[0]).tse.qr_payload
    ok = subprocess.run([sys.executable, "-m", "pos_app.fiscal.cli", "verify-qr", qr], capture_output=True,
                        text=True, timeout=60)
    assert ok.returncode == 0 and "Signature valid" in ok.stdout
    forged = qr.replace("Beleg^39.99", "Beleg^29.99")
    bad = subprocess.run([sys.executable, "-m", "pos_app.fiscal.cli", "verify-qr", forged], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 1 and "INVALID" in bad.stdout
    broken = subprocess.run([sys.executable, "-m", "pos_app.fiscal.cli", "export", "--data-dir",
                             str(store_path.parent), "--from", "2026-01-01", "--to", "2026-01-02", "--closings",
                             str(tmp_path / "missing.json"), "--out", str(tmp_path / "none")],
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1 and "omnipos-fiscal:" in broken.stderr


def test_price_findings_explain_every_line_with_discounts(store, tmp_path):
    """Bonpos_Preisfindung: base amount plus discounts (line and cart share) is the line's gross
    in Bonpos_USt, for every line; net + VAT = gross everywhere."""
    from decimal import Decimal as D

    from pos_app.cart import Approval, Discount, DiscountKind

    session = TillSession(store, LENA, signer=FiscalSigner(DevelopmentTse(store.db), "BER-K1"))
    session.scan(EAN_DECKE)
    session.scan(EAN_KAFFEE)
    session.scan(UPC_TEELICHT)
    session.set_line_discount(session.cart.lines[0].line_id, Discount(DiscountKind.PERCENT, D(10), "Treue"))
    session.set_cart_discount(Discount(DiscountKind.AMOUNT, D(333), "Gutschein"), Approval(2, "Jonas Weber"))
    session.set_quantity(session.cart.lines[2].line_id, 3)
    sale_id = sell(session, [], card=1000)
    with store.db.reading() as s:
        sale = s.get(Sale, sale_id)
    closing = closing_from(store, 1, [sale_id], parse_iso(sale.created_at) + timedelta(seconds=1))
    result = export(store, closing.local_day, closing.local_day, [closing], tmp_path / "out")
    assert result.mismatches == ()
    tables, _ = read_export(tmp_path / "out")
    findings = defaultdict(int)
    for row in tables["itemamounts.csv"]:
        findings[row["POS_ZEILE"]] += money(row["PF_BRUTTO"])
        assert money(row["PF_NETTO"]) + money(row["PF_UST"]) == money(row["PF_BRUTTO"])
    lines = {row["POS_ZEILE"]: money(row["POS_BRUTTO"]) for row in tables["lines_vat.csv"]}
    assert findings == lines and sum(lines.values()) == sale.total_cents
    kinds = [(r["POS_ZEILE"], r["TYP"]) for r in tables["itemamounts.csv"]]
    assert ("1", "discount") in kinds and all((str(n), "base_amount") in kinds for n in (1, 2, 3))
    [head] = tables["transactions.csv"]
    assert head["BON_NOTIZ"] == "Gutschein" and money(head["UMS_BRUTTO"]) == sale.total_cents
    assert [r["MENGE"] for r in tables["lines.csv"]] == ["1.000", "1.000", "3.000"]
