"""The demo retailer's hand-named catalog: product families written by hand, expanded into
variants (base × colour × size) in a fixed order, so the same few hundred products with the same
names, prices and SKUs come out every time.

Why families and not a flat list: a real home-and-fashion range *is* families of variants (one
sofa in five covers, one pullover in four sizes), and the same word lists let the generator make
believable synthetic products when a benchmark asks for a million.

Money is integer cents; `1299_00` reads as 1.299,00 €. Option deltas are whole euros so a
price ending in ,99 or ,95 keeps its ending across sizes.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product as _cartesian

from pos_app.demo import words

Option = tuple[str, int]  # label as it appears in the name, price delta in cents

# The two products the demo story is built around (see generator.SHOWCASE_STOCK).
GREEN_SOFA = "Samtsofa Milano 3-Sitzer grün"
BLUE_SOFA = "Samtsofa Milano 3-Sitzer blau"


@dataclass(frozen=True, slots=True)
class Category:
    name: str  # what goes into products.category
    vat_percent: int  # 19, or 7 for food and books
    gcp: str  # 7-digit GS1 company prefix (German range 400-440) of this range's supplier
    stock_store: int  # most units a physical store holds of one variant
    stock_web: int  # most units the online warehouse holds
    munich_markup: bool  # München charges +5 % on this range (bulky goods, higher rents)
    small: bool  # small goods: some carry an EAN-8 as well
    styles: tuple[str, ...]  # words synthetic variants borrow ("Landhaus", "Bio", ...)
    lines: tuple[str, ...]  # collection names synthetic variants borrow


@dataclass(frozen=True, slots=True)
class Family:
    category: Category
    noun: str  # "Samtsofa"
    line: str  # "Milano": the collection, or origin for food
    price_cents: int  # gross price of the first option of every axis
    axes: tuple[tuple[Option, ...], ...] = ()
    spec: str = ""  # fixed words after the line ("3-Sitzer")
    tail: str = ""  # fixed words after the options ("500 g")
    synthetic: bool = True  # may lend its words to synthetic products
    pool: str = ""  # words.LINES key for synthetic lines, if not the category's (coffee origins)

    @property
    def synthetic_lines(self) -> tuple[str, ...]:
        return words.LINES[self.pool] if self.pool else self.category.lines

    def name(self, labels: tuple[str, ...], line: str | None = None, style: str = "") -> str:
        parts = (self.noun, style, self.line if line is None else line, self.spec, *labels, self.tail)
        return " ".join(p for p in parts if p)

    def variants(self) -> Iterator[tuple[str, int]]:
        """(name, gross cents) of every hand-named variant, axes varying last-fastest."""
        for combo in _cartesian(*self.axes):
            labels = tuple(label for label, _ in combo)
            yield self.name(labels), self.price_cents + sum(delta for _, delta in combo)


def _axis(*items: str | Option) -> tuple[Option, ...]:
    return tuple((item, 0) if isinstance(item, str) else item for item in items)


def _category(name: str, vat: int, gcp: str, stock: tuple[int, int], *, munich: bool = False,
              small: bool = False, styles: str = "wohnen", lines: str = "orte") -> Category:
    return Category(name, vat, gcp, stock[0], stock[1], munich, small,
                    words.STYLES[styles], words.LINES[lines])


SOFAS = _category("Sofas", 19, "4260421", (3, 12), munich=True)
SESSEL = _category("Sessel", 19, "4260422", (4, 15), munich=True)
TISCHE = _category("Tische", 19, "4260423", (3, 12), munich=True)
STUEHLE = _category("Stühle", 19, "4260424", (8, 30), munich=True)
LEUCHTEN = _category("Leuchten", 19, "4251387", (8, 40), munich=True)
TEXTIL = _category("Heimtextilien", 19, "4064512", (20, 120))
GESCHIRR = _category("Geschirr", 19, "4012874", (24, 150), small=True)
DEKO = _category("Deko", 19, "4038726", (20, 100), small=True)
DAMEN = _category("Damenmode", 19, "4047193", (8, 40), styles="mode")
HERREN = _category("Herrenmode", 19, "4047194", (8, 40), styles="mode")
SCHUHE = _category("Schuhe", 19, "4052861", (6, 30), styles="mode")
ACCESSOIRES = _category("Accessoires", 19, "4047195", (12, 60), small=True, styles="mode")
FEINKOST = _category("Feinkost", 7, "4006581", (40, 200), small=True, styles="feinkost",
                     lines="regionen")
BUECHER = _category("Bücher & Zeitschriften", 7, "4019374", (8, 40), styles="buch", lines="themen")

CATEGORIES: tuple[Category, ...] = (SOFAS, SESSEL, TISCHE, STUEHLE, LEUCHTEN, TEXTIL, GESCHIRR,
                                    DEKO, DAMEN, HERREN, SCHUHE, ACCESSOIRES, FEINKOST, BUECHER)

_F = Family
_a = _axis
NORDIC = _a("weiß", "sand", "salbei", "nachtblau")
FROTTEE = _a("weiß", "anthrazit", "salbei", "sand", "rosé")
SML = _a("Größe S", "Größe M", "Größe L")
MLXL = _a("Größe M", "Größe L", "Größe XL")
SXL = _a("Größe S", "Größe M", "Größe L", "Größe XL")
DAMEN_36_42 = _a("Größe 36", "Größe 38", "Größe 40", "Größe 42")
SCHUH_37_40 = _a("Größe 37", "Größe 38", "Größe 39", "Größe 40")

FAMILIES: tuple[Family, ...] = (
    # Sofas. Only these two Samtsofas carry "grün" / "blau" in their names, and no synthetic
    # product borrows the word, so "the green velvet sofa" is one product in every demo.
    _F(SOFAS, "Samtsofa", "Milano", 1299_00, (_a("grün", "blau", "senfgelb", "rosé", "anthrazit"),),
       spec="3-Sitzer", synthetic=False),
    _F(SOFAS, "Samtsofa", "Milano", 999_00, (_a("senfgelb", "rosé", "petrol"),), spec="2-Sitzer",
       synthetic=False),
    _F(SOFAS, "Ecksofa", "Oslo", 1899_00, (_a("hellgrau", "anthrazit", "sand"),)),
    _F(SOFAS, "Schlafsofa", "Bergen", 749_00, (_a("grau", "beige"),)),
    _F(SOFAS, "Ledersofa", "Chester", 2199_00, (_a("cognac", "schwarz"),), spec="3-Sitzer"),
    _F(SOFAS, "Wohnlandschaft", "Lund", 2499_00, (_a("hellgrau", "graphit"),)),
    # Sessel
    _F(SESSEL, "Ohrensessel", "Fjord", 599_00, (_a("grau", "petrol", "senfgelb", "rost"),)),
    _F(SESSEL, "Samtsessel", "Rosa", 449_00, (_a("rosé", "smaragd", "ocker"),)),
    _F(SESSEL, "Relaxsessel", "Comfort", 899_00, (_a("schwarz", "cognac"),)),
    _F(SESSEL, "Rattansessel", "Bali", 249_99, (_a("natur"),)),
    _F(SESSEL, "Strickpouf", "Hygge", 79_99, (_a("grau", "creme", "senfgelb"),)),
    _F(SESSEL, "Schaukelstuhl", "Nordby", 349_00, (_a("Eiche", "schwarz"),)),
    # Tische
    _F(TISCHE, "Esstisch", "Bergen", 999_00,
       (_a("Eiche 160 x 90 cm", ("Eiche 180 x 90 cm", 100_00), ("Eiche 220 x 100 cm", 300_00)),)),
    _F(TISCHE, "Couchtisch", "Rom", 399_00,
       (_a("Marmor rund Ø 80 cm", ("Marmor oval 120 cm", 50_00)), _a("weiß", "schwarz"))),
    _F(TISCHE, "Beistelltisch", "Kopenhagen", 89_99, (_a("schwarz", "messing", "salbeigrün"),)),
    _F(TISCHE, "Konsolentisch", "Lissabon", 329_00, (_a("Nussbaum", "Eiche"),)),
    _F(TISCHE, "Schreibtisch", "Aalborg", 449_00, (_a("Eiche", "weiß"),)),
    _F(TISCHE, "Nachttisch", "Tromsø", 149_00, (_a("Eiche", "weiß", "schwarz"),)),
    # Stühle
    _F(STUEHLE, "Esszimmerstuhl", "Vigo", 129_00, (_a("Samt grün", "Samt blau", "Samt rosé", "Samt grau"),)),
    _F(STUEHLE, "Barhocker", "Loft", 159_00, (_a("schwarz", "cognac"),)),
    _F(STUEHLE, "Freischwinger", "Dessau", 199_00, (_a("Leder schwarz", "Leder cognac"),)),
    # Leuchten
    _F(LEUCHTEN, "Bogenleuchte", "Arco", 299_00, (_a("messing", "chrom", "schwarz"),)),
    _F(LEUCHTEN, "Tischleuchte", "Kiel", 89_99, (_a("Keramik weiß", "Keramik salbei", "Keramik terrakotta"),)),
    _F(LEUCHTEN, "Pendelleuchte", "Bali", 119_00, (_a("Rattan Ø 40 cm", ("Rattan Ø 60 cm", 40_00)),)),
    _F(LEUCHTEN, "Pendelleuchte", "Murano", 179_00, (_a("Rauchglas", "Klarglas", "Bernstein"),)),
    _F(LEUCHTEN, "Wandleuchte", "Oskar", 129_00, (_a("messing", "schwarz"),)),
    _F(LEUCHTEN, "Lichterkette", "Sterne", 24_99, tail="LED 10 m"),
    _F(LEUCHTEN, "Leselampe", "Flex", 59_99, (_a("schwarz", "weiß"),)),
    _F(LEUCHTEN, "LED-Leuchtmittel", "Filament", 7_99, tail="E27 806 lm warmweiß"),
    _F(LEUCHTEN, "LED-Kerze", "Filament", 5_99, tail="E14 470 lm warmweiß"),
    # Heimtextilien
    _F(TEXTIL, "Kuscheldecke", "Strick", 59_99, (_a("grau", "creme", "rosé", "senfgelb", "salbeigrün"),)),
    _F(TEXTIL, "Wohndecke", "Waffelpiqué", 39_99, (_a("weiß", "sand", "rost"),)),
    _F(TEXTIL, "Kissenhülle", "Samt", 19_99, (_a("grün", "blau", "rosé", "senfgelb", "altrosa", "petrol"),),
       spec="45 x 45 cm"),
    _F(TEXTIL, "Kissenhülle", "Leinen", 24_99, (_a("natur", "weiß", "terrakotta", "salbei"),), spec="50 x 50 cm"),
    _F(TEXTIL, "Bettwäsche", "Satin", 69_99,
       (_a("135 x 200 cm", ("155 x 220 cm", 10_00), ("200 x 200 cm", 20_00)), _a("weiß", "grau", "nachtblau"))),
    _F(TEXTIL, "Bettwäsche", "Leinen", 119_00, (_a("135 x 200 cm", ("155 x 220 cm", 15_00)),
                                               _a("natur", "salbei", "rosé"))),
    _F(TEXTIL, "Spannbettlaken", "Jersey", 24_99,
       (_a("90 x 200 cm", ("140 x 200 cm", 5_00), ("180 x 200 cm", 10_00)), _a("weiß", "grau", "anthrazit"))),
    _F(TEXTIL, "Gästetuch", "Lotus", 7_99, (FROTTEE,), spec="Frottee 30 x 50 cm"),
    _F(TEXTIL, "Handtuch", "Lotus", 17_99, (FROTTEE,), spec="Frottee 50 x 100 cm"),
    _F(TEXTIL, "Duschtuch", "Lotus", 29_99, (FROTTEE,), spec="Frottee 70 x 140 cm"),
    _F(TEXTIL, "Badematte", "Lotus", 29_99, (_a("weiß", "anthrazit", "salbei"),), spec="60 x 90 cm"),
    _F(TEXTIL, "Vorhang", "Samt", 49_99, (_a("grün", "blau", "rosé", "grau"),), spec="140 x 245 cm"),
    _F(TEXTIL, "Gardine", "Leinenoptik", 34_99, (_a("weiß", "natur"),), spec="140 x 245 cm"),
    _F(TEXTIL, "Teppich", "Marrakesch", 199_00,
       (_a("120 x 170 cm", ("160 x 230 cm", 150_00), ("200 x 300 cm", 350_00)),), spec="Berber"),
    _F(TEXTIL, "Teppich", "Goa", 59_99, (_a("Ø 90 cm", ("Ø 150 cm", 60_00)),), spec="Jute rund"),
    _F(TEXTIL, "Tischdecke", "Leinen", 49_99, (_a("140 x 180 cm", ("140 x 240 cm", 10_00)),
                                               _a("weiß", "natur", "salbei"))),
    _F(TEXTIL, "Tischläufer", "Jute", 19_99, tail="40 x 150 cm"),
    _F(TEXTIL, "Schaffell", "Island", 79_00, (_a("weiß", "grau"),)),
    _F(TEXTIL, "Kopfkissen", "Daune", 59_99, tail="80 x 80 cm"),
    _F(TEXTIL, "Ganzjahresdecke", "Daune", 199_00, tail="135 x 200 cm"),
    _F(TEXTIL, "Sommerdecke", "Lyocell", 89_99, tail="155 x 220 cm"),
    # Geschirr und Küche
    _F(GESCHIRR, "Speiseteller", "Nordic", 12_99, (NORDIC,), spec="Steingut Ø 27 cm"),
    _F(GESCHIRR, "Frühstücksteller", "Nordic", 9_99, (NORDIC,), spec="Steingut Ø 21 cm"),
    _F(GESCHIRR, "Schale", "Nordic", 7_99, (NORDIC,), spec="Steingut Ø 15 cm"),
    _F(GESCHIRR, "Becher", "Nordic", 8_99, (NORDIC,), spec="Steingut 350 ml"),
    _F(GESCHIRR, "Espressotasse", "Porto", 9_95, (_a("weiß", "schwarz"),), spec="mit Untertasse"),
    _F(GESCHIRR, "Weinglas", "Bordeaux", 39_95, tail="4er-Set"),
    _F(GESCHIRR, "Wasserglas", "Riffel", 24_95, (_a("klar", "rauch", "bernstein"),), tail="6er-Set"),
    _F(GESCHIRR, "Sektschale", "Gatsby", 29_95, tail="2er-Set"),
    _F(GESCHIRR, "Karaffe", "Riffel", 19_95, tail="Glas 1 l"),
    _F(GESCHIRR, "Besteckset", "Oslo", 89_00, (_a("silber", "gold", "schwarz matt"),), tail="30-teilig"),
    _F(GESCHIRR, "Bräter", "Provence", 199_00, (_a("kirschrot", "schwarz", "salbeigrün"),),
       spec="Gusseisen rund 24 cm"),
    _F(GESCHIRR, "Eisenpfanne", "Provence", 49_99, tail="Ø 28 cm"),
    _F(GESCHIRR, "Schneidebrett", "Olivenholz", 34_95, tail="40 cm"),
    _F(GESCHIRR, "French Press", "Porto", 34_99, tail="1 l"),
    _F(GESCHIRR, "Teekanne", "Kyoto", 44_95, (_a("schwarz", "rot"),), spec="Gusseisen 0,8 l"),
    _F(GESCHIRR, "Servierplatte", "Carrara", 39_95, tail="Marmor oval"),
    _F(GESCHIRR, "Geschirrtuch", "Leinen", 14_95, (_a("natur", "rot kariert", "blau gestreift"),),
       tail="2er-Set"),
    # Deko
    _F(DEKO, "Vase", "Riffel", 24_95, (_a("klein 15 cm", ("groß 30 cm", 15_00)), _a("weiß", "sand", "salbei")),
       spec="Keramik"),
    _F(DEKO, "Duftkerze", "Atelier", 19_95, (_a("Feige", "Zedernholz", "Lavendel", "Orangenblüte", "Sandelholz"),)),
    _F(DEKO, "Stumpenkerze", "Atelier", 4_95, (_a("weiß", "creme", "salbei", "altrosa"),), spec="7 x 15 cm"),
    _F(DEKO, "Kerzenständer", "Messing", 19_95, (_a("klein", ("groß", 10_00)),)),
    _F(DEKO, "Bilderrahmen", "Eiche", 12_95, (_a("13 x 18 cm", ("20 x 30 cm", 5_00), ("30 x 40 cm", 10_00)),)),
    _F(DEKO, "Spiegel", "Messing", 129_00, tail="rund Ø 60 cm"),
    _F(DEKO, "Spiegel", "Sonne", 89_99, tail="Rattan Ø 80 cm"),
    _F(DEKO, "Kunstpflanze", "Olivenbaum", 89_99, tail="120 cm"),
    _F(DEKO, "Kunstpflanze", "Monstera", 59_99, tail="90 cm"),
    _F(DEKO, "Übertopf", "Terrakotta", 9_95, (_a("Ø 14 cm", ("Ø 20 cm", 6_00), ("Ø 28 cm", 15_00)),)),
    _F(DEKO, "Korb", "Seegras", 19_95, (_a("Größe S", ("Größe M", 5_00), ("Größe L", 10_00)),)),
    _F(DEKO, "Poster", "Botanik", 24_95, (_a("Farn", "Ginkgo", "Eukalyptus"),), tail="50 x 70 cm"),
    _F(DEKO, "Windlicht", "Laterne", 34_95, tail="Glas und Metall"),
    _F(DEKO, "Tablett", "Akazie", 29_95, tail="rund Ø 40 cm"),
    _F(DEKO, "Christbaumkugeln", "Glas", 19_95, (_a("gold", "rot", "grün", "weiß"),), tail="12er-Set"),
    _F(DEKO, "Adventskranz", "Eukalyptus", 39_95),
    _F(DEKO, "Raumduft", "Atelier", 24_95, (_a("Feige", "Zedernholz", "Meeresbrise"),), tail="100 ml"),
    # Damenmode
    _F(DAMEN, "Strickpullover", "Merino", 79_99, (_a("grau", "creme", "camel"), SXL),
       spec="Damen"),
    _F(DAMEN, "Leinenbluse", "Amalfi", 49_99, (_a("weiß", "natur", "hellblau"), SML)),
    _F(DAMEN, "Jeans", "Eva", 69_99, (_a("dunkelblau", "schwarz"), DAMEN_36_42),
       spec="Slim Fit Damen"),
    _F(DAMEN, "Sommerkleid", "Capri", 59_99, (_a("geblümt", "salbei"), SML), spec="Midi"),
    _F(DAMEN, "Wollmantel", "Wien", 229_00, (_a("camel", "schwarz"), DAMEN_36_42),
       spec="Damen"),
    _F(DAMEN, "Trenchcoat", "Paris", 149_00, (SML,), spec="Damen beige"),
    _F(DAMEN, "T-Shirt", "Bio-Baumwolle", 19_99, (_a("weiß", "schwarz", "grau meliert"), SML), spec="Damen"),
    _F(DAMEN, "Strickjacke", "Hygge", 69_99, (_a("creme", "salbei"), SML), spec="Damen"),
    _F(DAMEN, "Plisseerock", "Sevilla", 49_99, (_a("senfgelb", "schwarz"), SML)),
    # Herrenmode
    _F(HERREN, "Oxfordhemd", "Cambridge", 49_99,
       (_a("weiß", "hellblau"), _a("Größe 39/40", "Größe 41/42", "Größe 43/44")),
       spec="Herren"),
    _F(HERREN, "Pullover", "Highland", 99_00, (_a("navy", "grau", "flaschengrün"), MLXL), spec="Kaschmirmix Herren"),
    _F(HERREN, "Chino", "Harbour", 59_99,
       (_a("beige", "navy", "oliv"), _a("Größe 30/32", "Größe 32/32", "Größe 34/32", "Größe 36/32")),
       spec="Regular Fit Herren"),
    _F(HERREN, "Sakko", "Savile", 199_00, (_a("grau", "navy"), _a("Größe 48", "Größe 50", "Größe 52", "Größe 54")),
       spec="Schurwolle Herren"),
    _F(HERREN, "T-Shirt", "Bio-Baumwolle", 19_99, (_a("weiß", "schwarz", "navy"), MLXL), spec="Herren"),
    _F(HERREN, "Steppjacke", "Nordkap", 129_00, (_a("schwarz", "oliv"), MLXL), spec="Herren"),
    _F(HERREN, "Poloshirt", "Piqué", 39_99, (_a("weiß", "navy"), MLXL), spec="Herren"),
    # Schuhe
    _F(SCHUHE, "Sneaker", "Berlin", 89_99, (_a("Größe 37", "Größe 38", "Größe 39", "Größe 40", "Größe 41"),),
       spec="Leder Damen weiß"),
    _F(SCHUHE, "Stiefelette", "Chelsea", 129_00, (_a("schwarz", "cognac"), SCHUH_37_40),
       spec="Damen"),
    _F(SCHUHE, "Ballerina", "Lucia", 59_99, (_a("schwarz", "beige"), _a("Größe 37", "Größe 38", "Größe 39")),
       spec="Leder"),
    _F(SCHUHE, "Sneaker", "Berlin", 99_99,
       (_a("weiß", "schwarz"), _a("Größe 41", "Größe 42", "Größe 43", "Größe 44", "Größe 45")), spec="Leder Herren"),
    _F(SCHUHE, "Chelsea Boots", "Camden", 149_00, (_a("braun", "schwarz"), _a("Größe 42", "Größe 43", "Größe 44")),
       spec="Herren"),
    _F(SCHUHE, "Hausschuhe", "Allgäu", 34_99,
       (_a("grau", "rot"), _a("Größe 37/38", "Größe 39/40", "Größe 41/42", "Größe 43/44")), spec="Filz"),
    # Accessoires
    _F(ACCESSOIRES, "Schal", "Highland", 79_99, (_a("grau", "camel", "rost", "flaschengrün"),), spec="Kaschmir"),
    _F(ACCESSOIRES, "Strickmütze", "Hygge", 24_99, (_a("grau", "creme", "senfgelb"),)),
    _F(ACCESSOIRES, "Lederhandschuhe", "Wien", 49_99, (_a("schwarz", "cognac"), _a("Größe 7", "Größe 7,5", "Größe 8")),
       spec="Damen"),
    _F(ACCESSOIRES, "Ledergürtel", "Classic", 39_99, (_a("schwarz", "braun"), _a("85 cm", "95 cm", "105 cm"))),
    _F(ACCESSOIRES, "Umhängetasche", "Verona", 149_00, (_a("cognac", "schwarz"),), spec="Leder"),
    _F(ACCESSOIRES, "Shopper", "Canvas", 24_99, (_a("natur", "schwarz"),)),
    _F(ACCESSOIRES, "Sonnenbrille", "Riviera", 39_95, (_a("Cat-Eye", "Pilot"),)),
    _F(ACCESSOIRES, "Geldbörse", "Verona", 49_95, (_a("schwarz", "cognac"),), spec="Leder"),
    _F(ACCESSOIRES, "Stockschirm", "Hamburg", 29_99, (_a("schwarz", "navy"),)),
    _F(ACCESSOIRES, "Seidentuch", "Fleurs", 59_00, tail="90 x 90 cm"),
    _F(ACCESSOIRES, "Haarspange", "Perlmutt", 12_95),
    _F(ACCESSOIRES, "Creolen", "Aurora", 29_95, tail="vergoldet"),
    # Feinkost (7 %)
    _F(FEINKOST, "Espresso", "Napoli", 8_99, (_a("250 g", ("500 g", 8_00), ("1 kg", 20_00)),), spec="ganze Bohne",
       pool="kaffee"),
    _F(FEINKOST, "Kaffee Crema", "Äthiopien", 12_99, tail="ganze Bohne 500 g", pool="kaffee"),
    _F(FEINKOST, "Kaffee Crema", "Kolumbien", 11_99, tail="ganze Bohne 500 g", pool="kaffee"),
    _F(FEINKOST, "Kaffee Crema", "Guatemala", 11_99, tail="ganze Bohne 500 g", pool="kaffee"),
    _F(FEINKOST, "Filterkaffee", "Hochland", 9_99, tail="gemahlen 500 g", pool="kaffee"),
    _F(FEINKOST, "Schwarztee", "Earl Grey", 6_95, tail="lose 100 g", pool="tee"),
    _F(FEINKOST, "Grüntee", "Sencha", 7_95, tail="lose 100 g", pool="tee"),
    _F(FEINKOST, "Rooibostee", "Vanille", 5_95, tail="lose 100 g", synthetic=False),
    _F(FEINKOST, "Kräutertee", "Pfefferminze", 4_95, tail="lose 50 g"),
    _F(FEINKOST, "Gewürztee", "Chai", 6_95, tail="lose 100 g", pool="tee"),
    _F(FEINKOST, "Schokolade", "Manufaktur", 2_99,
       (_a("Edelbitter 70 %", "Vollmilch Haselnuss", "Zartbitter Meersalz", "Weiße Himbeere"),), tail="100 g"),
    _F(FEINKOST, "Olivenöl", "Kreta", 12_95, tail="nativ extra 500 ml", pool="mediterran"),
    _F(FEINKOST, "Aceto Balsamico", "Modena", 9_95, tail="250 ml", synthetic=False),
    _F(FEINKOST, "Honig", "Imkerei", 7_95, (_a("Akazie", "Waldhonig", "Lindenblüte"),), tail="500 g"),
    _F(FEINKOST, "Fruchtaufstrich", "Manufaktur", 4_95, (_a("Erdbeere", "Aprikose", "Bitterorange"),), tail="340 g"),
    _F(FEINKOST, "Pasta", "Toscana", 3_95, (_a("Pappardelle", "Linguine", "Fusilli"),), tail="500 g",
       pool="mediterran"),
    _F(FEINKOST, "Gewürzmischung", "Basar", 5_95, (_a("Ras el-Hanout", "Za'atar", "Curry Madras"),), tail="50 g"),
    _F(FEINKOST, "Meersalzflocken", "Sylt", 6_95, tail="250 g", synthetic=False),
    _F(FEINKOST, "Trüffelpralinen", "Manufaktur", 14_95, tail="200 g"),
    _F(FEINKOST, "Elisenlebkuchen", "Nürnberg", 8_95, tail="200 g", synthetic=False),
    _F(FEINKOST, "Butterspekulatius", "Manufaktur", 3_95, tail="200 g"),
    # Bücher und Zeitschriften (7 %; Buchpreisbindung, see generator)
    _F(BUECHER, "Kochbuch", "Mediterrane Küche", 28_00),
    _F(BUECHER, "Kochbuch", "Skandinavisch backen", 24_00),
    _F(BUECHER, "Kochbuch", "Vegetarisch für jeden Tag", 26_00),
    _F(BUECHER, "Bildband", "Toskana", 39_95),
    _F(BUECHER, "Bildband", "Nordsee und Ostsee", 34_95),
    _F(BUECHER, "Ratgeber", "Wohnen mit Pflanzen", 22_00),
    _F(BUECHER, "Ratgeber", "Kleine Räume groß gestalten", 24_95),
    _F(BUECHER, "Ratgeber", "Ordnung mit System", 18_00),
    _F(BUECHER, "Roman", "Der Sommer am Fluss", 24_00),
    _F(BUECHER, "Roman", "Das Haus an der Förde", 22_00),
    _F(BUECHER, "Taschenbuch", "Nächte in Lissabon", 12_00),
    _F(BUECHER, "Kinderbuch", "Der kleine Fuchs im Schnee", 15_00),
    _F(BUECHER, "Zeitschrift", "Wohnträume", 6_50, tail="Ausgabe 03/2025"),
    _F(BUECHER, "Zeitschrift", "Landküche", 4_90, tail="Ausgabe 03/2025"),
    _F(BUECHER, "Zeitschrift", "Mode & Stil", 5_90, tail="Ausgabe 03/2025"),
    _F(BUECHER, "Zeitschrift", "Gartenglück", 4_50, tail="Ausgabe 03/2025"),
)


def hand_named() -> Iterator[tuple[str, Family, int]]:
    """Every hand-named product as (name, family, gross cents), always in the same order."""
    for family in FAMILIES:
        for name, price in family.variants():
            yield name, family, price

