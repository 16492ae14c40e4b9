"""German people for the demo customer file: names, addresses with real postcodes, phone
numbers in the formats people actually type, and e-mail addresses derived from the names.

Why so careful: the clienteling screens are judged on data like this. Umlauts and ß (Müller,
Weiß, Jürgen) exercise search and sorting, Turkish and Polish names (Yılmaz, Wiśniewski) the
ASCII folding of e-mail addresses, and postcodes must belong to their city or the demo looks
fake to anyone from Germany. Every postcode below is a real one of that city.

Speed: `customer_rows` makes a million rows in a few seconds. It draws 128 random bits per
customer and takes every choice out of them with divmod, instead of a dozen rng.choice calls.
"""
from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

FEMALE = (
    "Anna", "Lena", "Leonie", "Lea", "Laura", "Julia", "Sarah", "Hannah", "Sophie", "Marie", "Lisa",
    "Katharina", "Johanna", "Charlotte", "Emilia", "Mia", "Clara", "Paula", "Greta", "Frieda", "Ida",
    "Mila", "Luisa", "Amelie", "Jana", "Nina", "Sandra", "Sabine", "Petra", "Claudia", "Andrea",
    "Stefanie", "Nicole", "Kerstin", "Susanne", "Birgit", "Monika", "Ursula", "Renate", "Ingrid",
    "Helga", "Gisela", "Brigitte", "Jutta", "Heike", "Anke", "Silke", "Doris", "Bärbel", "Käthe",
    "Dörte", "Maren", "Merle", "Wiebke", "Frauke", "Svenja", "Antje", "Zoë", "Chiara", "Elif",
    "Ayşe", "Zeynep", "Hülya", "Aylin", "Natalia", "Małgorzata", "Olga", "Irina", "Sofia", "Leyla",
    "Ronja", "Thea", "Mathilda", "Helene", "Luise", "Josephine", "Magdalena", "Theresa",
    "Franziska", "Veronika", "Annegret", "Léa", "Agnès", "Lotte", "Malin",
)

MALE = (
    "Lukas", "Leon", "Finn", "Jonas", "Paul", "Felix", "Elias", "Ben", "Noah", "Luis",
    "Maximilian", "Alexander", "Moritz", "Jan", "Tim", "Tom", "Niklas", "Philipp", "David", "Simon",
    "Julian", "Florian", "Tobias", "Sebastian", "Michael", "Thomas", "Andreas", "Stefan", "Markus",
    "Christian", "Daniel", "Matthias", "Frank", "Jürgen", "Klaus", "Uwe", "Dieter", "Wolfgang",
    "Günter", "Horst", "Manfred", "Rüdiger", "Jörg", "Björn", "Sören", "Jörn", "Malte", "Hauke",
    "Ole", "Henning", "Kai", "Till", "Mats", "Emil", "Anton", "Oskar", "Theo", "Karl", "Friedrich",
    "Konstantin", "Mehmet", "Mustafa", "Emre", "Can", "Deniz", "Murat", "Hakan", "Piotr", "Tomasz",
    "Dmitri", "Sergej", "Nikola", "Luca", "Marco", "Ahmad", "Omar", "Yusuf", "Ali", "Fynn",
    "Hannes", "Bernd", "Gerd", "Heinz", "Rolf", "Volker", "Joachim", "Ralf", "René", "José",
)

LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
    "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz",
    "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther",
    "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht",
    "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer",
    "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas",
    "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn",
    "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Förster",
    "Hübner", "Gärtner", "Strauß", "Voß", "Nußbaum", "Jürgens", "Thießen", "Jansen", "Petersen",
    "Hansen", "Carstensen", "Sörensen", "Claußen", "Janßen", "Rößler", "Dreßler", "Gruber",
    "Hofbauer", "Brandl", "Wimmer", "Moser", "Eder", "Stöckl", "Obermaier", "Lechner", "Bräuer",
    "Löffler", "Göbel", "Blümel", "Kästner", "Mühlbauer", "Schütz", "Wächter", "Fröhlich",
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan",
    "Doğan", "Koç", "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski",
    "Nguyen", "Tran", "Popović", "Jovanović", "Kovačević", "Rossi", "Russo", "Ferrari", "García",
    "Fernández", "Papadopoulos", "Ivanov", "Petrov", "Schmidt-Lange", "Meyer-Hoffmann",
)

_BERLIN_STREETS = (
    "Kastanienallee", "Schönhauser Allee", "Karl-Marx-Allee", "Kantstraße", "Bergmannstraße",
    "Oranienstraße", "Torstraße", "Sonnenallee", "Prenzlauer Allee", "Greifswalder Straße",
    "Boxhagener Straße", "Hermannstraße", "Wilmersdorfer Straße", "Müllerstraße", "Schloßstraße",
)
_HAMBURG_STREETS = (
    "Eppendorfer Weg", "Osterstraße", "Mühlenkamp", "Lange Reihe", "Schanzenstraße",
    "Bahrenfelder Straße", "Hoheluftchaussee", "Grindelallee", "Fuhlsbüttler Straße",
    "Wandsbeker Chaussee", "Ottenser Hauptstraße", "Barmbeker Straße", "Elbchaussee",
)
_MUENCHEN_STREETS = (
    "Leopoldstraße", "Schellingstraße", "Sendlinger Straße", "Rosenheimer Straße",
    "Lindwurmstraße", "Türkenstraße", "Nymphenburger Straße", "Hohenzollernstraße",
    "Schleißheimer Straße", "Belgradstraße", "Wörthstraße", "Augustenstraße", "Ungererstraße",
)
_COMMON_STREETS = (
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Bergstraße", "Birkenweg",
    "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße", "Goethestraße",
    "Mozartstraße", "Am Markt", "Rosenweg", "Wiesenweg", "Beethovenstraße", "Blumenstraße",
    "Friedrichstraße", "Parkstraße", "Mühlenweg", "Eichendorffstraße", "Uhlandstraße",
    "Lessingstraße", "Heinestraße", "Ahornweg", "Am Sportplatz", "Kastanienweg", "Talstraße",
    "Feldstraße", "Jahnstraße", "Bismarckstraße", "Kaiserstraße", "Marktplatz", "Fliederweg",
    "Drosselweg", "Amselweg", "Lerchenweg", "Tulpenweg", "Rathausstraße", "Poststraße",
    "Hölderlinstraße", "Grüner Weg", "Im Winkel", "Zur Mühle", "An der Kirche", "Kurfürstenstraße",
)


@dataclass(frozen=True, slots=True)
class City:
    name: str
    weight: int  # share of the customer file, in per cent
    area_code: str  # landline prefix, with the leading 0
    plz: tuple[str, ...]  # real postcodes of the city (strings: Leipzig and Dresden start with 0)
    streets: tuple[str, ...]
    near_store: str  # the store its people mostly shop at ("WEB" if none is near)


def _plz(*codes: int) -> tuple[str, ...]:
    return tuple(f"{c:05d}" for c in codes)


CITIES: tuple[City, ...] = (
    City("Berlin", 28, "030", _plz(
        10115, 10117, 10119, 10178, 10179, 10243, 10245, 10247, 10249, 10315, 10317, 10365, 10405,
        10407, 10409, 10435, 10437, 10439, 10551, 10553, 10555, 10557, 10585, 10587, 10623, 10625,
        10627, 10629, 10707, 10709, 10711, 10713, 10715, 10717, 10719, 10777, 10779, 10781, 10783,
        10785, 10787, 10789, 10823, 10825, 10827, 10829, 10961, 10963, 10965, 10967, 10969, 10997,
        10999, 12043, 12045, 12047, 12049, 12051, 12053, 12055, 12057, 12059, 12099, 12101, 12103,
        12105, 12157, 12159, 12161, 12163, 12165, 12167, 12169, 12203, 12205, 12207, 12209, 13347,
        13349, 13351, 13353, 13355, 13357, 13359, 13403, 13405, 13407, 13409, 14050, 14052, 14053,
        14055, 14057, 14059, 14193, 14195, 14197, 14199), _BERLIN_STREETS + _COMMON_STREETS, "BER"),
    City("Hamburg", 20, "040", _plz(
        20095, 20097, 20099, 20144, 20146, 20148, 20149, 20249, 20251, 20253, 20255, 20257, 20259,
        20354, 20355, 20357, 20359, 20457, 20459, 20535, 20537, 21029, 21031, 21033, 21073, 21075,
        22041, 22043, 22045, 22081, 22083, 22085, 22087, 22089, 22111, 22297, 22299, 22301, 22303,
        22305, 22307, 22309, 22525, 22527, 22529, 22587, 22589, 22605, 22607, 22609, 22761, 22763,
        22765, 22767, 22769), _HAMBURG_STREETS + _COMMON_STREETS, "HAM"),
    City("München", 20, "089", _plz(
        80331, 80333, 80335, 80336, 80337, 80339, 80469, 80538, 80539, 80634, 80636, 80637, 80638,
        80639, 80686, 80687, 80689, 80796, 80797, 80798, 80799, 80801, 80802, 80803, 80804, 80805,
        80807, 80809, 80933, 80935, 80937, 80939, 81241, 81243, 81245, 81247, 81249, 81369, 81371,
        81373, 81375, 81377, 81379, 81475, 81476, 81477, 81479, 81539, 81541, 81543, 81545, 81547,
        81549, 81667, 81669, 81671, 81673, 81675, 81677, 81679, 81735, 81737, 81739, 81825, 81827,
        81829, 81925, 81927, 81929), _MUENCHEN_STREETS + _COMMON_STREETS, "MUC"),
    City("Potsdam", 3, "0331", _plz(14467, 14469, 14471, 14473, 14476, 14478, 14480, 14482),
         _COMMON_STREETS, "BER"),
    City("Leipzig", 3, "0341", _plz(4103, 4105, 4107, 4109, 4155, 4157, 4159, 4177, 4179, 4229,
                                    4275, 4277, 4279, 4315, 4317, 4318, 4347), _COMMON_STREETS, "BER"),
    City("Dresden", 2, "0351", _plz(1067, 1069, 1097, 1099, 1127, 1129, 1139, 1157, 1159, 1169,
                                    1187, 1189, 1217, 1219, 1237, 1239, 1257, 1277, 1279, 1307, 1309),
         _COMMON_STREETS, "BER"),
    City("Lübeck", 2, "0451", _plz(23552, 23554, 23556, 23558, 23560, 23562, 23564, 23566, 23568, 23569),
         _COMMON_STREETS, "HAM"),
    City("Bremen", 2, "0421", _plz(28195, 28197, 28199, 28201, 28203, 28205, 28207, 28209, 28211,
                                   28213, 28215, 28217, 28219, 28237, 28239), _COMMON_STREETS, "HAM"),
    City("Hannover", 2, "0511", _plz(30159, 30161, 30163, 30165, 30167, 30169, 30171, 30173, 30175,
                                     30177, 30179), _COMMON_STREETS, "WEB"),
    City("Augsburg", 2, "0821", _plz(86150, 86152, 86153, 86154, 86156, 86157, 86159, 86161, 86163,
                                     86165, 86167, 86169, 86179, 86199), _COMMON_STREETS, "MUC"),
    City("Nürnberg", 3, "0911", _plz(90402, 90403, 90408, 90409, 90411, 90419, 90427, 90429, 90431,
                                     90439, 90441, 90443, 90449, 90451, 90453, 90459, 90461, 90469,
                                     90471, 90473, 90478, 90480, 90482, 90489, 90491), _COMMON_STREETS, "MUC"),
    City("Stuttgart", 3, "0711", _plz(70173, 70174, 70176, 70178, 70180, 70182, 70184, 70186, 70188,
                                      70190, 70191, 70192, 70193, 70195, 70197, 70199), _COMMON_STREETS, "WEB"),
    City("Freiburg im Breisgau", 1, "0761", _plz(79098, 79100, 79102, 79104, 79106, 79108, 79110,
                                                 79111, 79112, 79114, 79115, 79117), _COMMON_STREETS, "WEB"),
    City("Köln", 3, "0221", _plz(50667, 50668, 50670, 50672, 50674, 50676, 50677, 50678, 50679,
                                 50733, 50735, 50737, 50739, 50823, 50825, 50827, 50829, 50931, 50933,
                                 50935, 50937, 50939, 51061, 51063, 51065, 51067, 51069, 51103, 51105,
                                 51107, 51109), _COMMON_STREETS, "WEB"),
    City("Düsseldorf", 2, "0211", _plz(40210, 40211, 40212, 40213, 40215, 40217, 40219, 40221, 40223,
                                       40225, 40227, 40229, 40231, 40233, 40235, 40237, 40239),
         _COMMON_STREETS, "WEB"),
    City("Frankfurt am Main", 3, "069", _plz(60306, 60308, 60310, 60311, 60313, 60314, 60316, 60318,
                                             60320, 60322, 60323, 60325, 60326, 60327, 60329, 60385,
                                             60386, 60388, 60389, 60431, 60433, 60435, 60437, 60438,
                                             60439, 60486, 60487, 60488, 60489, 60528, 60529, 60594,
                                             60596, 60598, 60599), _COMMON_STREETS, "WEB"),
    City("Münster", 1, "0251", _plz(48143, 48145, 48147, 48149, 48151, 48153, 48155, 48157, 48159,
                                    48161, 48163, 48165, 48167), _COMMON_STREETS, "WEB"),
)
# One slot per per cent, so a city is one index away from a random number.
_CITY_SLOTS: tuple[City, ...] = tuple(c for c in CITIES for _ in range(c.weight))
assert len(_CITY_SLOTS) == 100, "city weights must add up to 100"

MOBILE_PREFIXES = ("151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173",
                   "174", "175", "176", "177", "178", "179")
# Weighted by slot like the cities (web.de and GMX lead in Germany).
MAIL_DOMAINS = (("web.de",) * 25 + ("gmx.de",) * 22 + ("gmail.com",) * 20 + ("t-online.de",) * 12
                + ("gmx.net",) * 6 + ("outlook.de",) * 5 + ("icloud.com",) * 5 + ("posteo.de",) * 3
                + ("mailbox.org",) * 2)

# Letters that NFKD does not take apart, or that German spells out (ä -> ae, not a).
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss",
                       "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "đ": "d"})


def ascii_fold(text: str) -> str:
    """'Jürgen Weiß' -> 'Juergen Weiss', 'Yılmaz' -> 'Yilmaz', 'Wiśniewski' -> 'Wisniewski'."""
    spelled = text.translate(_FOLD)
    return unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")


def _mail_part(name: str) -> str:
    return ascii_fold(name).lower().replace(" ", "").replace("'", "")


_EMAIL_PATTERNS = ("{f}.{l}", "{i}.{l}{n}", "{f}{l}", "{l}.{f}", "{f}_{l}{n}", "{f}.{l}{n}", "{f}{n}", "{l}{n}")


def email_for(first: str, last: str, pattern: int, number: int, domain: str) -> str:
    """An address like people pick: lena.mueller@web.de, l.mueller84@gmx.de, ..."""
    f = _MAIL_NAMES.get(first) or _mail_part(first)
    l = _MAIL_NAMES.get(last) or _mail_part(last)
    return _EMAIL_PATTERNS[pattern].format(f=f, l=l, i=f[0], n=number) + "@" + domain


def _subscriber(number: int, length: int) -> str:
    """A subscriber number of `length` digits that does not start with 0."""
    low = 10 ** (length - 1)
    return str(low + number % (9 * low))


def phone_for(city: City, kind: int, fmt: int, number: int) -> str:
    """kind 0-14 mobile, 15-18 landline, 19 none; fmt picks one of the usual spellings."""
    if kind >= 19:
        return ""
    if kind < 15:
        prefix = MOBILE_PREFIXES[number % len(MOBILE_PREFIXES)]
        # 015x and 0176-0179 numbers have eight digits after the prefix, the older ones seven.
        sub = _subscriber(number // 17, 8 if prefix[1] == "5" or prefix >= "176" else 7)
        return (f"+49 {prefix} {sub}", f"0{prefix} {sub}", f"0{prefix} {sub[:4]} {sub[4:]}")[fmt]
    area = city.area_code
    sub = _subscriber(number, 8 if len(area) == 3 else 7)  # big cities have short area codes
    return (f"{area} {sub}", f"+49 {area[1:]} {sub}", f"{area}/{sub}")[fmt]


_MAIL_NAMES = {name: _mail_part(name) for name in FEMALE + MALE + LAST}


def customer_rows(rng: random.Random, first_id: int, count: int) -> Iterator[tuple]:
    """Rows for `customers`: (id, number, first, last, street, zip, city, phone, email, store).

    Lazily, so a million customers never sit in memory at once.
    """
    bits = rng.getrandbits
    n_female, n_male, n_last = len(FEMALE), len(MALE), len(LAST)
    for cid in range(first_id, first_id + count):
        x = bits(128)
        x, female = divmod(x, 2)
        if female:
            x, i = divmod(x, n_female)
            first = FEMALE[i]
        else:
            x, i = divmod(x, n_male)
            first = MALE[i]
        x, i = divmod(x, n_last)
        last = LAST[i]
        x, i = divmod(x, 100)
        city = _CITY_SLOTS[i]
        x, i = divmod(x, len(city.plz))
        plz = city.plz[i]
        x, i = divmod(x, len(city.streets))
        x, house = divmod(x, 160)
        x, letter = divmod(x, 25)  # one in eight house numbers has a letter: 12a
        street = f"{city.streets[i]} {house + 1}{'abc'[letter] if letter < 3 else ''}"
        x, kind = divmod(x, 20)
        x, fmt = divmod(x, 3)
        x, number = divmod(x, 10 ** 9)
        phone = phone_for(city, kind, fmt, number)
        x, has_mail = divmod(x, 10)
        x, pattern = divmod(x, 8)
        x, year = divmod(x, 60)
        x, dom = divmod(x, len(MAIL_DOMAINS))
        email = "" if has_mail == 0 else email_for(first, last, pattern, year + 40, MAIL_DOMAINS[dom])
        x, web = divmod(x, 100)
        store = city.near_store if web >= 15 else "WEB"  # 15 % of store-city customers shop online
        yield (cid, f"K-{cid:07d}", first, last, street, plz, city.name, phone, email, store)
