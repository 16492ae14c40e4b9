"""Word pools from which synthetic demo products are named.

Why: a benchmark catalog of a million products should still read like a shop's range
("Ohrensessel Skandi Visby grau"), not "Product 734512". A synthetic name is a hand-written
family's noun and options with a style word and a collection name from these pools. The
generator drops every collection name that a hand-named family already uses, so a synthetic
product can never take the name of a hand-named one.
"""
from __future__ import annotations

STYLES: dict[str, tuple[str, ...]] = {
    "wohnen": (
        "Landhaus", "Skandi", "Vintage", "Loft", "Boho", "Retro", "Klassik", "Modern", "Natur",
        "Premium", "Urban", "Kolonial", "Bauhaus", "Mid-Century", "Industrial", "Hygge", "Atelier",
        "Manufaktur", "Country", "Nordic", "Riviera", "Palazzo", "Cottage", "Studio", "Chalet",
        "Finca", "Gutshaus", "Hafen", "Kontor", "Werkstatt", "Salon", "Veranda", "Lodge", "Rustikal",
        "Art déco", "Jugendstil", "Biedermeier", "Wabi-Sabi", "Japandi", "Terra", "Dune", "Velvet",
        "Lino", "Loom", "Pure", "Soft", "Edition",
    ),
    "mode": (
        "Basic", "Premium", "Classic", "Casual", "Business", "Comfort", "Relaxed", "Oversize",
        "Vintage", "Essential", "Weekend", "Sport", "Heritage", "Atelier", "Urban", "Travel",
        "Resort", "Riviera", "College", "Tailored", "Soft", "Organic", "Outdoor", "Lounge", "Studio",
        "Harbour", "Alpine", "Nordic", "Capsule", "Signature", "Edition",
    ),
    "feinkost": (
        "Bio", "Fairtrade", "Premium", "Klassik", "Hausmarke", "Manufaktur", "Gourmet", "Selection",
        "Tradition", "Feinschmecker", "Sommer", "Winter", "Festtags", "Landgut",
    ),
    "buch": (
        "Neuausgabe", "Sonderausgabe", "Taschenbuch", "Gebunden", "Jubiläumsausgabe",
        "Großdruck", "Geschenkausgabe", "Band 1", "Band 2", "Band 3",
    ),
}

_ORTE = (
    # Nordic and Baltic
    "Visby", "Ystad", "Malmö", "Göteborg", "Uppsala", "Kalmar", "Falun", "Skagen", "Aarhus",
    "Odense", "Ribe", "Bornholm", "Ålesund", "Bodø", "Narvik", "Lofoten", "Tampere", "Turku",
    "Porvoo", "Espoo", "Riga", "Tallinn", "Gotland", "Öland", "Helsingør", "Randers", "Vejle",
    "Trondheim", "Stavanger", "Rovaniemi", "Kiruna", "Umeå", "Örebro", "Växjö", "Lillehammer",
    # German coast, islands, lakes and mountains
    "Sylt", "Amrum", "Föhr", "Rügen", "Usedom", "Hiddensee", "Juist", "Norderney", "Borkum",
    "Langeoog", "Spiekeroog", "Fehmarn", "Helgoland", "Poel", "Darß", "Zingst", "Warnemünde",
    "Husum", "Eckernförde", "Flensburg", "Tegernsee", "Chiemsee", "Ammersee", "Königssee",
    "Bodensee", "Titisee", "Schliersee", "Starnberg", "Garmisch", "Berchtesgaden", "Allgäu",
    "Harz", "Eifel", "Rhön", "Spreewald", "Müritz", "Uckermark", "Worpswede", "Lüneburg",
    "Celle", "Goslar", "Quedlinburg", "Meißen", "Bamberg", "Würzburg", "Rothenburg", "Lindau",
    "Konstanz", "Heidelberg", "Weimar", "Görlitz", "Potsdam", "Wismar", "Stralsund", "Greifswald",
    # Mediterranean and beyond
    "Siena", "Lucca", "Verona", "Como", "Bellagio", "Portofino", "Amalfi", "Positano", "Sorrento",
    "Palermo", "Catania", "Bari", "Lecce", "Matera", "Bologna", "Parma", "Modena", "Trieste",
    "Genua", "Turin", "Florenz", "Venedig", "Padua", "Ravenna", "Nizza", "Cannes", "Antibes",
    "Arles", "Avignon", "Lyon", "Bordeaux", "Biarritz", "Nantes", "Rennes", "Brest", "Lille",
    "Sevilla", "Granada", "Córdoba", "Málaga", "Valencia", "Girona", "Cádiz", "Mallorca",
    "Menorca", "Ibiza", "Porto", "Faro", "Sintra", "Évora", "Coimbra", "Madeira", "Kreta",
    "Naxos", "Paros", "Rhodos", "Korfu", "Santorin", "Split", "Zadar", "Dubrovnik", "Rovinj",
    "Brügge", "Gent", "Delft", "Utrecht", "Leiden", "Haarlem", "Salzburg", "Graz", "Linz",
    "Innsbruck", "Luzern", "Bern", "Lugano", "Montreux", "Davos", "Zermatt", "Brighton",
    "Bath", "York", "Cornwall", "Dublin", "Galway", "Edinburgh", "Aberdeen", "Marrakesch",
    "Essaouira", "Tanger", "Kyoto", "Nara", "Sapporo", "Santa Fe", "Savannah", "Nantucket",
    # more German towns and landscapes
    "Aachen", "Bautzen", "Bayreuth", "Bingen", "Bonn", "Cochem", "Coburg", "Dinkelsbühl", "Eisenach",
    "Erfurt", "Esslingen", "Freising", "Fulda", "Füssen", "Gotha", "Hameln", "Heringsdorf",
    "Ingolstadt", "Jena", "Kempten", "Kühlungsborn", "Landshut", "Lemgo", "Limburg", "Lindlar",
    "Lübben", "Marburg", "Meersburg", "Mittenwald", "Monschau", "Naumburg", "Oberstdorf", "Passau",
    "Prien", "Regensburg", "Rüdesheim", "Schwerin", "Speyer", "Stade", "Tübingen", "Ulm", "Wernigerode",
    "Wittenberg", "Wolfenbüttel", "Worms", "Xanten", "Zwiesel", "Altmühltal", "Fichtelgebirge",
    "Vogtland", "Erzgebirge", "Odenwald", "Taunus", "Westerwald", "Sauerland", "Teutoburg", "Wendland",
    "Kaiserstuhl", "Markgräflerland", "Hohenlohe", "Chiemgau", "Werdenfels", "Ruppin", "Havelland",
    "Barnim", "Fläming", "Elbsandstein", "Saaleck", "Vulkaneifel", "Nordfriesland", "Dithmarschen",
    "Angeln", "Schwansen", "Probstei", "Ammerland", "Jadebusen", "Wattenmeer", "Steinhuder Meer",
    # more of Europe
    "Bergamo", "Brescia", "Cremona", "Mantua", "Urbino", "Perugia", "Assisi", "Orvieto", "Cortona",
    "Pisa", "Livorno", "Elba", "Capri", "Ischia", "Procida", "Taormina", "Noto", "Ortigia", "Alghero",
    "Cagliari", "Olbia", "Menton", "Èze", "Grasse", "Gordes", "Uzès", "Nîmes", "Sète", "Collioure",
    "Carcassonne", "Annecy", "Chamonix", "Colmar", "Honfleur", "Étretat", "Deauville", "Saint-Malo",
    "Dinard", "Quimper", "Vannes", "La Rochelle", "Cognac", "Toulouse", "Albi", "Ronda", "Toledo",
    "Segovia", "Salamanca", "León", "Bilbao", "San Sebastián", "Santander", "Oviedo", "Vigo",
    "Lagos", "Tavira", "Cascais", "Óbidos", "Nazaré", "Aveiro", "Braga", "Guimarães", "Hydra",
    "Spetses", "Milos", "Ithaka", "Kefalonia", "Zakynthos", "Chania", "Rethymno", "Nafplio",
    "Kotor", "Budva", "Hvar", "Korčula", "Trogir", "Šibenik", "Opatija", "Piran", "Bled", "Ljubljana",
    "Krakau", "Danzig", "Breslau", "Stettin", "Sopot", "Prag", "Brünn", "Krumau", "Pressburg",
    "Budapest", "Eger", "Sopron", "Hallstatt", "Bad Ischl", "Kitzbühel", "Bregenz", "Meran",
    "Bozen", "Brixen", "Gardasee", "Lago Maggiore", "Locarno", "Ascona", "St. Moritz", "Arosa",
    "Gstaad", "Grindelwald", "Interlaken", "Vevey", "Genf", "Basel", "Schaffhausen", "Maastricht",
    "Middelburg", "Texel", "Terschelling", "Groningen", "Antwerpen", "Knokke", "Ostende", "Dinant",
    "Luxemburg", "Vianden", "Kilkenny", "Kinsale", "Dingle", "St Ives", "Whitby", "Oxford",
    "Cambridge", "Cotswolds", "Windermere", "Inverness", "Skye", "Orkney", "Shetland", "Tórshavn",
    "Reykjavík", "Akureyri", "Húsavík", "Tromsø", "Svolvær", "Røros", "Geiranger", "Flåm", "Bergen",
)

_KAFFEE = (
    "Brasilien", "Kolumbien", "Äthiopien", "Guatemala", "Costa Rica", "Honduras", "Peru", "Kenia",
    "Ruanda", "Tansania", "Uganda", "Indien", "Sumatra", "Java", "Papua", "Vietnam", "Mexiko",
    "Nicaragua", "El Salvador", "Bolivien", "Jamaika", "Ecuador", "Burundi", "Panama", "Yunnan",
)

_TEE = (
    "Assam", "Darjeeling", "Ceylon", "Nilgiri", "Yunnan", "Fujian", "Kenia", "Nepal", "Japan",
    "Taiwan", "Ostfriesland", "Malawi", "Georgien", "Uva", "Dimbula", "Kagoshima", "Shizuoka",
)

_REGIONEN = (
    "Toskana", "Apulien", "Sizilien", "Ligurien", "Piemont", "Umbrien", "Andalusien", "Katalonien",
    "Provence", "Bretagne", "Normandie", "Elsass", "Peloponnes", "Lesbos", "Bayern", "Schwarzwald",
    "Pfalz", "Franken", "Altes Land", "Lüneburger Heide", "Vierlande", "Allgäu", "Rheinhessen",
    "Mosel", "Wachau", "Südtirol", "Tirol", "Dalmatien", "Istrien", "Algarve", "Alentejo",
    "Lothringen", "Burgund", "Emilia", "Kampanien", "Sardinien", "Korsika", "Kalabrien",
)

_MEDITERRAN = (
    "Kreta", "Apulien", "Sizilien", "Toskana", "Andalusien", "Peloponnes", "Lesbos", "Ligurien",
    "Kalabrien", "Sardinien", "Alentejo", "Istrien", "Dalmatien", "Umbrien", "Katalonien",
    "Kampanien", "Korsika", "Provence", "Zypern", "Chalkidiki", "Latium", "Abruzzen",
)

_THEMEN = (
    "Landhausküche", "Brot backen", "Suppen und Eintöpfe", "Asiatisch kochen", "Grillen",
    "Süße Weihnachtsbäckerei", "Gemüse aus dem Ofen", "Pasta", "Frühstück", "Kuchen vom Blech",
    "Wohnen im Altbau", "Balkongärten", "Kräuter", "Zimmerpflanzen", "Stricken", "Nähen",
    "Upcycling", "Holzarbeiten", "Keramik", "Aquarell", "Skandinavien", "Provence", "Alpen",
    "Ostsee", "Italien", "Portugal", "Japan", "Marokko", "Schottland", "Island", "Berlin",
    "Hamburg", "München", "Wien", "Paris", "Rom", "Lissabon", "Kopenhagen", "Amsterdam",
    "Achtsamkeit", "Minimalismus", "Farbe im Raum", "Licht", "Kleine Gärten", "Familienküche",
)

LINES: dict[str, tuple[str, ...]] = {
    "orte": _ORTE, "kaffee": _KAFFEE, "tee": _TEE, "regionen": _REGIONEN, "mediterran": _MEDITERRAN,
    "themen": _THEMEN,
}
