"""Word lists and text templates the demo portfolio is built from.

Plain data only: the generator draws from these with a seeded random.Random, so the same seed
gives the same customers, people and plan texts. Names are invented; domains use `.example`.
"""

from __future__ import annotations

from typing import NamedTuple


def _names(text: str) -> list[str]:
    """A comma-separated word list as a list (keeps long lists compact and readable)."""
    return [item.strip() for item in text.split(",") if item.strip()]


# Industries our customers are in, with the typical growth of their markets (% a year).
INDUSTRY_GROWTH = {
    "Automotive": 1.5,
    "Aerospace": 5.0,
    "Industrial machinery": 2.5,
    "Food & beverage": 3.0,
    "Packaging": 3.5,
    "Medical devices": 6.0,
    "Chemicals": 2.0,
    "Electronics": 5.5,
    "Energy": 7.5,
    "Rail": 4.0,
    "Plastics": 1.0,
    "Metalworking": 1.5,
    "Marine": 2.0,
    "Agricultural equipment": 2.5,
    "Building technology": 3.0,
}

# What we sell: (category, cost-of-goods share of revenue, list price per unit, unit is hours).
PRODUCT_CATEGORIES = [
    ("Fasteners", 0.75, 0.45, False),
    ("Bearings", 0.69, 38.0, False),
    ("Seals & gaskets", 0.63, 6.5, False),
    ("Hydraulic components", 0.71, 240.0, False),
    ("Engineering services", 0.60, 95.0, True),
]

# The wide range one large key-account group buys from us across its plants (the benchmark
# dataset's 50-member, 40-category white-space map; accounts/demo/relationships.py
# `create_wide_group`): on top of PRODUCT_CATEGORIES, and never one of the categories bought
# only elsewhere (scoring/demo.py ELSEWHERE_CATEGORIES).
WIDE_RANGE_CATEGORIES = [
    "Abrasives",
    "Adhesives",
    "Ball screws",
    "Belts & pulleys",
    "Brakes & clutches",
    "Cable & wiring",
    "Castors & wheels",
    "Chains & sprockets",
    "Connectors",
    "Conveyor parts",
    "Cooling fans",
    "Couplings",
    "Cutting tools",
    "Electric motors",
    "Filters",
    "Frequency inverters",
    "Gearboxes",
    "Hand tools",
    "Heating elements",
    "Hoses & fittings",
    "Measuring instruments",
    "Packaging materials",
    "Pneumatic cylinders",
    "Power tools",
    "Pumps",
    "Safety equipment",
    "Shafts & axles",
    "Springs",
    "Storage systems",
    "Valves",
    "Welding supplies",
    "Workshop equipment",
]

# Category mix by industry (weights in PRODUCT_CATEGORIES order).
INDUSTRY_MIX = {
    "Automotive": (5, 3, 3, 1, 1),
    "Aerospace": (3, 3, 2, 2, 2),
    "Industrial machinery": (3, 4, 2, 4, 1),
    "Food & beverage": (2, 2, 5, 1, 1),
    "Packaging": (2, 3, 3, 2, 1),
    "Medical devices": (3, 2, 4, 1, 3),
    "Chemicals": (1, 2, 6, 2, 1),
    "Electronics": (5, 1, 2, 1, 2),
    "Energy": (2, 3, 2, 5, 2),
    "Rail": (4, 4, 2, 2, 1),
    "Plastics": (2, 2, 3, 3, 1),
    "Metalworking": (4, 3, 1, 3, 1),
    "Marine": (3, 3, 3, 3, 1),
    "Agricultural equipment": (4, 3, 2, 4, 1),
    "Building technology": (5, 1, 3, 1, 1),
}

# region -> [(country, weight)]; the region weight is how much of the customer base is there.
REGIONS = {
    "DACH": (30, [("DE", 70), ("AT", 15), ("CH", 15)]),
    "Nordics": (9, [("SE", 40), ("NO", 20), ("DK", 20), ("FI", 20)]),
    "Benelux": (10, [("NL", 55), ("BE", 40), ("LU", 5)]),
    "UK & Ireland": (10, [("GB", 85), ("IE", 15)]),
    "France": (10, [("FR", 100)]),
    "Italy": (9, [("IT", 100)]),
    "Iberia": (6, [("ES", 75), ("PT", 25)]),
    "CEE": (8, [("PL", 40), ("CZ", 25), ("HU", 15), ("SK", 8), ("RO", 12)]),
    "North America": (8, [("US", 85), ("CA", 15)]),
}

COUNTRY_NAMES = {
    "DE": "Germany",
    "AT": "Austria",
    "CH": "Switzerland",
    "SE": "Sweden",
    "NO": "Norway",
    "DK": "Denmark",
    "FI": "Finland",
    "NL": "the Netherlands",
    "BE": "Belgium",
    "LU": "Luxembourg",
    "GB": "the UK",
    "IE": "Ireland",
    "FR": "France",
    "IT": "Italy",
    "ES": "Spain",
    "PT": "Portugal",
    "PL": "Poland",
    "CZ": "Czechia",
    "HU": "Hungary",
    "SK": "Slovakia",
    "RO": "Romania",
    "US": "the US",
    "CA": "Canada",
}

PHONE_PREFIX = {
    "DE": "+49",
    "AT": "+43",
    "CH": "+41",
    "SE": "+46",
    "NO": "+47",
    "DK": "+45",
    "FI": "+358",
    "NL": "+31",
    "BE": "+32",
    "LU": "+352",
    "GB": "+44",
    "IE": "+353",
    "FR": "+33",
    "IT": "+39",
    "ES": "+34",
    "PT": "+351",
    "PL": "+48",
    "CZ": "+420",
    "HU": "+36",
    "SK": "+421",
    "RO": "+40",
    "US": "+1",
    "CA": "+1",
}

# Each country speaks one of these naming languages.
LANGUAGE = {
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "SE": "nordic",
    "NO": "nordic",
    "DK": "nordic",
    "FI": "nordic",
    "NL": "nl",
    "BE": "nl",
    "LU": "fr",
    "GB": "en",
    "IE": "en",
    "FR": "fr",
    "IT": "it",
    "ES": "es",
    "PT": "pt",
    "PL": "pl",
    "CZ": "cz",
    "HU": "hu",
    "SK": "cz",
    "RO": "ro",
    "US": "us",
    "CA": "us",
}

LEGAL_FORMS = {
    "DE": ["GmbH", "GmbH", "AG", "GmbH & Co. KG", "SE"],
    "AT": ["GmbH", "GmbH", "AG"],
    "CH": ["AG", "AG", "GmbH"],
    "SE": ["AB"],
    "NO": ["AS", "ASA"],
    "DK": ["A/S", "ApS"],
    "FI": ["Oy", "Oyj"],
    "NL": ["B.V.", "B.V.", "N.V."],
    "BE": ["NV", "BV", "SA"],
    "LU": ["S.A.", "S.à r.l."],
    "GB": ["Ltd", "Ltd", "plc"],
    "IE": ["Ltd", "DAC"],
    "FR": ["SAS", "SAS", "SA", "SARL"],
    "IT": ["S.p.A.", "S.r.l.", "S.r.l."],
    "ES": ["S.A.", "S.L.", "S.L."],
    "PT": ["Lda.", "S.A."],
    "PL": ["Sp. z o.o.", "Sp. z o.o.", "S.A."],
    "CZ": ["s.r.o.", "a.s."],
    "SK": ["s.r.o.", "a.s."],
    "HU": ["Kft.", "Zrt."],
    "RO": ["S.R.L.", "S.A."],
    "US": ["Inc.", "LLC", "Corp."],
    "CA": ["Inc.", "Ltd."],
}

SURNAMES = {
    "de": _names(
        "Hartmann, Becker, Schneider, Vogel, Krämer, Brandt, Lehmann, Seidel, Wagner, Keller, "
        "Hoffmann, Schuster, Franke, Lorenz, Baumann, Kühn, Engel, Ziegler, Sommer, Hahn, "
        "Pfeiffer, Roth, Winkler, Haas, Brunner, Huber, Gruber, Steiner, Moser, Frei, Meier, "
        "Wolf, Böhm, Albrecht, Fuchs, Kessler, Graf, Vogt, Reuter, Eberhardt"
    ),
    "nordic": _names(
        "Lindqvist, Johansson, Andersen, Nyberg, Halvorsen, Virtanen, Korhonen, Lund, Dahl, Berg, "
        "Holm, Sandberg, Ekström, Nilsen, Sörensen, Mäkinen, Lindgren, Hansen, Bergström, Strand, "
        "Nieminen, Karlsson, Aalto, Vik, Hedlund, Solberg, Rasmussen, Lindholm"
    ),
    "nl": _names(
        "Van der Berg, De Vries, Jansen, Bakker, Visser, Peeters, Janssens, Maes, Willems, Claes, "
        "Smit, Mulder, Van Dijk, De Jong, Hendriks, Dekker, Verhoeven, Van Leeuwen, Goossens, "
        "Wouters, Kuipers, Vermeulen, Brouwer, De Smet, Van Damme, Bosman"
    ),
    "en": _names(
        "Ashworth, Whitfield, Hargreaves, Thornton, Pemberton, Fletcher, Lowe, O'Brien, Murphy, "
        "Kelly, Gallagher, Brennan, Cartwright, Holloway, Sinclair, Barker, Marsden, Kendall, "
        "Fairbairn, Radcliffe, Drummond, Kavanagh, Whitaker, Beaumont, Prescott, Lancaster"
    ),
    "fr": _names(
        "Dubois, Lefèvre, Moreau, Girard, Fournier, Lambert, Rousseau, Bonnet, Mercier, "
        "Chevalier, Garnier, Faure, Perrin, Marchand, Roux, Laurent, Morel, Gauthier, Blanchard, "
        "Renaud, Collin, Masson, Picard, Vidal, Brunet, Lemoine"
    ),
    "it": _names(
        "Rossi, Bianchi, Colombo, Ferrari, Ricci, Marino, Greco, Bruno, Gallo, Conti, Costa, "
        "Fontana, Moretti, Barbieri, Lombardi, Rinaldi, Caruso, Ferri, Galli, Martini, Mancini, "
        "Villa, Sala, Bassi, Pellegrini, Marchetti"
    ),
    "es": _names(
        "García, Fernández, Moreno, Navarro, Ortega, Romero, Castillo, Iglesias, Serrano, Molina, "
        "Delgado, Morales, Ruiz, Herrera, Vázquez, Sanz, Rubio, Marín, Domínguez, Gil, Aguirre, "
        "Echeverría"
    ),
    "pt": _names(
        "Sousa, Ferreira, Pereira, Costa, Carvalho, Rodrigues, Almeida, Ribeiro, Martins, Lopes, "
        "Gonçalves, Teixeira, Moreira, Mendes, Pinto, Barbosa"
    ),
    "pl": _names(
        "Nowak, Kowalski, Wiśniewski, Wójcik, Kamiński, Lewandowski, Zieliński, Szymański, "
        "Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk"
    ),
    "cz": _names(
        "Novák, Svoboda, Dvořák, Černý, Procházka, Kučera, Veselý, Horák, Němec, Marek, Pokorný, "
        "Kováč, Hruška, Beneš"
    ),
    "hu": _names(
        "Nagy, Kovács, Tóth, Szabó, Horváth, Varga, Kiss, Molnár, Németh, Farkas, Balogh, Papp"
    ),
    "ro": _names(
        "Popescu, Ionescu, Dumitrescu, Stan, Stoica, Gheorghe, Rusu, Munteanu, Constantin, Marin, "
        "Tudor, Dinu"
    ),
    "us": _names(
        "Carter, Mitchell, Reynolds, Brooks, Hayes, Sullivan, Bennett, Foster, Hamilton, Porter, "
        "Coleman, Russell, Graham, Wallace, Tremblay, Gagnon, Bouchard, Harper, Whitman, "
        "Callahan, Donovan, Sheridan, Caldwell, Lawson, Fitzgerald, Gallant"
    ),
}

FIRST_NAMES = {
    "de": _names(
        "Anna, Lukas, Katrin, Stefan, Julia, Markus, Sabine, Tobias, Claudia, Jan, Nina, Florian, "
        "Andrea, Matthias, Lea, Michael, Birgit, Jonas"
    ),
    "nordic": _names(
        "Erik, Ingrid, Lars, Sofia, Mikael, Astrid, Johan, Karin, Anders, Freja, Mika, Sanna, "
        "Henrik, Liv, Oskar, Elin"
    ),
    "nl": _names(
        "Pieter, Sanne, Joost, Eva, Bram, Lotte, Koen, Femke, Wim, Inge, Thijs, Marieke, Stijn, Els"
    ),
    "en": _names(
        "James, Sarah, Oliver, Emma, Thomas, Claire, Daniel, Rachel, Michael, Siobhan, Patrick, "
        "Hannah, Andrew, Laura, Ciaran, Fiona"
    ),
    "fr": _names(
        "Pierre, Camille, Nicolas, Claire, Julien, Sophie, Mathieu, Élodie, Antoine, Isabelle, "
        "Olivier, Céline, François, Aurélie"
    ),
    "it": _names(
        "Marco, Giulia, Luca, Francesca, Alessandro, Chiara, Matteo, Elena, Davide, Sara, "
        "Giorgio, Valentina, Paolo, Silvia"
    ),
    "es": _names(
        "Javier, Lucía, Carlos, Marta, Alejandro, Elena, Pablo, Carmen, Sergio, Laura, Miguel, "
        "Nuria"
    ),
    "pt": ["João", "Ana", "Pedro", "Inês", "Rui", "Catarina", "Tiago", "Marta", "Nuno", "Rita"],
    "pl": ["Piotr", "Anna", "Tomasz", "Katarzyna", "Marcin", "Agnieszka", "Paweł", "Magdalena"],
    "cz": ["Petr", "Jana", "Martin", "Lucie", "Tomáš", "Eva", "Jakub", "Kateřina"],
    "hu": ["Gábor", "Eszter", "László", "Katalin", "Zoltán", "Anna", "Péter", "Réka"],
    "ro": ["Andrei", "Ioana", "Mihai", "Elena", "Alexandru", "Maria", "Radu", "Ana"],
    "us": _names(
        "Michael, Jennifer, David, Emily, Robert, Jessica, Brian, Ashley, Kevin, Megan, Ryan, "
        "Nicole, Jason, Amanda, Marc, Isabelle"
    ),
}

# Naming patterns per language: ("{s} Präzisionstechnik", industry). {s} is a surname.
NAME_PATTERNS = {
    "de": [
        ("{s} Präzisionstechnik", "Industrial machinery"),
        ("{s} Maschinenbau", "Industrial machinery"),
        ("{s} Antriebstechnik", "Industrial machinery"),
        ("{s} Fahrzeugtechnik", "Automotive"),
        ("{s} Automotive Systems", "Automotive"),
        ("{s} Luftfahrttechnik", "Aerospace"),
        ("{s} Verpackungen", "Packaging"),
        ("{s} Medizintechnik", "Medical devices"),
        ("{s} Lebensmittelwerke", "Food & beverage"),
        ("{s} Chemie", "Chemicals"),
        ("{s} Elektronik", "Electronics"),
        ("{s} Energietechnik", "Energy"),
        ("{s} Bahntechnik", "Rail"),
        ("{s} Kunststofftechnik", "Plastics"),
        ("{s} Metallwerke", "Metalworking"),
        ("{s} Schiffstechnik", "Marine"),
        ("{s} Landtechnik", "Agricultural equipment"),
        ("{s} Gebäudetechnik", "Building technology"),
    ],
    "nordic": [
        ("{s} Maskin", "Industrial machinery"),
        ("{s} Industri", "Metalworking"),
        ("{s} Teknik", "Industrial machinery"),
        ("{s} Automation", "Electronics"),
        ("{s} Hydraulik", "Industrial machinery"),
        ("{s} Marine", "Marine"),
        ("{s} Elektronik", "Electronics"),
        ("{s} Emballage", "Packaging"),
        ("{s} Foods", "Food & beverage"),
        ("{s} Medtech", "Medical devices"),
        ("{s} Energi", "Energy"),
        ("{s} Fordon", "Automotive"),
        ("{s} Plast", "Plastics"),
        ("{s} Lantbruksmaskiner", "Agricultural equipment"),
    ],
    "nl": [
        ("{s} Techniek", "Industrial machinery"),
        ("{s} Machinebouw", "Industrial machinery"),
        ("{s} Metaalbewerking", "Metalworking"),
        ("{s} Verpakkingen", "Packaging"),
        ("{s} Kunststoffen", "Plastics"),
        ("{s} Installatietechniek", "Building technology"),
        ("{s} Voedingsmiddelen", "Food & beverage"),
        ("{s} Medische Systemen", "Medical devices"),
        ("{s} Aandrijftechniek", "Industrial machinery"),
        ("{s} Chemie", "Chemicals"),
        ("{s} Scheepsbouw", "Marine"),
        ("{s} Elektronica", "Electronics"),
        ("{s} Agrotechniek", "Agricultural equipment"),
    ],
    "en": [
        ("{s} Engineering", "Industrial machinery"),
        ("{s} Precision", "Industrial machinery"),
        ("{s} Aerospace", "Aerospace"),
        ("{s} Automation", "Electronics"),
        ("{s} Packaging", "Packaging"),
        ("{s} Foods", "Food & beverage"),
        ("{s} Medical", "Medical devices"),
        ("{s} Rail Systems", "Rail"),
        ("{s} Hydraulics", "Industrial machinery"),
        ("{s} Fabrications", "Metalworking"),
        ("{s} Plastics", "Plastics"),
        ("{s} Marine", "Marine"),
        ("{s} Energy", "Energy"),
        ("{s} Controls", "Building technology"),
        ("{s} Chemicals", "Chemicals"),
        ("{s} Vehicle Components", "Automotive"),
    ],
    "fr": [
        ("Mécanique {s}", "Industrial machinery"),
        ("{s} Industrie", "Metalworking"),
        ("Établissements {s}", "Metalworking"),
        ("{s} Emballages", "Packaging"),
        ("{s} Automatismes", "Electronics"),
        ("Ateliers {s}", "Industrial machinery"),
        ("{s} Aéronautique", "Aerospace"),
        ("{s} Médical", "Medical devices"),
        ("{s} Agroalimentaire", "Food & beverage"),
        ("{s} Ferroviaire", "Rail"),
        ("{s} Énergie", "Energy"),
        ("{s} Plasturgie", "Plastics"),
        ("{s} Équipements Automobiles", "Automotive"),
        ("{s} Chimie", "Chemicals"),
    ],
    "it": [
        ("{s} Meccanica", "Industrial machinery"),
        ("Officine {s}", "Metalworking"),
        ("{s} Automazione", "Electronics"),
        ("{s} Imballaggi", "Packaging"),
        ("{s} Alimentare", "Food & beverage"),
        ("{s} Oleodinamica", "Industrial machinery"),
        ("{s} Elettronica", "Electronics"),
        ("{s} Biomedicale", "Medical devices"),
        ("{s} Plastica", "Plastics"),
        ("Fonderie {s}", "Metalworking"),
        ("{s} Ferroviaria", "Rail"),
        ("{s} Componenti Auto", "Automotive"),
        ("{s} Macchine Agricole", "Agricultural equipment"),
        ("{s} Nautica", "Marine"),
    ],
    "es": [
        ("Industrias {s}", "Metalworking"),
        ("Talleres {s}", "Industrial machinery"),
        ("Mecanizados {s}", "Metalworking"),
        ("Envases {s}", "Packaging"),
        ("Componentes {s}", "Automotive"),
        ("Automatismos {s}", "Electronics"),
        ("Alimentaria {s}", "Food & beverage"),
        ("Química {s}", "Chemicals"),
        ("Energías {s}", "Energy"),
        ("Aeronáutica {s}", "Aerospace"),
    ],
    "pt": [
        ("Metalomecânica {s}", "Metalworking"),
        ("Indústrias {s}", "Industrial machinery"),
        ("Embalagens {s}", "Packaging"),
        ("Componentes {s}", "Automotive"),
        ("Conservas {s}", "Food & beverage"),
        ("Moldes {s}", "Plastics"),
    ],
    "pl": [
        ("{s} Maszyny", "Industrial machinery"),
        ("{s} Metal", "Metalworking"),
        ("Zakłady {s}", "Metalworking"),
        ("{s} Automatyka", "Electronics"),
        ("{s} Opakowania", "Packaging"),
        ("{s} Motoryzacja", "Automotive"),
        ("{s} Tworzywa", "Plastics"),
    ],
    "cz": [
        ("{s} Strojírny", "Industrial machinery"),
        ("{s} Kovo", "Metalworking"),
        ("{s} Technik", "Industrial machinery"),
        ("{s} Automotive", "Automotive"),
        ("{s} Plasty", "Plastics"),
        ("{s} Elektro", "Electronics"),
    ],
    "hu": [
        ("{s} Gépgyártó", "Industrial machinery"),
        ("{s} Ipari", "Metalworking"),
        ("{s} Műanyag", "Plastics"),
        ("{s} Autóalkatrész", "Automotive"),
        ("{s} Elektronika", "Electronics"),
    ],
    "ro": [
        ("{s} Industrial", "Metalworking"),
        ("{s} Mecanica", "Industrial machinery"),
        ("{s} Componente Auto", "Automotive"),
        ("{s} Ambalaje", "Packaging"),
    ],
    "us": [
        ("{s} Industries", "Metalworking"),
        ("{s} Manufacturing", "Industrial machinery"),
        ("{s} Precision", "Industrial machinery"),
        ("{s} Aerospace", "Aerospace"),
        ("{s} Medical Systems", "Medical devices"),
        ("{s} Packaging", "Packaging"),
        ("{s} Foods", "Food & beverage"),
        ("{s} Automation", "Electronics"),
        ("{s} Rail", "Rail"),
        ("{s} Energy Systems", "Energy"),
        ("{s} Fluid Power", "Industrial machinery"),
        ("{s} Automotive", "Automotive"),
        ("{s} Ag Equipment", "Agricultural equipment"),
        ("{s} Building Products", "Building technology"),
        ("{s} Chemical", "Chemicals"),
    ],
}

CITIES = {
    "DE": ["Stuttgart", "München", "Bremen", "Dortmund", "Leipzig", "Hannover", "Nürnberg"],
    "AT": ["Linz", "Graz", "Wien", "Salzburg"],
    "CH": ["Winterthur", "Basel", "Zug", "St. Gallen"],
    "SE": ["Göteborg", "Västerås", "Malmö", "Jönköping"],
    "NO": ["Bergen", "Stavanger", "Trondheim"],
    "DK": ["Aarhus", "Odense", "Esbjerg"],
    "FI": ["Tampere", "Oulu", "Vaasa"],
    "NL": ["Eindhoven", "Rotterdam", "Enschede", "Venlo"],
    "BE": ["Gent", "Antwerpen", "Liège", "Kortrijk"],
    "LU": ["Esch", "Luxembourg"],
    "GB": ["Sheffield", "Derby", "Coventry", "Bristol", "Leeds"],
    "IE": ["Cork", "Galway", "Limerick"],
    "FR": ["Lyon", "Toulouse", "Grenoble", "Lille", "Nantes"],
    "IT": ["Torino", "Brescia", "Bologna", "Vicenza", "Bergamo"],
    "ES": ["Bilbao", "Zaragoza", "Valencia", "Barcelona"],
    "PT": ["Porto", "Aveiro", "Braga"],
    "PL": ["Poznań", "Wrocław", "Katowice"],
    "CZ": ["Brno", "Plzeň", "Ostrava"],
    "HU": ["Győr", "Debrecen", "Kecskemét"],
    "SK": ["Žilina", "Trnava"],
    "RO": ["Cluj", "Timișoara", "Brașov"],
    "US": ["Ohio", "Michigan", "Carolina", "Texas", "Wisconsin"],
    "CA": ["Ontario", "Québec"],
}

# The people KAM is used by (username, first name, last name).
DIRECTOR = ("director", "Katrin", "Vogel")
KAMS = [
    ("kam1", "Julia", "Becker"),
    ("kam2", "Marco", "Rinaldi"),
    ("kam3", "Sophie", "Laurent"),
    ("kam4", "Thomas", "Kessler"),
    ("kam5", "Emma", "Lindqvist"),
    ("kam6", "Daniel", "Novák"),
]
OPERATIONS = [("ops1", "Jonas", "Weber"), ("ops2", "Aylin", "Demir")]
ADMIN = ("admin", "Kim", "Admin")
# Non-KAM staff on key account teams: (username stem, functional role, names to use in turn).
STAFF = [
    ("engineer", "engineering", [("Lukas", "Brandt"), ("Mia", "Schröder"), ("Arjun", "Mehta")]),
    ("logistics", "logistics", [("Piotr", "Zieliński"), ("Greta", "Holm")]),
    ("finance", "finance", [("Hannah", "Keller")]),
    ("marketing", "marketing", [("Clara", "Jansen")]),
    ("it", "it", [("Felix", "Wagner")]),
    ("rnd", "rnd", [("Nina", "Hoffmann")]),
    ("service", "customer_service", [("Oliver", "Brooks"), ("Lena", "Fischer")]),
]
STAFF_NAME_POOL_FIRST = _names(
    "Paul, Marie, Ben, Lina, Tim, Emily, Noah, Zoe, Max, Ida, Leon, Ella, Finn, Maja, Erik, Paula"
)
STAFF_NAME_POOL_LAST = _names(
    "Arnold, Berger, Dietrich, Frank, Günther, Heinrich, Jung, Kraus, Lang, Martin, Naumann, "
    "Otto, Peters, Ritter, Schulz, Thiel"
)

SERVICE_TEAMS = ["Logistics", "Quality", "Customer service"]

COMPETITORS = _names(
    "Brenner Industrietechnik, NordFast, Castell Components, Vanguard Supply, "
    "Meridian Fluid Systems, Oakridge Industrial, Alpina Dichtungstechnik, Lusitana Componentes, "
    "Polaris Bearings, Tecnoval"
)

# DMU: (title, function, buying role, influence range)
DMU_ROLES = [
    ("Chief Procurement Officer", "Procurement", "decision_maker", (4, 5)),
    ("Head of Purchasing", "Procurement", "decision_maker", (4, 5)),
    ("Plant Manager", "Operations", "decision_maker", (4, 5)),
    ("Chief Financial Officer", "Finance", "decision_maker", (3, 5)),
    ("Category Buyer", "Procurement", "buyer", (2, 4)),
    ("Strategic Buyer", "Procurement", "buyer", (3, 4)),
    ("Quality Manager", "Quality", "influencer", (3, 5)),
    ("Head of R&D", "R&D", "influencer", (3, 5)),
    ("Design Engineer", "Engineering", "influencer", (2, 4)),
    ("Supply Chain Manager", "Logistics", "influencer", (3, 4)),
    ("Maintenance Supervisor", "Maintenance", "user", (1, 3)),
    ("Production Engineer", "Operations", "user", (1, 3)),
    ("Warehouse Lead", "Logistics", "user", (1, 2)),
    ("Assistant to the Managing Director", "Management", "gatekeeper", (2, 3)),
    ("Supplier Quality Engineer", "Quality", "gatekeeper", (2, 3)),
]

STAGE_REASONS = {
    "exploratory": [
        "First meetings with purchasing after a trade-fair contact.",
        "Customer invited us to quote after their incumbent missed deliveries.",
        "Introduced by the customer's engineering team; exploring fit.",
    ],
    "tactical": [
        "First frame order won on price; one buyer-seller contact.",
        "Listed as second source; business driven by quotes.",
        "Regular call-offs started, relationship still price-led.",
    ],
    "cooperative": [
        "Contacts now at plant, quality and logistics level; preferred-supplier status.",
        "Customer shares forecasts monthly; several functions work with us.",
        "Quarterly business reviews agreed; leaving us would now be inconvenient.",
    ],
    "interdependent": [
        "Three-year framework agreement signed; we are the largest supplier in the category.",
        "Customer plans production with our capacity; sole source for core parts.",
        "Joint cost-reduction programme and shared KPIs agreed.",
    ],
    "strategic": [
        "Co-created account plan with the customer's board sponsor.",
        "Joint development of the next product generation; exit would be costly for both.",
        "Integrated supply: our people on site and shared IT systems.",
    ],
    "disengaging": [
        "Customer dual-sourcing after a merger; volumes shifting to a competitor.",
        "New procurement leadership moving to price-only tenders.",
        "Quality escalation last year; customer reducing our share.",
    ],
}

DESIGNATION_REASONS = {
    "candidate": [
        "Large spend in our category and strong market growth: worth a closer look.",
        "Monthly business above four times the average account.",
        "High headroom: we hold a small share of a big category spend.",
        "Early adopter of new technology; strategic reference potential.",
    ],
    "key": [
        "Top-decile attractiveness score; customer willing to invest in the relationship.",
        "Strategic reference in its industry and growing fast; approved by the sales board.",
        "Large share of our revenue at stake; needs a dedicated KAM and a plan.",
        "High potential despite modest current volume; selected on potential, not volume.",
    ],
    "reassign": [
        "KAM portfolio rebalanced to keep loads within 2-5 key accounts.",
        "Language and location fit: handed over to a KAM in the region.",
    ],
}

SECTION_TEXTS = {
    "position": [
        "{name} is a {size} player in {industry} in {country}, serving {reach} customers. "
        "Its strategy is {strategy}; our category is {category_role} for them.",
        "{name} competes on {strategy}. Their market grows about {growth}% a year and they "
        "buy {category} and {category2} from several suppliers today.",
    ],
    "strengths": [
        "Strong engineering department; loyal customer base; healthy balance sheet.",
        "Market leader in its niche with a respected brand and modern plants.",
        "Fast decision-making, owner-managed, invests in automation.",
    ],
    "weaknesses": [
        "Thin purchasing team stretched across too many categories; slow approvals.",
        "Ageing plant equipment and high unplanned downtime.",
        "Dependent on two large customers of its own; pressure on margins.",
    ],
    "opportunities": [
        "New plant in {city} from next year needs a supplier for {category}.",
        "Consolidation of the supplier base: they want fewer, stronger partners.",
        "Growth in {industry} demand; product redesign opens the door for {category2}.",
    ],
    "threats": [
        "{competitor} offers aggressive prices to win the frame agreement.",
        "Possible insourcing of {category} assembly; currency and energy costs.",
        "New procurement director may move the category to online tenders.",
    ],
    "competition": [
        "{competitor} holds roughly {competitor_share}% of the category; {competitor2} is "
        "second source. We hold about {share}%.",
        "Main rival is {competitor}, strong on price; {competitor2} competes on lead times. "
        "Our share of their spend is about {share}%.",
    ],
    "needs": [
        "Reliable on-time delivery, short quote turnaround, and engineering support at "
        "product launches. Success for them means lower total cost per unit produced.",
        "Security of supply for {category}, fewer line stoppages, certified quality "
        "(zero-defect target), and help reducing inventory.",
    ],
    "perception": [
        "Seen as a {perception} supplier: good technical support, sometimes slow on quotes.",
        "Survey score {satisfaction}/100. They value our engineers but see us as expensive.",
    ],
    "resources": [
        "One application engineer at {percent}% of time, quarterly executive visits, "
        "dedicated stock of about {pallets} pallets. Investment: {budget}.",
        "KAM plus team from engineering and logistics; VMI set-up and EDI link. "
        "Investment: {budget}.",
    ],
}

SIZES = ["mid-sized", "leading", "fast-growing", "well-established", "family-owned"]
REACHES = ["European", "global", "national", "OEM"]
STRATEGIES = [
    "innovation and short time to market",
    "cost leadership in high volumes",
    "premium quality and service",
    "expansion into new markets",
]
CATEGORY_ROLES = ["critical to uptime", "a cost lever", "part of their product quality"]
PERCEPTIONS = ["reliable but pricey", "responsive", "solid technical", "preferred"]

SOLUTIONS = [
    (
        "Vendor-managed inventory for C-parts",
        "We run the customer's kanban bins and replenish on consumption.",
        "stock-outs down to zero; inventory days down by a third",
    ),
    (
        "Joint value engineering workshop",
        "Redesign of the top ten parts with their engineers to cut material and assembly cost.",
        "part cost down 6%",
    ),
    (
        "Predictive maintenance kit",
        "Sensors on critical bearings with alerts before failure.",
        "unplanned downtime down 25%",
    ),
    (
        "Consignment stock at the plant",
        "Dedicated stock on site, invoiced on withdrawal.",
        "working capital freed; line stoppages avoided",
    ),
    (
        "Certified zero-defect programme",
        "Process audits, 100% inspection on critical features and joint 8D handling.",
        "defects below 50 ppm",
    ),
    (
        "Engineering support at launches",
        "An application engineer in the customer's launch team.",
        "launch on time; first-pass yield above 95%",
    ),
    (
        "EDI ordering and electronic invoicing",
        "Orders and invoices straight from their ERP to ours.",
        "order handling cost per order down 40%",
    ),
    (
        "Standardised part catalogue",
        "Reduce the number of variants they buy from us.",
        "variants down 30%; lower handling cost",
    ),
]

ACTIONS = {
    "personal_trust": [
        "Quarterly business review with the purchasing director",
        "Executive sponsor visit to the customer's board",
        "Invite key users to our plant open day",
        "Map the new plant management team and introduce ourselves",
    ],
    "technical_support": [
        "Application engineer on site for the new line ramp-up",
        "Joint failure analysis of last quarter's returns",
        "Training for maintenance staff on installation",
        "Test programme for the new seal compound",
    ],
    "resource_support": [
        "Second the logistics planner to the customer for two weeks",
        "Share our lean-production consultant for their assembly cell",
        "Co-fund the test rig for the next product generation",
    ],
    "service_levels": [
        "Agree on-time delivery KPI and monthly reporting",
        "Set up EDI call-offs and automatic order confirmation",
        "Introduce 24-hour quote service for spares",
        "Review safety stock levels for critical parts",
    ],
    "risk_reduction": [
        "Second production source qualified for critical parts",
        "Business continuity plan shared with their supply chain team",
        "Price-adjustment clause for raw materials in the frame agreement",
        "Dual-run tooling for the highest-volume parts",
    ],
}


class CommitmentTemplate(NamedTuple):
    """A service promise we make to key accounts; `spread` is the month-to-month noise."""

    category: str
    promise: str
    comparison: str
    target: str
    unit: str
    at_risk_margin: str
    team: str
    spread: float


COMMITMENTS = [
    CommitmentTemplate(
        "delivery_reliability",
        "On-time in-full delivery of at least {target}%",
        "gte",
        "98",
        "%",
        "1.0",
        "Logistics",
        0.6,
    ),
    CommitmentTemplate(
        "just_in_time",
        "JIT call-offs delivered in the agreed window in at least {target}% of cases",
        "gte",
        "95",
        "%",
        "1.5",
        "Logistics",
        0.8,
    ),
    CommitmentTemplate(
        "reorder_system",
        "Kanban bins replenished within {target} working days",
        "lte",
        "2",
        "days",
        "0.3",
        "Logistics",
        0.15,
    ),
    CommitmentTemplate(
        "quote_turnaround",
        "Quotes sent within {target} h of the request",
        "lte",
        "24",
        "h",
        "4",
        "Customer service",
        2.0,
    ),
    CommitmentTemplate(
        "defect_rate",
        "Defect rate at most {target} ppm",
        "lte",
        "150",
        "ppm",
        "30",
        "Quality",
        12.0,
    ),
    CommitmentTemplate(
        "priority_supply",
        "Urgent orders shipped within {target} h",
        "lte",
        "48",
        "h",
        "8",
        "Logistics",
        4.0,
    ),
    CommitmentTemplate(
        "dedicated_stock",
        "Dedicated safety stock covering at least {target} days of demand",
        "gte",
        "20",
        "days",
        "3",
        "Logistics",
        1.5,
    ),
    CommitmentTemplate(
        "technical_response",
        "Technical enquiries answered within {target} working hours",
        "lte",
        "8",
        "h",
        "2",
        "Customer service",
        0.8,
    ),
]
