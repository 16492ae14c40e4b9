"""The DSFinV-K files this till writes: names, tables and columns (DSFinV-K 2.x, DFKA
taxonomy), in the order the specification lists them. One declaration feeds both the CSV
writer and index.xml, so the two cannot disagree.

Format (declared in index.xml): UTF-8, ';' between columns, '"' around text that needs it,
CR LF after each record, a header row (data from row 2), '.' as the decimal point and no digit
grouping, numbers with the places given here. Times are local (Europe/Berlin) as
YYYY-MM-DDTHH:MM:SS, except the TSE log times, which keep the TSE's own time format.
"""
from __future__ import annotations

from dataclasses import dataclass

TAXONOMY_VERSION = "2.3"


@dataclass(frozen=True)
class Column:
    name: str
    places: int | None = None  # None: text; else a number with this many decimal places
    key: bool = False  # part of the primary key (listed first, as the GDPdU DTD wants)


@dataclass(frozen=True)
class Table:
    file: str
    name: str  # the DSFinV-K name
    description: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _t(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n) for n in names)


def _n(name: str, places: int) -> Column:
    return Column(name, places)


Z_KEY = (Column("Z_KASSE_ID", key=True), Column("Z_ERSTELLUNG", key=True), Column("Z_NR", 0, key=True))
BON_KEY = Z_KEY + (Column("BON_ID", key=True),)

BONPOS = Table("lines.csv", "Bonpos", "Einzelaufzeichnung: Positionen", BON_KEY + (
    Column("POS_ZEILE"), *_t("GUTSCHEIN_NR", "ARTIKELTEXT", "POS_TERMINAL_ID", "GV_TYP", "GV_NAME"),
    _n("INHAUS", 0), _n("P_STORNO", 0), _n("AGENTUR_ID", 0),
    *_t("ART_NR", "GTIN", "WARENGR_ID", "WARENGR"), _n("MENGE", 3), _n("FAKTOR", 3), Column("EINHEIT"),
    _n("STK_BR", 5)))
BONPOS_UST = Table("lines_vat.csv", "Bonpos_USt", "Einzelaufzeichnung: USt je Position", BON_KEY + (
    Column("POS_ZEILE"), _n("UST_SCHLUESSEL", 0), _n("POS_BRUTTO", 5), _n("POS_NETTO", 5), _n("POS_UST", 5)))
BONPOS_PREISFINDUNG = Table("itemamounts.csv", "Bonpos_Preisfindung", "Einzelaufzeichnung: Preisfindung",
                            BON_KEY + (Column("POS_ZEILE"), Column("TYP"), _n("UST_SCHLUESSEL", 0),
                                       _n("PF_BRUTTO", 5), _n("PF_NETTO", 5), _n("PF_UST", 5)))
BONKOPF = Table("transactions.csv", "Bonkopf", "Einzelaufzeichnung: Belegkopf", BON_KEY + (
    _n("BON_NR", 0), *_t("BON_TYP", "BON_NAME", "TERMINAL_ID"), _n("BON_STORNO", 0),
    *_t("BON_START", "BON_ENDE", "BEDIENER_ID", "BEDIENER_NAME"), _n("UMS_BRUTTO", 2),
    *_t("KUNDE_NAME", "KUNDE_ID", "KUNDE_TYP", "KUNDE_STRASSE", "KUNDE_PLZ", "KUNDE_ORT", "KUNDE_LAND",
        "KUNDE_USTID", "BON_NOTIZ")))
BONKOPF_UST = Table("transactions_vat.csv", "Bonkopf_USt", "Einzelaufzeichnung: USt je Beleg", BON_KEY + (
    _n("UST_SCHLUESSEL", 0), _n("BON_BRUTTO", 5), _n("BON_NETTO", 5), _n("BON_UST", 5)))
BONKOPF_ZAHLARTEN = Table("datapayment.csv", "Bonkopf_Zahlarten", "Einzelaufzeichnung: Zahlarten je Beleg",
                          BON_KEY + (*_t("ZAHLART_TYP", "ZAHLART_NAME", "ZAHLWAEH_CODE"),
                                     _n("ZAHLWAEH_BETRAG", 2), _n("BASISWAEH_BETRAG", 2)))
BON_REFERENZEN = Table("references.csv", "Bon_Referenzen", "Einzelaufzeichnung: Referenzen", BON_KEY + (
    *_t("POS_ZEILE", "REF_TYP", "REF_NAME", "REF_DATUM", "REF_Z_KASSE_ID"), _n("REF_Z_NR", 0),
    Column("REF_BON_ID")))
TSE_TRANSAKTIONEN = Table("transactions_tse.csv", "TSE_Transaktionen", "Einzelaufzeichnung: TSE-Transaktionen",
                          BON_KEY + (_n("TSE_ID", 0), _n("TSE_TANR", 0), *_t("TSE_TA_START", "TSE_TA_ENDE",
                                                                             "TSE_TA_VORGANGSART"),
                                     _n("TSE_TA_SIGZ", 0), *_t("TSE_TA_SIG", "TSE_TA_FEHLER", "TSE_VORGANGSDATEN")))
STAMM_ABSCHLUSS = Table("cashpointclosing.csv", "Stamm_Abschluss", "Stammdaten: Kassenabschluss", Z_KEY + (
    *_t("Z_BUCHUNGSTAG", "TAXONOMIE_VERSION", "Z_START_ID", "Z_ENDE_ID", "NAME", "STRASSE", "PLZ", "ORT", "LAND",
        "STNR", "USTID"), _n("Z_SE_ZAHLUNGEN", 2), _n("Z_SE_BARZAHLUNGEN", 2)))
STAMM_ORTE = Table("location.csv", "Stamm_Orte", "Stammdaten: Standort", Z_KEY + _t(
    "LOC_NAME", "LOC_STRASSE", "LOC_PLZ", "LOC_ORT", "LOC_LAND", "LOC_USTID"))
STAMM_KASSEN = Table("cashregister.csv", "Stamm_Kassen", "Stammdaten: Kasse", Z_KEY + (
    *_t("KASSE_BRAND", "KASSE_MODELL", "KASSE_SERIENNR", "KASSE_SW_BRAND", "KASSE_SW_VERSION",
        "KASSE_BASISWAEH_CODE"), _n("KEINE_UST_ZUORDNUNG", 0)))
STAMM_UST = Table("vat.csv", "Stamm_USt", "Stammdaten: Umsatzsteuersätze", Z_KEY + (
    _n("UST_SCHLUESSEL", 0), _n("UST_SATZ", 2), Column("UST_BESCHR")))
STAMM_TSE = Table("tse.csv", "Stamm_TSE", "Stammdaten: TSE", Z_KEY + (
    _n("TSE_ID", 0), *_t("TSE_SERIAL", "TSE_SIG_ALGO", "TSE_ZEITFORMAT", "TSE_PD_ENCODING", "TSE_PUBLIC_KEY",
                         "TSE_ZERTIFIKAT_I", "TSE_ZERTIFIKAT_II")))
Z_GV_TYP = Table("businesscases.csv", "Z_GV_Typ", "Kassenabschluss: Summen je Geschäftsvorfall", Z_KEY + (
    *_t("GV_TYP", "GV_NAME"), _n("AGENTUR_ID", 0), _n("UST_SCHLUESSEL", 0), _n("Z_UMS_BRUTTO", 5),
    _n("Z_UMS_NETTO", 5), _n("Z_UST", 5)))
Z_ZAHLART = Table("payment.csv", "Z_Zahlart", "Kassenabschluss: Summen je Zahlart", Z_KEY + (
    *_t("ZAHLART_TYP", "ZAHLART_NAME"), _n("Z_ZAHLART_BETRAG", 2)))
Z_WAEHRUNGEN = Table("cash_per_currency.csv", "Z_Waehrungen", "Kassenabschluss: Bargeld je Währung", Z_KEY + (
    Column("ZAHLART_WAEH"), _n("ZAHLART_BETRAG_WAEH", 2)))

TABLES = (BONPOS, BONPOS_UST, BONPOS_PREISFINDUNG, BONKOPF, BONKOPF_UST, BONKOPF_ZAHLARTEN, BON_REFERENZEN,
          TSE_TRANSAKTIONEN, STAMM_ABSCHLUSS, STAMM_ORTE, STAMM_KASSEN, STAMM_UST, STAMM_TSE, Z_GV_TYP, Z_ZAHLART,
          Z_WAEHRUNGEN)

# UST_SCHLUESSEL (DSFinV-K Anhang): 1 = 19 %, 2 = 7 %, 3 = 10,7 %, 4 = 5,5 %, 5 = nicht steuerbar,
# 6 = umsatzsteuerfrei, 7 = UStG § 13b
VAT_KEYS = {19: 1, 7: 2, 0: 6}
VAT_NAMES = {1: "Regelsteuersatz", 2: "Ermäßigter Steuersatz", 5: "Nicht Steuerbar", 6: "Umsatzsteuerfrei"}
NOT_TAXABLE_KEY = 5
